"""Run the benchmarks; write results/latest.json and docs/performance.md.

    python -m benchmarks [--only startup,api_calls,bulk_invite,memory] [--quick]
    python -m benchmarks --only ""      # re-render the report, measure nothing

Sections not selected with ``--only`` keep their figures from the previous
``latest.json``, each with the date it was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks import api_calls, bulk_invite, memory, report, startup
from benchmarks.common import ROOT, log, save_json
from benchmarks.machine import describe

RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
REPORT = ROOT / "docs" / "performance.md"
SECTIONS = ("startup", "api_calls", "bulk_invite", "memory")


def _runners(args: argparse.Namespace, workdir: Path) -> dict[str, Callable[[], Any]]:
    return {
        "startup": lambda: startup.run(args.rounds),
        "api_calls": lambda: api_calls.run(workdir),
        "bulk_invite": lambda: bulk_invite.run(
            workdir, workers=args.workers, repeat=args.bulk_repeat
        ),
        "memory": lambda: _memory(workdir, args.memory_repeat),
    }


def _memory(workdir: Path, repeat: int) -> dict[str, Any]:
    result = memory.run(workdir, repeat)
    return {**result, "goals": memory.goals(result)}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--rounds", type=int, default=20, help="start-up rounds")
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--bulk-repeat", type=int, default=3)
    parser.add_argument("--memory-repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.workers, args.bulk_repeat, args.memory_repeat = 5, 200, 1, 2
    return args


def _previous() -> dict[str, Any]:
    if RESULTS.exists():
        data: dict[str, Any] = json.loads(RESULTS.read_text())
        return data
    return {}


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    chosen = [s for s in args.only.split(",") if s]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    results = _previous()
    if chosen:
        _measure(args, chosen, results)
    REPORT.write_text(report.render(results))
    log(f"wrote {RESULTS.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}")


def _measure(
    args: argparse.Namespace, chosen: list[str], results: dict[str, Any]
) -> None:
    results["machine"] = describe()
    with tempfile.TemporaryDirectory(prefix="gtprov-bench-") as tmp:
        runners = _runners(args, Path(tmp))
        for name in chosen:
            log(f"== {name}")
            stamp = {"measured_at": _now(), "commit": results["machine"]["commit"]}
            results[name] = {**runners[name](), **stamp}
            save_json(RESULTS, results)
    results["machine"]["load_average_end"] = os.getloadavg()
    save_json(RESULTS, results)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


if __name__ == "__main__":
    main()
