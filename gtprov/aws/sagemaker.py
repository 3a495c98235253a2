"""A thin typed client over SageMaker's private workforce and work-team API.

Not-found is signalled oddly here: DescribeWorkforce and DescribeWorkteam
answer ``ValidationException`` whose message starts "No workforce" or
"The work team" (the classifiers Terraform's AWS provider uses), so those
two messages are matched; every other decision branches on error codes.

Ground Truth is closed to new customers ("Amazon SageMaker Ground Truth is no
longer open to new customers. Existing customers can continue to use the
service": https://docs.aws.amazon.com/sagemaker/latest/dg/sms.html). How
SageMaker refuses such an account is undocumented, so ``_refusal`` treats an
AccessDenied that names no IAM action, or a message that speaks of Ground
Truth availability, as that refusal (``GroundTruthUnavailableError``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from gtprov.aws.errors import ACCESS_DENIED, error_code, error_message, translate
from gtprov.aws.ratelimit import Clock, Sleep
from gtprov.errors import AwsCallError, GroundTruthUnavailableError, GtprovError
from gtprov.ownership import tags_to_list

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

ACTIVE, FAILED = "Active", "Failed"
WORKFORCE_TIMEOUT = 600.0
"""Seconds to wait for a workforce to become Active (Terraform waits 10 min)."""
WORKTEAM_RETRY_SECONDS = 60.0
"""How long CreateWorkteam is retried while a new Cognito group propagates
(Terraform retries its ValidationException for 2 minutes)."""

GROUND_TRUTH_CLOSED = (
    "SageMaker refused {operation}, which this account may not use: AWS has "
    "closed Amazon SageMaker Ground Truth to new customers; accounts that "
    "already use it keep it."
)
GROUND_TRUTH_HINT = (
    "Run gtprov in an account (and Region) that already uses Ground Truth, "
    "or ask AWS Support whether this account can. SageMaker said: {message}"
)
VALIDATION_HINT = (
    "If this account has never used Ground Truth, this may be AWS refusing "
    "it: Ground Truth is closed to new customers."
)
_NO_WORKFORCE = "No workforce"
_NO_WORKTEAM = "The work team"
_ONE_WORKFORCE = re.compile(r"more than one workforce", re.IGNORECASE)
_IAM_DENIAL = re.compile(r"not authorized to perform", re.IGNORECASE)
_AVAILABILITY = re.compile(
    r"ground ?truth|new customers|allow-?list|not (?:available|enabled) "
    r"(?:for|in|to) (?:this|your) account",
    re.IGNORECASE,
)
_CONSTRAINT = re.compile(r"failed to satisfy constraint", re.IGNORECASE)


@dataclass(frozen=True)
class WorkforceInfo:
    """A private workforce as ``ListWorkforces``/``DescribeWorkforce`` show it."""

    name: str
    arn: str
    status: str
    failure_reason: str
    subdomain: str
    user_pool: str | None
    client_id: str | None
    cidrs: tuple[str, ...]

    @property
    def portal_url(self) -> str:
        return f"https://{self.subdomain}" if self.subdomain else ""


@dataclass(frozen=True)
class CognitoMember:
    user_pool: str
    group: str
    client_id: str


@dataclass(frozen=True)
class WorkteamInfo:
    """A work team; ``members`` empty for OIDC teams."""

    name: str
    arn: str
    description: str
    members: tuple[CognitoMember, ...]
    topic_arn: str | None

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(m.group for m in self.members)


class SageMaker:
    """Workforce and work-team calls of one run; clock and sleep injectable."""

    def __init__(
        self,
        session: AwsSession,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self._session = session
        self._sleep = sleep
        self._clock = clock

    @cached_property
    def _sm(self) -> Any:
        """Created on first use: building a client loads its service model."""
        return self._session.client("sagemaker")

    # -- readers -------------------------------------------------------

    def list_workforces(self) -> list[WorkforceInfo]:
        """The Region's workforces (at most one): the Ground Truth preflight."""
        pages = self._pages("list_workforces", "ListWorkforces", MaxResults=100)
        return [_workforce(w) for page in pages for w in page.get("Workforces", [])]

    def describe_workforce(self, name: str) -> WorkforceInfo | None:
        try:
            response = self._sm.describe_workforce(WorkforceName=name)
        except ClientError as exc:
            if _is_missing(exc, _NO_WORKFORCE):
                return None
            raise translate(exc, "DescribeWorkforce", name) from exc
        return _workforce(response["Workforce"])

    def list_workteams(self) -> list[WorkteamInfo]:
        pages = self._pages("list_workteams", "ListWorkteams", MaxResults=100)
        return [_workteam(t) for page in pages for t in page.get("Workteams", [])]

    def describe_workteam(self, name: str) -> WorkteamInfo | None:
        try:
            response = self._sm.describe_workteam(WorkteamName=name)
        except ClientError as exc:
            if _is_missing(exc, _NO_WORKTEAM):
                return None
            raise translate(exc, "DescribeWorkteam", name) from exc
        return _workteam(response["Workteam"])

    # -- writers -------------------------------------------------------

    def create_workforce(
        self,
        name: str,
        *,
        user_pool: str,
        client_id: str,
        cidrs: Sequence[str],
        tags: Mapping[str, str],
    ) -> str | None:
        """``CreateWorkforce``; ``None`` when the Region already has one."""
        params: dict[str, Any] = {
            "WorkforceName": name,
            "CognitoConfig": {"UserPool": user_pool, "ClientId": client_id},
            "Tags": tags_to_list(tags),
        }
        if cidrs:
            params["SourceIpConfig"] = {"Cidrs": list(cidrs)}
        try:
            response = self._sm.create_workforce(**params)
        except ClientError as exc:
            if _ONE_WORKFORCE.search(error_message(exc)):
                return None
            raise _create_error(exc, "CreateWorkforce", name) from exc
        return str(response["WorkforceArn"])

    def update_cidrs(self, name: str, cidrs: Sequence[str]) -> None:
        """``UpdateWorkforce`` of ``SourceIpConfig`` only; ``[]`` lifts it."""
        try:
            self._sm.update_workforce(
                WorkforceName=name, SourceIpConfig={"Cidrs": list(cidrs)}
            )
        except ClientError as exc:
            raise translate(exc, "UpdateWorkforce", name) from exc

    def wait_until_active(
        self, name: str, timeout: float = WORKFORCE_TIMEOUT
    ) -> WorkforceInfo:
        """Poll ``DescribeWorkforce`` until Active; there is no boto3 waiter.

        Waits 1, 2, 4, 8, then 15 seconds between polls. ``Failed`` raises with
        SageMaker's ``FailureReason``; so does running out of ``timeout``.
        """
        deadline = self._clock() + timeout
        for attempt in range(10_000):
            workforce = self._describe_existing(name)
            if workforce.status == ACTIVE:
                return workforce
            _raise_if_failed(workforce)
            if self._clock() >= deadline:
                break
            self._sleep(min(15.0, 2.0**attempt))
        raise GtprovError(
            f"Workforce {name} is still {workforce.status} after {timeout:.0f} s",
            hint="Run the same command again; it waits for the workforce again.",
        )

    def create_workteam(self, params: Mapping[str, Any]) -> str | None:
        """``CreateWorkteam``; ``None`` when a team of that name exists.

        Retried for ``WORKTEAM_RETRY_SECONDS`` on ValidationException, which
        is what a Cognito group created moments ago can cause.
        """
        name = str(params["WorkteamName"])
        deadline = self._clock() + WORKTEAM_RETRY_SECONDS
        for attempt in range(10_000):
            try:
                return str(self._sm.create_workteam(**params)["WorkteamArn"])
            except ClientError as exc:
                if error_code(exc) == "ResourceInUse":
                    return None
                if not _propagating(exc) or self._clock() >= deadline:
                    raise _create_error(exc, "CreateWorkteam", name) from exc
            self._sleep(min(10.0, 2.0**attempt))
        raise AssertionError("unreachable: the deadline ends the loop")

    def update_workteam(self, name: str, changes: Mapping[str, Any]) -> None:
        """``UpdateWorkteam`` with only the fields to change."""
        try:
            self._sm.update_workteam(WorkteamName=name, **changes)
        except ClientError as exc:
            raise translate(exc, "UpdateWorkteam", name) from exc

    # -- plumbing ------------------------------------------------------

    def _describe_existing(self, name: str) -> WorkforceInfo:
        workforce = self.describe_workforce(name)
        if workforce is None:
            raise GtprovError(
                f"Workforce {name} disappeared while gtprov waited for it",
                hint="Someone deleted it; run the same command again.",
            )
        return workforce

    def _pages(self, method: str, operation: str, **params: Any) -> list[Any]:
        try:
            return list(self._sm.get_paginator(method).paginate(**params))
        except ClientError as exc:
            raise _refusal(exc, operation) or translate(exc, operation) from exc


