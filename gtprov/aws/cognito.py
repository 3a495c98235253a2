"""A thin typed client over Amazon Cognito user pools, for the workforce.

Readers return dataclasses, or ``None`` when Cognito answers not-found.
Writers translate a ``ClientError`` once into gtprov's error tree.

Secrets: ``CreateUserPoolClient`` and ``DescribeUserPoolClient`` return the
app client's secret; it is dropped here, before anything else sees the
response, and never logged (the session logs only redacted requests).
gtprov never sends a ``TemporaryPassword``: Cognito generates and emails it.

Bulk user calls (``BulkUserCalls``) use a client created with
``max_attempts=1`` and retry themselves. botocore's standard retry mode
counts ``LimitExceededException`` as throttling, but Cognito also uses that
code for its daily email cap ("Exceeded daily email limit for the operation
or the account"), which retrying cannot cure; gtprov fails fast on it with
the SES advice and backs off only on TooManyRequestsException and 5xx.
https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import (
    ClientError,
    ConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)

from gtprov.aws.errors import (
    ALREADY_EXISTS,
    call,
    error_code,
    error_message,
    pages,
    translate,
)
from gtprov.aws.ratelimit import Backoff, Sleep, TokenBucket
from gtprov.ownership import is_managed

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

PAGE = 60
"""Largest page Cognito's List* user and group calls return."""

INVITED_BY_ATTRIBUTE = "custom:invited_by"
"""Custom attribute gtprov's own pools carry; gtprov sets it to ``gtprov``
on the users it invites so ``remove-workers`` deletes only those."""
INVITED_BY_VALUE = "gtprov"

EMAIL_LIMIT_HINT = (
    "Cognito's default email sender has a small daily quota. Configure the "
    "user pool to send email with Amazon SES (EmailSendingAccount=DEVELOPER: "
    "https://docs.aws.amazon.com/cognito/latest/developerguide/"
    "user-pool-email.html), or wait a day, then run the same command again; "
    "workers already invited are skipped."
)
_ALREADY = re.compile(r"already (?:associated|has a domain|exists)", re.IGNORECASE)

_NOT_FOUND = frozenset({"ResourceNotFoundException"})
_USER_NOT_FOUND = frozenset({"UserNotFoundException"})
_RETRYABLE = frozenset({"TooManyRequestsException", "InternalErrorException"})
_BOTO_TRANSIENT = (ConnectionError, ReadTimeoutError)
_ANSWER_LOST = (ConnectionError, HTTPClientError)
"""Transport errors after which a request may have been carried out anyway."""


@dataclass(frozen=True)
class UserPool:
    """What ``DescribeUserPool`` says that gtprov uses."""

    id: str
    name: str
    arn: str
    tags: Mapping[str, str]
    domain: str | None
    username_attributes: tuple[str, ...]
    alias_attributes: tuple[str, ...]
    attributes: frozenset[str]
    admin_create_only: bool
    created: str


@dataclass(frozen=True)
class PoolUser:
    """A user as ``ListUsersInGroup`` lists it; ``email`` lower-cased."""

    username: str
    email: str
    status: str
    invited_by_gtprov: bool


@dataclass(frozen=True)
class DomainOwner:
    """Who holds a prefix domain in this account (``DescribeUserPoolDomain``)."""

    domain: str
    user_pool_id: str
    status: str


