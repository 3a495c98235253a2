"""Client-side pacing and backoff for bulk Cognito calls.

Cognito meters admin API calls per account and Region in categories, each
with a requests-per-second quota shared by every caller and every user pool:
https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
A bulk invite paces itself below those quotas with a ``TokenBucket`` per
category and still backs off (``Backoff``) when Cognito answers
TooManyRequestsException, because other callers draw on the same quota.

Clock, sleep and randomness are injected so tests neither wait nor flake.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
Sleep = Callable[[float], None]

USER_CREATION_RPS = 50.0
"""UserCreation category (SignUp, ConfirmSignUp, AdminCreateUser,
AdminConfirmSignUp): 50 RPS by default (the 2023 quota page said 30)."""

USER_RESOURCE_UPDATE_RPS = 25.0
"""UserResourceUpdate category, "update user resource information, such as
group": 25 RPS. [unconfirmed] that AdminAddUserToGroup and
AdminRemoveUserFromGroup are metered here; the category list does not name
them in the pages read, so gtprov paces them at this, the lower, rate."""

USER_READ_RPS = 25.0
"""Pace for per-user reads during removal (AdminListGroupsForUser).
[unconfirmed] category; kept at the conservative UserResourceUpdate rate."""

USER_DELETE_RPS = 25.0
"""Pace for AdminDeleteUser. [unconfirmed] category (UserResourceUpdate is
assumed), so the same conservative rate."""


class TokenBucket:
    """A thread-safe token bucket: at most ``rate`` acquisitions per second.

    Each ``acquire`` reserves a token under the lock (the balance may go
    negative) and then sleeps outside it for as long as that reservation
    is ahead of the refill, so concurrent callers queue fairly without
    holding the lock while they wait.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate / 5)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._stamp = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting if needed; return the seconds waited."""
        with self._lock:
            wait = self._reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def _reserve(self) -> float:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._stamp = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with full jitter.

    Attempt ``n`` (0-based) waits a uniform random time in
    ``[0, min(cap, base * 2**n)]``, the scheme AWS recommends so that many
    throttled clients do not retry in lockstep:
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
    """

    base: float = 0.1
    cap: float = 5.0
    attempts: int = 8
    rand: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempt: int) -> float:
        return self.rand() * min(self.cap, self.base * 2.0**attempt)
