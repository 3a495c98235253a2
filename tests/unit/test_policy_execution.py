from __future__ import annotations

import dataclasses
import itertools
import json
import re
from typing import Any

import pytest

from gtprov.policy import document as d
from gtprov.policy.execution import (
    GROUND_TRUTH_QUEUE_ACTIONS,
    ExecutionPermissions,
    execution_policy,
)
from gtprov.validate import S3Location

ACCOUNT = "123456789012"
REGION = "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VOLUME_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/mrk-0123456789abcdef0123456789abcdef"
IN_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:gt-in"
OUT_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:gt-out"
PRE = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pre"
POST = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:post:prod"


def perms(**changes: Any) -> ExecutionPermissions:
    base = ExecutionPermissions(role_name="GtRole", account_id=ACCOUNT, region=REGION)
    return dataclasses.replace(base, **changes)


def by_sid(doc: d.Document) -> dict[str, d.Statement]:
    return {s["Sid"]: s for s in doc["Statement"]}


def values(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def granting(doc: d.Document, action: str) -> list[d.Statement]:
    return [s for s in doc["Statement"] if action in values(s["Action"])]


def test_execution_policy_scopes_objects_to_prefix_when_uri_has_prefix() -> None:
    doc = execution_policy(perms(input_locations=(S3Location("in-b", "data/set1"),)))
    (read,) = granting(doc, "s3:GetObject")
    assert values(read["Resource"]) == ["arn:aws:s3:::in-b/data/set1/*"]


def test_execution_policy_gives_whole_buckets_read_write_and_free_listing() -> None:
    doc = execution_policy(perms(buckets=("gt-bucket",)))
    stmts = by_sid(doc)
    assert stmts["S3BucketAccess"]["Resource"] == "arn:aws:s3:::gt-bucket"
    assert "Condition" not in stmts["S3BucketAccess"]
    assert set(stmts["S3ObjectReadWrite"]["Action"]) == {
        "s3:AbortMultipartUpload",
        "s3:GetObject",
        "s3:PutObject",
    }
    assert stmts["S3ObjectReadWrite"]["Resource"] == "arn:aws:s3:::gt-bucket/*"


def test_execution_policy_only_reads_input_locations() -> None:
    doc = execution_policy(perms(input_locations=(S3Location("in-b", "x"),)))
    assert granting(doc, "s3:PutObject") == []
    assert granting(doc, "s3:AbortMultipartUpload") == []


def test_execution_policy_reads_and_writes_output_locations() -> None:
    doc = execution_policy(perms(output_locations=(S3Location("out-b", "o"),)))
    stmt = by_sid(doc)["S3ObjectReadWrite"]
    assert stmt["Resource"] == "arn:aws:s3:::out-b/o/*"


def test_execution_policy_puts_bucket_and_object_actions_on_their_own_arns() -> None:
    doc = execution_policy(
        perms(
            buckets=("b-whole",),
            input_locations=(S3Location("b-in", "i"),),
            output_locations=(S3Location("b-out", "o"),),
        )
    )
    for stmt in doc["Statement"]:
        actions = set(values(stmt["Action"]))
        for arn in values(stmt["Resource"]):
            if actions & {"s3:ListBucket", "s3:GetBucketLocation"}:
                assert re.fullmatch(r"arn:aws:s3:::[a-z0-9.-]+", arn)
            if actions & {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"}:
                assert arn.endswith("/*")


def test_execution_policy_narrows_listing_to_the_prefixes_of_each_bucket() -> None:
    doc = execution_policy(
        perms(
            input_locations=(S3Location("b-one", "a"), S3Location("b-two", "z/y")),
            output_locations=(S3Location("b-one", "out"),),
        )
    )
    listing = {
        s["Resource"]: s["Condition"]["StringLike"]["s3:prefix"]
        for s in granting(doc, "s3:ListBucket")
    }
    assert listing == {
        "arn:aws:s3:::b-one": ["a", "a/*", "out", "out/*"],
        "arn:aws:s3:::b-two": ["z/y", "z/y/*"],
    }
    assert by_sid(doc)["S3BucketLocation"]["Resource"] == [
        "arn:aws:s3:::b-one",
        "arn:aws:s3:::b-two",
    ]


def test_execution_policy_shares_one_listing_statement_for_equal_prefix_sets() -> None:
    doc = execution_policy(
        perms(
            input_locations=(S3Location("b-one", "data"), S3Location("b-two", "data"))
        )
    )
    (listing,) = granting(doc, "s3:ListBucket")
    assert listing["Resource"] == ["arn:aws:s3:::b-one", "arn:aws:s3:::b-two"]


def test_execution_policy_drops_locations_a_wider_grant_already_covers() -> None:
    doc = execution_policy(
        perms(
            buckets=("b-all",),
            input_locations=(S3Location("b-all", "in"), S3Location("b-x", "a")),
            output_locations=(S3Location("b-x", "a/b"),),
        )
    )
    objects = {
        arn for s in granting(doc, "s3:GetObject") for arn in values(s["Resource"])
    }
    assert objects == {
        "arn:aws:s3:::b-all/*",
        "arn:aws:s3:::b-x/a/*",
        "arn:aws:s3:::b-x/a/b/*",
    }
    listing = [s for s in granting(doc, "s3:ListBucket") if "Condition" in s]
    assert [s["Condition"]["StringLike"]["s3:prefix"] for s in listing] == [
        ["a", "a/*"]
    ]


def test_execution_policy_grants_logs_and_metrics_on_star_as_aws_documents() -> None:
    stmt = by_sid(execution_policy(perms(buckets=("b1b",))))["CloudWatchLogsAndMetrics"]
    assert stmt["Resource"] == "*"
    assert "cloudwatch:PutMetricData" in stmt["Action"]


def test_execution_policy_invokes_exactly_the_lambda_arns_given() -> None:
    doc = execution_policy(perms(buckets=("b1b",), lambda_arns=(PRE, POST)))
    assert by_sid(doc)["LambdaInvoke"]["Resource"] == [POST, PRE]
    assert "LambdaInvoke" not in by_sid(execution_policy(perms(buckets=("b1b",))))


def test_execution_policy_uses_keys_without_list_aliases() -> None:
    doc = execution_policy(perms(buckets=("b1b",), kms_key_arns=(KEY,)))
    stmt = by_sid(doc)["KmsKeyUse"]
    assert set(stmt["Action"]) == {
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
    }
    assert stmt["Resource"] == KEY
    assert granting(doc, "kms:ListAliases") == []
    assert "KmsVolumeGrant" not in by_sid(doc)


def test_execution_policy_grants_volume_keys_only_for_aws_resources() -> None:
    doc = execution_policy(perms(buckets=("b1b",), volume_kms_key_arns=(VOLUME_KEY,)))
    grant = by_sid(doc)["KmsVolumeGrant"]
    assert grant["Action"] == "kms:CreateGrant"
    assert grant["Resource"] == VOLUME_KEY
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert by_sid(doc)["KmsKeyUse"]["Resource"] == VOLUME_KEY


def test_execution_policy_passes_only_itself_and_only_for_automated_labeling() -> None:
    assert granting(execution_policy(perms(buckets=("b1b",))), "iam:PassRole") == []
    doc = execution_policy(
        perms(buckets=("b1b",), automated_labeling=True, role_path="/gt/labeling/")
    )
    (stmt,) = granting(doc, "iam:PassRole")
    assert stmt["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/gt/labeling/GtRole"
    assert stmt["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


def test_execution_policy_adds_streaming_queues_and_topics_for_topics() -> None:
    doc = execution_policy(
        perms(
            buckets=("b1b",),
            input_topic_arns=(IN_TOPIC,),
            output_topic_arns=(OUT_TOPIC,),
        )
    )
    stmts = by_sid(doc)
    queues = f"arn:aws:sqs:{REGION}:{ACCOUNT}:*GroundTruth*"
    assert stmts["SqsGroundTruthQueues"]["Resource"] == queues
    assert set(stmts["SqsGroundTruthQueues"]["Action"]) == set(
        GROUND_TRUTH_QUEUE_ACTIONS
    )
    assert stmts["SnsSubscribeInputTopics"]["Resource"] == IN_TOPIC
    assert stmts["SnsSubscribeInputTopics"]["Condition"] == {
        "StringEquals": {"sns:Protocol": "sqs"},
        "StringLike": {"sns:Endpoint": queues},
    }
    assert stmts["SnsPublishOutputTopics"]["Resource"] == OUT_TOPIC
    assert stmts["SnsUnsubscribe"]["Resource"] == "*"


def test_execution_policy_never_grants_send_message_batch() -> None:
    doc = execution_policy(perms(buckets=("b1b",), input_topic_arns=(IN_TOPIC,)))
    assert granting(doc, "sqs:SendMessageBatch") == []
    assert "SnsPublishOutputTopics" not in by_sid(doc)


def test_execution_policy_adds_no_streaming_statements_without_topics() -> None:
    doc = execution_policy(perms(buckets=("b1b",)))
    assert not [s for s in doc["Statement"] if s["Sid"].startswith(("Sqs", "Sns"))]


def test_execution_policy_reads_tagged_objects_only_when_asked() -> None:
    assert "S3TaggedObjectRead" not in by_sid(execution_policy(perms(buckets=("b1b",))))
    doc = execution_policy(perms(buckets=("b1b",), tagged_object_read=True))
    stmt = by_sid(doc)["S3TaggedObjectRead"]
    assert stmt["Resource"] == "arn:aws:s3:::*/*"
    assert stmt["Condition"] == {
        "StringEqualsIgnoreCase": {"s3:ExistingObjectTag/SageMaker": "true"}
    }


def test_execution_policy_writes_the_partition_into_every_arn() -> None:
    doc = execution_policy(
        perms(
            region="cn-north-1",
            partition="aws-cn",
            buckets=("b1b",),
            automated_labeling=True,
            input_topic_arns=(f"arn:aws-cn:sns:cn-north-1:{ACCOUNT}:t",),
        )
    )
    arns = [a for s in doc["Statement"] for a in values(s["Resource"]) if a != "*"]
    assert arns
    assert all(a.startswith("arn:aws-cn:") for a in arns)


def _everything() -> ExecutionPermissions:
    return perms(
        buckets=("b-whole",),
        input_locations=(S3Location("b-in", "i"),),
        output_locations=(S3Location("b-out", "o"),),
        lambda_arns=(PRE, POST),
        kms_key_arns=(KEY,),
        volume_kms_key_arns=(VOLUME_KEY,),
        automated_labeling=True,
        input_topic_arns=(IN_TOPIC,),
        output_topic_arns=(OUT_TOPIC,),
        tagged_object_read=True,
    )


def test_execution_policy_has_no_principal_and_no_empty_value() -> None:
    doc = execution_policy(_everything())
    assert all("Principal" not in s for s in doc["Statement"])
    assert '""' not in json.dumps(doc)


def test_execution_policy_uses_star_only_where_aws_allows_nothing_narrower() -> None:
    stars = {
        s["Sid"]
        for s in execution_policy(_everything())["Statement"]
        if s["Resource"] == "*"
    }
    assert stars == {"CloudWatchLogsAndMetrics", "SnsUnsubscribe"}


def test_execution_policy_sids_are_unique_letters_and_digits() -> None:
    sids = [s["Sid"] for s in execution_policy(_everything())["Statement"]]
    assert len(sids) == len(set(sids))
    assert all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids)


def test_execution_policy_is_the_same_whatever_the_input_order() -> None:
    full = _everything()
    texts = {
        d.dumps(
            execution_policy(
                dataclasses.replace(
                    full,
                    lambda_arns=lambdas,
                    input_locations=(S3Location("b-in", "i"), S3Location("b-in2", "j")),
                    output_locations=outputs,
                )
            )
        )
        for lambdas in itertools.permutations(full.lambda_arns)
        for outputs in itertools.permutations(
            (S3Location("b-out", "o"), S3Location("b-out", "p"))
        )
    }
    assert len(texts) == 1


@pytest.mark.parametrize("count", [1, 40])
def test_execution_policy_fits_the_inline_quota_for_realistic_inputs(
    count: int,
) -> None:
    doc = execution_policy(
        dataclasses.replace(
            _everything(),
            input_locations=tuple(
                S3Location(f"b-in-{n}", "data") for n in range(count)
            ),
        )
    )
    assert d.size(doc) < 10240