class CognitoIdp:
    """Pool, client, domain and group calls of one run."""

    def __init__(self, session: AwsSession) -> None:
        self._session = session

    @cached_property
    def _idp(self) -> Any:
        """Created on first use: building a client loads its service model."""
        return self._session.client("cognito-idp")

    @cached_property
    def _idp_once(self) -> Any:
        """One attempt per call: for the creates gtprov retries itself."""
        return self._session.client("cognito-idp", max_attempts=1)

    # -- readers -------------------------------------------------------

    def describe_user_pool(self, pool_id: str) -> UserPool | None:
        response = self._call(
            "DescribeUserPool",
            pool_id,
            self._idp.describe_user_pool,
            _NOT_FOUND,
            UserPoolId=pool_id,
        )
        return None if response is None else _user_pool(response["UserPool"])

    def find_user_pools(self, name: str) -> list[str]:
        """Ids of the pools called ``name`` (names are not unique in Cognito)."""
        pages = self._pages("list_user_pools", "ListUserPools", None, MaxResults=PAGE)
        pools = (p for page in pages for p in page.get("UserPools", []))
        return [p["Id"] for p in pools if p.get("Name") == name]

    def find_clients(self, pool_id: str, name: str) -> list[str]:
        """Ids of the app clients called ``name`` in the pool."""
        pages = self._pages(
            "list_user_pool_clients",
            "ListUserPoolClients",
            pool_id,
            UserPoolId=pool_id,
            MaxResults=PAGE,
        )
        clients = (c for page in pages for c in page.get("UserPoolClients", []))
        return sorted(c["ClientId"] for c in clients if c.get("ClientName") == name)

    def describe_client(self, pool_id: str, client_id: str) -> dict[str, Any] | None:
        """The app client's settings, without its secret."""
        response = self._call(
            "DescribeUserPoolClient",
            f"{pool_id}/{client_id}",
            self._idp.describe_user_pool_client,
            _NOT_FOUND,
            UserPoolId=pool_id,
            ClientId=client_id,
        )
        return None if response is None else _without_secret(response["UserPoolClient"])

    def describe_domain(self, prefix: str) -> DomainOwner | None:
        """The pool that holds ``prefix`` in this account, if any.

        Cognito answers an unknown domain with an empty ``DomainDescription``
        rather than an error (Terraform treats a missing Status as not found).
        A prefix held by another AWS account is not visible here; creating it
        fails with "Domain already associated with another user pool".
        """
        response = self._call(
            "DescribeUserPoolDomain",
            prefix,
            self._idp.describe_user_pool_domain,
            _NOT_FOUND,
            Domain=prefix,
        )
        desc = (response or {}).get("DomainDescription") or {}
        if not desc.get("UserPoolId"):
            return None
        return DomainOwner(prefix, desc["UserPoolId"], str(desc.get("Status", "")))

    def list_groups(self, pool_id: str) -> set[str]:
        pages = self._pages(
            "list_groups", "ListGroups", pool_id, UserPoolId=pool_id, Limit=PAGE
        )
        return {g["GroupName"] for page in pages for g in page.get("Groups", [])}

    def list_users_in_group(self, pool_id: str, group: str) -> list[PoolUser]:
        """Every member of ``group``; one call per 60 users."""
        pages = self._pages(
            "list_users_in_group",
            "ListUsersInGroup",
            f"{pool_id}/{group}",
            UserPoolId=pool_id,
            GroupName=group,
            Limit=PAGE,
        )
        return [_pool_user(u) for page in pages for u in page.get("Users", [])]

    # -- writers -------------------------------------------------------

    def create_user_pool(self, params: Mapping[str, Any]) -> str:
        """``CreateUserPool``; the id of the pool made (see ``_create_once``).

        After an answer that may hide a pool made anyway, the pool is the one
        of this name with gtprov's tag: gtprov plans a pool only when there
        is none, so one found now is the one it just made.
        """
        name = params["PoolName"]

        def create() -> str:
            return str(self._idp_once.create_user_pool(**params)["UserPool"]["Id"])

        return self._create_once("CreateUserPool", name, create, self._own_pool(name))

    def _own_pool(self, name: str) -> Callable[[], str | None]:
        def find() -> str | None:
            pools = (self.describe_user_pool(i) for i in self.find_user_pools(name))
            return next((p.id for p in pools if p and is_managed(p.tags)), None)

        return find

    def create_client(self, pool_id: str, name: str) -> str:
        """A confidential app client (``GenerateSecret``); returns its id only.

        No OAuth settings yet: Cognito rejects OAuth flows without callback
        URLs, and the callback URL is on the workforce's portal subdomain,
        which exists only after CreateWorkforce. After an answer that may
        hide a client made anyway, the client is the one of this name in the
        pool: gtprov plans a client only when the pool has none of that name.
        """

        def create() -> str:
            response = self._idp_once.create_user_pool_client(
                UserPoolId=pool_id, ClientName=name, GenerateSecret=True
            )
            return str(_without_secret(response["UserPoolClient"])["ClientId"])

        def find() -> str | None:
            return next(iter(self.find_clients(pool_id, name)), None)

        return self._create_once(
            "CreateUserPoolClient", f"{pool_id}/{name}", create, find
        )

    def _create_once(
        self,
        operation: str,
        resource: str,
        create: Callable[[], str],
        find: Callable[[], str | None],
    ) -> str:
        """``create()`` one attempt at a time; ``find()`` it after a lost answer.

        CreateUserPool and CreateUserPoolClient take no idempotency token and
        names are not unique, so botocore's retry of a request whose answer
        was lost (HTTP 5xx, a dropped connection, a timeout) would make a
        second pool or client. gtprov retries these itself instead, and
        before each new attempt looks for what the last one may have made.
        """
        backoff = Backoff()
        for attempt in range(1, backoff.attempts + 1):
            try:
                return create()
            except (ClientError, *_ANSWER_LOST) as exc:
                if attempt == backoff.attempts or not _retryable(exc):
                    _raise(exc, operation, resource)
                if _maybe_done(exc) and (made := find()) is not None:
                    return made
            time.sleep(backoff.delay(attempt - 1))
        raise AssertionError("unreachable: the last attempt raises")

    def update_client(self, settings: Mapping[str, Any]) -> None:
        """``UpdateUserPoolClient`` with the full settings (see ``full_update``)."""
        self._call(
            "UpdateUserPoolClient",
            f"{settings['UserPoolId']}/{settings['ClientId']}",
            self._idp.update_user_pool_client,
            **settings,
        )

    def update_fields(self) -> frozenset[str]:
        """What ``UpdateUserPoolClient`` accepts, from botocore's model."""
        model = self._idp.meta.service_model.operation_model("UpdateUserPoolClient")
        return frozenset(model.input_shape.members)

    def create_domain(self, pool_id: str, prefix: str) -> bool:
        """``CreateUserPoolDomain``; False when a domain is already there.

        Cognito answers InvalidParameterException both when the prefix is
        taken ("Domain already associated with another user pool") and when
        the pool already has a domain (a retried request whose first answer
        was lost); the caller checks who holds the prefix.
        """
        try:
            self._idp.create_user_pool_domain(UserPoolId=pool_id, Domain=prefix)
        except ClientError as exc:
            if _ALREADY.search(error_message(exc)):
                return False
            raise translate(exc, "CreateUserPoolDomain", prefix) from exc
        return True

    def create_group(self, pool_id: str, name: str, description: str) -> bool:
        """``CreateGroup``; False when the group already exists."""
        response = self._call(
            "CreateGroup",
            f"{pool_id}/{name}",
            self._idp.create_group,
            ALREADY_EXISTS,
            UserPoolId=pool_id,
            GroupName=name,
            Description=description,
        )
        return response is not None

    # -- plumbing ------------------------------------------------------

    def _call(
        self,
        operation: str,
        resource: str | None,
        method: Any,
        tolerate: frozenset[str] = frozenset(),
        **params: Any,
    ) -> dict[str, Any] | None:
        return call(operation, resource, method, tolerate, **params)

    def _pages(
        self, method: str, operation: str, resource: str | None, **params: Any
    ) -> list[Any]:
        return pages(self._idp, method, operation, resource, **params)


