"""Global options shared by every command, and where they are read from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import typer


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


@dataclass
class RunRecord:
    """What a command has done so far; the entry point reports it on failure."""

    command: str = ""
    dry_run: bool = False
    plan: list[dict[str, Any]] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    call_log: Any = None


@dataclass
class GlobalOptions:
    profile: str | None = None
    region: str | None = None
    output: OutputFormat = OutputFormat.TEXT
    verbosity: int = 0
    run: RunRecord = field(default_factory=RunRecord)

    @property
    def json(self) -> bool:
        return self.output is OutputFormat.JSON


def global_options(ctx: typer.Context) -> GlobalOptions:
    """The ``GlobalOptions`` the root callback stored on the context."""
    obj = ctx.find_root().obj
    if not isinstance(obj, GlobalOptions):
        obj = GlobalOptions()
        ctx.find_root().obj = obj
    return obj
