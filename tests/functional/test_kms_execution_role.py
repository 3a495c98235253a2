"""KMS for ``create-execution-role``: resolution, refusals, grants, a new key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gtprov.emulation.control import EmulatorControl
from gtprov.ownership import TAG_KEY, TAG_VALUE
from gtprov.policy.kms import gtprov_sid, root_statement
from tests.functional.test_create_execution_role import (
    ACCOUNT,
    BASE,
    REGION,
    RERUN_READS,
    ROLE,
    ROLE_ARN,
    as_json,
    inline_policy,
    kms,
    ok,
    role_tags,
)

SID = gtprov_sid(ROLE)
OTHER_STATEMENT = {
    "Sid": "KeyAdmins",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
    "Action": ["kms:Describe*", "kms:Get*"],
    "Resource": "*",
}


def make_key(alias: str | None = "alias/data", **kwargs: Any) -> dict[str, Any]:
    meta: dict[str, Any] = kms().create_key(**kwargs)["KeyMetadata"]
    if alias:
        kms().create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    return meta


def key_policy(key_id: str) -> dict[str, Any]:
    policy = kms().get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    return json.loads(policy)  # type: ignore[no-any-return]


def sids(key_id: str) -> list[str]:
    return [s.get("Sid", "") for s in key_policy(key_id)["Statement"]]


def set_policy(key_id: str, *statements: dict[str, Any]) -> None:
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    kms().put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))


def kms_use_resources() -> list[str]:
    statements = inline_policy()["Statement"]
    found = next(s for s in statements if s["Sid"] == "KmsKeyUse")["Resource"]
    return [found] if isinstance(found, str) else list(found)


# Resolution ------------------------------------------------------------------


@pytest.mark.parametrize("form", ["arn", "id", "alias", "alias-arn"])
def test_every_form_of_key_name_resolves_to_the_key_arn(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    meta = make_key()
    given = {
        "arn": meta["Arn"],
        "id": meta["KeyId"],
        "alias": "alias/data",
        "alias-arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/data",
    }[form]
    result = ok(aws_env, capsys, [*BASE, "--kms-key", given])
    assert kms_use_resources() == [meta["Arn"]]
    assert result.reads.count("kms:DescribeKey") == 1
    assert result.reads.count("kms:GetKeyPolicy") == 1


def test_a_volume_key_also_gets_create_grant_for_aws_resources(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = make_key()
    ok(aws_env, capsys, [*BASE, "--volume-kms-key", "alias/data"])
    statements = {s["Sid"]: s for s in inline_policy()["Statement"]}
    assert statements["KmsVolumeGrant"]["Resource"] == meta["Arn"]
    condition = statements["KmsVolumeGrant"]["Condition"]
    assert condition == {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def _disabled() -> str:
    meta = make_key()
    kms().disable_key(KeyId=meta["KeyId"])
    return "alias/data"


def _pending_deletion() -> str:
    meta = make_key()
    kms().schedule_key_deletion(KeyId=meta["KeyId"], PendingWindowInDays=7)
    return "alias/data"


def _asymmetric() -> str:
    make_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    return "alias/data"


def _other_region() -> str:
    return f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _missing() -> str:
    return "alias/nowhere"


@pytest.mark.parametrize(
    ("make", "error_type", "words"),
    [
        (_missing, "NotFoundError", "no such KMS key"),
        (_disabled, "ConflictError", "is Disabled"),
        (_pending_deletion, "ConflictError", "is PendingDeletion"),
        (_asymmetric, "ConflictError", "not a symmetric encryption key"),
    ],
)
def test_an_unusable_key_is_refused_with_exit_1_and_the_reason(
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    make: Any,
    error_type: str,
    words: str,
) -> None:
    given = make()
    result = as_json(aws_env, capsys, *BASE, "--kms-key", given)
    assert result.code == 1
    error = result.envelope["error"]
    assert error["type"] == error_type
    assert words in error["message"]
    assert error["hint"]
    assert result.writes == []


def test_a_key_arn_of_another_region_is_bad_input_refused_before_any_call(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    result = as_json(aws_env, capsys, *BASE, "--kms-key", _other_region())
    assert result.code == 2
    assert "--kms-key" in result.err
    assert result.out == ""
    assert result.log == []


# Key-policy grants --------------------------------------------------------------


def test_grant_adds_one_statement_and_keeps_the_others(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = make_key()
    set_policy(meta["KeyId"], root_statement(ACCOUNT, "aws"), OTHER_STATEMENT)
    argv = [*BASE, "--kms-key", "alias/data", "--grant-key-policy"]
    result = ok(aws_env, capsys, argv)
    assert result.writes == ["iam:CreateRole", "iam:PutRolePolicy", "kms:PutKeyPolicy"]
    policy = key_policy(meta["KeyId"])
    assert [s["Sid"] for s in policy["Statement"]] == [
        "Enable IAM User Permissions",
        "KeyAdmins",
        SID,
    ]
    assert policy["Statement"][1] == OTHER_STATEMENT
    assert policy["Statement"][2]["Principal"] == {"AWS": ROLE_ARN}
    assert role_tags()[f"gtprov:kms-grant:{meta['KeyId']}"] == meta["Arn"]
    rerun = ok(aws_env, capsys, argv)
    assert rerun.writes == []
    assert rerun.reads == [
        *RERUN_READS[:2],
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        *RERUN_READS[2:],
    ]


def test_a_key_no_longer_wanted_loses_only_gtprovs_statement(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = make_key()
    set_policy(meta["KeyId"], root_statement(ACCOUNT, "aws"), OTHER_STATEMENT)
    ok(aws_env, capsys, [*BASE, "--kms-key", "alias/data", "--grant-key-policy"])
    result = ok(aws_env, capsys)
    assert result.writes == ["iam:PutRolePolicy", "kms:PutKeyPolicy", "iam:UntagRole"]
    assert sids(meta["KeyId"]) == ["Enable IAM User Permissions", "KeyAdmins"]
    assert not any(k.startswith("gtprov:kms-grant:") for k in role_tags())
    assert ok(aws_env, capsys).writes == []


def test_dropping_grant_key_policy_removes_the_statement_but_keeps_the_key(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = make_key()
    ok(aws_env, capsys, [*BASE, "--kms-key", "alias/data", "--grant-key-policy"])
    result = ok(aws_env, capsys, [*BASE, "--kms-key", "alias/data"])
    assert result.writes == ["kms:PutKeyPolicy", "iam:UntagRole"]
    assert SID not in sids(meta["KeyId"])
    assert kms_use_resources() == [meta["Arn"]]


def test_a_hand_edited_grant_statement_is_repaired(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = make_key()
    argv = [*BASE, "--kms-key", "alias/data", "--grant-key-policy"]
    ok(aws_env, capsys, argv)
    policy = key_policy(meta["KeyId"])
    policy["Statement"][-1]["Action"] = "kms:*"
    set_policy(meta["KeyId"], *policy["Statement"])
    result = as_json(aws_env, capsys, *argv)
    assert result.writes == ["kms:PutKeyPolicy"]
    assert key_policy(meta["KeyId"])["Statement"][-1]["Action"] != "kms:*"
    change = next(c for c in result.envelope["plan"] if c["action"] == "update")
    assert change["kind"] == "kms-key-policy"


def test_a_key_policy_without_iam_delegation_suggests_grant_key_policy(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = make_key()
    set_policy(meta["KeyId"], OTHER_STATEMENT)
    result = as_json(aws_env, capsys, *BASE, "--kms-key", "alias/data")
    assert result.code == 0
    assert any("--grant-key-policy" in w for w in result.envelope["warnings"])


def test_a_delegating_key_policy_draws_no_suggestion(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    make_key()
    result = as_json(aws_env, capsys, *BASE, "--kms-key", "alias/data")
    assert not any("--grant-key-policy" in w for w in result.envelope["warnings"])


# The key gtprov creates -----------------------------------------------------------


def created_key() -> dict[str, Any]:
    meta: dict[str, Any] = kms().describe_key(KeyId="alias/gt-new")["KeyMetadata"]
    return meta


def test_create_kms_key_makes_a_rotating_tagged_key_the_role_may_use(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*BASE, "--create-kms-key", "gt-new"]
    result = as_json(aws_env, capsys, *argv)
    assert result.code == 0, result.err
    assert result.writes == [
        "iam:CreateRole",
        "kms:CreateKey",
        "iam:TagRole",
        "kms:CreateAlias",
        "kms:EnableKeyRotation",
        "iam:PutRolePolicy",
    ]
    meta = created_key()
    assert (meta["KeySpec"], meta["KeyState"]) == ("SYMMETRIC_DEFAULT", "Enabled")
    assert kms().get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"]
    tags = kms().list_resource_tags(KeyId=meta["KeyId"])["Tags"]
    assert {"TagKey": TAG_KEY, "TagValue": TAG_VALUE} in tags
    assert sids(meta["KeyId"]) == ["Enable IAM User Permissions", SID]
    assert kms_use_resources() == [meta["Arn"]]
    assert result.envelope["resources"]["kms_keys"] == [meta["Arn"]]
    rerun = ok(aws_env, capsys, argv)
    assert rerun.writes == []
    new_key_reads = [
        "kms:DescribeKey",
        "kms:ListResourceTags",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
    ]
    assert rerun.reads == [*RERUN_READS[:2], *new_key_reads, *RERUN_READS[2:]]


def test_create_kms_key_repairs_rotation_turned_off(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*BASE, "--create-kms-key", "gt-new"]
    ok(aws_env, capsys, argv)
    kms().disable_key_rotation(KeyId=created_key()["KeyId"])
    assert ok(aws_env, capsys, argv).writes == ["kms:EnableKeyRotation"]


def test_an_alias_on_a_key_gtprov_did_not_create_is_refused(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    make_key("alias/gt-new")
    result = as_json(aws_env, capsys, *BASE, "--create-kms-key", "gt-new")
    assert result.code == 1
    assert result.envelope["error"]["type"] == "ConflictError"
    assert "--kms-key alias/gt-new" in result.envelope["error"]["hint"]
    assert result.writes == []


def test_a_created_key_no_longer_wanted_keeps_existing_without_the_role(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys, [*BASE, "--create-kms-key", "gt-new"])
    result = ok(aws_env, capsys)
    assert result.writes == ["iam:PutRolePolicy", "kms:PutKeyPolicy", "iam:UntagRole"]
    meta = created_key()
    assert meta["KeyState"] == "Enabled"
    assert sids(meta["KeyId"]) == ["Enable IAM User Permissions"]