@dataclass(frozen=True)
class UserResult:
    """What one bulk user call did: ``outcome`` and, for a failure, why."""

    outcome: str
    username: str = ""
    reason: str = ""


INVITED, PRESENT, RESENT, NOT_RESENT, ADDED, REMOVED, DELETED, MISSING, FAILED = (
    "invited",
    "already present",
    "re-sent",
    "not re-sent (already signed in)",
    "added",
    "removed",
    "deleted",
    "not found",
    "failed",
)


class BulkUserCalls:
    """Per-user Cognito calls for bulk work: paced, retried, thread-safe.

    Each call first takes a token from its category's ``TokenBucket``, then
    retries TooManyRequestsException, InternalErrorException, HTTP 5xx and
    dropped connections with ``Backoff``; any other error is returned as a
    ``FAILED`` result, except the daily email cap (``LimitExceededException``)
    and AccessDenied, which raise so the caller stops at once.
    """

    def __init__(
        self,
        session: AwsSession,
        buckets: Mapping[str, TokenBucket],
        *,
        backoff: Backoff | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._idp = session.client("cognito-idp", max_attempts=1)
        self._buckets = buckets
        self._backoff = backoff or Backoff()
        self._sleep = sleep

    def invite(
        self,
        pool_id: str,
        username: str,
        email: str,
        extra: Iterable[tuple[str, str]] = (),
    ) -> UserResult:
        """``AdminCreateUser`` sending Cognito's invitation by email.

        ``DesiredDeliveryMediums=["EMAIL"]`` because the default is SMS; no
        ``MessageAction``, so Cognito sends the invitation with a generated
        temporary password. UsernameExistsException (a lost response, or a
        worker already in the pool) counts as present.
        """
        attributes = [("email", email), ("email_verified", "true"), *extra]
        try:
            response = self._admin_create_user(
                UserPoolId=pool_id,
                Username=username,
                UserAttributes=[{"Name": k, "Value": v} for k, v in attributes],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except ClientError as exc:
            return self._invite_failure(exc, username)
        return UserResult(INVITED, str(response["User"]["Username"]))

    def resend(self, pool_id: str, username: str) -> UserResult:
        """``AdminCreateUser`` with ``MessageAction=RESEND``: a new temporary
        password and invitation for a user still in FORCE_CHANGE_PASSWORD."""
        try:
            self._admin_create_user(
                UserPoolId=pool_id,
                Username=username,
                MessageAction="RESEND",
                DesiredDeliveryMediums=["EMAIL"],
            )
        except ClientError as exc:
            if error_code(exc) == "UnsupportedUserStateException":
                return UserResult(NOT_RESENT, username)
            return self._failure(exc, "AdminCreateUser", username)
        return UserResult(RESENT, username)

    def add_to_group(self, pool_id: str, username: str, group: str) -> UserResult:
        try:
            self._retrying(
                "AdminAddUserToGroup",
                self._idp.admin_add_user_to_group,
                UserPoolId=pool_id,
                Username=username,
                GroupName=group,
            )
        except ClientError as exc:
            return self._failure(exc, "AdminAddUserToGroup", username)
        return UserResult(ADDED, username)

    def remove_from_group(self, pool_id: str, username: str, group: str) -> UserResult:
        try:
            self._retrying(
                "AdminRemoveUserFromGroup",
                self._idp.admin_remove_user_from_group,
                UserPoolId=pool_id,
                Username=username,
                GroupName=group,
            )
        except ClientError as exc:
            return self._missing_or_failure(exc, "AdminRemoveUserFromGroup", username)
        return UserResult(REMOVED, username)

    def group_count(self, pool_id: str, username: str) -> int:
        """How many groups the user is in (one ``AdminListGroupsForUser`` page).

        Raises ``AwsCallError`` on failure: deciding to delete on a guess is
        worse than not deleting.
        """
        try:
            response = self._retrying(
                "AdminListGroupsForUser",
                self._idp.admin_list_groups_for_user,
                UserPoolId=pool_id,
                Username=username,
                Limit=1,
            )
        except ClientError as exc:
            raise translate(exc, "AdminListGroupsForUser", username) from exc
        return len(response.get("Groups", [])) + bool(response.get("NextToken"))

    def delete_user(self, pool_id: str, username: str) -> UserResult:
        try:
            self._retrying(
                "AdminDeleteUser",
                self._idp.admin_delete_user,
                UserPoolId=pool_id,
                Username=username,
            )
        except ClientError as exc:
            return self._missing_or_failure(exc, "AdminDeleteUser", username)
        return UserResult(DELETED, username)

    def _admin_create_user(self, **params: Any) -> dict[str, Any]:
        return self._retrying("AdminCreateUser", self._idp.admin_create_user, **params)

    def _invite_failure(self, exc: ClientError, username: str) -> UserResult:
        if error_code(exc) in ALREADY_EXISTS:
            return UserResult(PRESENT, username)
        return self._failure(exc, "AdminCreateUser", username)

    def _missing_or_failure(
        self, exc: ClientError, operation: str, username: str
    ) -> UserResult:
        if error_code(exc) in _USER_NOT_FOUND:
            return UserResult(MISSING, username)
        return self._failure(exc, operation, username)

    def _failure(self, exc: ClientError, operation: str, username: str) -> UserResult:
        """A per-user failure, unless it must stop the whole run."""
        error = translate(exc, operation, username)
        if error_code(exc) == "LimitExceededException":
            error.hint = EMAIL_LIMIT_HINT
            raise error from exc
        if error_code(exc) in ("AccessDeniedException", "NotAuthorizedException"):
            raise error from exc
        return UserResult(FAILED, username, f"{error.code}: {error.aws_message}")

    def _retrying(
        self, operation: str, method: Callable[..., dict[str, Any]], **params: Any
    ) -> dict[str, Any]:
        bucket = self._buckets[operation]
        for attempt in range(self._backoff.attempts):
            bucket.acquire()
            try:
                return method(**params)
            except (ClientError, *_BOTO_TRANSIENT) as exc:
                if attempt + 1 >= self._backoff.attempts or not _retryable(exc):
                    raise
            self._sleep(self._backoff.delay(attempt))
        raise AssertionError("unreachable: the last attempt re-raises")


def _maybe_done(exc: Exception) -> bool:
    """A 5xx or a transport error: the request may have been carried out."""
    if not isinstance(exc, ClientError):
        return True
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return int(status) >= 500


def _raise(exc: Exception, operation: str, resource: str) -> NoReturn:
    if isinstance(exc, ClientError):
        raise translate(exc, operation, resource) from exc
    raise exc


def _retryable(exc: Exception) -> bool:
    if not isinstance(exc, ClientError):
        return True  # a dropped connection or read timeout
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return error_code(exc) in _RETRYABLE or int(status) >= 500


def full_update(
    current: Mapping[str, Any], changes: Mapping[str, Any], accepted: Iterable[str]
) -> dict[str, Any]:
    """The complete ``UpdateUserPoolClient`` request: current settings + changes.

    ``UpdateUserPoolClient`` resets every field it is not sent to its
    default ("If you don't provide a value for an attribute, Amazon Cognito
    sets it to its default value"), so the request carries every field
    ``DescribeUserPoolClient`` returned that the update accepts. Fields a
    newer Cognito returns but this botocore does not know are dropped by
    botocore's parser and cannot be preserved.
    """
    keep = set(accepted)
    request = {k: v for k, v in current.items() if k in keep}
    request.update(changes)
    return request


def _without_secret(client: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in client.items() if k != "ClientSecret"}


def _user_pool(data: Mapping[str, Any]) -> UserPool:
    admin = data.get("AdminCreateUserConfig", {})
    return UserPool(
        id=data["Id"],
        name=data.get("Name", ""),
        arn=data.get("Arn", ""),
        tags=dict(data.get("UserPoolTags", {})),
        domain=data.get("Domain") or None,
        username_attributes=tuple(data.get("UsernameAttributes", [])),
        alias_attributes=tuple(data.get("AliasAttributes", [])),
        attributes=frozenset(a["Name"] for a in data.get("SchemaAttributes", [])),
        admin_create_only=bool(admin.get("AllowAdminCreateUserOnly", False)),
        created=str(data.get("CreationDate", "")),
    )


def _pool_user(data: Mapping[str, Any]) -> PoolUser:
    attributes = {a["Name"]: a.get("Value", "") for a in data.get("Attributes", [])}
    return PoolUser(
        username=data["Username"],
        email=attributes.get("email", "").lower(),
        status=data.get("UserStatus", ""),
        invited_by_gtprov=attributes.get(INVITED_BY_ATTRIBUTE) == INVITED_BY_VALUE,
    )
