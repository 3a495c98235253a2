"""``gtprov setup-workforce``, ``add-workers`` and ``remove-workers``.

Every input, every row of a workers file included, is validated before the
AWS session opens (exit 2, no AWS call). No boto3 at import: the AWS layers
are imported inside the commands (docs/setup-workforce.md).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gtprov.cli.options import GlobalOptions, global_options
from gtprov.cli.output import say_lines
from gtprov.cli.render import resource_lines
from gtprov.errors import GtprovError, InputError
from gtprov.models.workforce import (
    DEFAULT_WORKFORCE_NAME,
    Worker,
    WorkerSet,
    Workforce,
    build_workforce,
    read_workers_file,
    workers_from_emails,
)

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession
    from gtprov.execute.executor import ExecContext
    from gtprov.plan.model import Plan
    from gtprov.plan.workers import Rates
    from gtprov.plan.workforce import WorkforcePlan

BAR_MIN = 20
"""Draw a progress bar for a team of at least this many workers."""
DEFAULT_EMAIL_CAP = 50
"""Cognito's default email sender: 50 emails a day per account (quota page,
https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html)."""

Teams = Annotated[
    list[str] | None,
    typer.Option("--team", help="A work team (a Cognito group). Repeatable."),
]
Emails = Annotated[
    list[str] | None, typer.Option("--worker", metavar="EMAIL", help="Repeatable.")
]
WorkersFile = Annotated[
    Path | None,
    typer.Option(help="CSV email,team, or one email per line for one team."),
]
Resend = Annotated[
    bool,
    typer.Option(help="Re-send invitations still waiting (FORCE_CHANGE_PASSWORD)."),
]
DryRun = Annotated[bool, typer.Option(help="Print the plan; change nothing.")]
CreationRps = Annotated[
    float,
    typer.Option(
        help="AdminCreateUser pace; Cognito's UserCreation quota is 50/s.", min=0.1
    ),
]
UpdateRps = Annotated[
    float,
    typer.Option(
        help="Group membership pace; Cognito's UserResourceUpdate quota is 25/s.",
        min=0.1,
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``setup-workforce``, ``add-workers`` and ``remove-workers``."""
    app.command("setup-workforce")(setup_workforce)
    app.command("add-workers")(add_workers)
    app.command("remove-workers")(remove_workers)


def setup_workforce(
    ctx: typer.Context,
    team: Teams = None,
    workforce_name: Annotated[
        str, typer.Option(help="SageMaker allows one workforce per Region.")
    ] = DEFAULT_WORKFORCE_NAME,
    user_pool_id: Annotated[
        str | None,
        typer.Option(help="Use this existing Cognito user pool instead of gtprov's."),
    ] = None,
    domain_prefix: Annotated[
        str | None,
        typer.Option(help="Cognito domain prefix (default: derived, unique)."),
    ] = None,
    worker: Emails = None,
    workers_file: WorkersFile = None,
    cidr: Annotated[
        list[str] | None,
        typer.Option(help="Allowed worker IP range (up to 10). Repeatable."),
    ] = None,
    notification_topic: Annotated[
        str | None,
        typer.Option(metavar="ARN", help="SNS topic for work-team notifications."),
    ] = None,
    create_topic: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Create this SNS topic for notifications."),
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="Work team description (1-200 characters).")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option(metavar="KEY=VALUE", help="Repeatable.")
    ] = None,
    resend: Resend = False,
    user_creation_rps: CreationRps = 50.0,
    user_update_rps: UpdateRps = 25.0,
    dry_run: DryRun = False,
) -> None:
    """Create, or bring back in line, the Region's private Ground Truth workforce.

    In AWS's order: Cognito user pool (invite-only, email sign-in), app
    client with a secret, domain, one group per team; CreateWorkforce and a
    wait until Active; the app client's sign-in URLs on the labeling portal;
    the work teams; then the workers. A second run changes nothing.
    """
    opts = global_options(ctx)
    spec = build_workforce(
        name=workforce_name,
        teams=team or [],
        user_pool_id=user_pool_id,
        domain_prefix=domain_prefix,
        cidrs=cidr,
        notification_topic=notification_topic,
        create_topic=create_topic,
        description=description,
        tags=tag or [],
    )
    workers = _setup_workers(spec, worker or [], workers_file)
    rates = _rates(user_creation_rps, user_update_rps)
    run_setup(opts, spec, workers, resend=resend, rates=rates, dry_run=dry_run)


