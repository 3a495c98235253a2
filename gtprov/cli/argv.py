"""Accept global options before or after the command name, as the AWS CLI does.

Click only reads a group's options before the sub-command, so the entry point
moves every global option to the front before parsing. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

VALUE_OPTIONS = frozenset({"--profile", "--region", "--output"})
FLAG_OPTIONS = frozenset({"-v", "-vv", "-vvv", "--verbose", "-q", "--quiet"})


def hoist_global_options(argv: Sequence[str]) -> list[str]:
    """Return ``argv`` with global options (and their values) moved first."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--":
            rest.extend(argv[i:])
            break
        taken = _global_tokens(argv, i)
        (front if taken else rest).extend(argv[i : i + max(taken, 1)])
        i += max(taken, 1)
    return front + rest


def _global_tokens(argv: Sequence[str], i: int) -> int:
    """How many tokens from ``i`` form one global option (0 if none)."""
    token = argv[i]
    if token in FLAG_OPTIONS:
        return 1
    name = token.split("=", 1)[0]
    if name not in VALUE_OPTIONS:
        return 0
    if "=" in token or i + 1 >= len(argv):
        return 1
    return 2
