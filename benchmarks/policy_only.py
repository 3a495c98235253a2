"""``gtprov policy ...`` on a root that registers only the policy command.

A diagnostic for ``benchmarks.startup``: what an offline command would cost
if gtprov imported a command's module only when that command runs, instead
of every command's module at start (``gtprov.cli.app``). Takes the same
arguments as ``gtprov policy``, with ``--region`` anywhere.

    python benchmarks/policy_only.py policy execution --region us-east-1 ...
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gtprov.cli import policy_cmd
from gtprov.cli.options import global_options

app = typer.Typer(add_completion=False)
app.add_typer(policy_cmd.policy_app, name="policy")


@app.callback()
def root(
    ctx: typer.Context, region: Annotated[str | None, typer.Option()] = None
) -> None:
    global_options(ctx).region = region


def hoist_region(argv: list[str]) -> list[str]:
    if "--region" not in argv:
        return argv
    at = argv.index("--region")
    return [*argv[at : at + 2], *argv[:at], *argv[at + 2 :]]


if __name__ == "__main__":
    app(hoist_region(sys.argv[1:]))
