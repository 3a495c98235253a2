"""Turn botocore's ClientError into gtprov's errors, once, at the client seam.

Branch on AWS error codes, never on prose, except where AWS signals a state
only in the message (noted where it happens).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

from gtprov.errors import AccessDeniedError, AwsCallError, GtprovError, InputError

ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",  # SNS's answer to a missing permission
    }
)
NOT_FOUND = frozenset(
    {
        "NoSuchEntity",
        "NoSuchEntityException",
        "NotFoundException",
        "ResourceNotFoundException",
        "ResourceNotFound",
        "UserNotFoundException",
        "NotFound",
        "NoSuchBucket",
    }
)
ALREADY_EXISTS = frozenset(
    {
        "EntityAlreadyExists",
        "EntityAlreadyExistsException",
        "AlreadyExistsException",
        "ResourceInUse",
        "UsernameExistsException",
        "GroupExistsException",
    }
)
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
PROVISIONER_HINT = (
    "Grant the caller the missing action; `gtprov policy provisioner` prints "
    "everything gtprov needs."
)
_ACTION_RE = re.compile(r"perform: ([a-z0-9-]+:[A-Za-z0-9]+)")


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def translate(
    exc: ClientError, operation: str, resource: str | None = None
) -> AwsCallError:
    """The gtprov error for a failed call, with a hint where one helps."""
    code = error_code(exc)
    meta = exc.response.get("ResponseMetadata", {})
    kwargs: dict[str, Any] = {
        "resource": resource,
        "request_id": meta.get("RequestId"),
    }
    if code in ACCESS_DENIED:
        return AccessDeniedError(
            operation, code, error_message(exc), hint=_denied_hint(exc), **kwargs
        )
    return AwsCallError(operation, code, error_message(exc), **kwargs)


def _denied_hint(exc: ClientError) -> str:
    match = _ACTION_RE.search(error_message(exc))
    action = match.group(1) if match else None
    if action:
        return f"The caller may not call {action}. {PROVISIONER_HINT}"
    return PROVISIONER_HINT


@contextmanager
def aws_call(operation: str, resource: str | None = None) -> Iterator[None]:
    """Translate any ClientError raised inside into an ``AwsCallError``."""
    try:
        yield
    except ClientError as exc:
        raise translate(exc, operation, resource) from exc


def call(
    operation: str,
    resource: str | None,
    method: Any,
    tolerate: frozenset[str] = frozenset(),
    **params: Any,
) -> dict[str, Any] | None:
    """Call a boto3 client ``method``; ``None`` for an error code in ``tolerate``.

    Every other ``ClientError`` becomes gtprov's error for ``operation``.
    """
    try:
        return method(**params)  # type: ignore[no-any-return]  # boto3 dict
    except ClientError as exc:
        if error_code(exc) in tolerate:
            return None
        raise translate(exc, operation, resource) from exc


def pages(
    client: Any, method: str, operation: str, resource: str | None, **params: Any
) -> list[Any]:
    """Every page of a paginated call, errors translated."""
    with aws_call(operation, resource):
        return list(client.get_paginator(method).paginate(**params))


def from_botocore(exc: BaseException) -> GtprovError | None:
    """gtprov's error for a botocore failure that is not a ``ClientError``
    (no credentials, no Region, an unknown profile, an endpoint that does
    not answer); ``None`` for anything else."""
    if isinstance(exc, NoRegionError):
        return InputError(
            "--region", "no region configured; pass --region or set AWS_REGION"
        )
    if isinstance(exc, ProfileNotFound):
        return InputError("--profile", f"no such profile: {exc.kwargs.get('profile')}")
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return GtprovError(f"AWS credentials: {exc}", hint=_CREDENTIALS_HINT)
    if isinstance(
        exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError
    ):
        return GtprovError(f"AWS did not answer: {exc}", hint=_ENDPOINT_HINT)
    if isinstance(exc, BotoCoreError):
        return GtprovError(f"AWS SDK: {exc}")
    return None


_CREDENTIALS_HINT = (
    "Configure credentials as for the AWS CLI: --profile, AWS_PROFILE, "
    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an SSO or instance role."
)
_ENDPOINT_HINT = (
    "Check the network and AWS_ENDPOINT_URL (for the local emulation: "
    "gtprov sandbox --background, then the environment it prints); "
    "running the command again converges."
)
