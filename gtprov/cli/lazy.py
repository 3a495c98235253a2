"""Commands are imported when they run, not when gtprov starts.

The root group knows each command's name, module and one-line help from a
table; ``gtprov --help`` reads only the table, and ``gtprov policy ...``
imports only the policy command's module. Each module either exposes
``register(app)`` (plain commands) or a Typer sub-app (``policy``,
``sandbox``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click
import typer
import typer.main
from typer.core import TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    module: str
    help: str
    sub_app: str = ""
    """Attribute of a Typer sub-app; empty for modules with ``register(app)``."""


COMMANDS: dict[str, LazyCommand] = {
    "create-execution-role": LazyCommand(
        "gtprov.cli.role_cmd", "Create, or bring back in line, an execution role."
    ),
    "setup-workforce": LazyCommand(
        "gtprov.cli.workforce_cmd",
        "Create, or bring back in line, the private workforce.",
    ),
    "add-workers": LazyCommand(
        "gtprov.cli.workforce_cmd", "Invite workers to an existing work team."
    ),
    "remove-workers": LazyCommand(
        "gtprov.cli.workforce_cmd", "Remove workers from a work team."
    ),
    "status": LazyCommand(
        "gtprov.cli.status_cmd", "Show what gtprov manages here, and any drift."
    ),
    "destroy": LazyCommand(
        "gtprov.cli.status_cmd", "Remove what gtprov made, and nothing else."
    ),
    "doctor": LazyCommand(
        "gtprov.cli.status_cmd", "Check the account, Region and caller first."
    ),
    "plan": LazyCommand(
        "gtprov.cli.setup_cmd", "Show every change applying a gtprov.toml would make."
    ),
    "apply": LazyCommand(
        "gtprov.cli.setup_cmd", "Make this account and Region match a gtprov.toml."
    ),
    "export": LazyCommand(
        "gtprov.cli.setup_cmd", "Write a gtprov.toml's setup as a template."
    ),
    "policy": LazyCommand(
        "gtprov.cli.policy_cmd",
        "Print a policy document (offline; JSON on stdout).",
        sub_app="policy_app",
    ),
    "sandbox": LazyCommand(
        "gtprov.cli.sandbox_cmd",
        "Run a local AWS emulation to try gtprov without an account.",
        sub_app="sandbox_app",
    ),
}


class LazyGroup(TyperGroup):
    """A root group that imports a command's module only to run it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in COMMANDS:
            command = load(cmd_name)
            self.add_command(command, cmd_name)
        return command

    def format_commands(
        self, ctx: click.Context, formatter: click.HelpFormatter
    ) -> None:
        rows = [(name, entry.help) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def load(name: str) -> click.Command:
    """Import the module behind ``name`` and build its click command."""
    entry = COMMANDS[name]
    module = importlib.import_module(entry.module)
    if entry.sub_app:
        group = typer.main.get_group(getattr(module, entry.sub_app))
        group.name = name
        return group
    holder = typer.Typer(rich_markup_mode=None)
    module.register(holder)
    command = typer.main.get_group(holder).get_command(
        click.Context(click.Group()), name
    )
    if command is None:
        raise RuntimeError(f"{entry.module} does not register {name}")
    return command
