"""The machine and software a benchmark run measured."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from benchmarks.common import ROOT

PACKAGES = ("gtprov", "boto3", "botocore", "moto", "typer", "click", "pydantic")


def describe() -> dict[str, Any]:
    return {
        "uname": _command(["uname", "-a"]),
        "nproc": _command(["nproc"]) or str(os.cpu_count()),
        "python": platform.python_version(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _command(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "load_average": os.getloadavg(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _command(argv: list[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
