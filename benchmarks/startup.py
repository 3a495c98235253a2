"""Start-up time of offline gtprov commands beside their floors, same run.

Each round runs every command once, in turn, so a slow patch of the machine
hits all of them alike; the first rounds are warm-up and not counted. The
floors: ``python -c pass`` (the interpreter), ``python -c "import typer"``
(the floor the issue sets), a minimal Typer app (``typer_app.py``: what
Typer costs once it builds a command) and ``aws --version`` (AWS CLI v1 from PyPI,
in a throwaway venv under benchmarks/.cache/).

Goals (issue 9): offline commands import neither boto3 nor moto; each takes
at most 1.5x the typer floor and under a third of the AWS CLI's start-up.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import CACHE, aws_env, gtprov_cmd, log, ratio, summary

POLICY_ARGS = (
    "policy",
    "execution",
    "--account-id",
    "123456789012",
    "--region",
    "us-east-1",
    "--role-name",
    "R",
    "--bucket",
    "gt-bench-bucket",
)
"""The issue's example with ``--bucket b``, which gtprov rightly rejects (exit 2:
an S3 bucket name has 3 to 63 characters), so a valid name stands in."""
OFFLINE = {"gtprov --help": ("--help",), "gtprov policy execution": POLICY_ARGS}
FORBIDDEN = ("boto3", "botocore", "moto")
AWSCLI_VENV = CACHE / "awscli"
TYPER_APP = Path(__file__).with_name("typer_app.py")


def commands(aws: Path | None) -> dict[str, list[str]]:
    table = {
        "python -c pass": [sys.executable, "-c", "pass"],
        'python -c "import typer"': [sys.executable, "-c", "import typer"],
        "minimal Typer app": [sys.executable, str(TYPER_APP), "--name", "x"],
        **{name: gtprov_cmd(*args) for name, args in OFFLINE.items()},
    }
    if aws is not None:
        table["aws --version"] = [str(aws), "--version"]
    return {**table, **DIAGNOSTICS}


DIAGNOSTICS = {
    "gtprov --help, TYPER_USE_RICH=0 (diagnostic)": [
        "env",
        "TYPER_USE_RICH=0",
        *gtprov_cmd("--help"),
    ],
    'python -c "import gtprov.cli.app" (diagnostic)': [
        sys.executable,
        "-c",
        "import gtprov.cli.app",
    ],
    'python -c "import gtprov.cli.policy_cmd" (diagnostic)': [
        sys.executable,
        "-c",
        "import gtprov.cli.policy_cmd",
    ],
    "policy execution, only the policy command registered (diagnostic)": [
        sys.executable,
        str(Path(__file__).with_name("policy_only.py")),
        *POLICY_ARGS,
    ],
}
"""Not goals: each isolates one cost. Plain (non-Rich) help; what registering
every command costs before any runs; what the policy command alone needs,
imported and run. A diagnostic that fails (gtprov's internals moved) is
left out of the figures rather than failing the run."""


def ensure_awscli() -> tuple[Path | None, str]:
    """The AWS CLI in its own venv, installed from PyPI once; or why not."""
    aws = AWSCLI_VENV / "bin" / "aws"
    if aws.exists():
        return aws, _version(aws)
    log("installing awscli into benchmarks/.cache/awscli (once)")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(AWSCLI_VENV)], check=True)
        pip = [str(AWSCLI_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "awscli"], check=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"awscli could not be installed: {exc}"
    return aws, _version(aws)


def _version(aws: Path) -> str:
    proc = subprocess.run([str(aws), "--version"], capture_output=True, text=True)
    return (proc.stdout or proc.stderr).strip()


def time_once(argv: Sequence[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(list(argv), env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited {proc.returncode}: {proc.stderr[-500:]!r}")
    return elapsed


def time_side_by_side(
    table: dict[str, list[str]], rounds: int, warmup: int = 2
) -> dict[str, list[float]]:
    env = aws_env()
    times: dict[str, list[float]] = {name: [] for name in table}
    for i in range(warmup + rounds):
        for name, argv in list(table.items()):
            try:
                elapsed = time_once(argv, env)
            except RuntimeError as exc:
                if name not in DIAGNOSTICS:
                    raise
                log(f"start-up: dropping {name}: {exc}")
                del table[name], times[name]
                continue
            if i >= warmup:
                times[name].append(elapsed)
    return times


_IMPORT_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def imports_of(args: Sequence[str]) -> dict[str, Any]:
    """What a gtprov command imports (``-X importtime``), and whose module
    bodies cost the most: self time summed by top-level package."""
    argv = [sys.executable, "-X", "importtime", "-m", "gtprov", *args]
    proc = subprocess.run(argv, env=aws_env(), capture_output=True, text=True)
    rows = [m.groups() for m in map(_IMPORT_LINE.match, proc.stderr.splitlines()) if m]
    own = {name: int(us) / 1000 for us, _, _, name in rows}
    packages: dict[str, float] = {}
    for name, ms in own.items():
        top = name.split(".")[0]
        packages[top] = packages.get(top, 0.0) + ms
    gtprov = {n: ms for n, ms in own.items() if n.split(".")[0] == "gtprov"}
    return {
        "exit_code": proc.returncode,
        "modules": len(own),
        "forbidden": sorted(m for m in own if m.split(".")[0] in FORBIDDEN),
        "self_ms_by_package": _largest(packages, 8),
        "gtprov_modules_self_ms": _largest(gtprov, 6),
    }


def _largest(costs: dict[str, float], count: int) -> dict[str, float]:
    return dict(sorted(costs.items(), key=lambda kv: -kv[1])[:count])


def run(rounds: int = 20) -> dict[str, Any]:
    aws, aws_version = ensure_awscli()
    table = commands(aws)
    log(f"start-up: {rounds} rounds of {len(table)} commands")
    figures = {k: summary(v) for k, v in time_side_by_side(table, rounds).items()}
    imports = {name: imports_of(args) for name, args in OFFLINE.items()}
    return {
        "rounds": rounds,
        "aws_cli": aws_version,
        "seconds": figures,
        "ratios": _ratios(figures),
        "imports": imports,
        "goals": _import_goals(imports) + _goals(figures),
    }


def _import_goals(imports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "goal": f"{name} imports neither boto3 nor moto",
            "measured": ", ".join(found["forbidden"]) or "none imported",
            "limit": "none",
            "met": not found["forbidden"] and found["exit_code"] == 0,
        }
        for name, found in imports.items()
    ]


def _ratios(figures: dict[str, dict[str, float]]) -> dict[str, Any]:
    typer = figures['python -c "import typer"']
    aws = figures.get("aws --version")
    app = figures["minimal Typer app"]
    out: dict[str, Any] = {}
    for name in OFFLINE:
        out[f"{name} / typer floor"] = ratio(figures[name], typer)
        out[f"{name} / minimal Typer app"] = ratio(figures[name], app)
        if aws is not None:
            out[f"{name} / aws --version"] = ratio(figures[name], aws)
    return out


def _goals(figures: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    typer = figures['python -c "import typer"']["median"]
    aws = figures.get("aws --version", {}).get("median")
    goals = []
    for name in OFFLINE:
        median = figures[name]["median"]
        goals.append(_goal(f"{name} <= 1.5x typer floor", median / typer, 1.5))
        if aws is not None:
            goals.append(_goal(f"{name} < 1/3 of aws --version", median / aws, 1 / 3))
    return goals


def _goal(name: str, measured: float, limit: float) -> dict[str, Any]:
    return {
        "goal": name,
        "measured": measured,
        "limit": limit,
        "met": measured <= limit,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20), indent=2))
