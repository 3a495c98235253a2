"""Reliability tests run against the functional tier's in-process emulation.

The fixtures ``emulator`` (session) and ``aws_env`` (autouse: a reset
emulator and an environment that sends every AWS SDK call to it) are those
of ``tests/functional/conftest.py``, imported rather than copied.
"""

from __future__ import annotations

import functools
import os
import types

import botocore.endpoint
import pytest

import gtprov.aws.cognito
import gtprov.execute.workers
from tests.functional.conftest import aws_env, emulator

__all__ = ["aws_env", "emulator", "instant_retries", "slow"]

slow = pytest.mark.skipif(
    os.environ.get("GTPROV_SLOW") != "1",
    reason="exhaustive sweep: opt in with GTPROV_SLOW=1",
)
"""For the exhaustive variants: skipped unless ``GTPROV_SLOW=1``."""


@pytest.fixture
def instant_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries happen as in production, without the waits between them.

    - botocore makes 2 attempts (``AWS_MAX_ATTEMPTS=2``), so a 5xx that
      every attempt meets exhausts them at once;
    - botocore's pause before a retry (``botocore.endpoint`` sleeps for what
      the retry handler returns) and gtprov's own backoff for bulk Cognito
      calls become zero; every attempt still reaches the emulator, whose
      call log shows them;
    - a team's workers are handled on one thread, so the k-th write names
      the same call in every run (the pool's threads otherwise interleave).
    """
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setattr(
        botocore.endpoint, "time", types.SimpleNamespace(sleep=_no_wait)
    )
    backoff = functools.partial(gtprov.aws.cognito.Backoff, base=0.0)
    monkeypatch.setattr(gtprov.aws.cognito, "Backoff", backoff)
    monkeypatch.setattr(gtprov.execute.workers, "THREADS", 1)


def _no_wait(seconds: float) -> None:
    """botocore's retry pause, skipped."""
