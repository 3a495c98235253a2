"""``gtprov status``, ``gtprov destroy`` and ``gtprov doctor``.

Every input is validated before the AWS session opens (exit 2, no AWS
call); boto3 is imported inside the commands only (docs/status-destroy-
doctor.md). ``destroy`` shows its plan and asks before deleting: ``--yes``
skips the question, and without a terminal on stdin it refuses (exit 2)
rather than guess.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gtprov import validate
from gtprov.cli.options import GlobalOptions, global_options
from gtprov.cli.output import envelope, note, print_json, say_lines
from gtprov.errors import GtprovError, InputError
from gtprov.exitcodes import ExitCode
from gtprov.policy import provisioner

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession
    from gtprov.plan.destroy import DestroyScope
    from gtprov.plan.doctor import Check, DoctorRequest
    from gtprov.plan.model import Plan
    from gtprov.plan.status import Row

MIN_KEY_DAYS, MAX_KEY_DAYS = 7, 30
"""KMS ScheduleKeyDeletion's waiting period (PendingWindowInDays)."""
UNKNOWN_ACCOUNT = "000000000000"
Confirm = Callable[[str], bool]


def register(app: typer.Typer) -> None:
    """Add ``status``, ``destroy`` and ``doctor`` to ``app``."""
    app.command("status")(status)
    app.command("destroy")(destroy)
    app.command("doctor")(doctor)


# status ---------------------------------------------------------------------------


def status(
    ctx: typer.Context,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 3 when anything has drifted."),
    ] = False,
) -> None:
    """Show what gtprov manages in this account and Region, and any drift.

    Found by gtprov's tags: execution roles, their key-policy statements,
    the KMS keys gtprov created, the workforce with its user pool, app
    client, domain and portal URL, the work teams with member counts, and
    their notification topics. Read only. With --detailed-exitcode, exit 3
    (as ``plan --detailed-exitcode`` does) when something has drifted.
    """
    opts = global_options(ctx)
    from gtprov.aws.inventory import Readers
    from gtprov.cli.runner import open_session
    from gtprov.plan.status import read_status, resources

    aws = open_session(opts)
    opts.run.command = "status"
    rows = read_status(Readers(aws), _where(aws))
    opts.run.resources.update(resources(rows))
    _report(opts, status_lines(rows))
    if detailed_exitcode and any(r.drift for r in rows):
        raise typer.Exit(ExitCode.CHANGES_PENDING)


def _where(aws: AwsSession) -> Any:
    from gtprov.plan.status import Where

    region = validate.region(aws.region, "--region")
    return Where(aws.account_id, region, validate.partition_for_region(region))


def _report(opts: GlobalOptions, lines: Iterable[str]) -> None:
    if opts.json:
        print_json(envelope(opts.run))
    else:
        say_lines(opts, lines)


def status_lines(rows: Sequence[Row]) -> list[str]:
    """A table: kind, name, state, one detail; drift indented below."""
    if not rows:
        return ["gtprov manages nothing in this account and Region."]
    table = [("KIND", "NAME", "STATE", "DETAIL")]
    table += [(r.kind, r.name, r.state, _detail(r)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = []
    for cells, row in zip(table, [None, *rows], strict=True):
        head = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
        lines.append(f"{head}  {cells[3]}".rstrip())
        lines += [f"    - {d}" for d in (row.drift if row else ())]
    drifted = sum(1 for r in rows if r.drift)
    lines.append(f"{len(rows)} resources, {drifted} drifted.")
    return lines


_DETAIL_KEYS = {
    "execution-role": ("policies",),
    "kms-key-policy": ("role",),
    "kms-key": ("state", "aliases"),
    "sagemaker-workforce": ("status", "user_pool", "portal_url"),
    "cognito-user-pool": ("id", "domain", "users"),
    "sagemaker-workteam": ("members", "groups"),
    "sns-topic": (),
}


def _detail(row: Row) -> str:
    parts = []
    for key in _DETAIL_KEYS.get(row.kind, ()):
        value = row.facts.get(key)
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value) or "-"
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


# destroy ---------------------------------------------------------------------------


def destroy(
    ctx: typer.Context,
    role: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME", help="An execution role gtprov made. Repeatable."),
    ] = None,
    workforce: Annotated[
        bool,
        typer.Option(help="Work teams, workforce, then its domain and user pool."),
    ] = False,
    key_statements: Annotated[
        bool,
        typer.Option(help="gtprov's statements in key policies (the rest stays)."),
    ] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="Everything gtprov made in this Region.")
    ] = False,
    key_deletion_days: Annotated[
        int, typer.Option(help="Waiting period before KMS deletes a key (7-30).")
    ] = MAX_KEY_DAYS,
    force_users: Annotated[
        bool,
        typer.Option(
            help="Delete a user pool even if it holds users gtprov did not invite."
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask; delete.")] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Print the plan; delete nothing.")
    ] = False,
) -> None:
    """Remove what gtprov made, and nothing else.

    Only resources carrying gtprov's tag (or, inside them, its name or Sid
    prefix) are deleted; a role named with --role that is not gtprov's
    stops the command (exit 1). Keys gtprov created are scheduled for
    deletion after --key-deletion-days, never deleted at once. A destroy
    stopped halfway finishes when run again.
    """
    opts = global_options(ctx)
    scope = destroy_scope(
        role or [],
        workforce=workforce,
        key_statements=key_statements,
        everything=everything,
        key_deletion_days=key_deletion_days,
        force_users=force_users,
    )
    if not (yes or dry_run):
        require_terminal(sys.stdin.isatty())
    run_destroy(opts, scope, dry_run=dry_run, confirm=None if yes else _ask)


