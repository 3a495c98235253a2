"""Which AWS operations write, and a per-run log of the calls made.

Pure: no boto3 import. The session registers ``CallLog.record`` on botocore's
``before-call`` event so every command can report reads and writes.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

_READ_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Simulate",
    "Validate",
    "Check",
    "Head",
    "AdminGet",
    "AdminList",
    "Lookup",
)


def is_write(operation: str) -> bool:
    """True for an operation that changes state (CreateRole, PutKeyPolicy...)."""
    return not operation.startswith(_READ_PREFIXES)


@dataclass
class CallLog:
    """Counts calls by ``service:Operation``. Thread-safe; holds no params."""

    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, service: str, operation: str) -> None:
        with self._lock:
            self.calls[f"{service}:{operation}"] += 1

    @property
    def writes(self) -> int:
        return sum(n for k, n in self.calls.items() if is_write(_op(k)))

    @property
    def reads(self) -> int:
        return sum(n for k, n in self.calls.items() if not is_write(_op(k)))

    def summary(self) -> dict[str, object]:
        return {
            "reads": self.reads,
            "writes": self.writes,
            "by_operation": dict(sorted(self.calls.items())),
        }


def _op(key: str) -> str:
    return key.partition(":")[2]
