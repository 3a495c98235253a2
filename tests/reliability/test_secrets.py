"""No secret ever shows: not on stdout, not on stderr, not in any log record.

A full setup (role with KMS, workforce, workers), re-invitations, status, a
failing command and destroy run at the highest verbosity (``-vv``) with
Python logging at DEBUG, in text and in JSON mode, under distinctive dummy
credentials (access key id, secret key, session token). Afterwards none of
them, nor the app client's secret (read back with DescribeUserPoolClient),
nor the temporary password of a worker an administrator created, appears
in what gtprov printed or logged. And gtprov never sends a temporary
password: every request it makes is inspected where botocore builds it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from gtprov.cli.main import run
from gtprov.emulation.control import EmulatorControl
from gtprov.exitcodes import ExitCode
from tests.reliability.account import client
from tests.reliability.scenario import TEAMS, prepare

ACCESS_KEY_ID = "AKIAGTPROVCANARY0001"
SECRET_ACCESS_KEY = "gtprovCanarySecretAccessKey/0000000000001"
SESSION_TOKEN = "gtprovCanarySessionToken+000000000000001"
TEMPORARY_PASSWORD = "Gtprov-Canary-Temp-Passw0rd!"
ADMIN_MADE = "erin@example.com"
WIRE_LOGGERS = ("botocore", "urllib3")
"""botocore's own DEBUG records carry request headers and response bodies."""


@pytest.fixture
def canary_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)


@pytest.fixture
def requests_made(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Every API call gtprov's clients make (their user agent names gtprov):
    operation and parameters, as botocore receives them."""
    made: list[tuple[str, Any]] = []
    original = botocore.client.BaseClient._make_api_call

    def recorded(self: Any, operation_name: str, api_params: Any) -> Any:
        if "gtprov/" in (self.meta.config.user_agent_extra or ""):
            made.append((operation_name, dict(api_params)))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded)
    return made


def gtprov(
    capsys: pytest.CaptureFixture[str], mode: str, *argv: str
) -> tuple[int, str]:
    """Run at -vv; the exit code and everything it wrote to stdout and stderr."""
    capsys.readouterr()
    code = run([*argv, "-vv", "--output", mode])
    out, err = capsys.readouterr()
    return code, out + err


def app_client_secret() -> str:
    idp = client("cognito-idp")
    (pool,) = idp.list_user_pools(MaxResults=60)["UserPools"]
    (app,) = idp.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
    described = idp.describe_user_pool_client(
        UserPoolId=pool["Id"], ClientId=app["ClientId"]
    )
    return str(described["UserPoolClient"]["ClientSecret"])


def admin_creates_worker() -> None:
    """A worker an administrator invited by hand, with a password they chose."""
    idp = client("cognito-idp")
    (pool,) = idp.list_user_pools(MaxResults=60)["UserPools"]
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username=ADMIN_MADE,
        TemporaryPassword=TEMPORARY_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": ADMIN_MADE}],
        MessageAction="SUPPRESS",
    )


def everything_at_full_verbosity(
    emulator: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    mode: str,
) -> tuple[str, list[str]]:
    """Run every command once; what they printed, and the secrets to look for."""
    printed: list[str] = []

    def step(*argv: str, expect: int = ExitCode.OK) -> None:
        code, text = gtprov(capsys, mode, *argv)
        printed.append(text)
        assert code == expect, argv[0]

    for argv in prepare(tmp_path):
        step(*argv)
    secret = app_client_secret()
    admin_creates_worker()
    team = ("--team", TEAMS[0])
    step("add-workers", *team, ADMIN_MADE, "carl@example.com")
    step("add-workers", *team, ADMIN_MADE, "--resend")
    step("remove-workers", *team, "carl@example.com")
    step("status")
    emulator.set_faults(
        [{"operation": "DescribeUserPoolClient", "mode": "access-denied"}]
    )
    step("setup-workforce", "--team", "gamma", expect=ExitCode.FAILED)
    emulator.clear_faults()
    step("destroy", "--all", "--force-users", "--yes")
    return "\n".join(printed), [secret, TEMPORARY_PASSWORD]


def secrets_in(text: str, secrets: list[str]) -> list[str]:
    canaries = [ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN, *secrets]
    return [s for s in canaries if s in text]


@pytest.mark.usefixtures("canary_credentials")
@pytest.mark.parametrize("mode", ["text", "json"])
def test_no_secret_is_printed_or_logged_at_any_verbosity(
    mode: str,
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    printed, secrets = everything_at_full_verbosity(aws_env, capsys, tmp_path, mode)
    ours = [r for r in caplog.records if not r.name.startswith(WIRE_LOGGERS)]
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in ours)
    assert "DEBUG gtprov.aws: AWS cognito-idp:AdminCreateUser" in printed
    assert secrets_in(printed, secrets) == []
    assert secrets_in(logged, secrets) == []


@pytest.mark.usefixtures("canary_credentials")
def test_gtprov_never_sends_a_temporary_password(
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    requests_made: list[tuple[str, Any]],
    tmp_path: Path,
) -> None:
    """Cognito generates and emails it; gtprov neither sets nor reads one."""
    everything_at_full_verbosity(aws_env, capsys, tmp_path, "text")
    invites = [p for op, p in requests_made if op == "AdminCreateUser"]
    assert {p.get("MessageAction") for p in invites} == {None, "RESEND"}
    assert [p for p in invites if "TemporaryPassword" in p] == []
    assert not any(TEMPORARY_PASSWORD in str(p) for _, p in requests_made)


@pytest.mark.usefixtures("canary_credentials")
def test_no_log_record_of_any_logger_carries_a_secret_with_root_at_debug(
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    _, secrets = everything_at_full_verbosity(aws_env, capsys, tmp_path, "text")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert secrets_in(logged, secrets) == []
