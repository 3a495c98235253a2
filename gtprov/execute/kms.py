"""Write handlers for KMS: create gtprov's key, and edit key-policy statements.

Key policies are edited read-modify-write at apply time (GetKeyPolicy just
before PutKeyPolicy), touching only gtprov's statement for the role. KMS
rejects a policy naming a principal it cannot see yet with
``MalformedPolicyDocumentException``; a just-created role is such a
principal, so CreateKey and PutKeyPolicy retry that error with bounded
backoff ("you might need to enforce a delay before including the new
principal in a key policy", KMS API reference, PutKeyPolicy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gtprov.aws.iam import IamClient
from gtprov.aws.kms import MALFORMED_POLICY, KmsClient, KmsKey
from gtprov.errors import AwsCallError, ConflictError, GtprovError
from gtprov.execute.executor import ExecContext, Outputs, handler
from gtprov.execute.waits import BoundedWait, log
from gtprov.models.role import KMS_GRANT_TAG
from gtprov.policy.kms import statements_of, with_statement, without_statement

PRINCIPAL_VISIBLE = BoundedWait(timeout=120.0, first=2.0, cap=16.0)
"""How long KMS may take to see a new role (AWS gives no bound; ~1-2 min)."""


def _unseen_principal(exc: AwsCallError) -> bool:
    return exc.code == MALFORMED_POLICY


@handler("kms.create_key")
def create_key(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    return create_key_with(
        KmsClient(ctx.aws), IamClient(ctx.aws), params, PRINCIPAL_VISIBLE
    )


def create_key_with(
    kms: KmsClient, iam: IamClient, params: Mapping[str, Any], backoff: BoundedWait
) -> Outputs:
    """CreateKey with its final policy, then record it on the role at once.

    The record (role tag ``gtprov:kms-grant:<key id>``) lets a later run find
    the key even if CreateAlias never ran. If the record cannot be written,
    the unfindable key is scheduled for deletion (7 days) before failing.

    Known gap: a CreateKey whose response is lost still made a key that no
    run can find; it carries gtprov's tags and ``gtprov:alias``, so it can
    be found with the Resource Groups Tagging API and deleted.
    """
    key = backoff.retry(
        lambda: kms.create_key(
            policy=params["policy"],
            description=params["description"],
            tags=params["tags"],
        ),
        _unseen_principal,
    )
    record = {KMS_GRANT_TAG + key.key_id: key.arn}
    try:
        iam.tag_role(params["role_name"], record)
    except GtprovError:
        _abandon(kms, key)
        raise
    return {"arn": key.arn, "key_id": key.key_id}


def _abandon(kms: KmsClient, key: KmsKey) -> None:
    # By key ID: moto's ScheduleKeyDeletion fails on a key ARN (KMS takes both).
    try:
        kms.schedule_key_deletion(key.key_id)
    except GtprovError as exc:
        log.warning("could not schedule deletion of %s: %s", key.arn, exc.message)


@handler("kms.create_alias")
def create_alias(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    create_alias_with(KmsClient(ctx.aws), params["alias"], params["key_arn"])


def create_alias_with(kms: KmsClient, alias: str, key_arn: str) -> None:
    """CreateAlias; an alias already on this key (lost response) is done."""
    if kms.create_alias(alias, key_arn):
        return
    current = kms.describe_key(alias)
    if current is None or current.arn != key_arn:
        raise ConflictError(
            f"alias {alias} was taken by "
            f"{current.arn if current else 'another key'} while gtprov created "
            f"key {key_arn}",
            hint=f"Schedule deletion of {key_arn} and choose another alias.",
        )


@handler("kms.enable_key_rotation")
def enable_key_rotation(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    KmsClient(ctx.aws).enable_key_rotation(params["key_arn"])


@handler("kms.put_key_policy_statement")
def put_key_policy_statement(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    put_statement_with(
        KmsClient(ctx.aws), params["key_arn"], params["statement"], PRINCIPAL_VISIBLE
    )


def put_statement_with(
    kms: KmsClient, key_arn: str, statement: Mapping[str, Any], backoff: BoundedWait
) -> None:
    """Add or replace gtprov's statement (by Sid); keep every other one."""
    policy = kms.get_key_policy(key_arn)
    if policy is None:
        raise ConflictError(
            f"key {key_arn} disappeared while gtprov was granting it",
            hint="Run the command again.",
        )
    updated = with_statement(policy, dict(statement))
    backoff.retry(lambda: kms.put_key_policy(key_arn, updated), _unseen_principal)


@handler("kms.remove_key_policy_statement")
def remove_key_policy_statement(ctx: ExecContext, params: Mapping[str, Any]) -> None:
    remove_statement_with(KmsClient(ctx.aws), params["key_arn"], params["sid"])


def remove_statement_with(kms: KmsClient, key_arn: str, sid: str) -> None:
    """Take gtprov's statement out; a key or statement already gone is done."""
    policy = kms.get_key_policy(key_arn)
    if policy is None:
        return
    updated = without_statement(policy, sid)
    if len(statements_of(updated)) == len(statements_of(policy)):
        return
    kms.put_key_policy(key_arn, updated)
