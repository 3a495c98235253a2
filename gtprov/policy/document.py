"""IAM policy documents as plain data: build, print, measure, compare, split.

Pure: no AWS calls. Documents are ``dict`` objects ready for ``json.dumps``;
builders here emit keys in one order (Sid, Effect, Principal, Action,
Resource, Condition) and sorted values, so the same inputs always print the
same text.

Equality is semantic (``normalize``/``equivalent``): IAM hands documents
back URL-encoded, may turn a one-item list into a string, and keeps whatever
order it was given, none of which changes what a policy allows.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from gtprov.errors import PolicySizeError

VERSION = "2012-10-17"
IMPLICIT_VERSION = "2008-10-17"
"""What IAM assumes when a document has no Version element."""

Document = dict[str, Any]
Statement = dict[str, Any]

_ACTION_KEYS = ("Action", "NotAction")
_RESOURCE_KEYS = ("Resource", "NotResource")
_PRINCIPAL_KEYS = ("Principal", "NotPrincipal")


def statement(
    sid: str,
    actions: Iterable[str],
    resources: Iterable[str] | None = None,
    *,
    principal: Mapping[str, Any] | str | None = None,
    condition: Mapping[str, Mapping[str, Any]] | None = None,
    effect: str = "Allow",
) -> Statement:
    """One statement, keys in IAM's reading order, values sorted.

    ``resources=None`` leaves Resource out (trust policies have none). Empty
    strings and empty lists are programming errors: IAM would reject them or,
    worse, read them as matching nothing.
    """
    stmt: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        stmt["Principal"] = principal
    stmt["Action"] = _one_or_many(sort_actions(actions))
    if resources is not None:
        stmt["Resource"] = _one_or_many(sorted(set(resources)))
    if condition:
        stmt["Condition"] = {op: dict(keys) for op, keys in condition.items()}
    return stmt


def sort_actions(actions: Iterable[str]) -> list[str]:
    """Unique actions (IAM compares them case-blind), sorted case-blind."""
    unique = {action.lower(): action for action in actions}
    return [unique[key] for key in sorted(unique)]


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    if not values or any(not value for value in values):
        raise ValueError(f"a policy element needs non-empty values, got {values!r}")
    return values[0] if len(values) == 1 else list(values)


def merge_statements(statements: Iterable[Statement]) -> list[Statement]:
    """Join statements that differ only in Sid and Resource; first Sid wins.

    Keeps documents small without changing what they allow: the resources of
    statements with the same effect, actions and condition are unioned.
    """
    merged: dict[str, Statement] = {}
    for stmt in statements:
        key = _canonical(
            {k: v for k, v in stmt.items() if k not in ("Sid", "Resource")}
        )
        if key in merged and "Resource" in stmt:
            merged[key]["Resource"] = _union(merged[key]["Resource"], stmt["Resource"])
        else:
            merged.setdefault(key, dict(stmt))
    return list(merged.values())


def _union(a: str | list[str], b: str | list[str]) -> str | list[str]:
    values = set(_as_list(a)) | set(_as_list(b))
    return "*" if "*" in values else _one_or_many(sorted(values))


def document(statements: Iterable[Statement]) -> Document:
    return {"Version": VERSION, "Statement": list(statements)}


def dumps(doc: Mapping[str, Any]) -> str:
    """The document as gtprov prints it: 2-space indent, keys as built."""
    return json.dumps(doc, indent=2, ensure_ascii=False)


def size(doc: Mapping[str, Any]) -> int:
    """Characters IAM counts against its size quotas: whitespace excluded."""
    compact = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    return sum(1 for ch in compact if not ch.isspace())


def check_size(doc: Mapping[str, Any], limit: int, what: str, quota_name: str) -> int:
    """``size(doc)``, or PolicySizeError naming the IAM quota it breaks."""
    counted = size(doc)
    if counted > limit:
        raise PolicySizeError(what, counted, limit, quota_name)
    return counted


def split(
    statements: Sequence[Statement],
    limit: int,
    *,
    quota_name: str = "managed policy size",
) -> list[Document]:
    """Pack statements, in order, into as few documents as fit ``limit`` each.

    For roles whose inline policies would pass the 10,240-character aggregate:
    the parts become customer managed policies of at most 6,144 each. A single
    statement too big for ``limit`` raises PolicySizeError.
    """
    documents: list[Document] = []
    current: list[Statement] = []
    for stmt in statements:
        what = f"statement {stmt.get('Sid')} alone"
        check_size(document([stmt]), limit, what, quota_name)
        if current and size(document([*current, stmt])) > limit:
            documents.append(document(current))
            current = []
        current.append(stmt)
    if current:
        documents.append(document(current))
    return documents


def parse(text_or_dict: str | Mapping[str, Any]) -> Document:
    """A document from JSON text, URL-encoded JSON (as IAM returns it) or a dict.

    Raises ValueError when the text is not a JSON object.
    """
    if isinstance(text_or_dict, Mapping):
        return copy.deepcopy(dict(text_or_dict))
    try:
        data = json.loads(text_or_dict)
    except json.JSONDecodeError:
        data = _loads_or_raise(unquote(text_or_dict))
    if not isinstance(data, dict):
        raise ValueError("a policy document must be a JSON object")
    return data


def _loads_or_raise(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a JSON policy document: {exc}") from None


def normalize(doc: str | Mapping[str, Any]) -> Document:
    """The canonical form two equivalent documents share.

    Folds: one value vs a list, order of values and statements, action case,
    condition-key case, ``"true"`` vs ``true``, ``{"AWS": "*"}`` vs ``"*"``,
    and a missing Version (IAM's implicit 2008-10-17). Keeps Sids, so a
    renamed statement counts as a change.
    """
    data = parse(doc)
    statements = data.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    normalized = sorted((_statement(s) for s in statements), key=_canonical)
    out: Document = {"Version": data.get("Version", IMPLICIT_VERSION)}
    if "Id" in data:
        out["Id"] = data["Id"]
    out["Statement"] = normalized
    return out


def equivalent(a: str | Mapping[str, Any], b: str | Mapping[str, Any]) -> bool:
    """True when ``a`` and ``b`` differ only in form, not in what they allow."""
    return normalize(a) == normalize(b)


def _statement(stmt: Mapping[str, Any]) -> Statement:
    return {key: _element(key, value) for key, value in sorted(stmt.items())}


def _element(key: str, value: Any) -> Any:
    if key in _ACTION_KEYS:
        return sorted({text.lower() for text in _as_list(value)})
    if key in _RESOURCE_KEYS:
        return sorted(set(_as_list(value)))
    if key in _PRINCIPAL_KEYS:
        return _principal(value)
    if key == "Condition":
        return {op: _condition_block(block) for op, block in sorted(value.items())}
    return value


def _principal(value: Any) -> Any:
    if value == "*" or value in ({"AWS": "*"}, {"AWS": ["*"]}):
        return "*"
    return {kind: sorted(set(_as_list(ids))) for kind, ids in sorted(value.items())}


def _condition_block(block: Mapping[str, Any]) -> dict[str, list[str]]:
    return {
        key.lower(): sorted({_text(v) for v in _as_list(values)})
        for key, values in sorted(block.items(), key=lambda kv: kv[0].lower())
    }


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _canonical(stmt: Statement) -> str:
    return json.dumps(stmt, sort_keys=True)
