"""Peak memory of reading a 10,000-worker file against a 1,000-worker one.

Each figure is the peak RSS of one fresh process (``os.wait4``), repeated.
Reading is streamed when the 10,000-worker peak stays within 10% of the
1,000-worker peak (the interpreter and imports dominate both). Three
readers: the file reader alone (``stream``), the reader plus the
de-duplicated ``WorkerSet`` that planning keeps (``collect``), and, when an
emulation is given, the whole ``add-workers --dry-run`` command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.bulk_invite import TEAM, setup_team, write_emails
from benchmarks.common import ROOT, aws_env, emulation, log, summary

SIZES = (1_000, 10_000)
TEAMS = ("bench-a", "bench-b")
FLAT_LIMIT = 1.10


def write_workers(path: Path, count: int, teams: Sequence[str] = TEAMS) -> Path:
    """An ``email,team`` CSV of ``count`` distinct workers across ``teams``."""
    with path.open("w", encoding="utf-8") as out:
        out.write("email,team\n")
        for i in range(count):
            out.write(f"worker{i:05d}@example.com,{teams[i % len(teams)]}\n")
    return path


def peak_rss_mib(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Peak resident memory of a ``benchmarks.memprobe`` run, in MiB."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        env = {**(env or os.environ), "BENCH_PEAK_FILE": str(peak_file)}
        proc = subprocess.run(
            list(argv), env=env, cwd=ROOT, capture_output=True, check=False
        )
        if proc.returncode != 0:
            tail = proc.stderr[-800:]
            raise RuntimeError(f"{argv} exited {proc.returncode}: {tail!r}")
        return int(peak_file.read_text()) / 1024


def probe_argv(mode: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.memprobe", mode, *args]


def reader_argv(mode: str) -> Callable[[Path], list[str]]:
    return lambda path: probe_argv(mode, str(path), *TEAMS)


def measure(
    argv_for: Callable[[Path], list[str]],
    files: dict[int, Path],
    repeat: int,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    peaks = {
        n: [peak_rss_mib(argv_for(p), env) for _ in range(repeat)]
        for n, p in files.items()
    }
    figures = {str(n): summary(v) for n, v in peaks.items()}
    small, large = (figures[str(n)]["median"] for n in SIZES)
    growth = large / small
    return {
        "peak_rss_mib": figures,
        "growth_10k_over_1k": growth,
        "kib_per_extra_worker": (large - small) * 1024 / (SIZES[1] - SIZES[0]),
        "flat": growth <= FLAT_LIMIT,
    }


def run(workdir: Path, repeat: int = 5) -> dict[str, Any]:
    files = {n: write_workers(workdir / f"workers-{n}.csv", n) for n in SIZES}
    log(f"memory: {repeat} runs per size and reader")
    readers = {
        "stream": measure(reader_argv("stream"), files, repeat),
        "collect": measure(reader_argv("collect"), files, repeat),
        "add-workers --dry-run": _cli(workdir, repeat),
    }
    return {"sizes": list(SIZES), "flat_limit": FLAT_LIMIT, "readers": readers}


def _cli(workdir: Path, repeat: int) -> dict[str, Any]:
    """The whole command, planning against the emulation (a new empty team)."""
    files = {n: write_emails(workdir / f"emails-{n}.txt", n) for n in SIZES}
    with emulation() as emu:
        setup_team(emu.url)
        return measure(_dry_run_argv, files, repeat, aws_env(emu.url))


def _dry_run_argv(path: Path) -> list[str]:
    args = ["add-workers", "--team", TEAM, "--workers-file", str(path)]
    return probe_argv("gtprov", *args, "--dry-run", "--output", "json")


def goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    readers = result["readers"]
    return [
        {
            "goal": f"{name}: peak RSS for 10,000 workers within "
            f"{FLAT_LIMIT:.2f}x that for 1,000 (streamed)",
            "measured": readers[name]["growth_10k_over_1k"],
            "limit": FLAT_LIMIT,
            "met": readers[name]["flat"],
        }
        for name in ("stream", "add-workers --dry-run")
    ]
