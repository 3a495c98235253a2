"""Named exit codes. The docs page docs/exit-codes.md lists the same table."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a gtprov process tells its caller."""

    OK = 0
    """The command did what was asked (or, for a plan, found nothing to change)."""
    FAILED = 1
    """An AWS call or a safety rule stopped the command; the message says which."""
    USAGE = 2
    """Bad input or usage. Nothing was written and no AWS call was made."""
    CHANGES_PENDING = 3
    """`plan --detailed-exitcode`: the plan has changes to apply."""
