"""Secrets never leave gtprov: scrub them from anything logged or printed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SECRET_KEYS = frozenset(
    {
        "ClientSecret",
        "TemporaryPassword",
        "Password",
        "ProposedPassword",
        "PreviousPassword",
        "SecretAccessKey",
        "SessionToken",
        "AccessKeyId",
        "aws_secret_access_key",
        "aws_session_token",
        "SecretHash",
        "Session",
        "AccessToken",
        "RefreshToken",
        "IdToken",
    }
)
MASK = "***"


def redact(value: Any) -> Any:
    """Copy ``value`` with every secret-named key's value masked."""
    if isinstance(value, Mapping):
        return {k: (MASK if k in SECRET_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value
