"""The execution role's trust policy: who may assume the role.

Pure: no AWS calls. SageMaker assumes the role for the labeling job and, with
automated labeling, for the training and transform jobs it starts; the trust
policy is the same for every SageMaker execution role.
https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html
"""

from __future__ import annotations

from gtprov.policy.document import Document, document, statement

TRUST_POLICY_QUOTA = 2048
"""IAM's default role trust policy size (adjustable; read GetAccountSummary)."""

SAGEMAKER_SERVICE = "sagemaker.amazonaws.com"


def sagemaker_principal(partition: str) -> str:
    """SageMaker's service principal in ``partition``.

    The same name in aws, aws-cn and aws-us-gov: the China documentation's
    execution-role steps use ``sagemaker.amazonaws.com`` too
    (https://docs.amazonaws.cn/sagemaker/latest/dg/sagemaker-roles.html).
    Unsure: not yet confirmed by a role created in an aws-cn account; some
    older services there use ``<service>.amazonaws.com.cn``.
    """
    del partition  # one name everywhere, as far as the documentation shows
    return SAGEMAKER_SERVICE


def trust_policy(
    *,
    partition: str = "aws",
    source_account: str | None = None,
    source_arn: str | None = None,
) -> Document:
    """Allow SageMaker ``sts:AssumeRole``; conditions only when asked.

    ``source_account`` adds ``StringEquals aws:SourceAccount``; ``source_arn``
    adds ``ArnLike aws:SourceArn`` (a pattern such as
    ``arn:aws:sagemaker:us-east-1:123456789012:*``). AWS documents no
    confused-deputy keys for labeling jobs, so both are opt-in hardening to
    be proven by a real job (docs/policies.md).
    """
    condition: dict[str, dict[str, str]] = {}
    if source_account is not None:
        condition["StringEquals"] = {"aws:SourceAccount": _non_empty(source_account)}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": _non_empty(source_arn)}
    principal = {"Service": sagemaker_principal(partition)}
    stmt = statement(
        "SageMakerAssumeRole",
        ["sts:AssumeRole"],
        principal=principal,
        condition=condition,
    )
    return document([stmt])


def source_arn_pattern(partition: str, region: str, account_id: str) -> str:
    """Every SageMaker resource of the account in ``region``."""
    return f"arn:{partition}:sagemaker:{region}:{account_id}:*"


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError("a trust-policy condition value must not be empty")
    return value
