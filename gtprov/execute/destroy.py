"""Write handlers of ``gtprov destroy``: the only code that deletes.

Each handler is idempotent: what is already gone counts as done, so a
destroy stopped at any step finishes when run again, and a request retried
after a lost response does not fail. Handlers re-read what they edit (a key
policy, a user pool) just before writing, so they never write back a stale
copy. Role policies and grant records reuse ``execute/role.py``'s handlers
(``iam.delete_role_policy``, ``iam.delete_managed_policy``,
``iam.untag_role``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from gtprov.aws.cognito import CognitoIdp
from gtprov.aws.inventory import Readers
from gtprov.aws.sagemaker import SageMaker
from gtprov.aws.teardown import Teardown, pool_update_request
from gtprov.execute import role as _role_handlers  # noqa: F401 - registers iam.*
from gtprov.execute.executor import ExecContext, handler
from gtprov.execute.waits import BoundedWait
from gtprov.ownership import KEY_POLICY_SID_PREFIX
from gtprov.policy.kms import statements_of

WORKFORCE_GONE = BoundedWait(timeout=600.0, first=1.0, cap=15.0)
"""SageMaker keeps a deleted workforce ``Deleting`` for a while; Terraform
waits up to 10 minutes for it to go before deleting what it used."""


@handler("destroy.remove_key_statements")
def remove_key_statements(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    remove_statements_with(Teardown(ctx.aws), params["key_arn"], params["sids"])


def remove_statements_with(
    teardown: Teardown, key_arn: str, sids: Collection[str]
) -> None:
    """Read the key policy now, drop gtprov's statements named in ``sids``
    (never one whose Sid lacks gtprov's prefix), write it back if changed."""
    policy = teardown.kms.get_key_policy(key_arn)
    if policy is None:
        return
    doomed = {s for s in sids if s.startswith(KEY_POLICY_SID_PREFIX)}
    kept = [s for s in statements_of(policy) if s.get("Sid") not in doomed]
    if len(kept) == len(statements_of(policy)):
        return
    teardown.put_key_policy(key_arn, {**policy, "Statement": kept})


@handler("destroy.delete_role")
def delete_role(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    Teardown(ctx.aws).delete_role(params["name"])


@handler("destroy.schedule_key_deletion")
def schedule_key_deletion(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    Teardown(ctx.aws).schedule_key_deletion(params["key_id"], int(params["days"]))


@handler("destroy.delete_alias")
def delete_alias(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    Teardown(ctx.aws).delete_alias(params["alias"], params["key_arn"])


@handler("destroy.delete_topic")
def delete_topic(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    Teardown(ctx.aws).delete_topic(params["arn"])


@handler("destroy.delete_workteam")
def delete_workteam(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    Teardown(ctx.aws).delete_workteam(params["name"])


@handler("destroy.delete_workforce")
def delete_workforce(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    delete_workforce_with(Teardown(ctx.aws), SageMaker(ctx.aws), params["name"])


def delete_workforce_with(
    teardown: Teardown,
    sagemaker: SageMaker,
    name: str,
    wait: BoundedWait = WORKFORCE_GONE,
) -> None:
    """DeleteWorkforce unless it is already ``Deleting``, then wait until
    DescribeWorkforce answers "No workforce": only then may its pool go."""
    current = sagemaker.describe_workforce(name)
    if current is None:
        return
    if current.status != "Deleting":
        teardown.delete_workforce(name)
    wait.until(
        lambda: True if sagemaker.describe_workforce(name) is None else None,
        f"workforce {name} to be deleted",
    )


@handler("destroy.delete_domain")
def delete_domain(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    delete_domain_with(
        Teardown(ctx.aws),
        CognitoIdp(ctx.aws),
        params["user_pool_id"],
        params["domain"],
    )


def delete_domain_with(
    teardown: Teardown, cognito: CognitoIdp, pool_id: str, domain: str
) -> None:
    """Delete the prefix domain only while it still belongs to ``pool_id``.

    DescribeUserPoolDomain answers an unknown domain with an empty
    description, not an error (field lessons §0.5): that is "already gone".
    """
    owner = cognito.describe_domain(domain)
    if owner is None or owner.user_pool_id != pool_id:
        return
    teardown.delete_domain(pool_id, domain)


@handler("destroy.disable_deletion_protection")
def disable_deletion_protection(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    disable_protection_with(Teardown(ctx.aws), Readers(ctx.aws), params["user_pool_id"])


def disable_protection_with(teardown: Teardown, readers: Readers, pool_id: str) -> None:
    """Read the pool now and send it back whole with protection off.

    Cognito refuses DeleteUserPool while ``DeletionProtection`` is ACTIVE
    (InvalidParameterException); gtprov creates its pools protected.
    """
    described = readers.describe_pool_raw(pool_id)
    if described is None or described.get("DeletionProtection") != "ACTIVE":
        return
    teardown.update_user_pool(
        pool_update_request(described, teardown.update_pool_fields())
    )


@handler("destroy.delete_user_pool")
def delete_user_pool(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    Teardown(ctx.aws).delete_user_pool(params["user_pool_id"])
