"""Bounded waits for AWS's eventual consistency, shared by the write handlers.

A wait polls or retries with exponential backoff until a deadline; its clock
and sleep are collaborators, so tests drive it without waiting. (Retries of
throttled bulk calls use ``gtprov.aws.ratelimit.Backoff``, which jitters per
attempt instead.)
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from gtprov.errors import AwsCallError, GtprovError

log = logging.getLogger("gtprov.execute")
T = TypeVar("T")


@dataclass(frozen=True)
class BoundedWait:
    """Bounded exponential backoff: ``first``, doubling up to ``cap``, for at
    most ``timeout`` seconds in all. ``sleep`` and ``clock`` are injected."""

    timeout: float = 60.0
    first: float = 1.0
    cap: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def delays(self) -> Iterator[float]:
        """Yield each pause, until the next would pass the deadline."""
        deadline = self.clock() + self.timeout
        delay = self.first
        while self.clock() + delay <= deadline:
            yield delay
            delay = min(delay * 2, self.cap)

    def until(self, probe: Callable[[], T | None], what: str) -> T:
        """``probe()`` until it returns something; raise when time runs out."""
        found = probe()
        for delay in self.delays():
            if found is not None:
                return found
            log.info("waiting %.1fs for %s", delay, what)
            self.sleep(delay)
            found = probe()
        if found is None:
            raise GtprovError(
                f"{what}: not seen after {self.timeout:.0f}s",
                hint="AWS may still be propagating the change; run the command again.",
            )
        return found

    def retry(
        self, call: Callable[[], T], retryable: Callable[[AwsCallError], bool]
    ) -> T:
        """``call()``, again after each retryable error, until the deadline."""
        for delay in self.delays():
            try:
                return call()
            except AwsCallError as exc:
                if not retryable(exc):
                    raise
                log.info("%s; retrying in %.1fs", exc.code, delay)
                self.sleep(delay)
        return call()
