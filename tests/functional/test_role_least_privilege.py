"""create-execution-role as an IAM user holding only `gtprov policy provisioner`.

What moto's IAM enforcement cannot express, and how these tests cope:

- moto authorizes IAM, STS and KMS calls against the resource ``"*"`` only
  (``moto.core.authorization``: ``_authenticate_and_authorize_normal_action``
  defaults ``resource="*"``), so a statement scoped to
  ``arn:aws:iam::<account>:role/*`` never matches there. The user therefore
  holds the provisioner policy with each Resource widened to ``"*"``: the
  actions are exactly the provisioner's, so a missing action still fails.
  ``test_the_provisioner_resources_cover_every_arn_gtprov_touched`` checks
  the real resource patterns against the ARNs the run touched.
- Condition keys are not evaluated, and KMS key policies are not consulted
  (moto decides KMS calls from identity policies alone).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator

import pytest

from gtprov.emulation.control import EmulatorControl
from gtprov.policy.provisioner import provisioner_policy
from tests.functional.test_create_execution_role import (
    ACCOUNT,
    BASE,
    REGION,
    gtprov,
    iam,
    kms,
    role_tags,
)

USER = "provisioner"
ARGV = [
    *BASE,
    "--kms-key",
    "alias/data",
    "--grant-key-policy",
    "--create-kms-key",
    "gt-new",
    "--tag",
    "team=vision",
]


@pytest.fixture
def provisioner(
    aws_env: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Credentials of a user with only the provisioner policy; enforcement on."""
    meta = kms().create_key()["KeyMetadata"]
    kms().create_alias(AliasName="alias/data", TargetKeyId=meta["KeyId"])
    iam().create_user(UserName=USER)
    policy = provisioner_policy(ACCOUNT, REGION, "aws")
    for statement in policy["Statement"]:
        statement["Resource"] = "*"  # moto matches only "*"; see the docstring
    iam().put_user_policy(
        UserName=USER, PolicyName="gtprov", PolicyDocument=json.dumps(policy)
    )
    key = iam().create_access_key(UserName=USER)["AccessKey"]
    with monkeypatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        env.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        aws_env.iam_enforcement(True)
        try:
            yield
        finally:
            aws_env.iam_enforcement(False)


def test_the_provisioner_policy_is_enough_to_create_and_rerun(
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    provisioner: None,
) -> None:
    first = gtprov(aws_env, capsys, *ARGV)
    assert first.code == 0, first.err
    assert "kms:CreateKey" in first.writes
    second = gtprov(aws_env, capsys, *ARGV)
    assert second.code == 0, second.err
    assert second.writes == []
    shrink = gtprov(aws_env, capsys, *BASE)
    assert shrink.code == 0, shrink.err
    assert "iam:UntagRole" in shrink.writes


def test_without_the_policy_the_error_names_the_action_and_the_fix(
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    provisioner: None,
) -> None:
    aws_env.iam_enforcement(False)
    iam().delete_user_policy(UserName=USER, PolicyName="gtprov")
    aws_env.iam_enforcement(True)
    result = gtprov(aws_env, capsys, *BASE, "--output", "json")
    assert result.code == 1
    error = result.envelope["error"]
    assert error["type"] == "AccessDeniedError"
    assert "gtprov policy provisioner" in error["hint"]
    aws_env.iam_enforcement(False)
    with pytest.raises(iam().exceptions.NoSuchEntityException):
        role_tags()


def _granted_patterns(action: str) -> list[str]:
    policy = provisioner_policy(ACCOUNT, REGION, "aws")
    patterns: list[str] = []
    for statement in policy["Statement"]:
        actions = statement["Action"]
        if action in (actions if isinstance(actions, list) else [actions]):
            found = statement["Resource"]
            patterns += found if isinstance(found, list) else [found]
    return patterns


def _covered(action: str, arn: str) -> bool:
    return any(fnmatch.fnmatchcase(arn, p) for p in _granted_patterns(action))


def test_the_provisioner_resources_cover_every_arn_gtprov_touched(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    data = kms().create_key()["KeyMetadata"]
    kms().create_alias(AliasName="alias/data", TargetKeyId=data["KeyId"])
    assert gtprov(aws_env, capsys, *ARGV).code == 0
    new = kms().describe_key(KeyId="alias/gt-new")["KeyMetadata"]["Arn"]
    role = f"arn:aws:iam::{ACCOUNT}:role/GtLabeling"
    alias = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/gt-new"
    policy = f"arn:aws:iam::{ACCOUNT}:policy/gtprov/gtprov-GtLabeling-execution-1"
    touched = [
        *((a, role) for a in ("iam:CreateRole", "iam:PutRolePolicy", "iam:TagRole")),
        ("iam:CreatePolicy", policy),
        ("iam:CreatePolicyVersion", policy),
        *((a, data["Arn"]) for a in ("kms:DescribeKey", "kms:PutKeyPolicy")),
        *((a, new) for a in ("kms:EnableKeyRotation", "kms:CreateAlias")),
        ("kms:CreateAlias", alias),
        ("kms:CreateKey", "*"),
    ]
    assert [t for t in touched if not _covered(*t)] == []