def _is_missing(exc: ClientError, prefix: str) -> bool:
    return error_code(exc) == "ValidationException" and error_message(exc).startswith(
        prefix
    )


def _propagating(exc: ClientError) -> bool:
    message = error_message(exc)
    return (
        error_code(exc) == "ValidationException"
        and not _AVAILABILITY.search(message)
        and not _CONSTRAINT.search(message)
    )


def _refusal(exc: ClientError, operation: str) -> AwsCallError | None:
    """The Ground Truth refusal, if that is what ``exc`` looks like."""
    code, message = error_code(exc), error_message(exc)
    denied = code in ACCESS_DENIED and not _IAM_DENIAL.search(message)
    if not (denied or _AVAILABILITY.search(message)):
        return None
    error = GroundTruthUnavailableError(
        operation, code, message, hint=GROUND_TRUTH_HINT.format(message=message)
    )
    error.message = GROUND_TRUTH_CLOSED.format(operation=operation)
    return error


def _create_error(exc: ClientError, operation: str, name: str) -> AwsCallError:
    refused = _refusal(exc, operation)
    if refused is not None:
        return refused
    error = translate(exc, operation, name)
    if error.code == "ValidationException" and not error.hint:
        error.hint = VALIDATION_HINT
    return error


def _raise_if_failed(workforce: WorkforceInfo) -> None:
    if workforce.status == FAILED:
        raise GtprovError(
            f"Workforce {workforce.name} failed: "
            f"{workforce.failure_reason or 'SageMaker gave no reason'}",
            hint="Fix the cause SageMaker names, delete the workforce "
            f"(aws sagemaker delete-workforce --workforce-name {workforce.name}) "
            "and run the same command again.",
        )


def _workforce(data: Mapping[str, Any]) -> WorkforceInfo:
    cognito = data.get("CognitoConfig") or {}
    return WorkforceInfo(
        name=data["WorkforceName"],
        arn=data["WorkforceArn"],
        status=str(data.get("Status", ACTIVE)),
        failure_reason=str(data.get("FailureReason", "")),
        subdomain=str(data.get("SubDomain", "")),
        user_pool=cognito.get("UserPool"),
        client_id=cognito.get("ClientId"),
        cidrs=tuple((data.get("SourceIpConfig") or {}).get("Cidrs", [])),
    )


def _workteam(data: Mapping[str, Any]) -> WorkteamInfo:
    members = (m.get("CognitoMemberDefinition") for m in data["MemberDefinitions"])
    topic = (data.get("NotificationConfiguration") or {}).get("NotificationTopicArn")
    return WorkteamInfo(
        name=data["WorkteamName"],
        arn=data["WorkteamArn"],
        description=str(data.get("Description", "")),
        members=tuple(_member(m) for m in members if m),
        topic_arn=topic or None,
    )


def _member(data: Mapping[str, Any]) -> CognitoMember:
    return CognitoMember(data["UserPool"], data["UserGroup"], data["ClientId"])