def _setup_workers(
    spec: Workforce, emails: Sequence[str], path: Path | None
) -> WorkerSet:
    names = [t.name for t in spec.teams]
    single = names[0] if len(names) == 1 else None
    if emails and single is None:
        rule = "give exactly one --team with --worker, or an email,team workers file"
        raise InputError("--worker", rule)
    return _collect(names, single, emails, path)


def _collect(
    teams: Sequence[str], single: str | None, emails: Sequence[str], path: Path | None
) -> WorkerSet:
    """Every worker of options and file, each validated, repeats dropped."""

    def workers() -> Iterator[Worker]:
        if single is not None:
            yield from workers_from_emails(emails, single)
        if path is not None:
            yield from read_workers_file(path, teams=teams, default_team=single)

    return WorkerSet.collect(workers())


def _rates(creation: float, update: float) -> Rates:
    from gtprov.plan.workers import Rates

    return Rates(user_creation=creation, user_update=update)


def run_setup(
    opts: GlobalOptions,
    spec: Workforce,
    workers: WorkerSet,
    *,
    resend: bool,
    rates: Rates,
    dry_run: bool,
) -> Plan:
    """Plan and (unless ``dry_run``) apply ``spec``; report what exists."""
    from gtprov.cli.runner import plan_and_apply
    from gtprov.execute import subscriptions as _sns_handlers  # noqa: F401 - registers
    from gtprov.execute import workers as _workers_handlers  # noqa: F401 - registers
    from gtprov.execute import workforce as _handlers  # noqa: F401 - registers
    from gtprov.plan.workforce import plan_workforce

    planned: list[WorkforcePlan] = []

    def make_plan(aws: AwsSession) -> Plan:
        planned.append(plan_workforce(aws, spec, workers, resend=resend, rates=rates))
        return _with_email_warning(planned[0].plan)

    def finish(aws: AwsSession, ctx: ExecContext) -> Mapping[str, Any]:
        resources = _setup_resources(planned[0], spec, ctx)
        return _finish(opts, planned[0].plan, resources, ctx)

    with _progress(opts):
        return plan_and_apply(
            opts,
            command="setup-workforce",
            dry_run=dry_run,
            make_plan=make_plan,
            finish=finish,
        )


def _setup_resources(
    planned: WorkforcePlan, spec: Workforce, ctx: ExecContext
) -> dict[str, Any]:
    from gtprov.plan.workforce import WORKFORCE

    found = planned.found
    made = ctx.outputs.get(WORKFORCE, {})
    subdomain = made.get("subdomain") or ctx.resolve(found.subdomain)
    arn = made.get("workforce_arn") or (found.workforce.arn if found.workforce else "")
    return {
        "portal_url": f"https://{subdomain}",
        "workforce_arn": arn,
        "user_pool_id": ctx.resolve(found.pool_id),
        "app_client_id": ctx.resolve(found.client_id),
        "workteams": {t.name: _team_arn(t.name, planned, ctx) for t in spec.teams},
    }


def _team_arn(name: str, planned: WorkforcePlan, ctx: ExecContext) -> str:
    made = ctx.outputs.get(f"workteam:{name}", {}).get("workteam_arn")
    existing = planned.found.teams.get(name)
    return str(made or (existing.arn if existing else ""))


# -- add-workers, remove-workers -------------------------------------------------


