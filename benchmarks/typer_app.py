"""The smallest useful Typer program: one command, one option.

A second framework floor for ``benchmarks.startup``: ``import typer`` alone
skips what Typer does lazily for every real command, such as building a
pydantic ``TypeAdapter`` per parameter (typer 0.29).

    python benchmarks/typer_app.py --name x
"""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False)


@app.command()
def main(name: str = "x") -> None:
    """Do nothing with NAME."""


if __name__ == "__main__":
    app()
