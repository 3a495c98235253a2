"""Text rendering of plans and results. Pure functions returning lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from gtprov.plan.model import Action, Change, Plan

SYMBOL = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.NOOP: "=",
}


def plan_lines(plan: Plan, *, show_noop: bool = True) -> list[str]:
    """The plan as a reader sees it: one line per change, diffs indented."""
    lines = [plan_summary(plan)]
    for change in plan.changes:
        if change.action is Action.NOOP and not show_noop:
            continue
        lines.extend(change_lines(change))
    lines.extend(f"warning: {w}" for w in plan.warnings)
    return lines


def change_lines(change: Change) -> list[str]:
    reason = f"  ({change.reason})" if change.reason else ""
    head = f"  {SYMBOL[change.action]} {change.kind} {change.name}{reason}"
    diff = [f"      {line}" for line in change.diff.splitlines()]
    return [head, *diff]


def plan_summary(plan: Plan) -> str:
    counts = Counter(c.action for c in plan.changes)
    if plan.in_sync:
        return f"Plan: in sync, nothing to change ({len(plan.changes)} checked)."
    parts = [
        f"{counts[Action.CREATE]} to create",
        f"{counts[Action.UPDATE] + counts[Action.REPLACE]} to update",
        f"{counts[Action.DELETE]} to delete",
        f"{counts[Action.NOOP]} unchanged",
    ]
    return "Plan: " + ", ".join(parts) + "."


_VERB_FOR_KIND = {(Action.DELETE, "kms-key"): "Scheduled deletion of"}
"""KMS never deletes a key at once: ScheduleKeyDeletion sets a waiting period."""


def applied_line(change: Change) -> str:
    special = _VERB_FOR_KIND.get((change.action, change.kind))
    if special:
        return f"{special} {change.kind} {change.name}"
    verb = {
        Action.CREATE: "Created",
        Action.UPDATE: "Updated",
        Action.REPLACE: "Replaced",
        Action.DELETE: "Deleted",
        Action.NOOP: "Kept",
    }[change.action]
    return f"{verb} {change.kind} {change.name}"


def resource_lines(resources: Mapping[str, Any]) -> Iterable[str]:
    """``key: value`` lines; an empty list or mapping says nothing."""
    for key, value in resources.items():
        if isinstance(value, list | tuple | Mapping) and not value:
            continue
        if isinstance(value, list | tuple):
            yield f"{key}:"
            yield from (f"  {v}" for v in value)
        elif isinstance(value, Mapping):
            yield f"{key}:"
            yield from (f"  {k}: {v}" for k, v in value.items())
        else:
            yield f"{key}: {value}"
