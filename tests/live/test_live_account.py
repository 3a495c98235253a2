"""Opt-in tier against a real AWS account: GTPROV_LIVE=1 scripts/test tests/live.

Uses the caller's own credentials and Region. It creates one execution role
named ``gtprov-live-<random>`` (no KMS, no workforce: Ground Truth is closed
to new accounts and a workforce is one per Region), checks a re-run writes
nothing, and destroys it. Nothing else in the account is touched.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator

import pytest

from gtprov.cli.main import run
from gtprov.exitcodes import ExitCode

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("GTPROV_LIVE") != "1", reason="set GTPROV_LIVE=1 to run"
    ),
]


def _gtprov(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code = run(["--output", "json", *argv])
    out = capsys.readouterr().out
    assert code == ExitCode.OK, out
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture
def role_name(capsys: pytest.CaptureFixture[str]) -> Iterator[str]:
    name = f"gtprov-live-{secrets.token_hex(4)}"
    yield name
    run(["destroy", "--role", name, "--yes"])
    capsys.readouterr()


def test_execution_role_round_trip_on_a_real_account(
    capsys: pytest.CaptureFixture[str], role_name: str
) -> None:
    args = ("create-execution-role", role_name, "--bucket", "gtprov-live-unused")
    created = _gtprov(capsys, *args)
    assert str(created["resources"]["role_arn"]).endswith(f":role/{role_name}")  # type: ignore[index]
    again = _gtprov(capsys, *args)
    assert again["api_calls"]["writes"] == 0  # type: ignore[index]
    gone = _gtprov(capsys, "destroy", "--role", role_name, "--yes")
    assert gone["ok"] is True
