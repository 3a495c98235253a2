"""Plan the email subscriptions of a work team's workers to its SNS topic.

SageMaker publishes a team's "new task" messages to the team's topic, but
only the console subscribes the workers; through the API each address must
be subscribed (``sns:Subscribe``, protocol ``email``) and each worker must
confirm from the email SNS sends
(https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-management-private-sns.html).

Reads ``ListSubscriptionsByTopic`` once per topic (100 a page), nothing for
a topic this plan creates. One change per team, like the workers: the
addresses not yet subscribed, compared case-insensitively; a subscription
still pending confirmation counts. Never unsubscribes anyone. Only topics
in the run's account and Region: SageMaker publishes only to those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gtprov.plan.model import Action, Change, Plan

if TYPE_CHECKING:
    from gtprov.aws.sns import Sns

SUBSCRIBE_HANDLER = "sns.subscribe_workers"
DIFF_LINES = 20


@dataclass
class Subscribers:
    """Each topic's email subscribers (lower-cased), read at most once."""

    sns: Sns
    by_topic: dict[str, set[str] | None] = field(default_factory=dict)

    def of(self, arn: str, *, exists: bool = True) -> set[str] | None:
        """``None`` when the topic no longer exists."""
        if arn not in self.by_topic:
            self.by_topic[arn] = self.sns.email_subscribers(arn) if exists else set()
        return self.by_topic[arn]


def foreign(arn: str, account: str, region: str) -> bool:
    """Whether ``arn`` names a topic outside the run's account and Region."""
    parts = arn.split(":")
    return len(parts) < 6 or parts[3] != region or parts[4] != account


def plan_team_subscriptions(
    subscribers: Subscribers,
    team: str,
    topic_arn: str,
    emails: Sequence[str],
    *,
    account: str,
    region: str,
    new_topic: bool = False,
) -> Plan:
    """The change that subscribes ``emails`` to the team's topic, or a
    warning when gtprov leaves the topic alone."""
    if foreign(topic_arn, account, region):
        return Plan(
            warnings=(_skip(team, topic_arn, "is in another account or Region"),)
        )
    subscribed = subscribers.of(topic_arn, exists=not new_topic)
    if subscribed is None:
        return Plan(warnings=(_skip(team, topic_arn, "does not exist"),))
    return Plan((subscription_change(team, topic_arn, emails, subscribed),))


def _skip(team: str, arn: str, why: str) -> str:
    return f"topic {arn} of team {team} {why}; its workers are not subscribed"


def subscription_change(
    team: str, topic_arn: str, emails: Sequence[str], subscribed: set[str]
) -> Change:
    """Subscribe the addresses missing from ``subscribed`` (which it then
    holds, so a later team on the same topic does not plan them again)."""
    missing = list(dict.fromkeys(e for e in emails if e.lower() not in subscribed))
    present = len({e.lower() for e in emails}) - len(missing)
    subscribed.update(e.lower() for e in missing)
    parts = [
        f"subscribe {len(missing)} (each must confirm by email)" if missing else "",
        f"{present} already subscribed" if present else "",
    ]
    return Change(
        Action.CREATE if missing else Action.NOOP,
        "sns-subscriptions",
        f"team {team}",
        SUBSCRIBE_HANDLER,
        {"topic_arn": topic_arn, "emails": missing, "team": team, "present": present},
        id=f"subscriptions:{team}",
        reason=", ".join(p for p in parts if p) or "no workers given",
        diff=_listing(missing),
    )


def _listing(emails: Sequence[str]) -> str:
    lines = [f"+ {e}" for e in emails[:DIFF_LINES]]
    if len(emails) > DIFF_LINES:
        lines.append(f"... and {len(emails) - DIFF_LINES} more")
    return "\n".join(lines)
