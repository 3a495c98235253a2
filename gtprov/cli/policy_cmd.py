"""``gtprov policy KIND``: print one policy document gtprov would use.

Offline: every input is validated first (exit 2 naming the option, empty
stdout); nothing here imports boto3. Only when ``--account-id`` is missing
and the document needs the account does gtprov ask STS GetCallerIdentity,
importing the AWS layer at that moment. Text mode prints the document alone;
``--output json`` puts it in the envelope under ``resources.policy``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

import typer

from gtprov import validate
from gtprov.arn import Arn
from gtprov.cli import permission_options as opt
from gtprov.cli.options import GlobalOptions, global_options
from gtprov.cli.output import envelope, print_json
from gtprov.errors import InputError
from gtprov.policy import console, kms, provisioner, trust, workforce_admin
from gtprov.policy.document import Document, check_size, dumps
from gtprov.policy.execution import (
    INLINE_AGGREGATE_QUOTA,
    MANAGED_POLICY_QUOTA,
    ExecutionPermissions,
    execution_policy,
)
from gtprov.validate import S3Location

policy_app = typer.Typer(
    help="Print a policy document (offline; JSON on stdout).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

T = TypeVar("T")

AccountOpt = Annotated[
    str | None,
    typer.Option(
        "--account-id",
        help="12-digit account ID (default: STS GetCallerIdentity).",
    ),
]
PartitionOpt = Annotated[
    str | None,
    typer.Option(help="aws, aws-cn or aws-us-gov (default: the Region's, else aws)."),
]
_STS_FALLBACK_REGION = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
}


# Shared steps ------------------------------------------------------------------


def _options(ctx: typer.Context) -> GlobalOptions:
    return global_options(ctx)


def _region(opts: GlobalOptions) -> str | None:
    """--region, else AWS_REGION / AWS_DEFAULT_REGION, validated; may be absent."""
    raw = (
        opts.region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    return None if not raw else validate.region(raw, "--region")


def _required_region(opts: GlobalOptions) -> str:
    region = _region(opts)
    if region is None:
        raise InputError(
            "--region", "this policy names Regional resources; pass --region"
        )
    return region


def _partition(raw: str | None, region: str | None) -> str | None:
    """--partition, else the Region's; checked against each other when both given."""
    derived = validate.partition_for_region(region) if region else None
    if raw is None:
        return derived
    chosen = validate.partition(raw, "--partition")
    if derived is not None and chosen != derived:
        raise InputError(
            "--partition", f"Region {region} is in partition {derived}", value=raw
        )
    return chosen


def _account(raw: str | None) -> str | None:
    return None if raw is None else validate.account_id(raw, "--account-id")


def _caller_account(opts: GlobalOptions, given: str | None, partition: str) -> str:
    """``given``, else the caller's account from STS (the only AWS call here).

    boto3 is imported here and only here, after every input was validated.
    """
    if given is not None:
        return given
    from botocore.exceptions import BotoCoreError, ClientError

    from gtprov.aws.errors import translate
    from gtprov.aws.session import AwsOptions, AwsSession

    region = _region(opts) or _STS_FALLBACK_REGION[partition]
    session = AwsSession(AwsOptions(profile=opts.profile, region=region))
    try:
        return session.account_id
    except ClientError as exc:
        raise translate(exc, "sts:GetCallerIdentity") from exc
    except BotoCoreError as exc:
        rule = f"not given, and STS could not tell it ({exc}); pass --account-id"
        raise InputError("--account-id", rule) from exc


def _each(
    values: Sequence[str] | None, field: str, check: Callable[[str, str], T]
) -> tuple[T, ...]:
    return tuple(check(value, field) for value in values or ())


def _emit(opts: GlobalOptions, command: str, doc: Document) -> None:
    """The document alone on stdout, or inside the JSON envelope."""
    if opts.json:
        opts.run.command = command
        opts.run.resources["policy"] = doc
        print_json(envelope(opts.run))
        return
    sys.stdout.write(dumps(doc) + "\n")
    sys.stdout.flush()


# trust ----------------------------------------------------------------------------


@policy_app.command("trust")
def trust_cmd(
    ctx: typer.Context,
    account_id: AccountOpt = None,
    partition: PartitionOpt = None,
    source_account: Annotated[
        bool,
        typer.Option(help="Add StringEquals aws:SourceAccount (opt-in hardening)."),
    ] = False,
    source_arn: Annotated[
        str | None,
        typer.Option(
            help="Add ArnLike aws:SourceArn: arn:aws:sagemaker:REGION:ACCOUNT:*"
        ),
    ] = None,
) -> None:
    """The execution role's trust policy (SageMaker may assume the role)."""
    opts = _options(ctx)
    part = _partition(partition, _region(opts)) or "aws"
    given = _account(account_id)
    arn = None if source_arn is None else _source_arn(source_arn, part)
    account = _caller_account(opts, given, part) if source_account else None
    _source_arn_account(arn, account)
    doc = trust.trust_policy(
        partition=part,
        source_account=account,
        source_arn=None if arn is None else str(arn),
    )
    check_size(
        doc, trust.TRUST_POLICY_QUOTA, "the trust policy", "role trust policy size"
    )
    _emit(opts, "policy trust", doc)


