"""The SageMaker client: polling for Active, refusals, CreateWorkteam retries."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from gtprov.aws.sagemaker import SageMaker
from gtprov.errors import (
    AccessDeniedError,
    AwsCallError,
    GroundTruthUnavailableError,
    GtprovError,
)


def error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


def described(status: str, reason: str = "") -> dict[str, Any]:
    workforce = {
        "WorkforceName": "default",
        "WorkforceArn": "arn:aws:sagemaker:us-east-1:123456789012:workforce/default",
        "Status": status,
        "SubDomain": "abc.labeling.us-east-1.sagemaker.aws",
    }
    if reason:
        workforce["FailureReason"] = reason
    return {"Workforce": workforce}


class FakeSageMaker:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def _next(self, name: str) -> Any:
        self.calls.append(name)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def describe_workforce(self, **_: Any) -> Any:
        return self._next("DescribeWorkforce")

    def create_workteam(self, **_: Any) -> Any:
        return self._next("CreateWorkteam")

    def create_workforce(self, **_: Any) -> Any:
        return self._next("CreateWorkforce")


class FakeSession:
    def __init__(self, sm: FakeSageMaker) -> None:
        self.sm = sm

    def client(self, service: str, **_: Any) -> FakeSageMaker:
        return self.sm


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client(answers: list[Any]) -> tuple[SageMaker, FakeSageMaker, Clock]:
    fake, clock = FakeSageMaker(answers), Clock()
    sm = SageMaker(FakeSession(fake), sleep=clock.sleep, clock=clock)  # type: ignore[arg-type]  # a fake session
    return sm, fake, clock


def test_wait_polls_with_growing_pauses_until_active() -> None:
    sm, fake, clock = client(
        [described("Initializing")] * 3 + [described("Updating"), described("Active")]
    )
    assert sm.wait_until_active("default").status == "Active"
    assert clock.slept == [1.0, 2.0, 4.0, 8.0]
    assert fake.calls == ["DescribeWorkforce"] * 5


def test_wait_reports_sagemakers_failure_reason() -> None:
    sm, _, _ = client([described("Failed", "Cognito user pool has no domain")])
    with pytest.raises(GtprovError) as caught:
        sm.wait_until_active("default")
    assert "Cognito user pool has no domain" in caught.value.message
    assert caught.value.hint
    assert "delete-workforce" in caught.value.hint


def test_wait_gives_up_after_its_timeout() -> None:
    sm, _, clock = client([described("Initializing")] * 100)
    with pytest.raises(GtprovError) as caught:
        sm.wait_until_active("default", timeout=60)
    assert "still Initializing" in caught.value.message
    assert clock.now >= 60


def test_missing_workforce_is_none_not_an_error() -> None:
    sm, _, _ = client([error("ValidationException", "No workforce found with name x")])
    assert sm.describe_workforce("x") is None


def test_create_workteam_rides_out_a_group_that_is_still_propagating() -> None:
    not_yet = error("ValidationException", "User group labelers does not exist.")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/t"
    sm, fake, clock = client([not_yet, not_yet, {"WorkteamArn": arn}])
    assert sm.create_workteam({"WorkteamName": "t"}) == arn
    assert fake.calls == ["CreateWorkteam"] * 3
    assert clock.slept == [1.0, 2.0]


def test_create_workteam_stops_retrying_after_a_minute() -> None:
    not_yet = error("ValidationException", "User group labelers does not exist.")
    sm, _, clock = client([not_yet] * 100)
    with pytest.raises(AwsCallError) as caught:
        sm.create_workteam({"WorkteamName": "t"})
    assert caught.value.code == "ValidationException"
    assert 60 <= clock.now < 80


def test_an_existing_team_is_none() -> None:
    sm, _, _ = client([error("ResourceInUse", "Workteam exists")])
    assert sm.create_workteam({"WorkteamName": "t"}) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDeniedException", "Your account is not allowed to use this feature"),
        ("ValidationException", "Ground Truth is no longer available to new customers"),
    ],
)
def test_a_refused_account_hears_that_ground_truth_is_closed(
    code: str, message: str
) -> None:
    sm, _, _ = client([error(code, message)])
    with pytest.raises(GroundTruthUnavailableError) as caught:
        sm.create_workforce("default", user_pool="p", client_id="c", cidrs=[], tags={})
    assert (
        "closed Amazon SageMaker Ground Truth to new customers" in caught.value.message
    )
    assert caught.value.hint
    assert message in caught.value.hint


def test_a_missing_iam_permission_is_not_mistaken_for_the_closure() -> None:
    denied = error(
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/x is not authorized to perform: "
        "sagemaker:CreateWorkforce",
    )
    sm, _, _ = client([denied])
    with pytest.raises(AccessDeniedError) as caught:
        sm.create_workforce("default", user_pool="p", client_id="c", cidrs=[], tags={})
    assert not isinstance(caught.value, GroundTruthUnavailableError)
    assert caught.value.hint
    assert "sagemaker:CreateWorkforce" in caught.value.hint


def test_a_second_workforce_is_none() -> None:
    sm, _, _ = client(
        [error("ValidationException", "Cannot create more than one workforce for ...")]
    )
    assert (
        sm.create_workforce("default", user_pool="p", client_id="c", cidrs=[], tags={})
        is None
    )
