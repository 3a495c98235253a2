"""What an AWS request names, and how AWS words an error in each wire protocol.

Pure: no moto, no sockets. The emulation server uses it to log calls, to
route SageMaker workforce calls to the fake, and to answer injected faults
in the shape botocore expects from the real service:

- JSON protocol (``X-Amz-Target``: SageMaker, Cognito, KMS): HTTP 4xx/5xx
  with ``{"__type": code, "message": ...}``.
- Query protocol (form body with ``Action=``: IAM, STS, SNS): an XML
  ``<ErrorResponse><Error><Code>`` document.
- REST-XML (S3): an XML ``<Error><Code>`` document; the operation is logged
  as ``METHOD /path``.

The service is the SigV4 signing name from the Authorization header's
credential scope, ``Credential=AKID/20260101/us-east-1/sagemaker/aws4_request``,
which is also the IAM action prefix for every service gtprov uses.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from gtprov.aws.calls import is_write

JSON, QUERY, REST = "json", "query", "rest"
_SCOPE = re.compile(
    r"Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request"
)
_ATTEMPT = re.compile(r"attempt=(\d+)")
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_REGION = "us-east-1"


class HeaderMap(Mapping[str, str]):
    """HTTP headers as a plain ``Mapping``: names look up case-insensitively
    and iterate as received (moto's signature check wants both)."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = {name.lower(): (name, value) for name, value in items}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class AwsCall:
    """One HTTP request to the emulated AWS endpoint, as the log records it.

    ``invocation_id`` is botocore's ``amz-sdk-invocation-id`` header, the same
    on every retry of one API call, so faults can count logical calls;
    requests without it count as calls of their own.
    """

    service: str
    region: str
    protocol: str
    operation: str
    method: str
    path: str
    access_key: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    invocation_id: str = ""
    attempt: int = 1

    @property
    def is_write(self) -> bool:
        if self.protocol == REST:
            return self.method not in _READ_METHODS
        return is_write(self.operation)

    @property
    def key(self) -> str:
        """``service:Operation``, as the fault rules and gtprov's CallLog name it."""
        return f"{self.service}:{self.operation}"


def classify(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> AwsCall:
    scope = _SCOPE.search(headers.get("Authorization", ""))
    protocol, operation, params = _operation(method, path, query, headers, body)
    return AwsCall(
        service=scope["service"].lower() if scope else "",
        region=scope["region"] if scope else DEFAULT_REGION,
        protocol=protocol,
        operation=operation,
        method=method,
        path=path,
        access_key=scope["key"] if scope else "",
        params=params,
        invocation_id=headers.get("amz-sdk-invocation-id") or str(uuid.uuid4()),
        attempt=_attempt(headers.get("amz-sdk-request", "")),
    )


def _operation(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> tuple[str, str, dict[str, Any]]:
    target = headers.get("X-Amz-Target")
    if target:
        return JSON, target.rsplit(".", 1)[-1], _json_params(body)
    form = _form_params(query, headers, body)
    if "Action" in form:
        return QUERY, form["Action"], form
    return REST, f"{method} {path}", {}


def _json_params(body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return {}
    return params if isinstance(params, dict) else {}


def _form_params(query: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    text = query
    content_type = headers.get("Content-Type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        text = f"{query}&{body.decode('utf-8', 'replace')}"
    return {k: v[0] for k, v in parse_qs(text).items()}


def _attempt(header: str) -> int:
    match = _ATTEMPT.search(header)
    return int(match.group(1)) if match else 1


# -- error replies ---------------------------------------------------------


@dataclass(frozen=True)
class ErrorReply:
    status: int
    content_type: str
    body: bytes
    request_id: str


def error_reply(call: AwsCall, code: str, message: str, status: int) -> ErrorReply:
    """An error in the shape of ``call``'s protocol."""
    request_id = str(uuid.uuid4())
    if call.protocol == JSON:
        body = json.dumps({"__type": code, "message": message}).encode()
        return ErrorReply(status, "application/x-amz-json-1.1", body, request_id)
    if call.protocol == QUERY:
        return ErrorReply(
            status,
            "text/xml",
            _query_xml(code, message, status, request_id),
            request_id,
        )
    return ErrorReply(
        status, "application/xml", _rest_xml(code, message, request_id), request_id
    )


def _query_xml(code: str, message: str, status: int, request_id: str) -> bytes:
    kind = "Receiver" if status >= 500 else "Sender"
    return (
        "<ErrorResponse><Error>"
        f"<Type>{kind}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def _rest_xml(code: str, message: str, request_id: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()


# -- the errors AWS answers for throttling, denial and failure ---------------

_THROTTLE = {
    "s3": ("SlowDown", 503, "Please reduce your request rate."),
    "cognito-idp": ("TooManyRequestsException", 400, "Too many requests"),
}
_DENIED = {
    "s3": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
}
_FAILURE = {
    "s3": ("InternalError", "We encountered an internal error. Please try again."),
    "iam": (
        "ServiceFailure",
        "The request processing has failed because of an unknown error.",
    ),
}
_FAILURE_DEFAULT = (
    "InternalFailure",
    "The request processing has failed because of an unknown error, exception "
    "or failure.",
)


def throttle_error(call: AwsCall) -> tuple[str, str, int]:
    """``(code, message, status)`` of a throttled call.

    Query services (IAM, STS, SNS) say ``Throttling``; JSON services
    ``ThrottlingException``, except Cognito's ``TooManyRequestsException``;
    S3 ``SlowDown`` with HTTP 503. All are retried by botocore.
    """
    if call.service in _THROTTLE:
        code, status, message = _THROTTLE[call.service]
        return code, message, status
    code = "ThrottlingException" if call.protocol == JSON else "Throttling"
    return code, "Rate exceeded", 400


def denied_error(call: AwsCall, account_id: str) -> tuple[str, str, int]:
    """``(code, message, status)`` of a call the caller may not make.

    The message follows IAM's wording so gtprov can read the missing action
    out of it; S3 answers only "Access Denied", as the real one does.
    """
    code, status = _DENIED.get(
        call.service,
        ("AccessDeniedException", 400)
        if call.protocol == JSON
        else ("AccessDenied", 403),
    )
    if call.service == "s3":
        return code, "Access Denied", status
    return code, denied_message(call, account_id), status


def denied_message(call: AwsCall, account_id: str) -> str:
    action = f"{call.service}:{call.operation}"
    return (
        f"User: arn:aws:iam::{account_id}:user/gtprov-sandbox is not authorized "
        f"to perform: {action} on resource: {_resource_hint(call, account_id)} "
        f"because no identity-based policy allows the {action} action"
    )


def _resource_hint(call: AwsCall, account_id: str) -> str:
    for key in ("ResourceArn", "TopicArn", "KeyId", "PolicyArn"):
        value = call.params.get(key)
        if isinstance(value, str) and value.startswith("arn:"):
            return value
    role = call.params.get("RoleName")
    if call.service == "iam" and isinstance(role, str):
        return f"arn:aws:iam::{account_id}:role/{role}"
    return "*"


def failure_error(call: AwsCall) -> tuple[str, str, int]:
    """``(code, message, 500)`` of a server-side failure, retried by botocore."""
    code, message = _FAILURE.get(call.service, _FAILURE_DEFAULT)
    return code, message, 500
