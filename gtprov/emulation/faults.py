"""Fault injection: which AWS calls the emulation server answers with an error.

Pure: no I/O. A ``FaultPlan`` is set as a whole through
``POST /_gtprov/faults`` and counts calls from that moment on::

    {
      "rules": [
        {"write": 3, "mode": "access-denied"},
        {"operation": "iam:CreateRole", "call": 1, "mode": "lost-response"},
        {"operation": "CreateWorkteam", "mode": "throttle", "times": 2}
      ],
      "throttle_rate": 0.2, "seed": 1,
      "latency_ms": 50
    }

A rule picks one *logical* call: the ``write``-th call that writes, or the
``call``-th call of ``operation`` (``service:Operation`` or just
``Operation``). Logical calls are told apart by botocore's
``amz-sdk-invocation-id`` header, which stays the same across retries, so a
rule keeps answering the retries of the call it picked, ``times`` attempts
in all, and then lets it through.

Modes:

- ``access-denied``: the service's access-denied error; botocore does not
  retry it.
- ``server-error``: HTTP 500 (``InternalFailure``, IAM ``ServiceFailure``,
  S3 ``InternalError``). botocore retries 5xx, so by default the rule answers
  every attempt (``times`` 1000) and the call fails once retries run out;
  give ``times`` below the client's attempt count to see a retry succeed.
- ``throttle``: the service's throttling error (``Throttling``,
  ``ThrottlingException``, ``TooManyRequestsException``, S3 ``SlowDown``);
  also every attempt by default.
- ``lost-response``: the call is carried out, then answered with HTTP 500,
  as when a response is lost on the way back. botocore retries, and the
  retry meets the changed state ("already exists"). ``times`` defaults to 1.

``throttle_rate`` throttles that share of all requests (every attempt is
drawn anew) with a ``random.Random(seed)``; ``latency_ms`` delays every AWS
request.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gtprov.emulation.protocol import AwsCall

ACCESS_DENIED, SERVER_ERROR = "access-denied", "server-error"
LOST_RESPONSE, THROTTLE = "lost-response", "throttle"
MODES = (ACCESS_DENIED, SERVER_ERROR, LOST_RESPONSE, THROTTLE)
EVERY_ATTEMPT = 1000
_DEFAULT_TIMES = {LOST_RESPONSE: 1}
_RULE_KEYS = frozenset({"mode", "write", "operation", "call", "times"})
_PLAN_KEYS = frozenset({"rules", "throttle_rate", "seed", "latency_ms"})


@dataclass
class FaultRule:
    mode: str
    write: int | None = None
    operation: str | None = None
    call: int = 1
    times: int = EVERY_ATTEMPT
    invocation_id: str | None = None
    fired: int = 0

    @classmethod
    def from_json(cls, data: object) -> FaultRule:
        if not isinstance(data, Mapping):
            raise ValueError("each rule must be a JSON object")
        _refuse_unknown(data, _RULE_KEYS, "rule")
        mode = data.get("mode")
        if mode not in MODES:
            raise ValueError(f"rule mode must be one of {', '.join(MODES)}")
        if (data.get("write") is None) == (data.get("operation") is None):
            raise ValueError("a rule needs exactly one of 'write' and 'operation'")
        return cls(
            mode=mode,
            write=_count_of(data, "write", None),
            operation=_operation(data.get("operation")),
            call=_count_of(data, "call", 1) or 1,
            times=_count_of(data, "times", _DEFAULT_TIMES.get(mode, EVERY_ATTEMPT))
            or 1,
        )

    def picks(self, call: AwsCall, writes: int, calls_of_operation: int) -> bool:
        """True if ``call``, seen for the first time, is the one this rule picks."""
        if self.invocation_id is not None:
            return False
        if self.write is not None:
            return call.is_write and writes == self.write
        return self._names(call) and calls_of_operation == self.call

    def _names(self, call: AwsCall) -> bool:
        wanted = self.operation or ""
        return wanted in (call.key, call.operation)

    def answers(self, call: AwsCall) -> bool:
        """True if this attempt of the picked call gets the fault; counts it."""
        if call.invocation_id != self.invocation_id or self.fired >= self.times:
            return False
        self.fired += 1
        return True

    def to_json(self) -> dict[str, Any]:
        pick: dict[str, Any] = (
            {"write": self.write}
            if self.write is not None
            else {"operation": self.operation, "call": self.call}
        )
        return pick | {"mode": self.mode, "times": self.times, "fired": self.fired}


class FaultPlan:
    """The rules in force and the call counters they refer to. Thread-safe."""

    def __init__(
        self,
        rules: list[FaultRule] | None = None,
        *,
        throttle_rate: float = 0.0,
        seed: int | None = None,
        latency_ms: int = 0,
    ) -> None:
        self.rules = rules or []
        self.throttle_rate = throttle_rate
        self.seed = seed
        self.latency_ms = latency_ms
        self._random = random.Random(seed)  # noqa: S311 - fault sampling, not crypto
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._writes = 0
        self._per_operation: Counter[str] = Counter()
        self.random_throttles = 0

    @classmethod
    def from_json(cls, data: object) -> FaultPlan:
        if not isinstance(data, Mapping):
            raise ValueError("the fault plan must be a JSON object")
        _refuse_unknown(data, _PLAN_KEYS, "fault plan")
        rules = data.get("rules") or []
        if not isinstance(rules, list):
            raise ValueError("'rules' must be a list")
        return cls(
            [FaultRule.from_json(r) for r in rules],
            throttle_rate=_rate(data.get("throttle_rate", 0.0)),
            seed=_int_or_none(data.get("seed")),
            latency_ms=_count_of(data, "latency_ms", 0, minimum=0) or 0,
        )

    def decide(self, call: AwsCall) -> str | None:
        """The fault mode for this attempt, or None to let it through."""
        with self._lock:
            if self._count(call):
                self._arm_rules(call)
            for rule in self.rules:
                if rule.answers(call):
                    return rule.mode
            return self._random_throttle()

    def _count(self, call: AwsCall) -> bool:
        if call.invocation_id in self._seen:
            return False
        self._seen.add(call.invocation_id)
        self._per_operation[call.key] += 1
        if call.is_write:
            self._writes += 1
        return True

    def _arm_rules(self, call: AwsCall) -> None:
        for rule in self.rules:
            if rule.picks(call, self._writes, self._per_operation[call.key]):
                rule.invocation_id = call.invocation_id

    def _random_throttle(self) -> str | None:
        if self.throttle_rate and self._random.random() < self.throttle_rate:
            self.random_throttles += 1
            return THROTTLE
        return None

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rules": [r.to_json() for r in self.rules],
                "throttle_rate": self.throttle_rate,
                "seed": self.seed,
                "latency_ms": self.latency_ms,
                "random_throttles": self.random_throttles,
                "writes_seen": self._writes,
            }


def _refuse_unknown(data: Mapping[str, Any], known: frozenset[str], what: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} keys: {', '.join(unknown)}")


def _count_of(
    data: Mapping[str, Any], key: str, default: int | None, *, minimum: int = 1
) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"'{key}' must be an integer of at least {minimum}")
    return value


def _operation(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError("'operation' must be 'Operation' or 'service:Operation'")
    return value


def _rate(value: object) -> float:
    if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise ValueError("'throttle_rate' must be a number from 0 to 1")
    return float(value)


def _int_or_none(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError("'seed' must be an integer")
