"""The execution role's permissions policy, generated from what the user has.

Pure: no AWS calls. Every statement follows the corrected forms of
docs/policies.md (AWS's "Assign IAM permissions" page, fixed): bucket actions
on bucket ARNs, object actions on ``bucket/prefix/*``, Lambda, KMS and SNS
scoped to the exact ARNs given, PassRole only for automated labeling and only
to the role itself. Inputs are expected to have passed ``gtprov.validate``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from gtprov.policy.document import Document, Statement, document, merge_statements
from gtprov.policy.document import statement as _statement
from gtprov.policy.trust import sagemaker_principal
from gtprov.validate import S3Location

INLINE_AGGREGATE_QUOTA = 10240
"""IAM: all inline policies of one role together (not adjustable)."""
MANAGED_POLICY_QUOTA = 6144
"""IAM: one customer managed policy (not adjustable)."""

OBJECT_READ = frozenset({"s3:GetObject"})
OBJECT_READ_WRITE = frozenset(
    {"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"}
)
_OBJECT_SIDS = {OBJECT_READ: "S3ObjectRead", OBJECT_READ_WRITE: "S3ObjectReadWrite"}

LOGS_AND_METRICS = (
    "cloudwatch:PutMetricData",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
)
KEY_USE = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)
GROUND_TRUTH_QUEUE_ACTIONS = (
    # No sqs:SendMessageBatch: it is not an IAM action; sqs:SendMessage
    # authorizes the batch call too (SQS developer guide, "batch actions"),
    # and AWS removed it from AmazonSageMakerGroundTruthExecution v2.
    "sqs:CreateQueue",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
    "sqs:SetQueueAttributes",
)


@dataclass(frozen=True)
class ExecutionPermissions:
    """What one Ground Truth execution role must reach.

    ``buckets`` are whole buckets, read and written; ``input_locations`` are
    read; ``output_locations`` are read and written (Ground Truth reads back
    what it writes there, e.g. the datasets of automated labeling). Topic,
    Lambda and key values are full ARNs.
    """

    role_name: str
    account_id: str
    region: str
    partition: str = "aws"
    role_path: str = "/"
    buckets: tuple[str, ...] = ()
    input_locations: tuple[S3Location, ...] = ()
    output_locations: tuple[S3Location, ...] = ()
    lambda_arns: tuple[str, ...] = ()
    kms_key_arns: tuple[str, ...] = ()
    volume_kms_key_arns: tuple[str, ...] = ()
    automated_labeling: bool = False
    input_topic_arns: tuple[str, ...] = ()
    output_topic_arns: tuple[str, ...] = ()
    tagged_object_read: bool = False

    @property
    def role_arn(self) -> str:
        iam = f"arn:{self.partition}:iam::{self.account_id}"
        return f"{iam}:role{self.role_path}{self.role_name}"

    @property
    def streaming(self) -> bool:
        return bool(self.input_topic_arns or self.output_topic_arns)

    @property
    def queue_pattern(self) -> str:
        """The queues Ground Truth creates: ``GroundTruth-<job name>``."""
        return f"arn:{self.partition}:sqs:{self.region}:{self.account_id}:*GroundTruth*"


def execution_policy(perms: ExecutionPermissions) -> Document:
    """The role's permissions policy, statements in a fixed order."""
    statements = [
        *s3_statements(perms),
        _statement("CloudWatchLogsAndMetrics", LOGS_AND_METRICS, ["*"]),
        *_lambda_statements(perms),
        *_kms_statements(perms),
        *_pass_role_statements(perms),
        *_streaming_statements(perms),
    ]
    return document(merge_statements(statements))


# S3 ----------------------------------------------------------------------------


def s3_statements(perms: ExecutionPermissions) -> list[Statement]:
    """Bucket-level statements, then object-level ones."""
    access = object_access(perms)
    return [
        *_bucket_statements(access, perms.partition),
        *_object_statements(access, perms.partition),
        *_tagged_object_statements(perms),
    ]


