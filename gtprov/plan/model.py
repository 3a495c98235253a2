"""A plan is data: the ordered changes one command would make.

``--dry-run`` prints a ``Plan``; apply hands the very same object to the
executor; ``--output json`` serialises it. Nothing in this module does I/O.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"


@dataclass(frozen=True)
class Ref:
    """A value known only once an earlier change has run (e.g. a new pool id).

    ``change_id`` is the ``Change.id`` that produces it, ``key`` the output key.
    """

    change_id: str
    key: str

    def __str__(self) -> str:
        return f"${{{self.change_id}.{self.key}}}"


@dataclass(frozen=True)
class Change:
    """One resource-level change and the executor handler that makes it.

    ``handler`` names a function registered with the executor; ``params`` are
    its JSON-serialisable arguments (values may be ``Ref``). ``diff`` is a
    readable diff for policies; ``reason`` says why the change is needed.
    """

    action: Action
    kind: str
    name: str
    handler: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    id: str = ""
    reason: str = ""
    diff: str = ""

    @property
    def is_write(self) -> bool:
        return self.action is not Action.NOOP

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "action": self.action.value,
            "kind": self.kind,
            "name": self.name,
        }
        if self.reason:
            data["reason"] = self.reason
        if self.diff:
            data["diff"] = self.diff
        return data

    def describe(self) -> str:
        verb = {
            Action.CREATE: "Create",
            Action.UPDATE: "Update",
            Action.REPLACE: "Replace",
            Action.DELETE: "Delete",
            Action.NOOP: "No change to",
        }[self.action]
        tail = f" ({self.reason})" if self.reason else ""
        return f"{verb} {self.kind} {self.name}{tail}"


@dataclass(frozen=True)
class Plan:
    """Ordered changes plus what the planner learned and wants said."""

    changes: tuple[Change, ...] = ()
    warnings: tuple[str, ...] = ()
    resources: Mapping[str, Any] = field(default_factory=dict)

    @property
    def writes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.is_write)

    @property
    def in_sync(self) -> bool:
        return not self.writes

    def __add__(self, other: Plan) -> Plan:
        return Plan(
            changes=self.changes + other.changes,
            warnings=self.warnings + other.warnings,
            resources={**self.resources, **other.resources},
        )

    def to_list(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.changes]


def policy_diff(before: object, after: object, label: str) -> str:
    """A unified diff of two policy documents in canonical JSON form."""
    old = _canonical_lines(before)
    new = _canonical_lines(after)
    lines = difflib.unified_diff(
        old, new, f"{label} (actual)", f"{label} (desired)", lineterm=""
    )
    return "\n".join(lines)


def _canonical_lines(doc: object) -> list[str]:
    if doc is None:
        return []
    return json.dumps(doc, indent=2, sort_keys=True).splitlines()
