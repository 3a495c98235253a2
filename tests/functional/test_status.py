"""``gtprov status`` against the emulation: after a create, after hand-made
drift, and after destroy. Assertions are on the JSON envelope's resources."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from gtprov.emulation.control import EmulatorControl
from tests.functional.accounts import (
    ROLE,
    TEAM,
    build_account,
    created_key_id,
    gtprov,
    gtprov_json,
    gtprov_pool_id,
    key_policy,
)


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, list[dict[str, Any]]]:
    code, data = gtprov_json(capsys, "status")
    assert code == 0
    return dict(data["resources"])


def _drift(resources: dict[str, list[dict[str, Any]]], kind: str) -> list[str]:
    return [d for item in resources[kind] for d in item["drift"]]


def test_status_after_create_lists_everything_in_sync(
    capsys: pytest.CaptureFixture[str],
) -> None:
    team_key, _ = build_account()
    found = _status(capsys)
    assert [r["name"] for r in found["execution_roles"]] == [ROLE]
    assert {s["key_arn"].rsplit("/", 1)[1] for s in found["key_statements"]} == {
        team_key,
        created_key_id(),
    }
    assert [k["arn"].rsplit("/", 1)[1] for k in found["kms_keys"]] == [created_key_id()]
    assert found["workforce"][0]["portal_url"].startswith("https://")
    assert found["workforce"][0]["user_pool"] == gtprov_pool_id()
    assert [(t["name"], t["members"]) for t in found["workteams"]] == [(TEAM, 1)]
    assert len(found["notification_topics"]) == 1
    drifted = [(i["name"], i["drift"]) for v in found.values() for i in v if i["drift"]]
    assert drifted == []


def test_status_leaves_out_untagged_lookalikes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, lookalikes = build_account()
    found = _status(capsys)
    names = {item["name"] for items in found.values() for item in items}
    assert lookalikes.role not in names
    assert not any(lookalikes.key_id in str(k) for k in found["kms_keys"])
    assert not any(p["id"] == lookalikes.pool_id for p in found["user_pools"])


def test_status_makes_no_writes(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    build_account()
    aws_env.clear_calls()
    _, data = gtprov_json(capsys, "status")
    assert aws_env.writes() == []
    assert data["api_calls"]["writes"] == 0


def _drift_by_hand(team_key: str) -> None:
    """Change, outside gtprov, one thing of each kind gtprov manages."""
    iam, kms = boto3.client("iam"), boto3.client("kms")
    ec2_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(ec2_trust))
    iam.delete_role_policy(RoleName=ROLE, PolicyName="gtprov-execution")
    policy = key_policy(team_key)
    policy["Statement"] = [
        s for s in policy["Statement"] if not s["Sid"].startswith("gtprov")
    ]
    kms.put_key_policy(KeyId=team_key, PolicyName="default", Policy=json.dumps(policy))
    kms.disable_key_rotation(KeyId=created_key_id())
    idp = boto3.client("cognito-idp")
    idp.delete_group(UserPoolId=gtprov_pool_id(), GroupName=TEAM)


def test_status_reports_hand_made_drift(capsys: pytest.CaptureFixture[str]) -> None:
    team_key, _ = build_account()
    _drift_by_hand(team_key)
    found = _status(capsys)
    role_drift = _drift(found, "execution_roles")
    assert any("trust policy" in d for d in role_drift)
    assert any("gtprov-execution" in d for d in role_drift)
    statements = {s["key_arn"].rsplit("/", 1)[1]: s for s in found["key_statements"]}
    assert statements[team_key]["state"] == "drifted"
    assert statements[created_key_id()]["state"] == "in sync"
    assert any("rotation" in d for d in _drift(found, "kms_keys"))
    assert any(TEAM in d for d in _drift(found, "workteams"))


def test_status_after_destroy_lists_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    build_account()
    assert gtprov("destroy", "--all", "--yes") == 0
    found = _status(capsys)
    assert all(items == [] for items in found.values())


def test_status_reads_each_thing_once(capsys: pytest.CaptureFixture[str]) -> None:
    build_account()
    _, data = gtprov_json(capsys, "status")
    calls = data["api_calls"]["by_operation"]
    assert calls["iam:ListRoles"] == 1
    assert calls["iam:GetRole"] == 2  # gtprov's role and the look-alike
    assert calls["kms:DescribeKey"] == calls["kms:GetKeyPolicy"] == 2
    assert calls["cognito-idp:DescribeUserPool"] == 2  # gtprov's and the look-alike
    assert data["api_calls"]["reads"] == 27


def test_status_detailed_exitcode_is_3_only_when_something_drifted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    team_key, _ = build_account()
    assert gtprov("status", "--detailed-exitcode") == 0
    _drift_by_hand(team_key)
    assert gtprov("status", "--detailed-exitcode") == 3
    assert gtprov("status") == 0
