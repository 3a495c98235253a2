"""Write handler for workers' email subscriptions to a work team's topic.

``Subscribe`` per address, one after another: SNS answers a repeated
Subscribe of the same topic, protocol and endpoint with the existing
subscription rather than a second one, so a retry after a lost response,
or a re-run after an interruption, creates no duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gtprov.aws.sns import Sns
from gtprov.execute.executor import ExecContext, Outputs, handler


@handler("sns.subscribe_workers")
def subscribe_workers(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """Subscribe each address (protocol ``email``); SNS mails each one a
    confirmation link, and notifications start once the worker follows it."""
    sns = Sns(ctx.aws)
    topic = params["topic_arn"]
    for email in params["emails"]:
        sns.subscribe_email(topic, email)
    return {"subscribed": len(params["emails"])}
