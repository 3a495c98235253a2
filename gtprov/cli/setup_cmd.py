"""``gtprov plan``, ``apply`` and ``export``: a whole gtprov.toml at once.

The file (and every workers file it names) is loaded and validated before
the AWS session opens: a bad file is exit 2 and no AWS call. ``plan`` and
``apply`` share ``plan.setup.plan_setup``, which plans with the planners of
``create-execution-role`` and ``setup-workforce``. ``export`` makes no AWS
call at all. No boto3 at import (docs/config-file.md).
"""

from __future__ import annotations

import sys
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gtprov.cli.options import GlobalOptions, global_options
from gtprov.cli.output import envelope, note, print_json, say, say_lines
from gtprov.cli.render import plan_lines, resource_lines
from gtprov.config import SetupFile, load
from gtprov.errors import GtprovError, InputError
from gtprov.exitcodes import ExitCode

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession
    from gtprov.execute.executor import ExecContext
    from gtprov.plan.model import Plan
    from gtprov.plan.setup import SetupPlan
    from gtprov.plan.workforce import WorkforcePlan

NEW_ROLES_NOTE = (
    "new roles ({names}): IAM is eventually consistent, so SageMaker may need "
    "a few more seconds before it can assume them"
)

File = Annotated[
    Path,
    typer.Option("--file", "-f", metavar="FILE", help="The gtprov.toml to use."),
]
Prune = Annotated[
    bool,
    typer.Option(help="Also delete what gtprov manages and the file no longer has."),
]


class ExportFormat(str, Enum):
    CLOUDFORMATION = "cloudformation"


def register(app: typer.Typer) -> None:
    """Add ``plan``, ``apply`` and ``export``."""
    app.command("plan")(plan_command)
    app.command("apply")(apply_command)
    app.command("export")(export_command)


def plan_command(
    ctx: typer.Context,
    file: File,
    detailed_exitcode: Annotated[
        bool, typer.Option(help="Exit 3 when changes are pending, 0 when in sync.")
    ] = False,
    prune: Prune = False,
) -> None:
    """Show every change applying FILE would make; change nothing."""
    opts = global_options(ctx)
    setup = _load(opts, file)
    plan = _run(opts, setup, command="plan", prune=prune, dry_run=True)
    if detailed_exitcode and not plan.in_sync:
        raise typer.Exit(ExitCode.CHANGES_PENDING)


def apply_command(
    ctx: typer.Context,
    file: File,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Apply without asking.")
    ] = False,
    prune: Prune = False,
    dry_run: Annotated[
        bool, typer.Option(help="Print the plan; change nothing.")
    ] = False,
) -> None:
    """Make this account and Region match FILE.

    Shows the plan first; when it has changes, asks before applying them
    unless --yes (without a terminal, --yes is required). Roles, teams and
    workers the file no longer lists are removed only with --prune.
    """
    opts = global_options(ctx)
    setup = _load(opts, file)
    _run(opts, setup, command="apply", prune=prune, dry_run=dry_run, confirm=not yes)


def export_command(
    ctx: typer.Context,
    file: File,
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="The template format.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Write here instead of to stdout.")
    ] = None,
) -> None:
    """Write FILE's setup as a template (no AWS call).

    What a template cannot express is listed in its Metadata, each with the
    gtprov command that finishes it (docs/config-file.md).
    """
    from gtprov.export.cloudformation import cloudformation_template

    opts = global_options(ctx)
    opts.run.command = "export"
    text = cloudformation_template(load(file))
    if out is not None:
        _write(out, text)
    _report_export(opts, output_format, text, out)


# -- plan and apply --------------------------------------------------------------


def _load(opts: GlobalOptions, file: Path) -> SetupFile:
    """The validated file; the session is opened in the file's Region."""
    setup = load(file)
    if opts.region is not None and opts.region != setup.region:
        rule = f"{file} is for Region {setup.region}; leave --region out or match it"
        raise InputError("--region", rule, value=opts.region)
    opts.region = setup.region
    return setup


def _run(
    opts: GlobalOptions,
    setup: SetupFile,
    *,
    command: str,
    prune: bool,
    dry_run: bool,
    confirm: bool = False,
) -> Plan:
    """Plan; unless ``dry_run``, show, confirm and apply that very plan."""
    from gtprov.cli.runner import open_session, plan_and_apply

    _register_handlers()
    aws = open_session(opts)
    planned = _plan(aws, setup, prune)
    if not dry_run:
        _show_and_confirm(opts, planned.plan, confirm=confirm)
    return plan_and_apply(
        opts,
        command=command,
        dry_run=dry_run,
        make_plan=lambda session: planned.plan,
        finish=partial(_finish, opts, planned),
        aws=aws,
    )