def destroy_scope(
    roles: Sequence[str],
    *,
    workforce: bool,
    key_statements: bool,
    everything: bool,
    key_deletion_days: int,
    force_users: bool,
) -> DestroyScope:
    """The validated scope; ``InputError`` (exit 2) before any AWS call."""
    from gtprov.plan.destroy import DestroyScope

    names = tuple(dict.fromkeys(validate.role_name(r, "--role") for r in roles))
    if not (names or workforce or key_statements or everything):
        rule = "say what: --role NAME, --workforce, --key-statements or --all"
        raise InputError("destroy", rule)
    if not MIN_KEY_DAYS <= key_deletion_days <= MAX_KEY_DAYS:
        rule = f"KMS waits {MIN_KEY_DAYS} to {MAX_KEY_DAYS} days before deleting a key"
        raise InputError("--key-deletion-days", rule, value=key_deletion_days)
    if force_users and not (workforce or everything):
        raise InputError("--force-users", "applies only with --workforce or --all")
    return DestroyScope(
        names, workforce, key_statements, everything, key_deletion_days, force_users
    )


def require_terminal(is_tty: bool) -> None:
    if not is_tty:
        raise InputError(
            "--yes",
            "destroy asks before deleting and stdin is not a terminal; pass --yes "
            "to delete without asking, or --dry-run to see the plan",
        )


def _ask(question: str) -> bool:
    return bool(typer.confirm(question, default=False, err=True))


def run_destroy(
    opts: GlobalOptions,
    scope: DestroyScope,
    *,
    dry_run: bool,
    confirm: Confirm | None,
) -> Plan:
    """Plan, show, ask (unless ``confirm`` is None), then apply."""
    from gtprov.aws.inventory import Readers
    from gtprov.cli.runner import open_session, plan_and_apply
    from gtprov.execute import destroy as _handlers  # noqa: F401 - registers
    from gtprov.plan.destroy import plan_destroy

    aws = open_session(opts)
    region = validate.region(aws.region, "--region")

    def make_plan(session: AwsSession) -> Plan:
        plan = plan_destroy(Readers(session), region, scope)
        if not dry_run and confirm is not None:
            confirm_plan(opts, plan, confirm)
        return plan

    return plan_and_apply(
        opts, command="destroy", dry_run=dry_run, make_plan=make_plan, aws=aws
    )


def confirm_plan(opts: GlobalOptions, plan: Plan, confirm: Confirm) -> None:
    """Show the whole plan on stderr and ask; "no" stops with nothing deleted."""
    from gtprov.cli.render import plan_lines

    if not plan.writes:
        return
    for line in plan_lines(plan):
        note(opts, line)
    if not confirm(f"Delete these {len(plan.writes)} resources?"):
        raise GtprovError(
            "destroy cancelled; nothing was deleted",
            hint="Run it again and answer y, or pass --yes.",
        )