def add_workers(
    ctx: typer.Context,
    team: Annotated[str, typer.Option("--team", help="The work team.")],
    email: Annotated[
        list[str] | None, typer.Argument(metavar="[EMAIL]...", show_default=False)
    ] = None,
    workers_file: WorkersFile = None,
    resend: Resend = False,
    user_creation_rps: CreationRps = 50.0,
    user_update_rps: UpdateRps = 25.0,
    dry_run: DryRun = False,
) -> None:
    """Invite workers to an existing work team (idempotent, resumable)."""
    opts = global_options(ctx)
    name, workers = _team_workers(team, email or [], workers_file, "add")
    rates = _rates(user_creation_rps, user_update_rps)

    def make_plan(aws: AwsSession) -> Plan:
        from gtprov.plan.workers import plan_add_workers

        plan = plan_add_workers(aws, name, workers, resend=resend, rates=rates)
        return _with_email_warning(plan)

    _run_team(opts, "add-workers", make_plan, dry_run)


def remove_workers(
    ctx: typer.Context,
    team: Annotated[str, typer.Option("--team", help="The work team.")],
    email: Annotated[
        list[str] | None, typer.Argument(metavar="[EMAIL]...", show_default=False)
    ] = None,
    workers_file: WorkersFile = None,
    user_update_rps: UpdateRps = 25.0,
    dry_run: DryRun = False,
) -> None:
    """Remove workers from a work team.

    Each is removed from the team's Cognito group. The Cognito user is also
    deleted only if gtprov invited them into a pool gtprov made and they are
    then in no other group (docs/setup-workforce.md).
    """
    opts = global_options(ctx)
    name, workers = _team_workers(team, email or [], workers_file, "remove")
    rates = _rates(50.0, user_update_rps)

    def make_plan(aws: AwsSession) -> Plan:
        from gtprov.plan.workers import plan_remove_workers

        return plan_remove_workers(aws, name, workers, rates=rates)

    _run_team(opts, "remove-workers", make_plan, dry_run)


def _team_workers(
    team: str, emails: Sequence[str], path: Path | None, verb: str
) -> tuple[str, tuple[str, ...]]:
    from gtprov import validate

    name = validate.workteam_name(team, "--team")
    workers = WorkerSet.collect(_argument_workers(name, emails, path))
    if not len(workers):
        raise InputError("EMAIL", f"give at least one worker to {verb}")
    return name, workers.by_team[name]


def _argument_workers(
    team: str, emails: Sequence[str], path: Path | None
) -> Iterator[Worker]:
    yield from workers_from_emails(emails, team, "EMAIL")
    if path is not None:
        yield from read_workers_file(path, teams=[team], default_team=team)


def _run_team(
    opts: GlobalOptions,
    command: str,
    make_plan: Callable[[AwsSession], Plan],
    dry_run: bool,
) -> None:
    from gtprov.cli.runner import plan_and_apply
    from gtprov.execute import subscriptions as _sns_handlers  # noqa: F401 - registers
    from gtprov.execute import workers as _handlers  # noqa: F401 - registers

    planned: list[Plan] = []

    def plan(aws: AwsSession) -> Plan:
        planned.append(make_plan(aws))
        return planned[0]

    def finish(aws: AwsSession, ctx: ExecContext) -> Mapping[str, Any]:
        keys = ("user_pool_id", "workteam_arn")
        resources = {k: opts.run.resources[k] for k in keys if k in opts.run.resources}
        return _finish(opts, planned[0], resources, ctx)

    with _progress(opts):
        plan_and_apply(
            opts, command=command, dry_run=dry_run, make_plan=plan, finish=finish
        )


# -- summary, warnings, progress ---------------------------------------------------


