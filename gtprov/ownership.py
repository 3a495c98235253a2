"""How gtprov records, on the resources themselves, what it made.

Every resource gtprov creates carries ``gtprov:managed-by = gtprov``. Where
a resource cannot carry tags (a statement inside a KMS key policy, an inline
role policy, a Cognito group) the mark is its name or Sid prefix, and the
parent resource is tagged. Any machine can therefore plan, repair or destroy
what gtprov made, and nothing else. Pure module: no AWS calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TAG_KEY = "gtprov:managed-by"
TAG_VALUE = "gtprov"
COMPONENT_TAG = "gtprov:component"
"""What the resource is to gtprov: execution-role, kms-key, workforce-pool..."""

INLINE_POLICY_PREFIX = "gtprov-"
"""Inline role policies gtprov writes are named ``gtprov-<purpose>``."""

KEY_POLICY_SID_PREFIX = "gtprov"
"""Key-policy statements gtprov adds have Sids starting with this."""


def ownership_tags(component: str) -> dict[str, str]:
    return {TAG_KEY: TAG_VALUE, COMPONENT_TAG: component}


def is_managed(tags: Mapping[str, str]) -> bool:
    return tags.get(TAG_KEY) == TAG_VALUE


def tags_from_list(items: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """IAM/KMS/SageMaker tag lists (Key/Value or TagKey/TagValue) to a dict."""
    out: dict[str, str] = {}
    for item in items:
        key = item.get("Key", item.get("TagKey", ""))
        out[key] = item.get("Value", item.get("TagValue", ""))
    return out


def tags_to_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
