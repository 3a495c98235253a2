"""Entry point: the only place that turns errors into text and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
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
        result = command.main(
            args=hoist_global_options(argv),
            prog_name="gtprov",
            standalone_mode=False,
            obj=opts,
        )
    except click.exceptions.UsageError as exc:
        exc.show()
        return ExitCode.USAGE
    except click.exceptions.Abort:
        sys.stderr.write("Aborted.\n")
        return ExitCode.INTERRUPTED
    except GtprovError as exc:
        print_error(opts, exc)
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted; run the command again to converge.\n")
        return ExitCode.INTERRUPTED
    return result if isinstance(result, int) else ExitCode.OK


def main() -> None:
    sys.exit(run(sys.argv[1:]))
