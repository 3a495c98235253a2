"""Per-operation request quotas enforced with token buckets.

AWS publishes rates ("AdminCreateUser: 50 requests per second") but not the
size of the bucket behind them. Here a bucket holds ``burst`` tokens and
refills at ``rate`` per second; the default burst is one second's worth
(``burst = rate``), so a client may spend ``rate`` calls at once after an idle
second and no more than ``rate`` per second after that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class Quota:
    """``rate`` calls per second with a bucket of ``burst`` tokens."""

    rate: float
    burst: float

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"quota needs rate > 0 and burst >= 1: {self}")


class TokenBucket:
    """Starts full; ``take`` spends one token or refuses without waiting."""

    def __init__(self, quota: Quota, clock: Clock = time.monotonic) -> None:
        self.quota = quota
        self._clock = clock
        self._tokens = quota.burst
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            self._refill()
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def _refill(self) -> None:
        now = self._clock()
        earned = (now - self._at) * self.quota.rate
        self._tokens = min(self.quota.burst, self._tokens + earned)
        self._at = now


class Quotas:
    """One bucket per ``service:Operation`` key; keys without one are free."""

    def __init__(
        self, quotas: Mapping[str, Quota], clock: Clock = time.monotonic
    ) -> None:
        self._quotas = dict(quotas)
        self._clock = clock
        self._buckets = self._fresh()

    def _fresh(self) -> dict[str, TokenBucket]:
        return {k: TokenBucket(q, self._clock) for k, q in self._quotas.items()}

    def admit(self, key: str) -> bool:
        """True if a call to ``key`` may go ahead now."""
        bucket = self._buckets.get(key)
        return bucket is None or bucket.take()

    def refill(self) -> None:
        """Start every bucket full again (between benchmark phases)."""
        self._buckets = self._fresh()

    def describe(self) -> dict[str, dict[str, float]]:
        return {k: {"rate": q.rate, "burst": q.burst} for k, q in self._quotas.items()}


def parse_quota(text: str) -> tuple[str, Quota]:
    """``service:Operation=RATE`` or ``service:Operation=RATE/BURST``."""
    key, sep, value = text.partition("=")
    if not sep or ":" not in key:
        raise ValueError(f"quota {text!r}: expected service:Operation=RATE[/BURST]")
    rate_text, _, burst_text = value.partition("/")
    rate = float(rate_text)
    return key, Quota(rate=rate, burst=float(burst_text) if burst_text else rate)


def parse_quotas(texts: Iterable[str]) -> dict[str, Quota]:
    return dict(parse_quota(t) for t in texts)


# Cognito's documented default rates for the two bulk-invite calls
# (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html):
# UserCreation 50 RPS includes AdminCreateUser; UserResourceUpdate 25 RPS is
# where AdminAddUserToGroup sits (that mapping is inferred, not confirmed).
COGNITO_DEFAULTS = (
    "cognito-idp:AdminCreateUser=50",
    "cognito-idp:AdminAddUserToGroup=25",
)
