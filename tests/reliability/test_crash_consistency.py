"""A complete setup stopped at its k-th write, for every k, three ways.

The emulator's fault rules pick the k-th write call of the setup (retries of
one call count once) and answer it:

- ``access-denied``: the service's access-denied error (not retried);
- ``server-error``: HTTP 500 on every attempt, so botocore's retries run out
  (gtprov's own retries of bulk Cognito calls are failed too);
- ``lost-response``: the call is carried out, then answered 500, as when a
  response is lost; the retry meets the change already made.

Each time: the failing command exits 1 and its JSON error names the step
(``error.step``, the ``operation`` and the AWS ``code``; for a worker, the
worker in ``resources.failed_workers``), and what it applied is exactly the
planned writes before that step; a lost response is absorbed (exit 0). Then
a clean re-run reaches exactly the account an uninterrupted run leaves (the
normalised snapshot of ``tests/reliability/account.py``), a further re-run
makes zero writes, and ``destroy --all --yes`` returns the account to what
it was before gtprov, with gtprov's keys pending deletion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gtprov.aws.ratelimit import Backoff
from gtprov.cli.main import run
from gtprov.emulation.control import EmulatorControl
from gtprov.exitcodes import ExitCode
from tests.reliability.account import (
    Json,
    gtprov_leftovers,
    snapshot,
    without_pending_keys,
)
from tests.reliability.scenario import (
    APPLY,
    COMMANDS,
    EXPECTED_WRITES,
    Outcome,
    prepare,
    run_setup,
    slow,
)

DENIED, SERVER_ERROR, LOST = "access-denied", "server-error", "lost-response"
BULK_USER_CALLS = frozenset(
    {"cognito-idp:AdminCreateUser", "cognito-idp:AdminAddUserToGroup"}
)
"""Per-worker calls: one that keeps failing fails its worker, not the run."""
RETRIED_BY_GTPROV = BULK_USER_CALLS | {
    "cognito-idp:CreateUserPool",
    "cognito-idp:CreateUserPoolClient",
}
"""Calls gtprov retries itself, a new botocore call per attempt."""
DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "AuthorizationError"}
)
SERVER_CODES = frozenset({"InternalFailure", "ServiceFailure"})
VERBS = {
    "create": "Create",
    "update": "Update",
    "replace": "Replace",
    "delete": "Delete",
}
KNOWN_GAPS = {
    (LOST, "kms:CreateKey"): (
        "CreateKey has no idempotency token: botocore's retry makes a second "
        "key, and the first (tagged, live, no alias, no grant record) is found "
        "by no run and left by destroy (gtprov/execute/kms.py create_key_with)"
    ),
}
_REFERENCE: dict[str, Json] = {}


def sweep() -> list[Any]:
    """Every k in every mode for the two commands (CI); the same sweep for
    ``apply -f gtprov.toml`` is the exhaustive variant (GTPROV_SLOW=1)."""
    cases = []
    for setup in (COMMANDS, APPLY):
        for mode in (DENIED, SERVER_ERROR, LOST):
            for k, operation in enumerate(EXPECTED_WRITES, start=1):
                gap = KNOWN_GAPS.get((mode, operation))
                marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
                marks += [slow] if setup == APPLY else []
                case_id = f"{setup}-{mode}-{k:02d}-{operation.partition(':')[2]}"
                cases.append(pytest.param(setup, mode, k, marks=marks, id=case_id))
    return cases


def fault_rules(mode: str, k: int) -> list[dict[str, Any]]:
    """The k-th write fails; a call gtprov retries itself keeps failing
    through all its attempts (one thread, so the next calls of that operation
    are those attempts)."""
    rules: list[dict[str, Any]] = [{"write": k, "mode": mode}]
    operation = EXPECTED_WRITES[k - 1]
    if mode == SERVER_ERROR and operation in RETRIED_BY_GTPROV:
        before = EXPECTED_WRITES[:k].count(operation)
        rules += [
            {"operation": operation, "call": before + n, "mode": mode}
            for n in range(1, Backoff().attempts)
        ]
    return rules


def reference(
    emulator: EmulatorControl, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> tuple[Json, Json]:
    """The account before gtprov and after an uninterrupted setup (live keys).

    Made once per test process: every case starts from the same account, and
    both setups (two commands, or apply -f) must leave the same one.
    """
    if not _REFERENCE:
        emulator.reset()
        commands = prepare(tmp_path)
        _REFERENCE["before"] = without_pending_keys(snapshot())[0]
        assert all(o.code == 0 for o in run_setup(capsys, commands))
        _REFERENCE["after"] = without_pending_keys(snapshot())[0]
        emulator.reset()
    return _REFERENCE["before"], _REFERENCE["after"]


def assert_converged(after: Json) -> None:
    state, pending = without_pending_keys(snapshot())
    assert state == after
    assert all(_gtprov_key(key) for key in pending.values())


def assert_destroyed(before: Json) -> None:
    assert run(["destroy", "--all", "--yes"]) == ExitCode.OK
    found = snapshot()
    assert gtprov_leftovers(found) == []
    state, pending = without_pending_keys(found)
    assert state == before
    assert pending
    assert all(_gtprov_key(key) for key in pending.values())


def _gtprov_key(key: Json) -> bool:
    return bool(key["Tags"].get("gtprov:managed-by") == "gtprov")


def assert_step_named(mode: str, operation: str, outcomes: list[Outcome]) -> None:
    *earlier, failed = outcomes
    assert [o.code for o in earlier] == [ExitCode.OK] * len(earlier)
    assert failed.code == ExitCode.FAILED
    assert failed.envelope is not None
    envelope = failed.envelope
    if mode == SERVER_ERROR and operation in BULK_USER_CALLS:
        assert_worker_named(envelope)
        return
    error = envelope["error"]
    assert error["operation"] == operation.partition(":")[2]
    assert error["code"] in (DENIED_CODES if mode == DENIED else SERVER_CODES)
    assert error["type"] == ("AccessDeniedError" if mode == DENIED else "AwsCallError")
    writes = [c for c in envelope["plan"] if c["action"] != "no-op"]
    steps = [f"{VERBS[c['action']]} {c['kind']} {c['name']}" for c in writes]
    failed_at = [n for n, step in enumerate(steps) if error["step"].startswith(step)]
    assert len(failed_at) == 1
    assert envelope["applied"] == writes[: failed_at[0]]
    if mode == DENIED:
        assert "gtprov policy provisioner" in error["hint"]


def assert_worker_named(envelope: dict[str, Any]) -> None:
    """A worker that keeps failing fails alone: the run finishes the others
    and exits 1 listing each failed worker with AWS's code
    (docs/setup-workforce.md). A worker whose invitation failed also fails
    to join a later team (Cognito: UserNotFoundException)."""
    failed = envelope["resources"]["failed_workers"]
    workers = {f.partition(": ")[0] for f in failed}
    codes = {f.partition(": ")[2].split(":")[0] for f in failed}
    assert workers <= {"ann@example.com", "bob@example.com"}
    assert codes & SERVER_CODES
    assert codes <= SERVER_CODES | {"UserNotFoundException"}
    assert envelope["ok"] is False


@pytest.mark.usefixtures("instant_retries")
def test_an_uninterrupted_setup_makes_exactly_these_writes_and_destroy_undoes_it(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before, after = reference(aws_env, capsys, tmp_path)
    commands = prepare(tmp_path)
    aws_env.clear_calls()
    assert [o.code for o in run_setup(capsys, commands)] == [0, 0]
    assert [f"{c['service']}:{c['operation']}" for c in aws_env.writes()] == list(
        EXPECTED_WRITES
    )
    assert_converged(after)
    assert_destroyed(before)


@pytest.mark.usefixtures("instant_retries")
@pytest.mark.parametrize(("setup", "mode", "k"), sweep())
def test_a_setup_stopped_at_any_write_converges_on_rerun_and_destroys_clean(
    setup: str,
    mode: str,
    k: int,
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    before, after = reference(aws_env, capsys, tmp_path)
    commands = prepare(tmp_path, setup)
    aws_env.set_faults(fault_rules(mode, k))
    outcomes = run_setup(capsys, commands)
    faulted = [
        f"{c['service']}:{c['operation']}" for c in aws_env.calls() if c["fault"]
    ]
    aws_env.clear_faults()
    operation = EXPECTED_WRITES[k - 1]
    assert faulted[0] == operation
    succeeded = [ExitCode.OK] * len(commands)
    if mode == LOST:
        assert [o.code for o in outcomes] == succeeded
    else:
        assert_step_named(mode, operation, outcomes)
        assert [o.code for o in run_setup(capsys, commands)] == succeeded
    assert_converged(after)
    aws_env.clear_calls()
    assert [o.code for o in run_setup(capsys, commands)] == succeeded
    assert aws_env.writes() == []
    assert_destroyed(before)


@slow
@pytest.mark.usefixtures("instant_retries")
def test_apply_of_the_same_setup_file_makes_the_same_writes_and_account(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, after = reference(aws_env, capsys, tmp_path)
    commands = prepare(tmp_path, APPLY)
    aws_env.clear_calls()
    assert [o.code for o in run_setup(capsys, commands)] == [ExitCode.OK]
    assert [f"{c['service']}:{c['operation']}" for c in aws_env.writes()] == list(
        EXPECTED_WRITES
    )
    assert_converged(after)
