"""botocore failures that are not ClientErrors end as gtprov errors, never
as tracebacks: no credentials, an endpoint that does not answer."""

from __future__ import annotations

import socket

import pytest
from botocore.exceptions import (
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from gtprov.aws.errors import from_botocore
from gtprov.cli.main import run
from gtprov.errors import InputError
from gtprov.exitcodes import ExitCode


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("exc", "field"),
    [(NoRegionError(), "--region"), (ProfileNotFound(profile="p"), "--profile")],
)
def test_missing_region_or_profile_is_bad_input(exc: Exception, field: str) -> None:
    error = from_botocore(exc)
    assert isinstance(error, InputError)
    assert error.field == field


def test_other_exceptions_are_not_translated() -> None:
    assert from_botocore(ValueError("x")) is None


def test_no_credentials_names_the_ways_to_give_them() -> None:
    error = from_botocore(NoCredentialsError())
    assert error is not None
    assert error.exit_code == ExitCode.FAILED
    assert error.hint
    assert "AWS_PROFILE" in error.hint


def test_unreachable_endpoint_exits_1_with_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert run(["status"]) == ExitCode.FAILED
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: AWS did not answer")
    assert "Traceback" not in captured.err


def test_endpoint_error_in_json_mode_prints_the_failed_envelope(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert run(["--output", "json", "status"]) == ExitCode.FAILED
    assert '"ok": false' in capsys.readouterr().out


def test_endpoint_error_type_is_recognised() -> None:
    error = from_botocore(EndpointConnectionError(endpoint_url="http://x"))
    assert error is not None
    assert "http://x" in error.message
