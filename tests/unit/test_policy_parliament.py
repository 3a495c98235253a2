"""Every document gtprov generates, every kind and option, through parliament.

parliament (https://github.com/duo-labs/parliament) lints IAM policies and
reports unknown actions and prefixes, malformed documents, resource types an
action does not take, and more. The only findings allowed are listed in
``ALLOWED``, each with the reason it is not a defect.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from parliament import analyze_policy_string

from gtprov.policy import console, kms, provisioner, trust, workforce_admin
from gtprov.policy import document as d
from gtprov.policy.execution import ExecutionPermissions, execution_policy
from gtprov.validate import S3Location

ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
PARTITIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
LOGS = {
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
}

Allowed = Callable[[Any], bool]

# kind -> {issue: predicate on the finding's detail} and the reason for each.
ALLOWED: dict[str, dict[str, Allowed]] = {
    # A trust policy is a resource policy of the role: IAM rejects a Resource
    # element there, but parliament reads every document as an identity policy.
    "trust": {"MALFORMED": lambda detail: "Resource" in str(detail)},
    # AWS's execution-role page grants the four logs actions on "*"; scoping
    # them to /aws/sagemaker/* log groups is untested, so not the default.
    "execution": {"RESOURCE_STAR": lambda detail: set(detail) <= LOGS},
    # In a key policy "Resource": "*" means "this key" (it is the only form
    # KMS accepts), and KMS allows spaces in Sids (AWS's default key policy
    # has "Enable IAM User Permissions").
    "key-policy": {
        "RESOURCE_STAR": lambda detail: all(a.startswith("kms:") for a in detail),
        "INVALID_SID": lambda detail: True,
    },
    "key-policy-statement": {
        "RESOURCE_STAR": lambda detail: all(a.startswith("kms:") for a in detail),
    },
    # AWS's console page grants these on "*": the console browses resources
    # of every name (jobs, buckets, functions, pools) before any is chosen.
    "console": {"RESOURCE_STAR": lambda detail: True},
    "workforce-admin": {},
    "provisioner": {},
}


def _execution_variants(
    partition: str, region: str
) -> Iterator[tuple[str, d.Document]]:
    arn = f"{partition}:{{}}:{region}:{ACCOUNT}"
    base = ExecutionPermissions(
        role_name="GtRole", account_id=ACCOUNT, region=region, partition=partition
    )
    s3: dict[str, dict[str, Any]] = {
        "bucket": {"buckets": ("gt-bucket",)},
        "prefixes": {
            "input_locations": (
                S3Location("gt-in", "data"),
                S3Location("gt-in2", "x/y"),
            ),
            "output_locations": (S3Location("gt-out", "o"),),
        },
    }
    options: dict[str, dict[str, Any]] = {
        "lambda": {"lambda_arns": (f"arn:{arn.format('lambda')}:function:pre:1",)},
        "kms": {"kms_key_arns": (f"arn:{arn.format('kms')}:key/{KEY_ID}",)},
        "volume": {
            "volume_kms_key_arns": (f"arn:{arn.format('kms')}:key/mrk-{'a' * 32}",)
        },
        "auto": {"automated_labeling": True, "role_path": "/gt/"},
        "stream": {
            "input_topic_arns": (f"arn:{arn.format('sns')}:in",),
            "output_topic_arns": (f"arn:{arn.format('sns')}:out.fifo",),
            "tagged_object_read": True,
        },
    }
    for s3_name, s3_fields in s3.items():
        for count in range(len(options) + 1):
            for chosen in itertools.combinations(options, count):
                fields: dict[str, Any] = dict(s3_fields)
                for name in chosen:
                    fields.update(options[name])
                label = "+".join((s3_name, *chosen))
                yield label, execution_policy(dataclasses.replace(base, **fields))


def _documents() -> Iterator[tuple[str, str, d.Document]]:
    role = f"arn:aws:iam::{ACCOUNT}:role/GtRole"
    for partition, region in PARTITIONS.items():
        yield "trust", partition, trust.trust_policy(partition=partition)
        yield (
            "trust",
            f"{partition}+conditions",
            trust.trust_policy(
                partition=partition,
                source_account=ACCOUNT,
                source_arn=trust.source_arn_pattern(partition, region, ACCOUNT),
            ),
        )
        for label, doc in _execution_variants(partition, region):
            yield "execution", f"{partition}+{label}", doc
        yield "key-policy", partition, kms.new_key_policy(ACCOUNT, partition, [role])
        yield "console", partition, console.console_policy(ACCOUNT, partition)
        yield (
            "console",
            f"{partition}+roles",
            console.console_policy(
                ACCOUNT, partition, [role], marketplace_subscribe=True
            ),
        )
        yield (
            "workforce-admin",
            partition,
            workforce_admin.workforce_admin_policy(ACCOUNT, region, partition),
        )
        for area in (None, *([c] for c in provisioner.COMMANDS)):
            yield (
                "provisioner",
                f"{partition}+{area}",
                provisioner.provisioner_policy(ACCOUNT, region, partition, area),
            )
    yield "key-policy-statement", "aws", d.document([kms.role_statement(role)])


DOCUMENTS = list(_documents())


def _unexpected(kind: str, doc: d.Document) -> list[tuple[str, Any]]:
    findings = analyze_policy_string(json.dumps(doc)).findings
    allowed = ALLOWED[kind]
    return [
        (f.issue, f.detail)
        for f in findings
        if not (f.issue in allowed and allowed[f.issue](f.detail))
    ]


@pytest.mark.parametrize(
    ("kind", "doc"),
    [(kind, doc) for kind, _, doc in DOCUMENTS],
    ids=[f"{kind}-{label}" for kind, label, _ in DOCUMENTS],
)
def test_generated_document_has_no_parliament_findings_beyond_the_documented_ones(
    kind: str, doc: d.Document
) -> None:
    assert _unexpected(kind, doc) == []


def test_parliament_would_catch_the_original_pages_invalid_list_action() -> None:
    doc = d.document([d.statement("S", ["cognito-idp:List"], ["*"])])
    assert [issue for issue, _ in _unexpected("workforce-admin", doc)] == [
        "UNKNOWN_ACTION"
    ]
