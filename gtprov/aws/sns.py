"""A thin typed client over the Amazon SNS calls work-team notifications need.

SageMaker publishes "new task" and "task expiring" messages for a work team
to the team's topic, which must let ``sagemaker.amazonaws.com`` publish:
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-management-private-sns.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from gtprov.aws.errors import NOT_FOUND, aws_call, error_code, translate
from gtprov.ownership import tags_from_list, tags_to_list
from gtprov.policy.document import dumps, parse

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

Document = dict[str, Any]


@dataclass(frozen=True)
class Topic:
    """A topic's access policy and tags."""

    arn: str
    policy: Document
    tags: Mapping[str, str]


class Sns:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    def get_topic(self, arn: str, *, with_tags: bool) -> Topic | None:
        """``GetTopicAttributes`` (and ``ListTagsForResource`` if asked)."""
        try:
            attributes = self._sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        except ClientError as exc:
            if error_code(exc) in NOT_FOUND:
                return None
            raise translate(exc, "GetTopicAttributes", arn) from exc
        tags = self.topic_tags(arn) if with_tags else {}
        return Topic(arn, parse(attributes.get("Policy") or "{}"), tags)

    @cached_property
    def _sns(self) -> Any:
        """Created on first use: building a client loads its service model."""
        return self._session.client("sns")

    def topic_tags(self, arn: str) -> dict[str, str]:
        with aws_call("ListTagsForResource", arn):
            response = self._sns.list_tags_for_resource(ResourceArn=arn)
        return tags_from_list(response.get("Tags", []))

    def create_topic(self, name: str, policy: Document, tags: Mapping[str, str]) -> str:
        """``CreateTopic`` with its policy and tags in one call.

        SNS answers an existing topic of the same name with its ARN, so a
        lost response is harmless; the caller re-puts the policy anyway.
        """
        with aws_call("CreateTopic", name):
            response = self._sns.create_topic(
                Name=name,
                Attributes={"Policy": dumps(policy)},
                Tags=tags_to_list(tags),
            )
        return str(response["TopicArn"])

    def set_policy(self, arn: str, policy: Document) -> None:
        with aws_call("SetTopicAttributes", arn):
            self._sns.set_topic_attributes(
                TopicArn=arn, AttributeName="Policy", AttributeValue=dumps(policy)
            )

    def email_subscribers(self, arn: str) -> set[str] | None:
        """Lower-cased endpoints of the topic's ``email`` subscriptions.

        ``ListSubscriptionsByTopic``, 100 a page. A subscription still
        waiting for its confirmation is listed with SubscriptionArn
        ``PendingConfirmation`` and counts: subscribing again would only
        send a second confirmation email. ``None`` if the topic is gone.
        """
        pages = self._sns.get_paginator("list_subscriptions_by_topic")
        try:
            return {
                str(s["Endpoint"]).lower()
                for page in pages.paginate(TopicArn=arn)
                for s in page.get("Subscriptions", [])
                if s.get("Protocol") == "email" and s.get("Endpoint")
            }
        except ClientError as exc:
            if error_code(exc) in NOT_FOUND:
                return None
            raise translate(exc, "ListSubscriptionsByTopic", arn) from exc

    def subscribe_email(self, arn: str, email: str) -> str:
        """``Subscribe`` (protocol ``email``); SNS then mails a confirmation.

        SNS answers a second Subscribe of the same endpoint with the same
        subscription instead of a new one, so a retry after a lost response
        makes no duplicate. Returns the ARN, or "pending confirmation".
        """
        with aws_call("Subscribe", arn):
            response = self._sns.subscribe(
                TopicArn=arn, Protocol="email", Endpoint=email
            )
        return str(response.get("SubscriptionArn", ""))
