"""What an AWS request is, and how AWS answers it when throttled.

Pure: reads header and body bytes, builds response bytes; no sockets.

- The service is the SigV4 credential scope's service in ``Authorization``
  (``Credential=AKID/20240101/us-east-1/cognito-idp/aws4_request``).
- The operation is ``X-Amz-Target``'s last part for the JSON protocols
  (``AWSCognitoIdentityProviderService.AdminCreateUser``), or ``Action=`` in
  the form body (or query string) for the query protocol (IAM, STS, SNS).
- REST services (S3, Lambda) are named by method and first path segment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/]+/([^/]+)/aws4_request")

# The code each service answers a throttled call with; botocore's standard
# and adaptive retry modes treat all three as throttling and back off.
THROTTLE_CODES = {
    "cognito-idp": "TooManyRequestsException",
    "cognito-identity": "TooManyRequestsException",
    "kms": "ThrottlingException",
    "sagemaker": "ThrottlingException",
    "iam": "Throttling",
    "sts": "Throttling",
    "sns": "Throttling",
}

_QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
}

MESSAGE = "Rate exceeded"


@dataclass(frozen=True)
class Call:
    """One request as AWS meters it."""

    service: str
    operation: str
    protocol: str  # "json", "query" or "rest"

    @property
    def key(self) -> str:
        return f"{self.service}:{self.operation}"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def classify(method: str, target: str, headers: Mapping[str, str], body: bytes) -> Call:
    """The service and operation of a request; ``headers`` keys lower-case."""
    service = service_of(headers.get("authorization", ""))
    amz_target = headers.get("x-amz-target")
    if amz_target:
        return Call(service, amz_target.rsplit(".", 1)[-1], "json")
    action = _query_action(target, headers, body)
    if action:
        return Call(service, action, "query")
    return Call(service, _rest_name(method, target), "rest")


def service_of(authorization: str) -> str:
    match = _SCOPE.search(authorization)
    return match.group(1) if match else "unknown"


def _query_action(target: str, headers: Mapping[str, str], body: bytes) -> str:
    form = headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    text = body.decode("utf-8", "replace") if form else urlsplit(target).query
    values = parse_qs(text).get("Action")
    return values[0] if values else ""


def _rest_name(method: str, target: str) -> str:
    first = urlsplit(target).path.strip("/").split("/", 1)[0]
    return f"{method} /{first}" if first else f"{method} /"


def throttle_answer(call: Call, request_id: str) -> Answer:
    """The response AWS gives ``call`` when its rate is exceeded."""
    if call.protocol == "query":
        return _query_throttle(call, request_id)
    if call.protocol == "rest" and call.service == "s3":
        return _s3_slow_down(request_id)
    status = 429 if call.protocol == "rest" else 400
    code = THROTTLE_CODES.get(call.service, "ThrottlingException")
    return _json_error(status, code, request_id)


def _json_error(status: int, code: str, request_id: str) -> Answer:
    body = json.dumps({"__type": code, "message": MESSAGE}).encode()
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "x-amzn-RequestId": request_id,
        "x-amzn-ErrorType": code,
    }
    return Answer(status, headers, body)


def _query_throttle(call: Call, request_id: str) -> Answer:
    code = THROTTLE_CODES.get(call.service, "Throttling")
    namespace = _QUERY_NAMESPACES.get(call.service, "")
    xmlns = f' xmlns="{escape(namespace)}"' if namespace else ""
    body = (
        f"<ErrorResponse{xmlns}><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{MESSAGE}</Message></Error>"
        f"<RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
    )
    headers = {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}
    return Answer(400, headers, body.encode())


def _s3_slow_down(request_id: str) -> Answer:
    body = (
        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
        f"</Message><RequestId>{escape(request_id)}</RequestId></Error>"
    )
    headers = {"Content-Type": "application/xml", "x-amz-request-id": request_id}
    return Answer(503, headers, body.encode())
