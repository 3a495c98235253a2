"""BulkUserCalls and the invite handler against a scripted fake Cognito."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gtprov.aws.cognito import (
    EMAIL_LIMIT_HINT,
    FAILED,
    INVITED,
    NOT_RESENT,
    PRESENT,
    BulkUserCalls,
)
from gtprov.aws.ratelimit import Backoff, TokenBucket
from gtprov.errors import AccessDeniedError, AwsCallError
from gtprov.execute.executor import ExecContext
from gtprov.execute.workers import invite_workers

Script = Callable[[dict[str, Any]], dict[str, Any]]


def error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code} happened"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "AdminCreateUser",
    )


class FakeIdp:
    """Records every call; ``script`` decides each AdminCreateUser answer."""

    def __init__(self, script: Script | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.script = script or (lambda p: {"User": {"Username": "uuid-1"}})
        self._lock = threading.Lock()

    def _record(self, name: str, params: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append((name, params))

    def admin_create_user(self, **params: Any) -> dict[str, Any]:
        self._record("AdminCreateUser", params)
        return self.script(params)

    def admin_add_user_to_group(self, **params: Any) -> dict[str, Any]:
        self._record("AdminAddUserToGroup", params)
        return {}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


class FakeSession:
    def __init__(self, idp: FakeIdp) -> None:
        self.idp = idp
        self.asked: list[tuple[str, int | None]] = []

    def client(self, service: str, *, max_attempts: int | None = None) -> FakeIdp:
        self.asked.append((service, max_attempts))
        return self.idp


class Sleeps:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def calls_with(
    idp: FakeIdp, sleep: Sleeps | None = None
) -> tuple[BulkUserCalls, FakeSession]:
    session = FakeSession(idp)
    no_wait = TokenBucket(1e9, burst=1e9)
    buckets = {"AdminCreateUser": no_wait, "AdminAddUserToGroup": no_wait}
    bulk = BulkUserCalls(
        session,  # type: ignore[arg-type]  # the fake has the one method used
        buckets,
        backoff=Backoff(base=0.1, cap=1.0, attempts=4, rand=lambda: 1.0),
        sleep=sleep or Sleeps(),
    )
    return bulk, session


def test_bulk_calls_use_a_client_without_botocore_retries() -> None:
    _, session = calls_with(FakeIdp())
    assert session.asked == [("cognito-idp", 1)]


def test_invite_sends_cognitos_invitation_by_email() -> None:
    idp = FakeIdp()
    bulk, _ = calls_with(idp)
    result = bulk.invite("pool", "ann@example.com", "ann@example.com")
    assert (result.outcome, result.username) == (INVITED, "uuid-1")
    (_name, params), *_ = idp.calls
    assert params["DesiredDeliveryMediums"] == ["EMAIL"]
    assert "MessageAction" not in params
    assert "TemporaryPassword" not in params
    assert {"Name": "email_verified", "Value": "true"} in params["UserAttributes"]


def test_too_many_requests_is_retried_with_backoff() -> None:
    answers = iter([error("TooManyRequestsException"), error("InternalError", 503)])

    def script(params: dict[str, Any]) -> dict[str, Any]:
        answer = next(answers, None)
        if answer is not None:
            raise answer
        return {"User": {"Username": "uuid-1"}}

    idp, sleeps = FakeIdp(script), Sleeps()
    bulk, _ = calls_with(idp, sleeps)
    assert bulk.invite("pool", "a@example.com", "a@example.com").outcome == INVITED
    assert idp.names() == ["AdminCreateUser"] * 3
    assert sleeps.seconds == pytest.approx([0.1, 0.2])


def test_daily_email_cap_fails_fast_with_the_ses_advice() -> None:
    def script(params: dict[str, Any]) -> dict[str, Any]:
        raise error("LimitExceededException")

    idp, sleeps = FakeIdp(script), Sleeps()
    bulk, _ = calls_with(idp, sleeps)
    with pytest.raises(AwsCallError) as caught:
        bulk.invite("pool", "a@example.com", "a@example.com")
    assert caught.value.code == "LimitExceededException"
    assert caught.value.hint == EMAIL_LIMIT_HINT
    assert "SES" in EMAIL_LIMIT_HINT
    assert idp.names() == ["AdminCreateUser"]
    assert sleeps.seconds == []


def test_an_existing_user_counts_as_present() -> None:
    def script(params: dict[str, Any]) -> dict[str, Any]:
        raise error("UsernameExistsException")

    bulk, _ = calls_with(FakeIdp(script))
    result = bulk.invite("pool", "a@example.com", "a@example.com")
    assert (result.outcome, result.username) == (PRESENT, "a@example.com")


def test_resend_to_a_user_who_signed_in_is_not_a_failure() -> None:
    def script(params: dict[str, Any]) -> dict[str, Any]:
        assert params["MessageAction"] == "RESEND"
        raise error("UnsupportedUserStateException")

    bulk, _ = calls_with(FakeIdp(script))
    assert bulk.resend("pool", "a@example.com").outcome == NOT_RESENT


def test_a_bad_address_fails_that_worker_only() -> None:
    def script(params: dict[str, Any]) -> dict[str, Any]:
        raise error("InvalidParameterException")

    bulk, _ = calls_with(FakeIdp(script))
    result = bulk.invite("pool", "a@example.com", "a@example.com")
    assert result.outcome == FAILED
    assert result.reason.startswith("InvalidParameterException")


def test_access_denied_stops_the_run() -> None:
    def script(params: dict[str, Any]) -> dict[str, Any]:
        raise error("AccessDeniedException")

    bulk, _ = calls_with(FakeIdp(script))
    with pytest.raises(AccessDeniedError):
        bulk.invite("pool", "a@example.com", "a@example.com")


def test_the_invite_handler_stops_other_workers_at_the_email_cap() -> None:
    def script(params: dict[str, Any]) -> dict[str, Any]:
        raise error("LimitExceededException")

    idp = FakeIdp(script)
    emails = [f"w{i:03d}@example.com" for i in range(200)]
    params = {
        "user_pool_id": "pool",
        "group": "g",
        "team": "t",
        "invite": [[e, e] for e in emails],
        "add": [],
        "resend": [],
        "mark_invited": True,
        "rates": {"user_creation": 1e9, "user_update": 1e9},
    }
    ctx = ExecContext(aws=FakeSession(idp))
    with pytest.raises(AwsCallError) as caught:
        invite_workers(ctx, params)
    assert caught.value.hint == EMAIL_LIMIT_HINT
    assert len(idp.calls) < len(emails) // 4


def test_the_invite_handler_summarises_outcomes() -> None:
    def script(params: dict[str, Any]) -> dict[str, Any]:
        if params["Username"] == "bad@example.com":
            raise error("InvalidParameterException")
        if params["Username"] == "old@example.com":
            raise error("UsernameExistsException")
        return {"User": {"Username": "uuid-" + params["Username"]}}

    idp = FakeIdp(script)
    invite = [[e, e] for e in ("a@example.com", "bad@example.com", "old@example.com")]
    params = {
        "user_pool_id": "pool",
        "group": "g",
        "team": "t",
        "invite": invite,
        "add": [],
        "resend": [],
        "mark_invited": False,
        "rates": {"user_creation": 1e9, "user_update": 1e9},
        "present": 2,
    }
    outputs = invite_workers(ExecContext(aws=FakeSession(idp)), params)
    assert outputs is not None
    assert outputs["counts"] == {"already present": 3, "failed": 1, "invited": 1}
    assert outputs["added"] == 2
    assert outputs["failed"] == [
        "bad@example.com: InvalidParameterException: InvalidParameterException happened"
    ]
