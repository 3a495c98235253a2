"""The benchmark proxy's quotas and throttling answers (benchmarks/).

Pure: requests are built and signed by real botocore clients, and answered
inside botocore's ``before-send`` event, so nothing touches a socket and
nothing waits. That botocore raises the right code and classes it as
throttling is the contract the bulk-invite benchmark relies on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

from benchmarks.proxy import Meter, Stats
from benchmarks.quota import Quota, Quotas, TokenBucket, parse_quota
from benchmarks.wire import Answer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _ok(method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
    return Answer(200, {"Content-Type": "application/x-amz-json-1.1"}, b"{}")


def _meter(quotas: dict[str, Quota], clock: FakeClock | None = None) -> Meter:
    clock = clock or FakeClock()
    return Meter(
        send=_ok,
        quotas=Quotas(quotas, clock),
        latency_s=0.05,
        stats=Stats(clock),
        sleep=lambda _: None,
    )


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _body(request: AWSPreparedRequest) -> bytes:
    body = request.body or b""
    if isinstance(body, str):
        return body.encode()
    assert isinstance(body, bytes | bytearray), "botocore sent a stream"
    return bytes(body)


def _client(service: str, meter: Meter) -> Any:
    """A botocore client whose requests the meter answers, without a socket."""
    client = botocore.session.get_session().create_client(
        service,
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )

    def answer(request: AWSPreparedRequest, **_: Any) -> Any:
        headers = {k: _text(v) for k, v in request.headers.items()}
        reply = meter.forward(request.method, request.url, headers, _body(request))[1]
        raw = HTTPHeaders.from_dict(reply.headers)
        return AWSResponse(request.url, reply.status, raw, _Raw(reply.body))

    client.meta.events.register("before-send", answer)
    return client


def test_bucket_refuses_once_burst_is_spent_and_refills_at_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(rate=2, burst=2), clock)
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now += 0.5
    assert [bucket.take() for _ in range(2)] == [True, False]


def test_bucket_never_holds_more_than_its_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Quota(rate=10, burst=3), clock)
    clock.now += 60
    assert sum(bucket.take() for _ in range(10)) == 3


def test_quota_burst_defaults_to_rate() -> None:
    assert parse_quota("cognito-idp:AdminCreateUser=50") == (
        "cognito-idp:AdminCreateUser",
        Quota(rate=50, burst=50),
    )
    assert parse_quota("iam:CreateRole=5/1")[1] == Quota(rate=5, burst=1)


@pytest.mark.parametrize("text", ["AdminCreateUser=50", "cognito-idp:X", "a:B=0"])
def test_quota_rejects_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match="quota"):
        parse_quota(text)


def test_refill_restores_every_bucket() -> None:
    quotas = Quotas({"kms:CreateKey": Quota(1, 1)}, FakeClock())
    assert [quotas.admit("kms:CreateKey") for _ in range(2)] == [True, False]
    quotas.refill()
    assert quotas.admit("kms:CreateKey")
    assert quotas.admit("kms:ListKeys")


@pytest.mark.parametrize(
    ("service", "operation", "params", "code"),
    [
        ("cognito-idp", "AdminCreateUser", {"UserPoolId": "p", "Username": "u"},
         "TooManyRequestsException"),
        ("iam", "CreateRole", {"RoleName": "r", "AssumeRolePolicyDocument": "{}"},
         "Throttling"),
        ("sts", "GetCallerIdentity", {}, "Throttling"),
        ("sns", "CreateTopic", {"Name": "t"}, "Throttling"),
        ("kms", "CreateKey", {}, "ThrottlingException"),
        ("sagemaker", "ListWorkteams", {}, "ThrottlingException"),
    ],
)  # fmt: skip
def test_throttled_call_raises_the_code_botocore_retries_as_throttling(
    service: str, operation: str, params: dict[str, Any], code: str
) -> None:
    meter = _meter({f"{service}:{operation}": Quota(rate=1, burst=1)})
    assert meter.quotas.admit(f"{service}:{operation}")
    client = _client(service, meter)
    with pytest.raises(ClientError) as caught:
        getattr(client, botocore.xform_name(operation))(**params)
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    context = RetryContext(attempt_number=1, parsed_response=caught.value.response)
    assert ThrottledRetryableChecker().is_retryable(context)


def test_cognito_throttle_is_the_modeled_exception() -> None:
    meter = _meter({"cognito-idp:AdminCreateUser": Quota(rate=1, burst=1)})
    client = _client("cognito-idp", meter)
    client.admin_create_user(UserPoolId="p", Username="a")
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.admin_create_user(UserPoolId="p", Username="b")


def test_stats_count_requests_and_throttles_per_operation() -> None:
    meter = _meter({"cognito-idp:AdminAddUserToGroup": Quota(rate=1, burst=1)})
    client = _client("cognito-idp", meter)
    for name in ("a", "b", "c"):
        params = {"UserPoolId": "p", "Username": name, "GroupName": "g"}
        with contextlib.suppress(client.exceptions.TooManyRequestsException):
            client.admin_add_user_to_group(**params)
    ops = meter.report()["operations"]
    assert ops["cognito-idp:AdminAddUserToGroup"]["requests"] == 3
    assert ops["cognito-idp:AdminAddUserToGroup"]["throttled"] == 2


def test_every_request_waits_the_added_latency() -> None:
    waits: list[float] = []
    meter = _meter({})
    meter.sleep = waits.append
    _client("kms", meter).list_keys()
    assert waits == [0.05]


def test_unmetered_operation_is_forwarded() -> None:
    meter = _meter({"kms:CreateKey": Quota(rate=1, burst=1)})
    client = _client("kms", meter)
    for _ in range(5):
        client.list_keys()
    assert meter.report()["operations"]["kms:ListKeys"] == {
        "requests": 5,
        "throttled": 0,
        "first_s": 0.0,
        "last_s": 0.0,
        "per_second": [5],
    }


def test_admitted_calls_are_binned_by_second_of_arrival() -> None:
    clock = FakeClock()
    meter = _meter({"kms:ListKeys": Quota(rate=1, burst=2)}, clock)
    client = _client("kms", meter)
    client.list_keys()
    client.list_keys()
    with pytest.raises(ClientError):
        client.list_keys()
    clock.now += 2.5
    client.list_keys()
    op = meter.report()["operations"]["kms:ListKeys"]
    assert (op["per_second"], op["throttled"]) == ([2, 0, 1], 1)
