"""The Typer application: the root callback with the global options, and the
commands. Importing this module must stay cheap: no boto3, no moto.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gtprov import __version__
from gtprov.cli.lazy import LazyGroup
from gtprov.cli.options import GlobalOptions, OutputFormat, global_options
from gtprov.cli.output import setup_logging

app = typer.Typer(
    name="gtprov",
    help=(
        "Make an AWS account ready for Amazon SageMaker Ground Truth: execution "
        "roles, KMS keys and a private workforce, planned before written."
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
    cls=LazyGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gtprov {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(help="AWS profile (default: the standard credential chain)."),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="AWS Region (default: AWS_REGION or the profile's)."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option(help="text, or one JSON envelope on stdout.")
    ] = OutputFormat.TEXT,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="-v: AWS calls.")
    ] = 0,
    quiet: Annotated[
        int, typer.Option("--quiet", "-q", count=True, help="Only errors.")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Version."),
    ] = False,
) -> None:
    """Global options; they may stand before or after the command name."""
    opts = global_options(ctx)
    opts.profile, opts.region, opts.output = profile, region, output
    opts.verbosity = verbose - quiet
    setup_logging(opts.verbosity)


__all__ = ["GlobalOptions", "app"]
