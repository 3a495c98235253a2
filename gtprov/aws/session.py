"""One boto3 session per command run, its clients, and their retry policy.

Standard AWS configuration applies unchanged: the credential chain,
AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL (and its per-service forms),
AWS_RETRY_MODE and AWS_MAX_ATTEMPTS. gtprov only supplies defaults that
botocore would otherwise leave weaker: standard retries with more attempts.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
import botocore.config
import botocore.session

from gtprov import __version__
from gtprov.aws.calls import CallLog
from gtprov.errors import InputError
from gtprov.redact import redact

log = logging.getLogger("gtprov.aws")

DEFAULT_MAX_ATTEMPTS = 8
MAX_POOL_CONNECTIONS = 32


@dataclass(frozen=True)
class AwsOptions:
    profile: str | None = None
    region: str | None = None


class AwsSession:
    """Creates and caches clients; records every call in ``call_log``."""

    def __init__(self, options: AwsOptions, call_log: CallLog | None = None):
        self.options = options
        self.call_log = call_log or CallLog()
        self._clients: dict[tuple[str, int | None], Any] = {}

    @cached_property
    def boto(self) -> boto3.session.Session:
        return boto3.session.Session(
            profile_name=self.options.profile, region_name=self._region_option()
        )

    def _region_option(self) -> str | None:
        """--region, else AWS_REGION, else botocore's own chain.

        The AWS CLI and most SDKs read AWS_REGION before AWS_DEFAULT_REGION;
        botocore reads only the latter, so gtprov passes AWS_REGION itself.
        """
        return self.options.region or os.environ.get("AWS_REGION") or None

    @property
    def region(self) -> str:
        region = self.boto.region_name
        if not region:
            raise InputError(
                "--region", "no region configured; pass --region or set AWS_REGION"
            )
        return region

    @cached_property
    def partition(self) -> str:
        bsession = botocore.session.get_session()
        return str(bsession.get_partition_for_region(self.region))

    @cached_property
    def account_id(self) -> str:
        identity = self.client("sts").get_caller_identity()
        return str(identity["Account"])

    @cached_property
    def caller_arn(self) -> str:
        return str(self.client("sts").get_caller_identity()["Arn"])

    def client(self, service: str, *, max_attempts: int | None = None) -> Any:
        """A cached client. ``max_attempts=1`` for callers that retry themselves."""
        key = (service, max_attempts)
        if key not in self._clients:
            self._clients[key] = self._make_client(service, max_attempts)
        return self._clients[key]

    def _make_client(self, service: str, max_attempts: int | None) -> Any:
        client = self.boto.client(
            service,  # type: ignore[call-overload]
            region_name=self.region,
            config=_config(max_attempts),
        )
        client.meta.events.register("before-parameter-build", self._log_call)
        client.meta.events.register("before-call", self._count_call)
        return client

    def _count_call(self, model: Any, **_: Any) -> None:
        self.call_log.record(model.service_model.endpoint_prefix, model.name)

    def _log_call(self, params: Any, model: Any, **_: Any) -> None:
        """-v: the call; -vv: its API parameters, secrets masked.

        Logged from the parameters the caller passed, never from the
        serialised request body, where a secret could not be masked.
        """
        service = model.service_model.endpoint_prefix
        if log.isEnabledFor(logging.DEBUG):
            log.debug("AWS %s:%s %s", service, model.name, redact(params))
        else:
            log.info("AWS %s:%s", service, model.name)


def _config(max_attempts: int | None) -> botocore.config.Config:
    retries: dict[str, Any] = {}
    if "AWS_RETRY_MODE" not in os.environ:
        retries["mode"] = "standard"
    if max_attempts is not None:
        retries["total_max_attempts"] = max_attempts
    elif "AWS_MAX_ATTEMPTS" not in os.environ:
        retries["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
    return botocore.config.Config(
        retries=retries,  # type: ignore[arg-type]
        user_agent_extra=f"gtprov/{__version__}",
        connect_timeout=10,
        read_timeout=60,
        # Bulk invitations run on several threads through one client; the
        # pool must not be what limits them (botocore's default is 10).
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )
