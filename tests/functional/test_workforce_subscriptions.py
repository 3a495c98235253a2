"""Workers' email subscriptions to their team's SNS topic, against the emulation.

Through the API SageMaker subscribes nobody, so gtprov does, once per
address (moto confirms email subscriptions at once; AWS lists them as
``PendingConfirmation`` until the worker follows the link, which counts too).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
import pytest

from gtprov.emulation.control import EmulatorControl
from tests.functional.test_setup_workforce import (
    ACCOUNT,
    REGION,
    gtprov,
    gtprov_json,
    operations,
)

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:gt-tasks"
SETUP = (
    "setup-workforce",
    "--team",
    "labelers",
    "--worker",
    "ann@example.com",
    "--worker",
    "Bob@Example.com",
    "--create-topic",
    "gt-tasks",
)


def sns() -> Any:
    return boto3.client("sns", region_name=REGION)


def subscribers(arn: str = TOPIC) -> list[tuple[str, str]]:
    pages = sns().get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
    return sorted(
        (s["Protocol"], s["Endpoint"]) for p in pages for s in p["Subscriptions"]
    )


def test_setup_with_a_new_topic_subscribes_each_worker_once(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    code, envelope = gtprov_json(capsys, *SETUP)
    assert code == 0
    assert operations(aws_env)["ListSubscriptionsByTopic"] == 0  # a new topic
    writes = [c["operation"] for c in aws_env.writes()]
    assert writes.count("Subscribe") == 2
    assert writes.index("AdminAddUserToGroup") < writes.index("Subscribe")
    assert subscribers() == [("email", "ann@example.com"), ("email", "bob@example.com")]
    assert envelope["resources"]["topic_subscriptions"] == {
        "labelers": "2 subscribed, each must confirm by email"
    }
    aws_env.clear_calls()
    code, envelope = gtprov_json(capsys, *SETUP)
    assert code == 0
    assert aws_env.writes() == []
    assert operations(aws_env)["ListSubscriptionsByTopic"] == 1
    assert envelope["resources"]["topic_subscriptions"] == {
        "labelers": "2 already subscribed"
    }


def test_a_pending_or_differently_cased_subscription_counts(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, "setup-workforce", "--team", "labelers", "--create-topic",
                  "gt-tasks")[0] == 0  # fmt: skip
    sns().subscribe(TopicArn=TOPIC, Protocol="email", Endpoint="ANN@example.com")
    aws_env.clear_calls()
    assert gtprov(capsys, *SETUP, "--dry-run")[0] == 0
    assert gtprov(capsys, *SETUP)[0] == 0
    assert operations(aws_env, writes=True)["Subscribe"] == 1
    assert ("email", "bob@example.com") in subscribers()
    assert len(subscribers()) == 2


def test_add_workers_subscribes_only_the_new_worker(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP)[0] == 0
    aws_env.clear_calls()
    args = ("add-workers", "--team", "labelers", "ann@example.com", "carl@example.com")
    assert gtprov(capsys, *args)[0] == 0
    assert operations(aws_env, writes=True) == Counter(
        {"AdminCreateUser": 1, "AdminAddUserToGroup": 1, "Subscribe": 1}
    )
    assert operations(aws_env) == Counter(
        {
            "DescribeWorkteam": 1,
            "DescribeUserPool": 1,
            "ListUsersInGroup": 1,
            "ListSubscriptionsByTopic": 1,
            "AdminCreateUser": 1,
            "AdminAddUserToGroup": 1,
            "Subscribe": 1,
        }
    )
    aws_env.clear_calls()
    assert ("email", "carl@example.com") in subscribers()
    assert len(subscribers()) == 3
    aws_env.clear_calls()
    assert gtprov(capsys, *args)[0] == 0
    assert aws_env.writes() == []


def test_remove_workers_leaves_the_subscription(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gtprov(capsys, *SETUP)[0] == 0
    args = ("remove-workers", "--team", "labelers", "bob@example.com")
    assert gtprov(capsys, *args)[0] == 0
    assert ("email", "bob@example.com") in subscribers()


def test_a_team_without_a_topic_plans_no_subscription(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("setup-workforce", "--team", "labelers", "--worker", "ann@example.com")
    code, envelope = gtprov_json(capsys, *args, "--dry-run")
    assert code == 0
    assert not [c for c in envelope["plan"] if c["kind"] == "sns-subscriptions"]
    assert gtprov(capsys, *args)[0] == 0
    aws_env.clear_calls()
    code, envelope = gtprov_json(capsys, "add-workers", "--team", "labelers",
                                 "bob@example.com", "--dry-run")  # fmt: skip
    assert code == 0
    assert not [c for c in envelope["plan"] if c["kind"] == "sns-subscriptions"]
    assert "ListSubscriptionsByTopic" not in operations(aws_env)
    assert "topic_subscriptions" not in envelope.get("resources", {})


def test_a_topic_in_another_account_is_left_alone(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    other = f"arn:aws:sns:{REGION}:210987654321:their-topic"
    args = ("setup-workforce", "--team", "labelers", "--worker", "ann@example.com")
    assert gtprov(capsys, *args)[0] == 0
    boto3.client("sagemaker", region_name=REGION).update_workteam(
        WorkteamName="labelers",
        NotificationConfiguration={"NotificationTopicArn": other},
    )
    aws_env.clear_calls()
    code, _, err = gtprov(capsys, "add-workers", "--team", "labelers", "b@example.com")
    assert code == 0
    assert "another account or Region" in err
    assert "Subscribe" not in operations(aws_env)
    assert "ListSubscriptionsByTopic" not in operations(aws_env)
    assert "DescribeWorkteam" in operations(aws_env)