def _finish(
    opts: GlobalOptions, plan: Plan, resources: dict[str, Any], ctx: ExecContext
) -> dict[str, Any]:
    """Add the worker summary; raise after printing it if any worker failed."""
    resources.update(_worker_summary(plan, ctx))
    resources.update(_subscription_summary(plan, ctx))
    failed = resources.get("failed_workers", [])
    if failed:
        opts.run.resources.update(resources)
        say_lines(opts, resource_lines(resources))
        raise GtprovError(
            f"{len(failed)} workers could not be handled (listed above)",
            hint="Fix what Cognito names and run the same command again; "
            "workers already handled are skipped.",
        )
    return resources


def _worker_summary(plan: Plan, ctx: ExecContext) -> dict[str, Any]:
    """Per team: workers in it now, and what this run did (from the plan
    for a team with nothing to do, which no handler reported on)."""
    from gtprov.plan.workers import INVITE_HANDLER, REMOVE_HANDLER

    in_team: dict[str, int] = {}
    done: dict[str, str] = {}
    failed: list[str] = []
    for change in plan.changes:
        if change.handler not in (INVITE_HANDLER, REMOVE_HANDLER):
            continue
        team, params = change.params["team"], change.params
        outputs = ctx.outputs.get(change.id) or _unchanged(params)
        in_team[team] = params["members_before"] + outputs["added"] - outputs["removed"]
        done[team] = _counts_text(outputs["counts"])
        failed.extend(outputs["failed"])
    out: dict[str, Any] = {"workers": in_team, "worker_changes": done} if done else {}
    return out | ({"failed_workers": failed} if failed else {})


def _subscription_summary(plan: Plan, ctx: ExecContext) -> dict[str, Any]:
    """Per team: workers this run subscribed to the team's topic, and those
    already subscribed (a pending confirmation counts)."""
    from gtprov.plan.subscriptions import SUBSCRIBE_HANDLER

    done: dict[str, str] = {}
    for change in plan.changes:
        if change.handler != SUBSCRIBE_HANDLER:
            continue
        params = change.params
        made = ctx.outputs.get(change.id, {}).get("subscribed", 0)
        parts = [
            f"{made} subscribed, each must confirm by email" if made else "",
            f"{params['present']} already subscribed" if params["present"] else "",
        ]
        done[params["team"]] = ", ".join(p for p in parts if p) or "none"
    return {"topic_subscriptions": done} if done else {}


def _unchanged(params: Mapping[str, Any]) -> dict[str, Any]:
    present = params.get("present", 0)
    counts = {"already present": present} if present else {}
    return {"counts": counts, "failed": [], "added": 0, "removed": 0}


def _counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or "none"


def _with_email_warning(plan: Plan) -> Plan:
    from gtprov.plan.model import Plan

    invites = sum(len(c.params.get("invite", ())) for c in plan.writes)
    if invites <= DEFAULT_EMAIL_CAP:
        return plan
    warning = (
        f"{invites} invitations: a user pool on Cognito's default email sender "
        f"sends about {DEFAULT_EMAIL_CAP} emails a day; configure it to send "
        "with Amazon SES, or gtprov stops at the cap and a re-run continues"
    )
    return Plan(plan.changes, (*plan.warnings, warning), plan.resources)


class _Bar:
    """A plain progress bar on stderr: ``team t  [#####.....] 120/400``."""

    WIDTH = 30

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.advance(0)

    def advance(self, done: int) -> None:
        filled = self.WIDTH * done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r{self.label}  [{bar}] {done}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


class _NoBar:
    def advance(self, done: int) -> None:
        """Nothing to draw."""

    def close(self) -> None:
        """Nothing to clear."""


@contextmanager
def _progress(opts: GlobalOptions) -> Iterator[None]:
    """Draw bars only on a terminal, never with -q or --output json."""
    from gtprov.execute.workers import PROGRESS

    show = sys.stderr.isatty() and opts.verbosity >= 0 and not opts.json

    def factory(label: str, total: int) -> _Bar | _NoBar:
        return _Bar(label, total) if total >= BAR_MIN else _NoBar()

    token = PROGRESS.set(factory if show else None)
    try:
        yield
    finally:
        PROGRESS.reset(token)
