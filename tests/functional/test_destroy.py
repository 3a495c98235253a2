"""``gtprov destroy`` against the emulation: each scope, look-alikes that
must survive, refusals, and a destroy stopped at every write, then re-run."""

from __future__ import annotations

import json

import boto3
import pytest

from gtprov.emulation.control import EmulatorControl
from gtprov.exitcodes import ExitCode
from tests.functional.accounts import (
    CREATED_ALIAS,
    FOREIGN_SID,
    LOOKALIKE_ALIAS,
    LOOKALIKE_POOL,
    ROLE,
    Lookalikes,
    aliases,
    build_account,
    created_key_id,
    gtprov,
    gtprov_json,
    gtprov_pool_id,
    key_policy,
    key_state,
    pool_names,
    role_exists,
    sids,
    topics,
    workforces,
    workteams,
)


def assert_lookalikes_intact(lookalikes: Lookalikes) -> None:
    iam = boto3.client("iam")
    assert role_exists(lookalikes.role)
    assert iam.list_role_policies(RoleName=lookalikes.role)["PolicyNames"] == [
        "gtprov-execution"
    ]
    assert key_state(lookalikes.key_id) == "Enabled"
    assert LOOKALIKE_ALIAS in aliases()
    assert LOOKALIKE_POOL in pool_names()


def assert_workforce_intact() -> None:
    assert [w["WorkforceName"] for w in workforces()] == ["default"]
    assert workteams() == ["labelers"]
    assert "gtprov-default" in pool_names()


# Scopes --------------------------------------------------------------------------


def test_destroy_role_removes_role_its_statement_and_its_key(
    aws_env: EmulatorControl,
) -> None:
    team_key, lookalikes = build_account()
    created = created_key_id()
    assert gtprov("destroy", "--role", ROLE, "--yes") == ExitCode.OK
    assert not role_exists(ROLE)
    assert sids(team_key) == ["Enable IAM User Permissions", FOREIGN_SID]
    assert key_state(created) == "PendingDeletion"
    assert CREATED_ALIAS not in aliases()
    assert_lookalikes_intact(lookalikes)
    assert_workforce_intact()


def test_destroy_refuses_a_named_role_gtprov_did_not_make(
    aws_env: EmulatorControl,
) -> None:
    _, lookalikes = build_account()
    aws_env.clear_calls()
    assert gtprov("destroy", "--role", lookalikes.role, "--yes") == ExitCode.FAILED
    assert aws_env.writes() == []
    assert_lookalikes_intact(lookalikes)


def test_destroy_key_statements_keeps_roles_keys_and_foreign_statements() -> None:
    team_key, lookalikes = build_account()
    created = created_key_id()
    assert gtprov("destroy", "--key-statements", "--yes") == ExitCode.OK
    assert sids(team_key) == ["Enable IAM User Permissions", FOREIGN_SID]
    assert sids(created) == ["Enable IAM User Permissions"]
    assert key_state(created) == "Enabled"
    tags = boto3.client("iam").list_role_tags(RoleName=ROLE)["Tags"]
    assert not [t for t in tags if t["Key"].startswith("gtprov:kms-grant:")]
    assert {t["Key"] for t in tags} >= {"gtprov:managed-by"}
    assert_lookalikes_intact(lookalikes)


def test_destroy_workforce_removes_teams_workforce_topic_and_pool() -> None:
    team_key, lookalikes = build_account()
    assert gtprov("destroy", "--workforce", "--yes") == ExitCode.OK
    assert workforces() == []
    assert workteams() == []
    assert topics() == []
    assert pool_names() == [LOOKALIKE_POOL]
    assert role_exists(ROLE)
    assert "gtprov" in " ".join(sids(team_key))
    assert_lookalikes_intact(lookalikes)


