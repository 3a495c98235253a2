"""Reliability tests run against the functional tier's in-process emulation.

The fixtures ``emulator`` (session) and ``aws_env`` (autouse: a reset
emulator and an environment that sends every AWS SDK call to it) are those
of ``tests/functional/conftest.py``, imported rather than copied.
"""

from __future__ import annotations

import functools
import types

import botocore.endpoint
import pytest

import gtprov.aws.cognito
import gtprov.execute.workers
from tests.functional.conftest import aws_env, emulator

__all__ = [
    "aws_env",
    "emulator",
    "instant_retries",
    "no_retry_waits",
    "one_worker_thread",
]


@pytest.fixture
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries happen as in production, without the waits between them.

    botocore's pause before a retry (``botocore.endpoint`` sleeps for what
    its retry handler returns) and gtprov's backoff for bulk Cognito calls
    become zero. Every attempt still reaches the emulator, whose call log
    shows it; only the time between attempts is gone.
    """
    monkeypatch.setattr(
        botocore.endpoint, "time", types.SimpleNamespace(sleep=_no_wait)
    )
    backoff = functools.partial(gtprov.aws.cognito.Backoff, base=0.0)
    monkeypatch.setattr(gtprov.aws.cognito, "Backoff", backoff)


@pytest.fixture
def one_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A team's workers handled on one thread, so calls come in one order.

    The pool's threads otherwise interleave, and the k-th write, or the
    request a seeded throttle draw falls on, would differ between runs.
    """
    monkeypatch.setattr(gtprov.execute.workers, "THREADS", 1)


@pytest.fixture
def instant_retries(
    monkeypatch: pytest.MonkeyPatch, no_retry_waits: None, one_worker_thread: None
) -> None:
    """Two botocore attempts (``AWS_MAX_ATTEMPTS=2``), no waits, one order:
    a 5xx on every attempt exhausts botocore's retries at once."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")


def _no_wait(seconds: float) -> None:
    """botocore's retry pause, skipped."""