def _register_handlers() -> None:
    from gtprov.execute import destroy as _destroy  # noqa: F401 - registers
    from gtprov.execute import kms as _kms  # noqa: F401 - registers
    from gtprov.execute import role as _role  # noqa: F401 - registers
    from gtprov.execute import workers as _workers  # noqa: F401 - registers
    from gtprov.execute import workforce as _workforce  # noqa: F401 - registers


def _plan(aws: AwsSession, setup: SetupFile, prune: bool) -> SetupPlan:
    from gtprov.plan.setup import plan_setup

    return plan_setup(aws, setup, prune=prune)


def _show_and_confirm(opts: GlobalOptions, plan: Plan, *, confirm: bool) -> None:
    """The plan (stdout; stderr in JSON mode), then the question if it writes."""
    for line in plan_lines(plan):
        (note if opts.json else say)(opts, line)
    if confirm and plan.writes:
        _confirm(opts)


def _confirm(opts: GlobalOptions) -> None:
    if not sys.stdin.isatty():
        raise InputError(
            "--yes",
            "changes are pending and there is no terminal to confirm them on; "
            "review them (gtprov plan -f FILE), then run apply with --yes",
        )
    if not typer.confirm("Apply these changes?", default=False, err=True):
        note(opts, "Nothing was changed.")
        raise typer.Exit(ExitCode.FAILED)


# -- results ----------------------------------------------------------------------


def _finish(
    opts: GlobalOptions, planned: SetupPlan, aws: AwsSession, ctx: ExecContext
) -> dict[str, Any]:
    """What exists now; raise after reporting it if any worker failed."""
    resources: dict[str, Any] = {}
    if planned.workforce is not None:
        resources.update(_workforce_resources(planned.workforce, ctx))
    counts, failed = _worker_results(ctx)
    if counts:
        resources["workers"] = counts
    _new_roles_note(opts, planned.plan, ctx)
    if failed:
        _fail_workers(opts, resources, failed)
    return resources


def _workforce_resources(planned: WorkforcePlan, ctx: ExecContext) -> dict[str, Any]:
    from gtprov.plan.workforce import WORKFORCE

    found = planned.found
    made = ctx.outputs.get(WORKFORCE, {})
    existing = found.workforce
    subdomain = made.get("subdomain") or ctx.resolve(found.subdomain)
    return {
        "portal_url": f"https://{subdomain}",
        "workforce_arn": made.get("workforce_arn")
        or (existing.arn if existing else ""),
        "user_pool_id": ctx.resolve(found.pool_id),
        "app_client_id": ctx.resolve(found.client_id),
    }


def _worker_results(ctx: ExecContext) -> tuple[dict[str, str], list[str]]:
    counts: dict[str, str] = {}
    failed: list[str] = []
    for change_id, outputs in sorted(ctx.outputs.items()):
        team = change_id.removeprefix("prune:").partition("workers:")[2]
        if team and "counts" in outputs:
            done = outputs["counts"].items()
            counts[team] = ", ".join(f"{n} {what}" for what, n in done) or "none"
            failed.extend(outputs["failed"])
    return counts, failed


def _new_roles_note(opts: GlobalOptions, plan: Plan, ctx: ExecContext) -> None:
    names = [
        change.name
        for change in plan.changes
        if change.kind == "iam-role" and ctx.outputs.get(change.id, {}).get("created")
    ]
    if names:
        advice = NEW_ROLES_NOTE.format(names=", ".join(names))
        opts.run.warnings.append(advice)
        note(opts, f"note: {advice}")


def _fail_workers(
    opts: GlobalOptions, resources: dict[str, Any], failed: list[str]
) -> None:
    resources["failed_workers"] = failed
    opts.run.resources.update(resources)
    say_lines(opts, resource_lines(resources))
    raise GtprovError(
        f"{len(failed)} workers could not be handled (listed above)",
        hint="Fix what Cognito names and run the same apply again; workers "
        "already handled are skipped.",
    )


# -- export -------------------------------------------------------------------------


def _write(out: Path, text: str) -> None:
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError("--out", f"cannot write {out}: {exc}") from None


def _report_export(
    opts: GlobalOptions, output_format: ExportFormat, text: str, out: Path | None
) -> None:
    opts.run.resources["format"] = output_format.value
    if out is not None:
        opts.run.resources["template_path"] = str(out)
        say(opts, f"Wrote {output_format.value} template to {out}")
    elif not opts.json:
        sys.stdout.write(text)
    else:
        opts.run.resources["template"] = text
    if opts.json:
        print_json(envelope(opts.run))