def test_destroy_workforce_keeps_a_pool_with_users_gtprov_did_not_invite(
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_account()
    boto3.client("cognito-idp").admin_create_user(
        UserPoolId=gtprov_pool_id(),
        Username="someone@example.com",
        UserAttributes=[{"Name": "email", "Value": "someone@example.com"}],
        MessageAction="SUPPRESS",
    )
    code, data = gtprov_json(capsys, "destroy", "--workforce", "--yes")
    assert code == ExitCode.OK
    assert workforces() == []
    assert "gtprov-default" in pool_names()
    assert any("--force-users" in w for w in data["warnings"])
    assert gtprov("destroy", "--workforce", "--force-users", "--yes") == ExitCode.OK
    assert "gtprov-default" not in pool_names()


def test_destroy_all_removes_everything_gtprov_made_and_nothing_else() -> None:
    team_key, lookalikes = build_account()
    created = created_key_id()
    assert gtprov("destroy", "--all", "--yes") == ExitCode.OK
    assert not role_exists(ROLE)
    assert key_state(created) == "PendingDeletion"
    assert CREATED_ALIAS not in aliases()
    assert sids(team_key) == ["Enable IAM User Permissions", FOREIGN_SID]
    assert (workforces(), workteams(), topics()) == ([], [], [])
    assert pool_names() == [LOOKALIKE_POOL]
    assert_lookalikes_intact(lookalikes)


def test_destroy_all_keeps_a_created_key_that_others_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    build_account()
    created = created_key_id()
    policy = key_policy(created)
    policy["Statement"].append(
        {
            "Sid": "AnalyticsTeam",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )
    boto3.client("kms").put_key_policy(
        KeyId=created, PolicyName="default", Policy=json.dumps(policy)
    )
    code, data = gtprov_json(capsys, "destroy", "--all", "--yes")
    assert code == ExitCode.OK
    assert key_state(created) == "Enabled"
    assert sids(created) == ["Enable IAM User Permissions", "AnalyticsTeam"]
    assert any(CREATED_ALIAS in w for w in data["warnings"])


def test_destroy_of_what_is_gone_plans_nothing() -> None:
    build_account()
    assert gtprov("destroy", "--all", "--yes") == ExitCode.OK
    assert gtprov("destroy", "--all", "--role", ROLE, "--yes") == ExitCode.OK


# Refusals and dry runs ------------------------------------------------------------


def test_dry_run_writes_nothing(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    build_account()
    aws_env.clear_calls()
    code, data = gtprov_json(capsys, "destroy", "--all", "--dry-run")
    assert code == ExitCode.OK
    assert aws_env.writes() == []
    assert {c["kind"] for c in data["plan"]} >= {
        "iam-role",
        "sagemaker-workforce",
        "cognito-user-pool",
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["destroy", "--all"],
        ["destroy"],
        ["destroy", "--all", "--yes", "--key-deletion-days", "6"],
        ["destroy", "--all", "--yes", "--key-deletion-days", "31"],
        ["destroy", "--role", "bad name!", "--yes"],
        ["destroy", "--role", ROLE, "--force-users", "--yes"],
    ],
)
def test_destroy_refuses_bad_input_before_any_aws_call(
    argv: list[str], aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_env.clear_calls()
    assert gtprov(*argv) == ExitCode.USAGE
    assert aws_env.calls() == []
    assert capsys.readouterr().out == ""


# Stopped halfway -------------------------------------------------------------------


def _writes_of_a_clean_destroy(aws_env: EmulatorControl) -> int:
    build_account()
    aws_env.clear_calls()
    assert gtprov("destroy", "--all", "--yes") == ExitCode.OK
    return len(aws_env.writes())


def _assert_all_gone(lookalikes: Lookalikes) -> None:
    assert not role_exists(ROLE)
    assert CREATED_ALIAS not in aliases()
    assert (workforces(), workteams(), topics()) == ([], [], [])
    assert pool_names() == [LOOKALIKE_POOL]
    assert_lookalikes_intact(lookalikes)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["access-denied", "lost-response"])
def test_destroy_stopped_at_every_write_finishes_when_run_again(
    mode: str, aws_env: EmulatorControl
) -> None:
    writes = _writes_of_a_clean_destroy(aws_env)
    assert writes >= 10
    for k in range(1, writes + 1):
        aws_env.reset()
        _, lookalikes = build_account()
        aws_env.set_faults([{"write": k, "mode": mode}])
        first = gtprov("destroy", "--all", "--yes")
        aws_env.clear_faults()
        expected = ExitCode.FAILED if mode == "access-denied" else ExitCode.OK
        assert first == expected, f"write {k}"
        assert gtprov("destroy", "--all", "--yes") == ExitCode.OK, f"write {k}"
        _assert_all_gone(lookalikes)


def test_destroy_all_makes_one_write_per_resource_in_aws_order(
    aws_env: EmulatorControl,
) -> None:
    build_account()
    aws_env.clear_calls()
    assert gtprov("destroy", "--all", "--yes") == ExitCode.OK
    assert [c["operation"] for c in aws_env.writes()] == [
        "PutKeyPolicy",
        "DeleteRolePolicy",
        "DeleteRole",
        "ScheduleKeyDeletion",
        "DeleteAlias",
        "DeleteTopic",
        "DeleteWorkteam",
        "DeleteWorkforce",
        "DeleteUserPoolDomain",
        "UpdateUserPool",
        "DeleteUserPool",
    ]


def _workforce_on_a_pool_of_yours() -> str:
    idp = boto3.client("cognito-idp")
    pool = str(idp.create_user_pool(PoolName="corp-workers")["UserPool"]["Id"])
    code = gtprov("setup-workforce", "--team", "labelers", "--user-pool-id", pool)
    assert code == ExitCode.OK
    return pool


def test_destroy_keeps_a_workforce_it_cannot_prove_is_gtprovs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _workforce_on_a_pool_of_yours()
    code, data = gtprov_json(capsys, "destroy", "--workforce", "--yes")
    assert code == ExitCode.OK
    assert workteams() == []
    assert [w["WorkforceName"] for w in workforces()] == ["default"]
    assert "corp-workers" in pool_names()
    kept = [c for c in data["plan"] if c["kind"] == "sagemaker-workforce"]
    assert kept[0]["action"] == "no-op"


def test_destroy_removes_a_tagged_workforce_but_not_your_pool(
    aws_env: EmulatorControl,
) -> None:
    aws_env.sagemaker(workforce_tagging=True)
    _workforce_on_a_pool_of_yours()
    assert gtprov("destroy", "--workforce", "--yes") == ExitCode.OK
    assert workforces() == []
    assert "corp-workers" in pool_names()
