"""Every command under a throttling storm: a seeded 30 % of all requests.

The emulator throttles each attempt with probability ``RATE`` from
``random.Random(SEED)`` (``Throttling``, ``ThrottlingException``,
``TooManyRequestsException`` by service, as AWS answers). gtprov's clients
retry throttling (botocore standard mode, 8 attempts; bulk Cognito calls
with gtprov's own backoff, 8 attempts), so a call fails only when all 8
attempts are throttled: 0.3**8, about 7 in 100,000 calls. Every command
must still exit 0 and leave the account exactly as the same command leaves
it without throttling; ``status`` must report the same rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gtprov.emulation.control import EmulatorControl
from gtprov.exitcodes import ExitCode
from tests.reliability.account import Json, snapshot, without_pending_keys
from tests.reliability.scenario import prepare, run_json

RATE, SEED = 0.3, 20240601
SERVICES = {"iam", "sts", "kms", "cognito-idp", "sagemaker", "sns"}


def steps(commands: list[list[str]]) -> list[list[str]]:
    """The setup, then the commands that change it and take it down."""
    return [
        *commands,
        ["add-workers", "--team", "alpha", "carl@example.com", "dora@example.com"],
        ["remove-workers", "--team", "beta", "bob@example.com"],
        ["destroy", "--all", "--yes"],
    ]


def states_without_throttling(
    emulator: EmulatorControl, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> list[Json]:
    emulator.reset()
    states = []
    for argv in steps(prepare(tmp_path)):
        assert run_json(capsys, argv).code == ExitCode.OK
        states.append(without_pending_keys(snapshot())[0])
    emulator.reset()
    return states


def throttled(
    emulator: EmulatorControl, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> tuple[int, dict[str, Any] | None, list[dict[str, Any]]]:
    """Run ``argv`` in the storm; its exit code, envelope and requests."""
    emulator.clear_calls()
    emulator.set_faults(throttle_rate=RATE, seed=SEED)
    outcome = run_json(capsys, argv)
    emulator.clear_faults()
    return outcome.code, outcome.envelope, emulator.calls()


@pytest.mark.usefixtures("no_retry_waits", "one_worker_thread")
def test_every_command_succeeds_in_a_throttling_storm_and_ends_in_the_same_state(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expected = states_without_throttling(aws_env, capsys, tmp_path)
    requests: list[dict[str, Any]] = []
    for argv, state in zip(steps(prepare(tmp_path)), expected, strict=True):
        code, _, calls = throttled(aws_env, capsys, argv)
        requests += calls
        assert code == ExitCode.OK, argv[0]
        assert without_pending_keys(snapshot())[0] == state, argv[0]
    storm = [c for c in requests if c["fault"] == "throttle"]
    assert len(storm) >= 0.2 * len(requests)
    assert {c["service"] for c in storm} >= SERVICES


@pytest.mark.usefixtures("no_retry_waits", "one_worker_thread")
def test_status_in_a_throttling_storm_reports_what_it_reports_without(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for argv in prepare(tmp_path):
        assert run_json(capsys, argv).code == ExitCode.OK
    calm = run_json(capsys, ["status"])
    code, envelope, calls = throttled(aws_env, capsys, ["status"])
    assert (calm.code, code) == (ExitCode.OK, ExitCode.OK)
    assert envelope is not None
    assert calm.envelope is not None
    assert envelope["resources"] == calm.envelope["resources"]
    assert any(c["fault"] == "throttle" for c in calls)