def object_access(perms: ExecutionPermissions) -> dict[S3Location, frozenset[str]]:
    """Object actions per location, locations another one covers dropped."""
    access: dict[S3Location, set[str]] = defaultdict(set)
    for location in perms.input_locations:
        access[location] |= OBJECT_READ
    whole = (S3Location(bucket) for bucket in perms.buckets)
    for location in (*perms.output_locations, *whole):
        access[location] |= OBJECT_READ_WRITE
    return {
        loc: frozenset(acts)
        for loc, acts in access.items()
        if not _covered(loc, acts, access)
    }


def _covered(
    location: S3Location, actions: set[str], access: dict[S3Location, set[str]]
) -> bool:
    return any(
        other != location
        and other.bucket == location.bucket
        and _prefix_covers(other.prefix, location.prefix)
        and access[other] >= actions
        for other in access
    )


def _prefix_covers(outer: str, inner: str) -> bool:
    return not outer or inner.startswith(outer + "/")


def _bucket_statements(
    access: dict[S3Location, frozenset[str]], partition: str
) -> list[Statement]:
    """ListBucket and GetBucketLocation on bucket ARNs, never on ``/*``.

    A bucket reached only through prefixes may be listed only under them
    (``s3:prefix`` condition, the AWS user-guide pattern); one statement per
    distinct prefix set so no bucket can list another's prefixes.
    """
    prefixes = _prefixes_by_bucket(access)
    whole = sorted(b for b, p in prefixes.items() if not p)
    narrowed = {b: p for b, p in prefixes.items() if p}
    statements = []
    if whole:
        arns = [_bucket_arn(partition, b) for b in whole]
        actions = ["s3:GetBucketLocation", "s3:ListBucket"]
        statements.append(_statement("S3BucketAccess", actions, arns))
    if narrowed:
        arns = [_bucket_arn(partition, b) for b in sorted(narrowed)]
        statements.append(
            _statement("S3BucketLocation", ["s3:GetBucketLocation"], arns)
        )
    return statements + _list_prefix_statements(narrowed, partition)


def _prefixes_by_bucket(
    access: dict[S3Location, frozenset[str]],
) -> dict[str, frozenset[str]]:
    """Each bucket's top-most prefixes; empty when the whole bucket is reached."""
    whole = {location.bucket for location in access if not location.prefix}
    prefixes: dict[str, set[str]] = defaultdict(set)
    for location in access:
        if location.bucket not in whole:
            prefixes[location.bucket].add(location.prefix)
    narrowed = {b: frozenset(_outermost(p)) for b, p in prefixes.items()}
    return narrowed | {bucket: frozenset() for bucket in whole}


def _outermost(prefixes: set[str]) -> set[str]:
    return {
        p for p in prefixes if not any(_prefix_covers(q, p) for q in prefixes - {p})
    }


def _list_prefix_statements(
    narrowed: dict[str, frozenset[str]], partition: str
) -> list[Statement]:
    groups: dict[frozenset[str], list[str]] = defaultdict(list)
    for bucket in sorted(narrowed):
        groups[narrowed[bucket]].append(_bucket_arn(partition, bucket))
    ordered = sorted(groups.items(), key=lambda item: item[1])
    return [
        _statement(
            f"S3ListBucketPrefixes{number}",
            ["s3:ListBucket"],
            arns,
            condition={"StringLike": {"s3:prefix": _prefix_patterns(prefixes)}},
        )
        for number, (prefixes, arns) in enumerate(ordered, start=1)
    ]


def _prefix_patterns(prefixes: Iterable[str]) -> list[str]:
    """``p`` (the folder itself, listed without a slash) and ``p/*``."""
    return sorted({pattern for p in prefixes for pattern in (p, f"{p}/*")})


def _object_statements(
    access: dict[S3Location, frozenset[str]], partition: str
) -> list[Statement]:
    by_actions: dict[frozenset[str], list[str]] = defaultdict(list)
    for location, actions in access.items():
        by_actions[actions].append(location.objects_arn(partition))
    return [
        _statement(_OBJECT_SIDS[actions], actions, by_actions[actions])
        for actions in (OBJECT_READ, OBJECT_READ_WRITE)
        if actions in by_actions
    ]


