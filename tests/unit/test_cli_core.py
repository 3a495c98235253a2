"""Contract tests for the CLI core: exit codes, stdout discipline, envelope."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gtprov import __version__
from gtprov.cli.main import run
from gtprov.cli.options import RunRecord
from gtprov.cli.output import SCHEMA_VERSION, envelope
from gtprov.errors import AwsCallError, InputError
from gtprov.exitcodes import ExitCode


def test_version_prints_version_and_exits_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["--version"]) == ExitCode.OK
    assert capsys.readouterr().out.strip() == f"gtprov {__version__}"


@pytest.mark.parametrize(
    "argv",
    [["no-such-command"], ["--output", "xml", "policy"], ["--profile"]],
)
def test_usage_error_exits_2_with_empty_stdout(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == ExitCode.USAGE
    assert capsys.readouterr().out == ""


def test_envelope_has_documented_keys_and_schema_version() -> None:
    data = envelope(RunRecord(command="x"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert set(data) == {
        "schema_version",
        "gtprov_version",
        "command",
        "ok",
        "dry_run",
        "plan",
        "applied",
        "resources",
        "warnings",
        "api_calls",
        "error",
    }
    assert data["ok"] is True


def test_envelope_reports_error_with_code_and_operation() -> None:
    error = AwsCallError("CreateRole", "AccessDenied", "no", resource="r")
    data = envelope(RunRecord(command="x"), error)
    assert data["ok"] is False
    assert data["error"]["code"] == "AccessDenied"
    assert data["error"]["operation"] == "CreateRole"


def test_input_error_names_field_and_exits_2() -> None:
    error = InputError("--bucket", "must be 3-63 characters", value="a")
    assert error.exit_code == ExitCode.USAGE
    assert error.message.startswith("--bucket: ")
    assert error.to_dict()["field"] == "--bucket"


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_offline_commands_do_not_import_boto3(argv: list[str]) -> None:
    code = (
        "import sys; from gtprov.cli.main import run; "
        f"rc = run({argv!r}); "
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('boto', 'moto'))); "
        "sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_session_takes_region_from_aws_region_when_botocore_would_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gtprov.aws.session import AwsOptions, AwsSession

    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert AwsSession(AwsOptions()).region == "eu-west-2"
    assert AwsSession(AwsOptions(region="ap-south-1")).region == "ap-south-1"
