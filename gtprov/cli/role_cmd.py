"""``gtprov create-execution-role NAME``: plan, apply and repair one role.

No boto3 at import: the AWS layer is imported inside the command, after
every input was validated (docs/create-execution-role.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gtprov import validate
from gtprov.cli import permission_options as opt
from gtprov.cli.options import GlobalOptions, global_options
from gtprov.cli.output import note
from gtprov.models.role import (
    UNKNOWN_ACCOUNT,
    Account,
    RoleValues,
    build_execution_role,
)

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession
    from gtprov.execute.executor import ExecContext
    from gtprov.plan.model import Plan

COMMAND = "create-execution-role"
NEW_ROLE_NOTE = (
    "role {name} is new: IAM is eventually consistent, so SageMaker may need "
    "a few more seconds before it can assume it; retry a labeling job that "
    "fails to assume the role at once"
)


def register(app: typer.Typer) -> None:
    """Add ``create-execution-role`` to ``app``."""
    app.command(COMMAND)(create_execution_role)


def create_execution_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The role's name (1-64 characters).")],
    bucket: opt.Buckets = None,
    input_uri: opt.InputUris = None,
    output_uri: opt.OutputUris = None,
    lambda_ref: opt.Lambdas = None,
    kms_key: Annotated[
        list[str] | None,
        typer.Option(help="Data key: key ARN, key ID, alias or alias ARN."),
    ] = None,
    volume_kms_key: Annotated[
        list[str] | None,
        typer.Option(help="VolumeKmsKeyId key: key ARN, key ID, alias or alias ARN."),
    ] = None,
    automated_labeling: opt.AutomatedLabeling = False,
    input_topic: opt.InputTopics = None,
    output_topic: opt.OutputTopics = None,
    allow_tagged_objects: opt.TaggedObjects = False,
    path: Annotated[
        str | None, typer.Option(help="IAM path of a new role (default /).")
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="The role's description.")
    ] = None,
    permissions_boundary: Annotated[
        str | None,
        typer.Option(
            metavar="ARN", help="Boundary policy ARN; 'none' removes the role's."
        ),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option(metavar="KEY=VALUE", help="A role tag.")
    ] = None,
    max_session_duration: Annotated[
        int, typer.Option(help="Seconds, 3600-43200.")
    ] = validate.MIN_SESSION,
    source_account: Annotated[
        bool,
        typer.Option(help="Trust only SageMaker calls from this account."),
    ] = False,
    grant_key_policy: Annotated[
        bool,
        typer.Option(help="Also add gtprov's statement to each key's policy."),
    ] = False,
    create_kms_key: Annotated[
        str | None,
        typer.Option(metavar="ALIAS", help="Create a data key under this alias."),
    ] = None,
    adopt: Annotated[
        bool, typer.Option(help="Take over an existing role gtprov did not create.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Print the plan; change nothing.")
    ] = False,
) -> None:
    """Create, or bring back in line, one Ground Truth execution role.

    Every input is validated before any AWS call (exit 2). Then one STS
    GetCallerIdentity gives the account; the checks that need it (a Lambda
    function's account) run right after it, before any other call. The plan
    reads IAM and KMS only; unless --dry-run, the same plan is applied.
    Repeat --bucket, --input-uri, --output-uri, --lambda, --kms-key,
    --volume-kms-key, --input-topic, --output-topic and --tag as needed.
    """
    opts = global_options(ctx)
    values = RoleValues(
        name=name,
        path=path,
        description=description,
        permissions_boundary=permissions_boundary,
        max_session_duration=max_session_duration,
        tags=tag or (),
        source_account=source_account,
        buckets=bucket or (),
        input_uris=input_uri or (),
        output_uris=output_uri or (),
        lambdas=lambda_ref or (),
        kms_keys=kms_key or (),
        volume_kms_keys=volume_kms_key or (),
        automated_labeling=automated_labeling,
        input_topics=input_topic or (),
        output_topics=output_topic or (),
        tagged_object_read=allow_tagged_objects,
        grant_key_policy=grant_key_policy,
        create_kms_key=create_kms_key,
        adopt=adopt,
    )
    run(opts, values, dry_run=dry_run)


def run(opts: GlobalOptions, values: RoleValues, *, dry_run: bool) -> Plan:
    """Validate offline, then plan and (unless ``dry_run``) apply."""
    from gtprov.cli.runner import open_session, plan_and_apply
    from gtprov.execute import kms as _kms_handlers  # noqa: F401 - registers
    from gtprov.execute import role as _role_handlers  # noqa: F401 - registers

    aws = open_session(opts)
    region = validate.region(aws.region, "--region")
    partition = validate.partition_for_region(region)
    build_execution_role(values, Account(UNKNOWN_ACCOUNT, region, partition))

    def make_plan(session: AwsSession) -> Plan:
        return _plan(session, values, region, partition)

    def finish(session: AwsSession, ctx: ExecContext) -> Mapping[str, Any]:
        return _finish(opts, values.name, ctx)

    return plan_and_apply(
        opts,
        command=COMMAND,
        dry_run=dry_run,
        make_plan=make_plan,
        finish=finish,
        aws=aws,
    )


def _plan(aws: AwsSession, values: RoleValues, region: str, partition: str) -> Plan:
    """One GetCallerIdentity, the account's checks, then the read-only plan."""
    from gtprov.aws.iam import IamClient
    from gtprov.aws.kms import KmsClient
    from gtprov.plan.role import plan_execution_role

    account = Account(aws.account_id, region, partition)
    role = build_execution_role(values, account)
    return plan_execution_role(IamClient(aws), KmsClient(aws), role, account)


def _finish(opts: GlobalOptions, name: str, ctx: ExecContext) -> dict[str, Any]:
    """The role ARN and key ARNs (a created key's ARN instead of its alias)."""
    from gtprov.plan.kms import NEW_KEY_ID

    resources = opts.run.resources
    created_key = ctx.outputs.get(NEW_KEY_ID, {}).get("arn")
    keys = [
        created_key if created_key and k.startswith("alias/") else k
        for k in resources.get("kms_keys", [])
    ]
    if ctx.outputs.get("role", {}).get("created"):
        advice = NEW_ROLE_NOTE.format(name=name)
        opts.run.warnings.append(advice)
        note(opts, f"note: {advice}")
    return {"kms_keys": keys, "role_arn": resources.get("role_arn")}
