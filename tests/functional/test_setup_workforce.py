"""setup-workforce against the emulation: moto's Cognito and SNS, gtprov's
SageMaker fake. Writes are counted in the emulator's call log."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import boto3
import pytest

from gtprov.cli.main import run
from gtprov.emulation.control import EmulatorControl
from gtprov.plan.workforce import default_domain_prefix

ACCOUNT, REGION = "123456789012", "us-east-1"
SETUP = ["setup-workforce", "--team", "labelers", "--worker", "ann@example.com"]


def gtprov(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def gtprov_json(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any]]:
    code, out, _ = gtprov(capsys, *args, "--output", "json")
    return code, json.loads(out)


def operations(emulator: EmulatorControl, *, writes: bool = False) -> Counter[str]:
    calls = emulator.writes() if writes else emulator.calls()
    return Counter(c["operation"] for c in calls)


def idp() -> Any:
    return boto3.client("cognito-idp", region_name=REGION)


def sagemaker() -> Any:
    return boto3.client("sagemaker", region_name=REGION)


def workforce() -> dict[str, Any]:
    (found,) = sagemaker().list_workforces()["Workforces"]
    return dict(found)


def members(pool_id: str, group: str) -> set[str]:
    users = idp().list_users_in_group(UserPoolId=pool_id, GroupName=group)["Users"]
    return {a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email"}


def snapshot() -> dict[str, Any]:
    """What a clean run leaves, without the ids AWS generates."""
    wf = workforce()
    pool_id = wf["CognitoConfig"]["UserPool"]
    pool = idp().describe_user_pool(UserPoolId=pool_id)["UserPool"]
    teams = sagemaker().list_workteams()["Workteams"]
    groups = idp().list_groups(UserPoolId=pool_id)["Groups"]
    return {
        "workforce": (wf["WorkforceName"], wf["SourceIpConfig"]["Cidrs"]),
        "pool": (pool["Name"], pool["UserPoolTags"], pool.get("Domain")),
        "teams": sorted(
            (t["WorkteamName"], json.dumps(t.get("NotificationConfiguration")))
            for t in teams
        ),
        "members": {g["GroupName"]: members(pool_id, g["GroupName"]) for g in groups},
        "pools": len(idp().list_user_pools(MaxResults=60)["UserPools"]),
    }


# -- a fresh setup and a second run -------------------------------------------------


def test_fresh_setup_builds_everything_in_aws_order(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    code, envelope = gtprov_json(capsys, *SETUP)
    assert code == 0
    wf = workforce()
    pool_id, client_id = (
        wf["CognitoConfig"]["UserPool"],
        wf["CognitoConfig"]["ClientId"],
    )
    pool = idp().describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["UserPoolTags"]["gtprov:managed-by"] == "gtprov"
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Domain"] == default_domain_prefix(ACCOUNT, REGION, "default")
    client = idp().describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert client["UserPoolClient"]["ClientSecret"]
    assert members(pool_id, "labelers") == {"ann@example.com"}
    assert envelope["resources"]["portal_url"] == f"https://{wf['SubDomain']}"
    assert envelope["resources"]["workers"] == {"labelers": 1}
    order = [c["operation"] for c in aws_env.writes()]
    assert order.index("CreateUserPoolDomain") < order.index("CreateWorkforce")
    assert order.index("CreateGroup") < order.index("CreateWorkforce")
    assert order.index("CreateWorkforce") < order.index("CreateWorkteam")


def test_fresh_setup_makes_the_fewest_calls(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP)[0] == 0
    assert operations(aws_env) == Counter(
        {
            "ListWorkforces": 1,  # the Region's workforce, Ground Truth preflight
            "ListUserPools": 1,  # gtprov's pool from an interrupted run?
            "GetCallerIdentity": 1,  # the account, for the default domain prefix
            "DescribeUserPoolDomain": 1,  # is the prefix free in this account?
            "CreateUserPool": 1,
            "CreateUserPoolClient": 1,
            "CreateUserPoolDomain": 1,
            "CreateGroup": 1,
            "CreateWorkforce": 1,
            "DescribeWorkforce": 1,  # the wait until Active
            "DescribeUserPoolClient": 1,  # read-modify-write of the OAuth settings
            "CreateWorkteam": 1,
            "AdminCreateUser": 1,
            "AdminAddUserToGroup": 1,
        }
    )


def test_second_run_reads_a_few_times_and_writes_nothing(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP)[0] == 0
    aws_env.clear_calls()
    code, out, _ = gtprov(capsys, *SETUP)
    assert code == 0
    assert aws_env.writes() == []
    assert operations(aws_env) == Counter(
        {
            "ListWorkforces": 1,
            "DescribeUserPool": 1,
            "DescribeUserPoolClient": 1,
            "ListWorkteams": 1,
            "ListGroups": 1,
            "ListUsersInGroup": 1,
        }
    )
    assert "labelers: 1 already present" in out


def test_dry_run_reads_only(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = gtprov(capsys, *SETUP, "--dry-run")
    assert code == 0
    assert aws_env.writes() == []
    assert "+ sagemaker-workforce default" in out
    assert "+ ann@example.com" in out


def test_adding_a_team_creates_only_its_group_and_team(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP)[0] == 0
    aws_env.clear_calls()
    code, _, _ = gtprov(capsys, *SETUP[:3], "--team", "reviewers")
    assert code == 0
    assert operations(aws_env, writes=True) == Counter(
        {"CreateGroup": 1, "CreateWorkteam": 1}
    )
    names = {t["WorkteamName"] for t in sagemaker().list_workteams()["Workteams"]}
    assert names == {"labelers", "reviewers"}


# -- adopt, refuse ------------------------------------------------------------------


def test_an_existing_pool_is_used_without_changing_its_settings(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    pool_id = idp().create_user_pool(PoolName="theirs")["UserPool"]["Id"]
    aws_env.clear_calls()
    code, _, _ = gtprov(capsys, *SETUP, "--user-pool-id", pool_id)
    assert code == 0
    assert workforce()["CognitoConfig"]["UserPool"] == pool_id
    written = operations(aws_env, writes=True)
    assert "UpdateUserPool" not in written
    assert "CreateUserPool" not in written
    assert members(pool_id, "labelers") == {"ann@example.com"}
    aws_env.clear_calls()
    assert gtprov(capsys, *SETUP, "--user-pool-id", pool_id)[0] == 0
    assert aws_env.writes() == []


def test_a_workforce_on_gtprovs_pool_is_adopted_by_a_later_run(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP[:3])[0] == 0
    aws_env.clear_calls()
    assert gtprov(capsys, *SETUP)[0] == 0
    assert operations(aws_env, writes=True) == Counter(
        {"AdminCreateUser": 1, "AdminAddUserToGroup": 1}
    )


def test_rebinding_the_workforce_to_another_pool_is_refused(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP)[0] == 0
    other = idp().create_user_pool(PoolName="other")["UserPool"]["Id"]
    aws_env.clear_calls()
    code, envelope = gtprov_json(capsys, *SETUP, "--user-pool-id", other)
    assert code == 1
    assert envelope["error"]["type"] == "ConflictError"
    assert "--user-pool-id" in envelope["error"]["hint"]
    assert aws_env.writes() == []


def test_a_workforce_on_a_pool_gtprov_did_not_make_needs_user_pool_id(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    pool_id = idp().create_user_pool(PoolName="theirs")["UserPool"]["Id"]
    assert gtprov(capsys, *SETUP, "--user-pool-id", pool_id)[0] == 0
    aws_env.clear_calls()
    code, envelope = gtprov_json(capsys, *SETUP)
    assert code == 1
    assert envelope["error"]["type"] == "OwnershipError"
    assert pool_id in envelope["error"]["hint"]
    assert aws_env.writes() == []


def test_another_workforce_name_is_refused(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP)[0] == 0
    code, envelope = gtprov_json(capsys, *SETUP, "--workforce-name", "second")
    assert code == 1
    assert envelope["error"]["type"] == "ConflictError"
    assert "--workforce-name default" in envelope["error"]["hint"]


# -- CIDRs, SNS ----------------------------------------------------------------------


def test_cidr_changes_update_the_workforce_only(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP, "--cidr", "192.0.2.0/24")[0] == 0
    assert workforce()["SourceIpConfig"]["Cidrs"] == ["192.0.2.0/24"]
    aws_env.clear_calls()
    args = (*SETUP, "--cidr", "198.51.100.0/24", "--cidr", "203.0.113.0/24")
    assert gtprov(capsys, *args)[0] == 0
    assert operations(aws_env, writes=True) == Counter({"UpdateWorkforce": 1})
    assert workforce()["SourceIpConfig"]["Cidrs"] == [
        "198.51.100.0/24",
        "203.0.113.0/24",
    ]
    aws_env.clear_calls()
    assert gtprov(capsys, *args)[0] == 0
    assert aws_env.writes() == []


def test_create_topic_lets_sagemaker_publish_for_this_accounts_teams(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP, "--create-topic", "gt-tasks")[0] == 0
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:gt-tasks"
    (team,) = sagemaker().list_workteams()["Workteams"]
    assert team["NotificationConfiguration"]["NotificationTopicArn"] == arn
    sns = boto3.client("sns", region_name=REGION)
    policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    (stmt,) = policy["Statement"]
    assert stmt["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert stmt["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    tags = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert {"Key": "gtprov:managed-by", "Value": "gtprov"} in tags
    aws_env.clear_calls()
    assert gtprov(capsys, *SETUP, "--create-topic", "gt-tasks")[0] == 0
    assert aws_env.writes() == []


def test_switching_the_notification_topic_updates_the_team(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP, "--create-topic", "gt-tasks")[0] == 0
    sns = boto3.client("sns", region_name=REGION)
    other = sns.create_topic(Name="their-topic")["TopicArn"]
    aws_env.clear_calls()
    code, _, err = gtprov(capsys, *SETUP, "--notification-topic", other)
    assert code == 0
    # ann is subscribed to the new topic; the old one keeps her subscription.
    assert operations(aws_env, writes=True) == Counter(
        {"UpdateWorkteam": 1, "Subscribe": 1}
    )
    assert "no statement letting sagemaker.amazonaws.com publish" in err
    (team,) = sagemaker().list_workteams()["Workteams"]
    assert team["NotificationConfiguration"]["NotificationTopicArn"] == other


def test_create_topic_refuses_a_topic_gtprov_did_not_make(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("sns", region_name=REGION).create_topic(Name="theirs")
    aws_env.clear_calls()
    code, envelope = gtprov_json(capsys, *SETUP, "--create-topic", "theirs")
    assert code == 1
    assert envelope["error"]["type"] == "OwnershipError"
    assert aws_env.writes() == []


# -- faults: every write fails once, then the next run converges --------------------

FAULT_ARGS = (*SETUP, "--create-topic", "gt-tasks", "--cidr", "192.0.2.0/24")
FAULT_WRITES = 10
"""Writes of a clean FAULT_ARGS run (the first test below checks the count)."""


def _clean_state(
    emulator: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    assert gtprov(capsys, *FAULT_ARGS)[0] == 0
    state = snapshot()
    emulator.reset()
    return state


def test_the_fault_sweep_covers_every_write_of_a_clean_run(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *FAULT_ARGS)[0] == 0
    assert len(aws_env.writes()) == FAULT_WRITES


@pytest.mark.slow
@pytest.mark.parametrize("write", range(1, FAULT_WRITES + 1))
def test_a_denied_write_fails_the_run_and_the_next_run_converges(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], write: int
) -> None:
    clean = _clean_state(aws_env, capsys)
    aws_env.set_faults([{"write": write, "mode": "access-denied"}])
    code, _out, err = gtprov(capsys, *FAULT_ARGS)
    assert code == 1
    assert "not authorized to perform" in err
    aws_env.clear_faults()
    assert gtprov(capsys, *FAULT_ARGS)[0] == 0
    assert snapshot() == clean
    aws_env.clear_calls()
    assert gtprov(capsys, *FAULT_ARGS)[0] == 0
    assert aws_env.writes() == []


@pytest.mark.slow
@pytest.mark.parametrize("write", range(1, FAULT_WRITES + 1))
def test_a_lost_response_is_survived_in_the_same_run(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], write: int
) -> None:
    aws_env.set_faults([{"write": write, "mode": "lost-response"}])
    assert gtprov(capsys, *FAULT_ARGS)[0] == 0
    aws_env.clear_faults()
    aws_env.clear_calls()
    assert gtprov(capsys, *FAULT_ARGS)[0] == 0
    assert aws_env.writes() == []
    assert members(workforce()["CognitoConfig"]["UserPool"], "labelers") == {
        "ann@example.com"
    }


# -- secrets, refusal, bad input ----------------------------------------------------


def test_the_client_secret_never_reaches_output_or_logs(
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = gtprov(capsys, *SETUP, "-vv", "--output", "json")
    again = gtprov(capsys, *SETUP, "-vv")
    assert code == again[0] == 0
    wf = workforce()
    client = idp().describe_user_pool_client(
        UserPoolId=wf["CognitoConfig"]["UserPool"],
        ClientId=wf["CognitoConfig"]["ClientId"],
    )["UserPoolClient"]
    for text in (out, err, again[1], again[2]):
        assert client["ClientSecret"] not in text
        assert re.search(r"TemporaryPassword\W*:", text) is None


def test_ground_truth_refusal_is_said_plainly(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_env.sagemaker(closed_to_new_customers=True)
    code, out, err = gtprov(capsys, *SETUP, "--output", "json")
    envelope = json.loads(out)
    assert code == 1
    assert envelope["error"]["type"] == "GroundTruthUnavailableError"
    assert "closed Amazon SageMaker Ground Truth to new customers" in err
    assert "already use it keep it" in err


def test_a_bad_row_in_the_workers_file_stops_before_any_aws_call(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    path = tmp_path / "workers.csv"
    path.write_text("email,team\nok@example.com,labelers\nnope,labelers\n")
    code, out, err = gtprov(capsys, *SETUP[:3], "--workers-file", str(path))
    assert (code, out) == (2, "")
    assert "line 3" in err
    assert aws_env.calls() == []


def test_portal_settings_are_restored_without_losing_other_client_fields(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP)[0] == 0
    cognito = workforce()["CognitoConfig"]
    ids = {"UserPoolId": cognito["UserPool"], "ClientId": cognito["ClientId"]}
    idp().update_user_pool_client(
        **ids, RefreshTokenValidity=10, CallbackURLs=["https://keep.example/cb"]
    )
    secret = idp().describe_user_pool_client(**ids)["UserPoolClient"]["ClientSecret"]
    aws_env.clear_calls()
    code, out, err = gtprov(capsys, *SETUP, "-vv")
    assert code == 0
    assert operations(aws_env, writes=True) == Counter({"UpdateUserPoolClient": 1})
    client = idp().describe_user_pool_client(**ids)["UserPoolClient"]
    sub = workforce()["SubDomain"]
    assert client["RefreshTokenValidity"] == 10
    assert client["CallbackURLs"] == [
        "https://keep.example/cb",
        f"https://{sub}/oauth2/idpresponse",
    ]
    assert client["LogoutURLs"] == [f"https://{sub}/logout"]
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert "UpdateUserPoolClient" in err
    assert secret not in out + err
