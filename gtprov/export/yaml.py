"""A small YAML emitter for CloudFormation templates. Pure.

gtprov does not depend on PyYAML, and a template needs little: block
mappings and sequences, strings, numbers, booleans, and the short forms of
the intrinsic functions (``!Ref``, ``!GetAtt``, ``!Sub``, ``!If``...).
Strings that a YAML reader could take for anything but the same string
(``yes``, ``2012-10-17``, ``"*"``, text with ``: ``) are written as
double-quoted JSON strings, which YAML reads unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

INDENT = "  "
_PLAIN = re.compile(r"[A-Za-z][\w./@*+=-]*(?::[\w./@*+=-]+)*", re.ASCII)
_PLAIN_KEY = re.compile(r"[A-Za-z][\w.-]*", re.ASCII)
_YAML_WORDS = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
)


@dataclass(frozen=True)
class Fn:
    """An intrinsic function in its short form: ``!Ref Bucket``.

    ``name`` is the tag without ``!`` (``Ref``, ``GetAtt``, ``Sub``, ``If``);
    a list ``value`` is written as a flow sequence.
    """

    name: str
    value: Any


def ref(logical_id: str) -> Fn:
    return Fn("Ref", logical_id)


def get_att(logical_id: str, attribute: str) -> Fn:
    return Fn("GetAtt", f"{logical_id}.{attribute}")


def sub(text: str) -> Fn:
    return Fn("Sub", text)


def dump(data: Mapping[str, Any], header: Iterable[str] = ()) -> str:
    """``data`` as a YAML document, after ``# header`` comment lines."""
    comments = [f"# {line}".rstrip() for line in header]
    return "\n".join([*comments, *_mapping(data, 0)]) + "\n"


def _mapping(data: Mapping[str, Any], depth: int) -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        lines.extend(_entry(f"{INDENT * depth}{_key(key)}:", value, depth))
    return lines


def _entry(head: str, value: Any, depth: int) -> list[str]:
    """``head`` followed by ``value``: inline when it is a scalar."""
    if _is_inline(value):
        return [f"{head} {inline(value)}"]
    if isinstance(value, Mapping):
        return [head, *_mapping(value, depth + 1)]
    return [head, *_sequence(value, depth + 1)]


def _sequence(items: Sequence[Any], depth: int) -> list[str]:
    lines: list[str] = []
    pad = INDENT * depth
    for item in items:
        if _is_inline(item):
            lines.append(f"{pad}- {inline(item)}")
            continue
        nested = _mapping(item, depth + 1) if isinstance(item, Mapping) else None
        nested = nested if nested is not None else _sequence(item, depth + 1)
        lines.append(f"{pad}- {nested[0].lstrip()}")
        lines.extend(nested[1:])
    return lines


def _is_inline(value: Any) -> bool:
    if isinstance(value, Mapping | list | tuple):
        return not value
    return True


def inline(value: Any) -> str:
    """A scalar, an empty collection or an intrinsic function on one line."""
    if isinstance(value, Fn):
        return f"!{value.name} {_flow(value.value)}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return _string(str(value))


def _flow(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return inline(value)


def _string(text: str) -> str:
    plain = _PLAIN.fullmatch(text) is not None and text.lower() not in _YAML_WORDS
    return text if plain else json.dumps(text)


def _key(key: str) -> str:
    plain = _PLAIN_KEY.fullmatch(key) is not None and key.lower() not in _YAML_WORDS
    return key if plain else json.dumps(key)
