"""Write handlers of ``setup-workforce``: pool, client, domain, groups, topic,
workforce and work teams. The only code that writes them.

Each handler survives a lost response: a create that meets "already exists"
checks the resource is the one it meant and carries on, so a re-run (or
botocore's retry of a request that did reach AWS) converges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gtprov.aws.cognito import CognitoIdp, full_update
from gtprov.aws.sagemaker import SageMaker
from gtprov.aws.sns import Sns
from gtprov.errors import ConflictError
from gtprov.execute.executor import ExecContext, Outputs, handler
from gtprov.models.workforce import missing_client_settings
from gtprov.ownership import tags_to_list


@handler("cognito.create_user_pool")
def create_user_pool(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """``CreateUserPool``. Pool names are not unique and the call takes no
    idempotency token, so after a lost answer the client looks for the pool
    it made rather than make a second (``CognitoIdp.create_user_pool``)."""
    return {"user_pool_id": CognitoIdp(ctx.aws).create_user_pool(params["request"])}


@handler("cognito.create_app_client")
def create_app_client(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """``CreateUserPoolClient`` with a secret; the secret is dropped unread.
    After a lost answer the client made is found, not made twice."""
    client_id = CognitoIdp(ctx.aws).create_client(
        params["user_pool_id"], params["name"]
    )
    return {"client_id": client_id}


@handler("cognito.create_domain")
def create_domain(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """``CreateUserPoolDomain``; "already associated" is fine if it is ours."""
    cognito = CognitoIdp(ctx.aws)
    pool_id, prefix = params["user_pool_id"], params["prefix"]
    if cognito.create_domain(pool_id, prefix):
        return {}
    owner = cognito.describe_domain(prefix)
    if owner is not None and owner.user_pool_id == pool_id:
        return {}
    raise ConflictError(
        f"Domain prefix {prefix} is taken by another user pool (prefixes are "
        "unique per Region across all AWS accounts)",
        hint="Choose another prefix with --domain-prefix and run again.",
    )


@handler("cognito.create_group")
def create_group(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """``CreateGroup``; GroupExistsException means the group is there: done."""
    CognitoIdp(ctx.aws).create_group(
        params["user_pool_id"], params["group"], params["description"]
    )
    return {}


@handler("sns.create_topic")
def create_topic(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    arn = Sns(ctx.aws).create_topic(params["name"], params["policy"], params["tags"])
    return {"topic_arn": arn}


@handler("sns.put_topic_policy")
def put_topic_policy(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    Sns(ctx.aws).set_policy(params["arn"], params["policy"])
    return {}


@handler("sagemaker.create_workforce")
def create_workforce(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """``CreateWorkforce``, then poll until Active.

    "More than one workforce" after a lost response is fine when the
    Region's workforce is bound to this pool and client; anything else is a
    conflict, never a silent rebind.
    """
    sagemaker = SageMaker(ctx.aws)
    name = params["name"]
    created = sagemaker.create_workforce(
        name,
        user_pool=params["user_pool_id"],
        client_id=params["client_id"],
        cidrs=params["cidrs"],
        tags=params["tags"],
    )
    if created is None:
        _check_bound(sagemaker, name, params["user_pool_id"], params["client_id"])
    workforce = sagemaker.wait_until_active(name)
    return {"workforce_arn": workforce.arn, "subdomain": workforce.subdomain}


def _check_bound(sagemaker: SageMaker, name: str, pool: str, client: str) -> None:
    workforce = next(iter(sagemaker.list_workforces()), None)
    bound = (name, pool, client)
    if (
        workforce
        and (workforce.name, workforce.user_pool, workforce.client_id) == bound
    ):
        return
    raise ConflictError(
        "Another private workforce appeared in this Region while gtprov ran",
        hint="Run the same command again; gtprov will plan against it.",
    )


@handler("sagemaker.wait_workforce")
def wait_workforce(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    workforce = SageMaker(ctx.aws).wait_until_active(params["name"])
    return {"workforce_arn": workforce.arn, "subdomain": workforce.subdomain}


@handler("cognito.configure_portal_client")
def configure_portal_client(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """Read-modify-write of the app client's OAuth settings.

    Read again here, not at plan time: CreateWorkforce and CreateWorkteam
    edit the client themselves. Nothing is sent when the portal's URLs,
    flows and scopes are already there (SageMaker may have set them).
    """
    cognito = CognitoIdp(ctx.aws)
    pool_id, client_id = params["user_pool_id"], params["client_id"]
    current = cognito.describe_client(pool_id, client_id)
    if current is None:
        raise ConflictError(f"App client {client_id} of {pool_id} disappeared")
    changes = missing_client_settings(current, params["subdomain"])
    if changes:
        cognito.update_client(full_update(current, changes, cognito.update_fields()))
    return {}


@handler("sagemaker.update_cidrs")
def update_cidrs(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    SageMaker(ctx.aws).update_cidrs(params["name"], params["cidrs"])
    return {}


@handler("sagemaker.create_workteam")
def create_workteam(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """``CreateWorkteam`` with one Cognito member definition.

    ResourceInUse after a lost response is fine when the team is made of
    this pool, client and group; otherwise it is someone else's team.
    """
    sagemaker = SageMaker(ctx.aws)
    request = _workteam_request(params)
    arn = sagemaker.create_workteam(request)
    if arn is None:
        arn = _existing_team_arn(sagemaker, request)
    return {"workteam_arn": arn}


def _workteam_request(params: Mapping[str, Any]) -> dict[str, Any]:
    member = {
        "UserPool": params["user_pool_id"],
        "UserGroup": params["group"],
        "ClientId": params["client_id"],
    }
    request = dict(params["request"])
    request["MemberDefinitions"] = [{"CognitoMemberDefinition": member}]
    request["Tags"] = tags_to_list(request["Tags"])
    return request


def _existing_team_arn(sagemaker: SageMaker, request: Mapping[str, Any]) -> str:
    name = request["WorkteamName"]
    team = sagemaker.describe_workteam(name)
    wanted = request["MemberDefinitions"][0]["CognitoMemberDefinition"]
    mine = team is not None and [
        (m.user_pool, m.group, m.client_id) for m in team.members
    ] == [(wanted["UserPool"], wanted["UserGroup"], wanted["ClientId"])]
    if team is None or not mine:
        raise ConflictError(
            f"Work team {name} exists with other members",
            hint="Give the team another name, or manage it in the SageMaker console.",
        )
    return team.arn


@handler("sagemaker.update_workteam")
def update_workteam(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    SageMaker(ctx.aws).update_workteam(params["name"], params["changes"])
    return {}