# doctor ---------------------------------------------------------------------------


def doctor(
    ctx: typer.Context,
    bucket: Annotated[
        list[str] | None,
        typer.Option(help="A bucket the labeling jobs will use. Repeatable."),
    ] = None,
    lambda_ref: Annotated[
        list[str] | None,
        typer.Option("--lambda", help="A pre/post-annotation function. Repeatable."),
    ] = None,
    kms_key: Annotated[
        list[str] | None,
        typer.Option(help="A key the jobs will use: ID, ARN or alias. Repeatable."),
    ] = None,
    command: Annotated[
        list[str] | None,
        typer.Option(
            help="Check only what these commands need: "
            + ", ".join(provisioner.COMMAND_AREAS)
        ),
    ] = None,
) -> None:
    """Check the account, Region and caller before provisioning.

    Caller identity; whether the caller may do what each gtprov command
    needs (IAM policy simulation); buckets and their Region; Lambda names
    against the AWS managed policy; KMS key state and key policy; the
    workforce and its user pool; whether Ground Truth answers; IAM quota
    headroom. Each check ends ok, warning or failed with the fix; exit 1
    when any failed.
    """
    opts = global_options(ctx)
    from gtprov.cli.runner import open_session

    chosen = [area for name in command or [] for area in _area(name)]
    areas = tuple(dict.fromkeys(chosen)) or provisioner.COMMANDS
    buckets = tuple(validate.bucket_name(b, "--bucket") for b in bucket or [])
    keys = tuple(validate.kms_key_ref(k, "--kms-key") for k in kms_key or [])
    aws = open_session(opts)
    region = validate.region(aws.region, "--region")
    request = _doctor_request(region, buckets, lambda_ref or [], keys, areas)
    run_doctor(opts, aws, request)


def _area(value: str) -> tuple[str, ...]:
    try:
        return provisioner.areas_for(value)
    except ValueError as exc:
        raise InputError("--command", str(exc), value=value) from None


def _doctor_request(
    region: str,
    buckets: tuple[str, ...],
    lambdas: Sequence[str],
    keys: tuple[Any, ...],
    areas: tuple[str, ...],
) -> DoctorRequest:
    from gtprov.plan.doctor import DoctorRequest

    partition = validate.partition_for_region(region)
    names = tuple(lambda_name(v, region, partition) for v in lambdas)
    return DoctorRequest(region, partition, buckets, names, keys, areas)


def lambda_name(value: str, region: str, partition: str) -> str:
    """The function name (qualifier dropped), validated offline."""
    stated = _stated_account(value.strip()) or UNKNOWN_ACCOUNT
    arn = validate.lambda_ref(
        value, "--lambda", region=region, account_id=stated, partition=partition
    )
    return arn.split(":function:", 1)[1].split(":", 1)[0]


def _stated_account(text: str) -> str | None:
    parts = text.split(":")
    if text.startswith("arn:") and len(parts) > 4:
        return parts[4]
    return parts[0] if len(parts) > 2 and parts[1] == "function" else None


def run_doctor(opts: GlobalOptions, aws: AwsSession, request: DoctorRequest) -> None:
    from gtprov.aws.inventory import DoctorReaders
    from gtprov.plan.doctor import failed, run_checks

    opts.run.command = "doctor"
    checks = run_checks(DoctorReaders(aws), request)
    opts.run.resources["checks"] = [c.to_dict() for c in checks]
    bad = failed(checks)
    if not opts.json or not bad:
        _report(opts, doctor_lines(checks))
    if bad:
        names = ", ".join(c.name for c in bad)
        raise GtprovError(
            f"{len(bad)} doctor check(s) failed: {names}",
            hint="Each failed check above says how to fix it.",
        )


def doctor_lines(checks: Sequence[Check]) -> list[str]:
    lines = []
    for check in checks:
        lines.append(f"[{check.status:^7}] {check.name}: {check.detail}")
        if check.fix:
            lines.append(f"          fix: {check.fix}")
    counts = _counts(c.status for c in checks)
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()) + ".")
    return lines


def _counts(statuses: Iterable[str]) -> Mapping[str, int]:
    out = {"ok": 0, "warning": 0, "failed": 0}
    for status in statuses:
        out[status] += 1
    return out
