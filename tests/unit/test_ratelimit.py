"""TokenBucket and Backoff with a fake clock: no test waits."""

from __future__ import annotations

import threading

import pytest

from gtprov.aws.ratelimit import Backoff, TokenBucket


class FakeClock:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def test_bucket_allows_its_burst_without_waiting() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, burst=3, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(3)]
    assert waits == [0.0, 0.0, 0.0]
    assert clock.slept == []


def test_bucket_paces_beyond_the_burst_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(50, burst=1, clock=clock, sleep=clock.sleep)
    for _ in range(101):
        bucket.acquire()
    assert clock.now == pytest.approx(2.0)


def test_bucket_refills_while_idle_up_to_its_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, burst=2, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    bucket.acquire()
    clock.now += 60.0
    assert [bucket.acquire(), bucket.acquire()] == [0.0, 0.0]
    assert bucket.acquire() == pytest.approx(0.1)


def test_bucket_keeps_the_rate_across_threads() -> None:
    clock = FakeClock()
    bucket = TokenBucket(25, burst=1, clock=clock, sleep=clock.sleep)
    threads = [
        threading.Thread(target=lambda: [bucket.acquire() for _ in range(10)])
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(clock.slept) >= (50 - 1) / 25 - 1e-9


def test_bucket_refuses_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)


def test_backoff_grows_exponentially_up_to_its_cap() -> None:
    backoff = Backoff(base=0.1, cap=1.0, rand=lambda: 1.0)
    assert [backoff.delay(n) for n in range(6)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    )


def test_backoff_jitter_scales_the_whole_interval() -> None:
    backoff = Backoff(base=1.0, cap=10.0, rand=lambda: 0.25)
    assert backoff.delay(2) == pytest.approx(1.0)
