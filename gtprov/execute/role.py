"""Write handlers for execution roles, and the bounded waits IAM needs.

Each handler is idempotent under retries and lost responses: a create that
meets ``EntityAlreadyExists`` checks that what exists is gtprov's (its tags)
and carries on; deletes of what is already gone count as done.

IAM is eventually consistent: a new role may not be visible at once, and
other services (KMS, SageMaker) may not see it for a while longer. The waits
here are bounded, with exponential backoff, and take their clock and sleep
as collaborators so tests drive them without waiting.
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gtprov.aws.iam import IamClient, ManagedPolicy, Role
from gtprov.errors import OwnershipError
from gtprov.execute.executor import ExecContext, Outputs, handler
from gtprov.execute.waits import BoundedWait
from gtprov.ownership import TAG_KEY, is_managed

ROLE_VISIBLE = BoundedWait(timeout=60.0)
"""How long a new role may take to show in GetRole."""


# Role --------------------------------------------------------------------------


@handler("iam.create_role")
def create_role(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    return create_role_with(IamClient(ctx.aws), params, ROLE_VISIBLE)


def create_role_with(
    iam: IamClient, params: Mapping[str, Any], backoff: BoundedWait
) -> Outputs:
    """CreateRole, then wait until GetRole sees it.

    ``EntityAlreadyExists`` after a lost response means our own earlier
    attempt succeeded: the role must carry gtprov's tag, else it is someone
    else's role created meanwhile (or differing only in case).
    """
    name = params["name"]
    created = iam.create_role(
        name,
        path=params["path"],
        trust_policy=params["trust_policy"],
        description=params["description"],
        max_session_duration=params["max_session_duration"],
        permissions_boundary=params["permissions_boundary"],
        tags=params["tags"],
    )
    role = backoff.until(lambda: iam.get_role(name), f"role {name} to be visible")
    if created is None:
        _check_ours(role)
    return {"arn": role.arn, "created": True}


def _check_ours(role: Role) -> None:
    if not is_managed(role.tags):
        raise OwnershipError(
            f"role {role.name} appeared while gtprov was creating it, without "
            f"the {TAG_KEY} tag; gtprov will not modify it",
            hint="Choose another name, or run again with --adopt.",
        )


@handler("iam.update_assume_role_policy")
def update_assume_role_policy(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    IamClient(ctx.aws).update_assume_role_policy(params["name"], params["trust_policy"])


@handler("iam.update_role")
def update_role(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    IamClient(ctx.aws).update_role(
        params["name"],
        description=params["description"],
        max_session_duration=params["max_session_duration"],
    )


@handler("iam.put_role_permissions_boundary")
def put_boundary(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    IamClient(ctx.aws).put_role_permissions_boundary(params["name"], params["boundary"])


@handler("iam.delete_role_permissions_boundary")
def delete_boundary(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    IamClient(ctx.aws).delete_role_permissions_boundary(params["name"])


@handler("iam.tag_role")
def tag_role(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    IamClient(ctx.aws).tag_role(params["name"], params["tags"])


@handler("iam.untag_role")
def untag_role(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    IamClient(ctx.aws).untag_role(params["name"], list(params["keys"]))


# Inline policies --------------------------------------------------------------------


def substituted(doc: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """``doc`` with each placeholder (``${kms-key.key_id}``) replaced."""
    text = json.dumps(doc)
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return json.loads(text)  # type: ignore[no-any-return]  # a JSON object in, out


@handler("iam.put_role_policy")
def put_role_policy(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    doc = substituted(params["document"], params.get("substitute", {}))
    IamClient(ctx.aws).put_role_policy(params["role"], params["policy"], doc)


@handler("iam.delete_role_policy")
def delete_role_policy(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    IamClient(ctx.aws).delete_role_policy(params["role"], params["policy"])


# Customer managed policies ------------------------------------------------------------


@handler("iam.put_managed_policy")
def put_managed_policy(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    return put_managed_policy_with(IamClient(ctx.aws), params)


def put_managed_policy_with(iam: IamClient, params: Mapping[str, Any]) -> Outputs:
    """Create the policy (or a new default version of it) and attach it.

    An attached policy (the planner checked its tag) gets a new version. A
    policy that exists but is not attached is what a run interrupted between
    CreatePolicy and AttachRolePolicy leaves: gtprov's tag proves it is
    ours, and it gets the desired document as a new version.
    """
    doc = substituted(params["document"], params.get("substitute", {}))
    if params["attached"]:
        new_default_version(iam, params["arn"], doc, params["versions_quota"])
        return {"arn": params["arn"]}
    arn = iam.create_policy(
        params["name"],
        path=params["path"],
        document=doc,
        description=params["description"],
        tags=params["tags"],
    )
    if arn is None:
        arn = params["arn"]
        _require_ours(iam.get_policy(arn), arn)
        new_default_version(iam, arn, doc, params["versions_quota"])
    iam.attach_role_policy(params["role"], arn)
    return {"arn": arn}


def _require_ours(policy: ManagedPolicy | None, arn: str) -> None:
    if policy is not None and not is_managed(policy.tags):
        raise OwnershipError(
            f"policy {arn} exists without the {TAG_KEY} tag; gtprov will not modify it",
            hint="Delete or rename that policy, then run again.",
        )


def new_default_version(
    iam: IamClient, arn: str, doc: Mapping[str, Any], quota: int
) -> None:
    """CreatePolicyVersion, first deleting the oldest non-default versions so
    the policy stays under IAM's limit (five versions)."""
    versions = iam.list_policy_versions(arn)
    spare = sorted((v for v in versions if not v.is_default), key=lambda v: v.created)
    excess = len(versions) - quota + 1
    for version in spare[: max(excess, 0)]:
        iam.delete_policy_version(arn, version.version_id)
    iam.create_policy_version(arn, dict(doc))


@handler("iam.delete_managed_policy")
def delete_managed_policy(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    delete_managed_policy_with(IamClient(ctx.aws), params["role"], params["arn"])


def delete_managed_policy_with(iam: IamClient, role: str, arn: str) -> None:
    """Detach, delete non-default versions, delete: IAM refuses DeletePolicy
    while a policy is attached or has other versions (DeleteConflict)."""
    policy = iam.get_policy(arn)
    if policy is None:
        return
    _require_ours(policy, arn)
    iam.detach_role_policy(role, arn)
    for version in iam.list_policy_versions(arn):
        if not version.is_default:
            iam.delete_policy_version(arn, version.version_id)
    iam.delete_policy(arn)
