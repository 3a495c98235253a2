"""The emulation server: moto and the fake at one endpoint, the call log, faults.

Retried calls here go through botocore's real retry handler, which sleeps up
to a second before a retry; the tests keep retries few so the file stays fast.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from gtprov.cli.sandbox_cmd import sandbox_app
from gtprov.emulation.control import ControlError, EmulatorControl

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def client(service: str, attempts: int = 1, **kwargs: Any) -> Any:
    """A client with botocore's standard retries and ``attempts`` tries in all."""
    retries = {"mode": "standard", "total_max_attempts": attempts}
    return boto3.client(service, config=Config(retries=retries), **kwargs)


def create_role(name: str, attempts: int = 1) -> dict[str, Any]:
    iam = client("iam", attempts)
    return dict(iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST))


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def status_of(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


def calls_of(emulator: EmulatorControl, operation: str) -> list[dict[str, Any]]:
    return [c for c in emulator.calls() if c["operation"] == operation]


def oidc_workforce() -> None:
    base = "https://idp.example.com"
    config = {
        "ClientId": "client",
        "ClientSecret": "secret",
        "Issuer": base,
        "AuthorizationEndpoint": f"{base}/authorize",
        "TokenEndpoint": f"{base}/token",
        "UserInfoEndpoint": f"{base}/userinfo",
        "LogoutEndpoint": f"{base}/logout",
        "JwksUri": f"{base}/jwks",
    }
    client("sagemaker").create_workforce(WorkforceName="crowd", OidcConfig=config)


def create_oidc_team(attempts: int = 1) -> None:
    client("sagemaker", attempts).create_workteam(
        WorkteamName="team",
        Description="Labelers",
        MemberDefinitions=[{"OidcMemberDefinition": {"Groups": ["labelers"]}}],
    )


# -- one endpoint ----------------------------------------------------------


def test_moto_services_answer_at_the_same_endpoint() -> None:
    role = create_role("labeling")["Role"]["Arn"]
    pool = client("cognito-idp").create_user_pool(PoolName="workers")["UserPool"]
    key = client("kms").create_key()["KeyMetadata"]
    topic = client("sns").create_topic(Name="work")["TopicArn"]
    client("s3").create_bucket(Bucket="labeling-data")
    account = client("sts").get_caller_identity()["Account"]
    assert role == "arn:aws:iam::123456789012:role/labeling"
    assert pool["Id"].startswith("us-east-1_")
    assert key["KeyState"] == "Enabled"
    assert topic == "arn:aws:sns:us-east-1:123456789012:work"
    assert [b["Name"] for b in client("s3").list_buckets()["Buckets"]] == [
        "labeling-data"
    ]
    assert account == "123456789012"


def test_other_sagemaker_calls_and_tags_of_other_arns_reach_moto() -> None:
    sagemaker = client("sagemaker")
    model = sagemaker.create_model(
        ModelName="model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/labeling",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x"},
    )["ModelArn"]
    sagemaker.add_tags(ResourceArn=model, Tags=[{"Key": "k", "Value": "v"}])
    assert sagemaker.list_tags(ResourceArn=model)["Tags"] == [
        {"Key": "k", "Value": "v"}
    ]
    assert [m["ModelName"] for m in sagemaker.list_models()["Models"]] == ["model"]


def test_reset_forgets_moto_resources_fake_state_and_faults(
    aws_env: EmulatorControl,
) -> None:
    create_role("labeling")
    oidc_workforce()
    aws_env.set_faults([{"operation": "GetCallerIdentity", "mode": "access-denied"}])
    aws_env.reset()
    client("sts").get_caller_identity()
    assert client("iam").list_roles()["Roles"] == []
    assert client("sagemaker").list_workforces()["Workforces"] == []
    assert aws_env.faults()["rules"] == []


def test_health_names_the_server_process(aws_env: EmulatorControl) -> None:
    health = aws_env.health()
    assert health["service"] == "gtprov-sandbox"
    assert health["pid"] == os.getpid()


# -- call log --------------------------------------------------------------


def test_the_call_log_names_service_operation_and_writes_in_every_protocol(
    aws_env: EmulatorControl,
) -> None:
    create_role("labeling")
    client("sagemaker").list_workteams()
    client("kms").create_key()
    client("s3").create_bucket(Bucket="labeling-data")
    logged = [
        (c["service"], c["operation"], c["is_write"], c["protocol"])
        for c in aws_env.calls()
    ]
    assert logged == [
        ("iam", "CreateRole", True, "query"),
        ("sagemaker", "ListWorkteams", False, "json"),
        ("kms", "CreateKey", True, "json"),
        ("s3", "PUT /labeling-data", True, "rest"),
    ]
    assert [c["operation"] for c in aws_env.writes()] == [
        "CreateRole",
        "CreateKey",
        "PUT /labeling-data",
    ]


def test_the_call_log_can_be_cleared(aws_env: EmulatorControl) -> None:
    client("sts").get_caller_identity()
    aws_env.clear_calls()
    client("iam").list_roles()
    assert [c["operation"] for c in aws_env.calls()] == ["ListRoles"]
    assert all(c["timestamp"] <= time.time() for c in aws_env.calls())


# -- faults ----------------------------------------------------------------


def test_access_denied_hits_the_kth_write_only(aws_env: EmulatorControl) -> None:
    aws_env.set_faults([{"write": 2, "mode": "access-denied"}])
    create_role("first")
    client("iam").list_roles()
    with pytest.raises(ClientError) as exc:
        create_role("second")
    create_role("third")
    message = exc.value.response["Error"]["Message"]
    assert (code_of(exc), status_of(exc)) == ("AccessDenied", 403)
    assert (
        "iam:CreateRole on resource: arn:aws:iam::123456789012:role/second" in message
    )
    roles = client("iam").list_roles()["Roles"]
    assert sorted(r["RoleName"] for r in roles) == ["first", "third"]


@pytest.mark.parametrize(
    ("service", "operation", "kwargs", "code", "status"),
    [
        ("kms", "create_key", {}, "AccessDeniedException", 400),
        (
            "cognito-idp",
            "list_user_pools",
            {"MaxResults": 1},
            "AccessDeniedException",
            400,
        ),
        ("sns", "create_topic", {"Name": "t"}, "AuthorizationError", 403),
        ("sagemaker", "list_workteams", {}, "AccessDeniedException", 400),
        ("s3", "list_buckets", {}, "AccessDenied", 403),
    ],
)
def test_access_denied_has_each_service_s_shape(
    aws_env: EmulatorControl,
    service: str,
    operation: str,
    kwargs: dict[str, Any],
    code: str,
    status: int,
) -> None:
    aws_env.set_faults(
        [{"operation": rule_name(service, operation), "mode": "access-denied"}]
    )
    with pytest.raises(ClientError) as exc:
        getattr(client(service), operation)(**kwargs)
    assert (code_of(exc), status_of(exc)) == (code, status)


def rule_name(service: str, snake: str) -> str:
    """The rule's name of a call: ``iam:ListRoles``; S3 calls are ``METHOD /path``."""
    if service == "s3":
        return "s3:GET /"
    return f"{service}:" + "".join(part.capitalize() for part in snake.split("_"))


def test_the_nth_call_of_a_named_operation_fails(aws_env: EmulatorControl) -> None:
    aws_env.set_faults(
        [{"operation": "sts:GetCallerIdentity", "call": 2, "mode": "access-denied"}]
    )
    sts = client("sts")
    sts.get_caller_identity()
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    sts.get_caller_identity()
    assert code_of(exc) == "AccessDenied"
    assert aws_env.faults()["rules"][0]["fired"] == 1


def test_a_server_error_fails_every_attempt_until_retries_run_out(
    aws_env: EmulatorControl,
) -> None:
    aws_env.set_faults([{"operation": "iam:CreateRole", "mode": "server-error"}])
    with pytest.raises(ClientError) as exc:
        create_role("labeling", attempts=2)
    attempts = calls_of(aws_env, "CreateRole")
    assert (code_of(exc), status_of(exc)) == ("ServiceFailure", 500)
    assert [(c["attempt"], c["status"], c["fault"]) for c in attempts] == [
        (1, 500, "server-error"),
        (2, 500, "server-error"),
    ]
    assert len({c["invocation_id"] for c in attempts}) == 1
    assert client("iam").list_roles()["Roles"] == []


def test_a_server_error_of_one_attempt_is_healed_by_a_retry(
    aws_env: EmulatorControl,
) -> None:
    aws_env.set_faults([{"operation": "CreateKey", "mode": "server-error", "times": 1}])
    response = client("kms", attempts=2).create_key()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [c["status"] for c in calls_of(aws_env, "CreateKey")] == [500, 200]


def test_a_lost_response_applies_the_change_and_the_retry_sees_it_exists(
    aws_env: EmulatorControl,
) -> None:
    aws_env.set_faults([{"operation": "iam:CreateRole", "mode": "lost-response"}])
    with pytest.raises(ClientError) as exc:
        create_role("labeling", attempts=2)
    attempts = calls_of(aws_env, "CreateRole")
    assert code_of(exc) == "EntityAlreadyExists"
    assert client("iam").get_role(RoleName="labeling")["Role"]["RoleName"] == "labeling"
    assert [(c["status"], c["fault"]) for c in attempts] == [
        (500, "lost-response"),
        (409, None),
    ]


def test_a_lost_response_of_the_fake_leaves_the_team_created(
    aws_env: EmulatorControl,
) -> None:
    oidc_workforce()
    aws_env.set_faults(
        [{"operation": "sagemaker:CreateWorkteam", "mode": "lost-response"}]
    )
    with pytest.raises(ClientError) as exc:
        create_oidc_team(attempts=2)
    teams = client("sagemaker").list_workteams()["Workteams"]
    assert code_of(exc) == "ResourceInUse"
    assert [t["WorkteamName"] for t in teams] == ["team"]


@pytest.mark.parametrize(
    ("service", "operation", "kwargs", "code", "status"),
    [
        ("iam", "list_roles", {}, "Throttling", 400),
        ("sns", "list_topics", {}, "Throttling", 400),
        ("kms", "list_keys", {}, "ThrottlingException", 400),
        ("sagemaker", "list_workteams", {}, "ThrottlingException", 400),
        (
            "cognito-idp",
            "list_user_pools",
            {"MaxResults": 1},
            "TooManyRequestsException",
            400,
        ),
        ("s3", "list_buckets", {}, "SlowDown", 503),
    ],
)
def test_throttling_has_each_service_s_code(
    aws_env: EmulatorControl,
    service: str,
    operation: str,
    kwargs: dict[str, Any],
    code: str,
    status: int,
) -> None:
    aws_env.set_faults(
        [{"operation": rule_name(service, operation), "mode": "throttle"}]
    )
    with pytest.raises(ClientError) as exc:
        getattr(client(service), operation)(**kwargs)
    assert (code_of(exc), status_of(exc)) == (code, status)


def test_a_throttled_call_succeeds_on_botocore_s_retry(
    aws_env: EmulatorControl,
) -> None:
    aws_env.set_faults([{"operation": "ListWorkteams", "mode": "throttle", "times": 1}])
    response = client("sagemaker", attempts=3).list_workteams()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1


def test_a_throttle_rate_throttles_a_seeded_share_that_retries_absorb(
    aws_env: EmulatorControl,
) -> None:
    first = _throttled_run(aws_env)
    second = _throttled_run(aws_env)
    assert first == second
    assert first.count("throttle") == 1
    assert first.count(None) == 8


def _throttled_run(emulator: EmulatorControl) -> list[str | None]:
    """Eight calls with a 20 % throttle rate under standard retries.

    Seed 6 throttles exactly one of the first nine draws, which keeps
    botocore's retry sleep (up to a second) to one per run.
    """
    emulator.reset()
    emulator.set_faults(throttle_rate=0.2, seed=6)
    sts = client("sts", attempts=5)
    for _ in range(8):
        sts.get_caller_identity()
    return [c["fault"] for c in emulator.calls()]


def test_latency_delays_every_call(aws_env: EmulatorControl) -> None:
    sts = client("sts")
    aws_env.set_faults(latency_ms=80)
    started = time.monotonic()
    sts.get_caller_identity()
    assert time.monotonic() - started >= 0.08


@pytest.mark.parametrize(
    "plan",
    [
        {"rules": [{"write": 1, "mode": "explode"}]},
        {"rules": [{"mode": "throttle"}]},
        {"rules": [{"write": 1, "operation": "CreateRole", "mode": "throttle"}]},
        {"rules": [{"write": 0, "mode": "throttle"}]},
        {"throttle_rate": 2},
        {"surprise": True},
    ],
)
def test_a_malformed_fault_plan_is_refused(
    aws_env: EmulatorControl, plan: dict[str, Any]
) -> None:
    with pytest.raises(ControlError):
        aws_env.set_fault_plan(plan)


def test_unknown_sagemaker_settings_are_refused(aws_env: EmulatorControl) -> None:
    with pytest.raises(ControlError):
        aws_env.sagemaker(activation_delay="soon")
    with pytest.raises(ControlError):
        aws_env.sagemaker(no_such_setting=True)


# -- IAM enforcement -------------------------------------------------------


def test_iam_enforcement_checks_the_caller_s_policies_in_moto_and_the_fake(
    aws_env: EmulatorControl,
) -> None:
    keys = _operator_allowed(["iam:CreateRole", "sagemaker:ListWorkteams"])
    aws_env.iam_enforcement(True)
    client("iam", **keys).create_role(
        RoleName="labeling", AssumeRolePolicyDocument=TRUST
    )
    client("sagemaker", **keys).list_workteams()
    with pytest.raises(ClientError) as iam_denied:
        client("iam", **keys).create_user(UserName="someone")
    with pytest.raises(ClientError) as sagemaker_denied:
        client("sagemaker", **keys).list_workforces()
    with pytest.raises(ClientError) as unknown_key:
        client("sagemaker").list_workteams()
    assert code_of(iam_denied) == "AccessDenied"
    assert code_of(sagemaker_denied) == "AccessDeniedException"
    assert code_of(unknown_key) == "UnrecognizedClientException"


def test_create_workforce_also_needs_the_caller_s_cognito_permissions(
    aws_env: EmulatorControl,
) -> None:
    keys = _operator_allowed(["sagemaker:CreateWorkforce"])
    config = {"UserPool": "us-east-1_abc", "ClientId": "client"}
    aws_env.iam_enforcement(True)
    with pytest.raises(ClientError) as exc:
        client("sagemaker", **keys).create_workforce(
            WorkforceName="crowd", CognitoConfig=config
        )
    assert code_of(exc) == "AccessDeniedException"
    assert "cognito-idp:DescribeUserPool" in exc.value.response["Error"]["Message"]


def test_iam_enforcement_can_be_switched_off_again(aws_env: EmulatorControl) -> None:
    aws_env.iam_enforcement(True)
    aws_env.iam_enforcement(False)
    assert client("iam").list_roles()["Roles"] == []


def _operator_allowed(actions: list[str]) -> dict[str, str]:
    """An IAM user allowed ``actions``; its keys as boto3 client arguments."""
    iam = client("iam")
    iam.create_user(UserName="operator")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    iam.put_user_policy(
        UserName="operator", PolicyName="operator", PolicyDocument=json.dumps(policy)
    )
    key = iam.create_access_key(UserName="operator")["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


# -- gtprov sandbox ---------------------------------------------------------


def test_sandbox_background_serves_prints_env_and_stops(tmp_path: Path) -> None:
    port, state_dir = _free_port(), tmp_path / "state"
    runner = CliRunner()
    args = ["--background", "--port", str(port), "--state-dir", str(state_dir)]
    started = runner.invoke(sandbox_app, args)
    url = f"http://127.0.0.1:{port}"
    health = EmulatorControl(url).health()
    printed = runner.invoke(sandbox_app, ["env", "--state-dir", str(state_dir)])
    stopped = runner.invoke(sandbox_app, ["stop", "--state-dir", str(state_dir)])
    assert started.exit_code == printed.exit_code == stopped.exit_code == 0
    assert f"export AWS_ENDPOINT_URL={url}" in started.stdout
    assert printed.stdout == started.stdout
    assert not (state_dir / "sandbox.pid").exists()
    assert health["service"] == "gtprov-sandbox"
    with pytest.raises(ControlError):
        EmulatorControl(url, timeout=1.0).health()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
