"""Entry point: the only place that turns errors into text and exit codes.

Click's standalone mode handles usage errors (exit 2), ``--help`` and
``typer.Exit``; everything gtprov raises on purpose is a ``GtprovError``,
caught here and nowhere else.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from gtprov.cli.app import app
from gtprov.cli.argv import hoist_global_options
from gtprov.cli.options import GlobalOptions
from gtprov.cli.output import print_error
from gtprov.errors import GtprovError
from gtprov.exitcodes import ExitCode


def run(argv: Sequence[str]) -> int:
    """Run gtprov with ``argv`` (without the program name); return the exit code."""
    opts = GlobalOptions()
    command = typer.main.get_command(app)
    try:
        command.main(
            args=hoist_global_options(argv),
            prog_name="gtprov",
            standalone_mode=True,
            obj=opts,
        )
    except SystemExit as exc:
        return _code(exc.code)
    except GtprovError as exc:
        print_error(opts, exc)
        return exc.exit_code
    except Exception as exc:
        error = _sdk_error(exc)
        if error is None:
            raise
        print_error(opts, error)
        return error.exit_code
    return ExitCode.OK


def _sdk_error(exc: Exception) -> GtprovError | None:
    """botocore's own failures (no credentials, endpoint down) as gtprov's.

    Only looked at when botocore is loaded, so offline commands never import
    it here.
    """
    if "botocore" not in sys.modules:
        return None
    from gtprov.aws.errors import from_botocore

    return from_botocore(exc)


def _code(code: object) -> int:
    if code is None:
        return ExitCode.OK
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return ExitCode.FAILED


def main() -> None:
    sys.exit(run(sys.argv[1:]))
