"""Runs a ``Plan``: one registered handler per change, in order.

The executor is the only writer. Handlers receive resolved parameters and the
shared ``ExecContext``; what they return is kept so later changes can refer to
it through ``Ref`` (a new user pool's id, a new key's ARN).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gtprov.errors import GtprovError, StepFailedError
from gtprov.plan.model import Change, Plan, Ref

Outputs = Mapping[str, Any]


@dataclass
class ExecContext:
    """What handlers share: the AWS access object and earlier outputs."""

    aws: Any
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return self._lookup(value)
        if isinstance(value, Mapping):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.resolve(v) for v in value]
        return value

    def _lookup(self, ref: Ref) -> Any:
        try:
            return self.outputs[ref.change_id][ref.key]
        except KeyError:
            raise GtprovError(
                f"internal: {ref} is not known when it is needed"
            ) from None


Handler = Callable[[ExecContext, Mapping[str, Any]], Outputs | None]
Reporter = Callable[[Change], None]

_HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register a write handler under ``name`` (what ``Change.handler`` says)."""

    def register(fn: Handler) -> Handler:
        if name in _HANDLERS:
            raise RuntimeError(f"handler {name} registered twice")
        _HANDLERS[name] = fn
        return fn

    return register


def run_plan(
    plan: Plan, ctx: ExecContext, report: Reporter | None = None
) -> list[Change]:
    """Apply every write change of ``plan``; return the ones applied.

    The first failure stops the run and is raised as ``StepFailedError``
    naming the step; changes already applied stay applied, and a re-run
    plans only what is still missing.
    """
    applied: list[Change] = []
    for change in plan.changes:
        if not change.is_write:
            continue
        _apply(change, ctx)
        applied.append(change)
        if report is not None:
            report(change)
    return applied


def _apply(change: Change, ctx: ExecContext) -> None:
    fn = _HANDLERS.get(change.handler)
    if fn is None:
        raise GtprovError(f"internal: no handler {change.handler!r}")
    params = ctx.resolve(change.params)
    try:
        outputs = fn(ctx, params)
    except GtprovError as exc:
        raise StepFailedError(change.describe(), exc) from exc
    except Exception as exc:
        from gtprov.aws.errors import from_botocore

        error = from_botocore(exc)
        if error is None:
            raise
        raise StepFailedError(change.describe(), error) from exc
    if change.id:
        ctx.outputs.setdefault(change.id, {}).update(outputs or {})
