"""The delete calls ``gtprov destroy`` makes that the service clients lack.

Every call here treats "already gone" as done, so a destroy stopped halfway
finishes when run again, and a retried request whose first response was lost
does not fail. Not-found is signalled differently per service (field
lessons §0.5): IAM ``NoSuchEntity``; KMS ``NotFoundException``; Cognito
``ResourceNotFoundException``; SageMaker ``ValidationException`` whose
message starts "The work team" or "No workforce"; SNS DeleteTopic is
idempotent ("deleting a topic that does not exist does not result in an
error", SNS API reference). Errors are translated once, here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from gtprov.aws.errors import NOT_FOUND, error_code, error_message, translate
from gtprov.aws.kms import KmsClient
from gtprov.aws.sagemaker import SageMaker
from gtprov.errors import AwsCallError

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

PENDING_DELETION = "PendingDeletion"
KMS_INVALID_STATE = "KMSInvalidStateException"
DELETE_CONFLICT = "DeleteConflict"
NO_WORKTEAM = "The work team"
NO_WORKFORCE = "No workforce"
UNUSED_ACCOUNT_VALIDITY = "UnusedAccountValidityDays"
"""Deprecated AdminCreateUserConfig field DescribeUserPool may still return;
sent back beside PasswordPolicy.TemporaryPasswordValidityDays it is refused."""


class Teardown:
    """Deletes of one ``destroy`` run; every call is logged by the session."""

    def __init__(self, session: AwsSession) -> None:
        self._iam = session.client("iam")
        self._kms = session.client("kms")
        self._idp = session.client("cognito-idp")
        self._sm = session.client("sagemaker")
        self._sns = session.client("sns")
        self.kms = KmsClient(session)
        self.sagemaker = SageMaker(session)

    # IAM

    def delete_role(self, name: str) -> None:
        """``DeleteRole``. IAM refuses while policies are attached or the role
        is in an instance profile (``DeleteConflict``); the hint says how."""
        try:
            self._iam.delete_role(RoleName=name)
        except ClientError as exc:
            if error_code(exc) in NOT_FOUND:
                return
            raise _role_error(exc, name) from exc

    # KMS

    def schedule_key_deletion(self, key_id: str, days: int) -> None:
        """``ScheduleKeyDeletion`` after ``days`` (7-30); a key already
        pending deletion, or gone, counts as done. Never immediate.

        Takes the key ID (KMS also accepts the ARN; moto only the ID).
        """
        try:
            self._kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=days)
        except ClientError as exc:
            if error_code(exc) in NOT_FOUND or self._pending(exc, key_id):
                return
            raise translate(exc, "ScheduleKeyDeletion", key_id) from exc

    def _pending(self, exc: ClientError, key_id: str) -> bool:
        """KMS answers KMSInvalidStateException for a key already pending."""
        if error_code(exc) != KMS_INVALID_STATE:
            return False
        key = self.kms.describe_key(key_id)
        return key is None or key.state == PENDING_DELETION

    def delete_alias(self, alias: str, key_arn: str) -> bool:
        """``DeleteAlias`` if ``alias`` still names ``key_arn``; False when it
        is gone or names another key now (then it is left alone)."""
        target = self.kms.describe_key(alias)
        if target is None or target.arn != key_arn:
            return False
        _tolerating(
            NOT_FOUND, "DeleteAlias", alias, self._kms.delete_alias, AliasName=alias
        )
        return True

    def put_key_policy(self, key_arn: str, policy: Mapping[str, Any]) -> None:
        self.kms.put_key_policy(key_arn, dict(policy))

    # Cognito

    def delete_domain(self, pool_id: str, domain: str) -> None:
        _tolerating(
            NOT_FOUND,
            "DeleteUserPoolDomain",
            f"{domain} of {pool_id}",
            self._idp.delete_user_pool_domain,
            UserPoolId=pool_id,
            Domain=domain,
        )

    def update_user_pool(self, request: Mapping[str, Any]) -> None:
        _tolerating(
            NOT_FOUND,
            "UpdateUserPool",
            str(request["UserPoolId"]),
            self._idp.update_user_pool,
            **request,
        )

    def update_pool_fields(self) -> frozenset[str]:
        """What ``UpdateUserPool`` accepts, from botocore's model."""
        model = self._idp.meta.service_model.operation_model("UpdateUserPool")
        return frozenset(model.input_shape.members)

    def delete_user_pool(self, pool_id: str) -> None:
        """``DeleteUserPool``; its app clients, groups and users go with it."""
        _tolerating(
            NOT_FOUND,
            "DeleteUserPool",
            pool_id,
            self._idp.delete_user_pool,
            UserPoolId=pool_id,
        )

    # SageMaker

    def delete_workteam(self, name: str) -> None:
        try:
            self._sm.delete_workteam(WorkteamName=name)
        except ClientError as exc:
            if _missing(exc, NO_WORKTEAM):
                return
            raise translate(exc, "DeleteWorkteam", name) from exc

    def delete_workforce(self, name: str) -> None:
        """``DeleteWorkforce``; SageMaker answers ``ResourceInUse`` while any
        work team remains. The workforce is then ``Deleting`` for a while."""
        try:
            self._sm.delete_workforce(WorkforceName=name)
        except ClientError as exc:
            if _missing(exc, NO_WORKFORCE):
                return
            raise translate(exc, "DeleteWorkforce", name) from exc

    # SNS

    def delete_topic(self, arn: str) -> None:
        """``DeleteTopic``: idempotent, and its subscriptions go with it."""
        _tolerating(NOT_FOUND, "DeleteTopic", arn, self._sns.delete_topic, TopicArn=arn)


def _tolerating(
    codes: frozenset[str],
    operation: str,
    resource: str,
    method: Callable[..., Any],
    **params: Any,
) -> None:
    try:
        method(**params)
    except ClientError as exc:
        if error_code(exc) not in codes:
            raise translate(exc, operation, resource) from exc


def _missing(exc: ClientError, prefix: str) -> bool:
    return error_code(exc) == "ValidationException" and error_message(exc).startswith(
        prefix
    )


def _role_error(exc: ClientError, name: str) -> AwsCallError:
    error = translate(exc, "DeleteRole", name)
    if error.code == DELETE_CONFLICT:
        error.hint = (
            f"Something still holds role {name}: remove it from its instance "
            "profiles (aws iam list-instance-profiles-for-role --role-name "
            f"{name}) and detach policies gtprov did not attach, then run "
            "gtprov destroy again."
        )
    return error


def pool_update_request(
    described: Mapping[str, Any], accepted: frozenset[str]
) -> dict[str, Any]:
    """``UpdateUserPool`` turning deletion protection off, all else as it is.

    UpdateUserPool resets every field it is not sent ("If you don't provide
    a value for an attribute, Amazon Cognito sets it to its default value"),
    so the request carries every field DescribeUserPool returned that the
    update accepts: should the destroy stop before DeleteUserPool, the pool
    keeps its invite-only and password settings.
    """
    request = {k: v for k, v in described.items() if k in accepted}
    request["UserPoolId"] = described["Id"]
    admin = dict(request.get("AdminCreateUserConfig") or {})
    admin.pop(UNUSED_ACCOUNT_VALIDITY, None)
    if admin:
        request["AdminCreateUserConfig"] = admin
    request["DeletionProtection"] = "INACTIVE"
    return request
