"""Everything gtprov prints. Results on stdout, progress and logs on stderr.

In JSON mode stdout carries exactly one envelope (``SCHEMA_VERSION``), built
from the command's ``RunRecord``; see docs/json-output.md.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

from gtprov import __version__
from gtprov.cli.options import GlobalOptions, RunRecord
from gtprov.errors import GtprovError
from gtprov.redact import redact

SCHEMA_VERSION = 1


def envelope(run: RunRecord, error: GtprovError | None = None) -> dict[str, Any]:
    """The documented JSON result of one command run."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "gtprov_version": __version__,
        "command": run.command,
        "ok": error is None,
        "dry_run": run.dry_run,
        "plan": run.plan,
        "applied": run.applied,
        "resources": run.resources,
        "warnings": run.warnings,
        "api_calls": run.call_log.summary() if run.call_log else None,
        "error": error.to_dict() if error else None,
    }
    return redact(data)  # type: ignore[no-any-return]  # redact keeps the shape


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def say(opts: GlobalOptions, text: str) -> None:
    """A result line on stdout (text mode only)."""
    if not opts.json:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def note(opts: GlobalOptions, text: str) -> None:
    """A progress or advice line on stderr, silenced by -q."""
    if opts.verbosity >= 0:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def say_lines(opts: GlobalOptions, lines: Iterable[str]) -> None:
    for line in lines:
        say(opts, line)


def print_error(opts: GlobalOptions, error: GtprovError) -> None:
    """The error on stderr; in JSON mode also the failed envelope on stdout.

    Bad input (exit 2) leaves stdout empty in every mode.
    """
    sys.stderr.write(f"error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"hint: {error.hint}\n")
    if opts.json and error.exit_code != 2:
        print_json(envelope(opts.run, error))


def setup_logging(verbosity: int) -> None:
    """-v: each AWS call; -vv: with (redacted) parameters. Never botocore's."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    if verbosity < 0:
        level = logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("gtprov")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # botocore's and urllib3's DEBUG records carry request bodies, signed
    # headers and credentials; gtprov never shows them, whatever the root
    # logger's level (gtprov logs each call itself, with secrets masked).
    for name in ("botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
