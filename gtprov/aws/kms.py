"""A thin typed client over KMS: describe, key policies, create, alias, rotation.

Readers return dataclasses, or ``None`` when KMS answers ``NotFoundException``.
Writers translate a ``ClientError`` once into gtprov's error tree. Key
policies have exactly one name, ``default``.
https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gtprov.arn import Arn
from gtprov.aws.errors import ALREADY_EXISTS, NOT_FOUND, call
from gtprov.ownership import tags_from_list
from gtprov.policy.document import parse

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

Document = dict[str, Any]
POLICY_NAME = "default"
MALFORMED_POLICY = "MalformedPolicyDocumentException"
"""What KMS answers when a key policy names a principal it cannot see yet."""


@dataclass(frozen=True)
class KmsKey:
    """What ``DescribeKey`` says about a key, enough to judge and grant it."""

    arn: str
    key_id: str
    account: str
    region: str
    state: str
    spec: str
    usage: str
    manager: str

    @property
    def customer_managed(self) -> bool:
        return self.manager == "CUSTOMER"


class KmsClient:
    """KMS calls in the session's region; every call is logged."""

    def __init__(self, session: AwsSession, *, max_attempts: int | None = None):
        self._kms = session.client("kms", max_attempts=max_attempts)

    def describe_key(self, key: str) -> KmsKey | None:
        """Accepts a key id, key ARN, alias name or alias ARN."""
        response = self._call(
            "DescribeKey", key, self._kms.describe_key, NOT_FOUND, KeyId=key
        )
        return None if response is None else _key(response["KeyMetadata"])

    def get_key_policy(self, key_arn: str) -> Document | None:
        """The key policy; ``None`` when the key does not exist (any more)."""
        response = self._call(
            "GetKeyPolicy",
            key_arn,
            self._kms.get_key_policy,
            NOT_FOUND,
            KeyId=key_arn,
            PolicyName=POLICY_NAME,
        )
        return None if response is None else parse(response["Policy"])

    def list_resource_tags(self, key_arn: str) -> dict[str, str] | None:
        """The key's tags; ``None`` when the key does not exist.

        One page: a key holds at most 50 tags, ListResourceTags' page size.
        """
        response = self._call(
            "ListResourceTags",
            key_arn,
            self._kms.list_resource_tags,
            NOT_FOUND,
            KeyId=key_arn,
            Limit=50,
        )
        return None if response is None else tags_from_list(response.get("Tags", []))

    def schedule_key_deletion(self, key_id: str) -> None:
        """Schedule deletion after KMS's shortest waiting period, 7 days."""
        self._call(
            "ScheduleKeyDeletion",
            key_id,
            self._kms.schedule_key_deletion,
            KeyId=key_id,
            PendingWindowInDays=7,
        )

    def get_key_rotation_status(self, key_arn: str) -> bool:
        response = self._call(
            "GetKeyRotationStatus",
            key_arn,
            self._kms.get_key_rotation_status,
            KeyId=key_arn,
        )
        return bool(response and response["KeyRotationEnabled"])

    def put_key_policy(self, key_arn: str, policy: Document) -> None:
        """Raises ``AwsCallError`` with code ``MalformedPolicyDocumentException``
        when a principal is not visible to KMS yet."""
        self._call(
            "PutKeyPolicy",
            key_arn,
            self._kms.put_key_policy,
            KeyId=key_arn,
            PolicyName=POLICY_NAME,
            Policy=json.dumps(policy),
        )

    def create_key(
        self, *, policy: Document, description: str, tags: Mapping[str, str]
    ) -> KmsKey:
        """A symmetric encryption key (``SYMMETRIC_DEFAULT``, ``ENCRYPT_DECRYPT``)."""
        response = self._call(
            "CreateKey",
            description,
            self._kms.create_key,
            Policy=json.dumps(policy),
            Description=description,
            KeySpec="SYMMETRIC_DEFAULT",
            KeyUsage="ENCRYPT_DECRYPT",
            Tags=[{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())],
        )
        assert response is not None  # nothing tolerated above
        return _key(response["KeyMetadata"])

    def create_alias(self, alias: str, key_arn: str) -> bool:
        """``False`` when the alias already exists (on whichever key)."""
        response = self._call(
            "CreateAlias",
            alias,
            self._kms.create_alias,
            ALREADY_EXISTS,
            AliasName=alias,
            TargetKeyId=key_arn,
        )
        return response is not None

    def enable_key_rotation(self, key_arn: str) -> None:
        self._call(
            "EnableKeyRotation", key_arn, self._kms.enable_key_rotation, KeyId=key_arn
        )

    def _call(
        self,
        operation: str,
        resource: str | None,
        method: Any,
        tolerate: frozenset[str] = frozenset(),
        **params: Any,
    ) -> dict[str, Any] | None:
        return call(operation, resource, method, tolerate, **params)


def _key(meta: Mapping[str, Any]) -> KmsKey:
    arn = Arn.parse(meta["Arn"])
    return KmsKey(
        arn=meta["Arn"],
        key_id=meta["KeyId"],
        account=arn.account,
        region=arn.region,
        state=meta.get("KeyState", ""),
        spec=meta.get("KeySpec", meta.get("CustomerMasterKeySpec", "")),
        # KMS always returns KeyUsage; moto leaves it out for keys created
        # without one, whose usage is CreateKey's default, ENCRYPT_DECRYPT.
        usage=meta.get("KeyUsage", "ENCRYPT_DECRYPT"),
        manager=meta.get("KeyManager", "CUSTOMER"),
    )