def _source_arn(value: str, partition: str) -> Arn:
    example = f"arn:{partition}:sagemaker:REGION:ACCOUNT:*"
    rule = f"must be a SageMaker ARN pattern like {example}"
    try:
        arn = Arn.parse(value.strip())
    except ValueError:
        raise InputError("--source-arn", rule, value=value) from None
    if arn.service != "sagemaker" or arn.partition != partition or not arn.account:
        raise InputError("--source-arn", rule, value=value)
    return arn


def _source_arn_account(arn: Arn | None, account: str | None) -> None:
    """AWS: with both keys, the account in aws:SourceArn must be SourceAccount."""
    if arn is not None and account is not None and arn.account not in (account, "*"):
        rule = f"its account must be {account}, the aws:SourceAccount"
        raise InputError("--source-arn", rule, value=str(arn))


# execution ------------------------------------------------------------------------


@policy_app.command("execution")
def execution_cmd(
    ctx: typer.Context,
    role_name: Annotated[str, typer.Option(help="The execution role's name.")],
    account_id: AccountOpt = None,
    partition: PartitionOpt = None,
    role_path: Annotated[str, typer.Option(help="The role's IAM path.")] = "/",
    bucket: opt.Buckets = None,
    input_uri: opt.InputUris = None,
    output_uri: opt.OutputUris = None,
    lambda_ref: opt.Lambdas = None,
    kms_key: Annotated[
        list[str] | None, typer.Option(help="Key ARN of input/output data.")
    ] = None,
    volume_kms_key: Annotated[
        list[str] | None, typer.Option(help="Key ARN of VolumeKmsKeyId.")
    ] = None,
    automated_labeling: opt.AutomatedLabeling = False,
    input_topic: opt.InputTopics = None,
    output_topic: opt.OutputTopics = None,
    allow_tagged_objects: opt.TaggedObjects = False,
) -> None:
    """The execution role's permissions policy, from what you have.

    Repeat --bucket, --input-uri, --output-uri, --lambda, --kms-key,
    --volume-kms-key, --input-topic and --output-topic as needed.
    """
    opts = _options(ctx)
    region = _required_region(opts)
    part = _partition(partition, region) or "aws"
    given = _account(account_id)
    name = validate.role_name(role_name, "--role-name")
    path = validate.role_path(role_path, "--role-path")
    buckets, inputs, outputs = _locations(bucket, input_uri, output_uri)
    keys = _key_arns(kms_key, "--kms-key", region)
    volume_keys = _key_arns(volume_kms_key, "--volume-kms-key", region)
    in_topics = _topic_arns(input_topic, "--input-topic", region, part)
    out_topics = _topic_arns(output_topic, "--output-topic", region, part)
    account = _caller_account(opts, given, part)
    perms = ExecutionPermissions(
        role_name=name,
        account_id=account,
        region=region,
        partition=part,
        role_path=path,
        buckets=buckets,
        input_locations=inputs,
        output_locations=outputs,
        lambda_arns=_lambda_arns(lambda_ref, region, account, part),
        kms_key_arns=keys,
        volume_kms_key_arns=volume_keys,
        automated_labeling=automated_labeling,
        input_topic_arns=in_topics,
        output_topic_arns=out_topics,
        tagged_object_read=allow_tagged_objects,
    )
    doc = execution_policy(perms)
    quota = "role inline policy size (aggregate)"
    check_size(doc, INLINE_AGGREGATE_QUOTA, "the execution policy", quota)
    _emit(opts, "policy execution", doc)


def _locations(
    buckets: Sequence[str] | None,
    inputs: Sequence[str] | None,
    outputs: Sequence[str] | None,
) -> tuple[tuple[str, ...], tuple[S3Location, ...], tuple[S3Location, ...]]:
    """Ground Truth always reads and writes S3, so at least one is required."""
    found = (
        _each(buckets, "--bucket", validate.bucket_name),
        _each(inputs, "--input-uri", validate.s3_uri),
        _each(outputs, "--output-uri", validate.s3_uri),
    )
    if not any(found):
        rule = "give at least one --bucket, --input-uri or --output-uri"
        raise InputError("--bucket", rule)
    return found


def _key_arns(values: Sequence[str] | None, field: str, region: str) -> tuple[str, ...]:
    return tuple(validate.kms_key_arn(v, field, region) for v in values or ())


def _topic_arns(
    values: Sequence[str] | None, field: str, region: str, partition: str
) -> tuple[str, ...]:
    """Ground Truth wants its topics in the labeling job's Region."""
    return tuple(
        validate.sns_topic_arn(v, field, region=region, partition=partition)
        for v in values or ()
    )


def _lambda_arns(
    values: Sequence[str] | None, region: str, account: str, partition: str
) -> tuple[str, ...]:
    return tuple(
        validate.lambda_ref(
            v, "--lambda", region=region, account_id=account, partition=partition
        )
        for v in values or ()
    )


# key-policy-statement ----------------------------------------------------------


@policy_app.command("key-policy-statement")
def key_policy_statement_cmd(
    ctx: typer.Context,
    role_arn: Annotated[
        str | None, typer.Option(help="The execution role's ARN.")
    ] = None,
    role_name: Annotated[
        str | None, typer.Option(help="Or the role's name (in --account-id).")
    ] = None,
    role_path: Annotated[str, typer.Option(help="The role's IAM path.")] = "/",
    account_id: AccountOpt = None,
    partition: PartitionOpt = None,
) -> None:
    """The statement to add to a KMS key policy so the role may use the key."""
    opts = _options(ctx)
    part = _partition(partition, _region(opts))
    if (role_arn is None) == (role_name is None):
        raise InputError("--role-arn", "give exactly one of --role-arn, --role-name")
    if role_arn is not None:
        arn = validate.role_arn(role_arn, "--role-arn", partition=part)
    else:
        arn = _role_arn(opts, role_name or "", role_path, account_id, part or "aws")
    _emit(opts, "policy key-policy-statement", kms.role_statement(arn))


def _role_arn(
    opts: GlobalOptions, name: str, path: str, account_id: str | None, partition: str
) -> str:
    name = validate.role_name(name, "--role-name")
    path = validate.role_path(path, "--role-path")
    account = _caller_account(opts, _account(account_id), partition)
    return f"arn:{partition}:iam::{account}:role{path}{name}"


# console, workforce-admin, provisioner ----------------------------------------


@policy_app.command("console")
def console_cmd(
    ctx: typer.Context,
    account_id: AccountOpt = None,
    partition: PartitionOpt = None,
    execution_role_arn: Annotated[
        list[str] | None,
        typer.Option(help="Only these roles may be passed (repeatable)."),
    ] = None,
    marketplace_subscribe: Annotated[
        bool, typer.Option(help="Also subscribe to vendor work teams.")
    ] = False,
) -> None:
    """A console user's policy for creating labeling jobs."""
    opts = _options(ctx)
    part = _partition(partition, _region(opts)) or "aws"
    given = _account(account_id)
    roles = _role_arns(execution_role_arn, part, given)
    roles_account = _one_account(roles)
    account = given or roles_account or _caller_account(opts, None, part)
    doc = console.console_policy(
        account, part, roles, marketplace_subscribe=marketplace_subscribe
    )
    _managed_size(doc, "the console policy")
    _emit(opts, "policy console", doc)


def _role_arns(
    values: Sequence[str] | None, partition: str, account: str | None
) -> tuple[str, ...]:
    field = "--execution-role-arn"
    return tuple(
        validate.role_arn(v, field, partition=partition, account_id=account)
        for v in values or ()
    )


def _one_account(role_arns: Sequence[str]) -> str | None:
    """The account of the roles given; PassRole reaches one account's roles."""
    accounts = sorted({arn.split(":")[4] for arn in role_arns})
    if len(accounts) > 1:
        rule = "the roles must all be in one account"
        raise InputError("--execution-role-arn", rule, value=accounts)
    return accounts[0] if accounts else None


@policy_app.command("workforce-admin")
def workforce_admin_cmd(
    ctx: typer.Context,
    account_id: AccountOpt = None,
    partition: PartitionOpt = None,
) -> None:
    """An administrator's policy for a private (Cognito) workforce."""
    opts = _options(ctx)
    region = _required_region(opts)
    part = _partition(partition, region) or "aws"
    account = _caller_account(opts, _account(account_id), part)
    doc = workforce_admin.workforce_admin_policy(account, region, part)
    _managed_size(doc, "the workforce admin policy")
    _emit(opts, "policy workforce-admin", doc)


@policy_app.command("provisioner")
def provisioner_cmd(
    ctx: typer.Context,
    account_id: AccountOpt = None,
    partition: PartitionOpt = None,
    command: Annotated[
        list[str] | None,
        typer.Option(
            help="Only what these commands need (repeatable): "
            + ", ".join(provisioner.COMMAND_AREAS)
        ),
    ] = None,
) -> None:
    """Exactly what gtprov itself needs to run (every command by default)."""
    opts = _options(ctx)
    region = _required_region(opts)
    part = _partition(partition, region) or "aws"
    given = _account(account_id)
    areas = [a for areas in _each(command, "--command", _command_area) for a in areas]
    account = _caller_account(opts, given, part)
    doc = provisioner.provisioner_policy(account, region, part, areas or None)
    _managed_size(doc, "the provisioner policy")
    _emit(opts, "policy provisioner", doc)


def _command_area(value: str, field: str) -> tuple[str, ...]:
    try:
        return provisioner.areas_for(value)
    except ValueError as exc:
        raise InputError(field, str(exc), value=value) from None


def _managed_size(doc: Document, what: str) -> None:
    check_size(doc, MANAGED_POLICY_QUOTA, what, "managed policy size")