def _tagged_object_statements(perms: ExecutionPermissions) -> list[Statement]:
    """Opt-in: read any object tagged ``SageMaker=true`` (streaming example).

    AWS's streaming example adds this so SNS messages may point at objects
    outside the named locations. It reaches objects in every bucket that
    allows it, so gtprov adds it only when asked.
    """
    if not perms.tagged_object_read:
        return []
    condition = {"StringEqualsIgnoreCase": {"s3:ExistingObjectTag/SageMaker": "true"}}
    objects = [f"arn:{perms.partition}:s3:::*/*"]
    return [
        _statement("S3TaggedObjectRead", ["s3:GetObject"], objects, condition=condition)
    ]


def _bucket_arn(partition: str, bucket: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"


# Lambda, KMS, PassRole ---------------------------------------------------------


def _lambda_statements(perms: ExecutionPermissions) -> list[Statement]:
    """Pre- and post-annotation functions, exact ARNs (not name patterns)."""
    if not perms.lambda_arns:
        return []
    return [_statement("LambdaInvoke", ["lambda:InvokeFunction"], perms.lambda_arns)]


def _kms_statements(perms: ExecutionPermissions) -> list[Statement]:
    """Use of the keys, and CreateGrant on volume keys for AWS resources only.

    Takes effect where the key policy delegates to IAM; the key policy grant
    (``gtprov.policy.kms``) is what works everywhere. No kms:ListAliases: it
    has no resource-level permission, so on key ARNs it granted nothing.
    """
    keys = (*perms.kms_key_arns, *perms.volume_kms_key_arns)
    statements = [_statement("KmsKeyUse", KEY_USE, keys)] if keys else []
    if perms.volume_kms_key_arns:
        condition = {"Bool": {"kms:GrantIsForAWSResource": "true"}}
        statements.append(
            _statement(
                "KmsVolumeGrant",
                ["kms:CreateGrant"],
                perms.volume_kms_key_arns,
                condition=condition,
            )
        )
    return statements


def _pass_role_statements(perms: ExecutionPermissions) -> list[Statement]:
    """Automated labeling: SageMaker passes this role to its training jobs."""
    if not perms.automated_labeling:
        return []
    service = sagemaker_principal(perms.partition)
    condition = {"StringEquals": {"iam:PassedToService": service}}
    return [
        _statement(
            "PassRoleToSageMaker",
            ["iam:PassRole"],
            [perms.role_arn],
            condition=condition,
        )
    ]


# Streaming (SNS in, SQS inside, SNS out) ---------------------------------------


def _streaming_statements(perms: ExecutionPermissions) -> list[Statement]:
    if not perms.streaming:
        return []
    return [
        _statement(
            "SqsGroundTruthQueues", GROUND_TRUTH_QUEUE_ACTIONS, [perms.queue_pattern]
        ),
        *_subscribe_statements(perms),
        *_publish_statements(perms),
        # sns:Unsubscribe has no resource type in the service authorization
        # reference (it acts on a subscription ARN), so only "*" matches it;
        # the managed policy AmazonSageMakerGroundTruthExecution does the same.
        _statement("SnsUnsubscribe", ["sns:Unsubscribe"], ["*"]),
    ]


def _subscribe_statements(perms: ExecutionPermissions) -> list[Statement]:
    """Ground Truth subscribes its own SQS queue to each input topic."""
    if not perms.input_topic_arns:
        return []
    condition = {
        "StringEquals": {"sns:Protocol": "sqs"},
        "StringLike": {"sns:Endpoint": perms.queue_pattern},
    }
    return [
        _statement(
            "SnsSubscribeInputTopics",
            ["sns:Subscribe"],
            perms.input_topic_arns,
            condition=condition,
        )
    ]


def _publish_statements(perms: ExecutionPermissions) -> list[Statement]:
    """Ground Truth publishes labeled objects to each output topic."""
    if not perms.output_topic_arns:
        return []
    return [
        _statement("SnsPublishOutputTopics", ["sns:Publish"], perms.output_topic_arns)
    ]
