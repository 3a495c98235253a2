"""KMS key policies: the statement that lets an execution role use a key.

Pure: no AWS calls. Ground Truth's KMS page asks for the role in the **key
policy** (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey);
that works whether or not the key policy delegates to IAM.
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-security-kms-permissions.html

gtprov edits key policies read-modify-write: it adds or removes only its own
statements (Sid prefix ``ownership.KEY_POLICY_SID_PREFIX``) and leaves every
other statement exactly as it found it.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from gtprov.ownership import KEY_POLICY_SID_PREFIX
from gtprov.policy.document import Document, Statement, document, statement

KEY_USE_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)
ROOT_SID = "Enable IAM User Permissions"
"""The Sid of KMS's default key policy statement (key policy Sids may hold
spaces, IAM policy Sids may not)."""
KEY_POLICY_MAX_BYTES = 32768
"""KMS: a key policy document is at most 32 KB (bytes, not IAM characters)."""

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_ROOT_ARN = re.compile(r"arn:[a-z-]+:iam::(\d{12}):root")


def gtprov_sid(role_name: str) -> str:
    """The Sid of the statement gtprov adds for ``role_name``.

    ``gtprovRole`` + the name's letters and digits + 8 hex digits of a hash
    of the name, so that names differing only in punctuation (``gt-a`` and
    ``gt.a``) still get different Sids. Letters and digits only: valid in
    IAM and key policies alike. Role names are unique case-blind, so the
    hash is of the lower-cased name.
    """
    digest = hashlib.sha256(role_name.lower().encode()).hexdigest()[:8]
    return f"{KEY_POLICY_SID_PREFIX}Role{_NOT_ALNUM.sub('', role_name)}{digest}"


def key_policy_statement(role_arn: str, sid: str) -> Statement:
    """Let ``role_arn`` use the key; ``Resource`` is ``*`` (the key itself)."""
    principal = {"AWS": role_arn}
    return statement(sid, KEY_USE_ACTIONS, ["*"], principal=principal)


def role_statement(role_arn: str) -> Statement:
    """``key_policy_statement`` under the role's ``gtprov_sid``."""
    return key_policy_statement(role_arn, gtprov_sid(role_arn.rsplit("/", 1)[-1]))


def root_statement(account_id: str, partition: str) -> Statement:
    """KMS's default statement: IAM policies of the account may grant the key."""
    root = f"arn:{partition}:iam::{account_id}:root"
    return statement(ROOT_SID, ["kms:*"], ["*"], principal={"AWS": root})


def new_key_policy(
    account_id: str, partition: str, role_arns: Iterable[str]
) -> Document:
    """The policy of a key gtprov creates: delegation to IAM plus the roles."""
    roles = [role_statement(arn) for arn in sorted(set(role_arns))]
    return document([root_statement(account_id, partition), *roles])


def delegates_to_iam(
    key_policy: Mapping[str, Any], account_id: str | None = None
) -> bool:
    """True when a statement allows ``kms:*`` on ``*`` to the account root.

    Then IAM policies (the execution role's ``KmsKeyUse``) also take effect.
    Only an unconditioned Allow counts.
    """
    return any(_is_root_delegation(s, account_id) for s in statements_of(key_policy))


def _is_root_delegation(stmt: Mapping[str, Any], account_id: str | None) -> bool:
    if stmt.get("Effect") != "Allow" or "Condition" in stmt:
        return False
    actions = {a.lower() for a in _as_list(stmt.get("Action"))}
    resources = set(_as_list(stmt.get("Resource")))
    principal = stmt.get("Principal")
    aws = _as_list(principal.get("AWS")) if isinstance(principal, Mapping) else []
    roots = {_root_account(p) for p in aws} - {None}
    account_ok = bool(roots) if account_id is None else account_id in roots
    return bool(actions & {"kms:*", "*"}) and "*" in resources and account_ok


def _root_account(principal: str) -> str | None:
    if re.fullmatch(r"\d{12}", principal):
        return principal
    match = _ROOT_ARN.fullmatch(principal)
    return match.group(1) if match else None


def statements_of(policy: Mapping[str, Any]) -> list[Statement]:
    """A policy's statements as a list (a lone statement object is allowed)."""
    found = policy.get("Statement", [])
    return [dict(found)] if isinstance(found, Mapping) else list(found)


def gtprov_statements(policy: Mapping[str, Any]) -> list[Statement]:
    """The statements gtprov owns: Sids starting with its prefix."""
    return [
        s
        for s in statements_of(policy)
        if str(s.get("Sid", "")).startswith(KEY_POLICY_SID_PREFIX)
    ]


def with_statement(policy: Mapping[str, Any], stmt: Statement) -> Document:
    """``policy`` with ``stmt`` in place of its Sid's statement, else appended."""
    out = copy.deepcopy(dict(policy))
    statements = statements_of(out)
    sids = [s.get("Sid") for s in statements]
    if stmt["Sid"] in sids:
        statements[sids.index(stmt["Sid"])] = copy.deepcopy(stmt)
    else:
        statements.append(copy.deepcopy(stmt))
    out["Statement"] = statements
    return out


def without_statement(policy: Mapping[str, Any], sid: str) -> Document:
    """``policy`` without the statement(s) whose Sid is ``sid``."""
    out = copy.deepcopy(dict(policy))
    out["Statement"] = [s for s in statements_of(out) if s.get("Sid") != sid]
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
