"""When the inline aggregate quota (10,240) would be passed: managed policies.

40 input locations in 40 buckets make a 12,625-character policy, which
gtprov splits into three customer managed policies under /gtprov/.
"""

from __future__ import annotations

import json

import pytest

from gtprov.emulation.control import EmulatorControl
from gtprov.ownership import TAG_KEY, TAG_VALUE
from gtprov.plan.role import managed_policy_name
from gtprov.policy.document import equivalent
from tests.functional.test_create_execution_role import (
    ACCOUNT,
    BASE,
    ROLE,
    gtprov,
    iam,
    ok,
)

PARTS = 3
ARNS = [
    f"arn:aws:iam::{ACCOUNT}:policy/gtprov/{managed_policy_name(ROLE, n)}"
    for n in range(1, PARTS + 1)
]


def many_inputs(count: int = 40, batch: str = "batch") -> list[str]:
    argv: list[str] = []
    for i in range(count):
        argv += [
            "--input-uri",
            f"s3://gt-input-bucket-{i:03d}/datasets/{batch}-{i:03d}",
        ]
    return argv


BIG = [*BASE, *many_inputs()]


def attached() -> list[str]:
    found = iam().list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    return sorted(p["PolicyArn"] for p in found)


def default_document(arn: str) -> dict[str, object]:
    policy = iam().get_policy(PolicyArn=arn)["Policy"]
    version = iam().get_policy_version(
        PolicyArn=arn, VersionId=policy["DefaultVersionId"]
    )
    return version["PolicyVersion"]["Document"]  # type: ignore[no-any-return]


def test_a_policy_too_big_for_inline_becomes_tagged_managed_policies(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    result = ok(aws_env, capsys, BIG)
    assert result.reads.count("iam:GetAccountSummary") == 1
    assert result.writes == [
        "iam:CreateRole",
        *["iam:CreatePolicy", "iam:AttachRolePolicy"] * PARTS,
    ]
    assert attached() == ARNS
    assert iam().list_role_policies(RoleName=ROLE)["PolicyNames"] == []
    tags = iam().list_policy_tags(PolicyArn=ARNS[0])["Tags"]
    assert {"Key": TAG_KEY, "Value": TAG_VALUE} in tags


def test_a_rerun_reads_each_managed_policy_once_and_writes_nothing(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys, BIG)
    result = ok(aws_env, capsys, BIG)
    assert result.writes == []
    assert result.reads == [
        "sts:GetCallerIdentity",
        "iam:GetRole",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:GetAccountSummary",
        *["iam:GetPolicy", "iam:GetPolicyVersion"] * PARTS,
    ]


def test_small_documents_never_read_get_account_summary(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "iam:GetAccountSummary" not in ok(aws_env, capsys).reads


def test_changes_make_new_versions_and_old_ones_are_pruned_below_five(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys, BIG)
    for round_ in range(6):
        argv = [*BASE, *many_inputs(batch=f"round{round_}")]
        result = ok(aws_env, capsys, argv)
        assert "iam:CreatePolicyVersion" in result.writes
        assert "iam:CreatePolicy" not in result.writes
    for arn in ARNS:
        versions = iam().list_policy_versions(PolicyArn=arn)["Versions"]
        assert len(versions) <= 5
    assert ok(aws_env, capsys, argv).writes == []


def test_a_hand_edited_managed_policy_is_repaired(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys, BIG)
    before = default_document(ARNS[1])
    statement = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    doc = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    iam().create_policy_version(
        PolicyArn=ARNS[1], PolicyDocument=doc, SetAsDefault=True
    )
    result = ok(aws_env, capsys, BIG)
    assert result.writes == ["iam:CreatePolicyVersion"]
    assert equivalent(default_document(ARNS[1]), before)


def test_shrinking_back_puts_inline_and_deletes_the_managed_policies(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys, BIG)
    result = ok(aws_env, capsys)
    assert result.writes[0] == "iam:PutRolePolicy"
    assert result.writes.count("iam:DeletePolicy") == PARTS
    assert attached() == []
    assert iam().list_role_policies(RoleName=ROLE)["PolicyNames"] == [
        "gtprov-execution"
    ]
    for arn in ARNS:
        with pytest.raises(iam().exceptions.NoSuchEntityException):
            iam().get_policy(PolicyArn=arn)


def test_a_run_stopped_before_attaching_reuses_the_created_policy(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    deny = {"operation": "iam:AttachRolePolicy", "mode": "access-denied"}
    aws_env.set_faults([deny])
    failed = gtprov(aws_env, capsys, *BIG)
    aws_env.clear_faults()
    assert failed.code == 1
    assert failed.writes == [
        "iam:CreateRole",
        "iam:CreatePolicy",
        "iam:AttachRolePolicy",
    ]
    result = ok(aws_env, capsys, BIG)
    assert result.writes[:3] == [
        "iam:CreatePolicy",  # EntityAlreadyExists: gtprov's tag is checked
        "iam:CreatePolicyVersion",
        "iam:AttachRolePolicy",
    ]
    assert attached() == ARNS
    assert ok(aws_env, capsys, BIG).writes == []
