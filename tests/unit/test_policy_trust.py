from __future__ import annotations

import pytest

from gtprov.policy import document as d
from gtprov.policy import trust

ACCOUNT = "123456789012"


def test_trust_policy_lets_sagemaker_assume_the_role_without_conditions() -> None:
    (stmt,) = trust.trust_policy()["Statement"]
    assert stmt["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert stmt["Action"] == "sts:AssumeRole"
    assert stmt["Effect"] == "Allow"
    assert "Condition" not in stmt
    assert "Resource" not in stmt


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_trust_policy_uses_the_same_sagemaker_principal_in_every_partition(
    partition: str,
) -> None:
    (stmt,) = trust.trust_policy(partition=partition)["Statement"]
    assert stmt["Principal"]["Service"] == trust.SAGEMAKER_SERVICE


def test_trust_policy_adds_source_account_only_when_asked() -> None:
    (stmt,) = trust.trust_policy(source_account=ACCOUNT)["Statement"]
    assert stmt["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_trust_policy_adds_source_arn_as_arn_like() -> None:
    pattern = trust.source_arn_pattern("aws-us-gov", "us-gov-west-1", ACCOUNT)
    (stmt,) = trust.trust_policy(source_account=ACCOUNT, source_arn=pattern)[
        "Statement"
    ]
    assert stmt["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws-us-gov:sagemaker:us-gov-west-1:{ACCOUNT}:*"
    }


@pytest.mark.parametrize("kwargs", [{"source_account": ""}, {"source_arn": ""}])
def test_trust_policy_never_emits_an_empty_condition_value(
    kwargs: dict[str, str],
) -> None:
    with pytest.raises(ValueError, match="empty"):
        trust.trust_policy(**kwargs)


def test_trust_policy_fits_the_default_trust_quota_with_both_conditions() -> None:
    doc = trust.trust_policy(
        source_account=ACCOUNT,
        source_arn=trust.source_arn_pattern("aws", "us-east-1", ACCOUNT),
    )
    assert d.size(doc) < trust.TRUST_POLICY_QUOTA
