"""The shape every plan-then-apply command shares.

1. inputs were validated by the command (no AWS call before that);
2. ``make_plan`` reads AWS and returns a ``Plan`` (no writes);
3. ``--dry-run`` prints that plan and stops; otherwise the executor applies
   the same object, printing one line per change as it is made;
4. ``finish`` reads back what the user needs (ARNs, portal URL).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from gtprov.cli.options import GlobalOptions
from gtprov.cli.output import envelope, note, print_json, say, say_lines
from gtprov.cli.render import applied_line, plan_lines, resource_lines
from gtprov.plan.model import Change, Plan

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession
    from gtprov.execute.executor import ExecContext

Planner = Callable[["AwsSession"], Plan]
Finisher = Callable[["AwsSession", "ExecContext"], Mapping[str, Any]]


def open_session(opts: GlobalOptions) -> AwsSession:
    """The run's AWS session; boto3 is imported here, not at CLI start-up."""
    from gtprov.aws.session import AwsOptions, AwsSession

    aws = AwsSession(AwsOptions(profile=opts.profile, region=opts.region))
    opts.run.call_log = aws.call_log
    return aws


def plan_and_apply(
    opts: GlobalOptions,
    *,
    command: str,
    dry_run: bool,
    make_plan: Planner,
    finish: Finisher | None = None,
    aws: AwsSession | None = None,
) -> Plan:
    """Plan, then (unless ``dry_run``) apply; report in text or JSON."""
    run = opts.run
    run.command, run.dry_run = command, dry_run
    aws = aws or open_session(opts)
    plan = make_plan(aws)
    _record_plan(opts, plan)
    if dry_run:
        _show_plan(opts, plan)
    else:
        _apply(opts, plan, aws, finish)
    if opts.json:
        print_json(envelope(run))
    return plan


def _record_plan(opts: GlobalOptions, plan: Plan) -> None:
    opts.run.plan = plan.to_list()
    opts.run.warnings.extend(plan.warnings)
    opts.run.resources.update(plan.resources)


def _show_plan(opts: GlobalOptions, plan: Plan) -> None:
    say_lines(opts, plan_lines(plan))
    say_lines(opts, resource_lines(plan.resources))


def _apply(
    opts: GlobalOptions, plan: Plan, aws: AwsSession, finish: Finisher | None
) -> None:
    from gtprov.execute.executor import ExecContext, run_plan

    note(opts, plan_lines(plan, show_noop=False)[0])
    for warning in plan.warnings:
        note(opts, f"warning: {warning}")
    ctx = ExecContext(aws=aws)

    def report(change: Change) -> None:
        opts.run.applied.append(change.to_dict())
        say(opts, applied_line(change))

    run_plan(plan, ctx, report)
    if finish is not None:
        opts.run.resources.update(finish(aws, ctx))
    say_lines(opts, resource_lines(opts.run.resources))
