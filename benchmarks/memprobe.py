"""Read a workers file the way gtprov does, in a fresh process, and write
that process's peak RSS (``VmHWM``, reset at exec, unlike ``ru_maxrss``,
which a child forked from a larger parent inherits) to ``$BENCH_PEAK_FILE``.

    python -m benchmarks.memprobe stream|collect PATH TEAM [TEAM...]
    python -m benchmarks.memprobe gtprov ARG...

``stream`` walks ``read_workers_file`` to the end keeping nothing;
``collect`` also builds the ``WorkerSet`` that planning needs; ``gtprov``
runs the CLI in this process with the given arguments.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def _report() -> None:
    Path(os.environ["BENCH_PEAK_FILE"]).write_text(f"{peak_kib()}\n")


def _read(mode: str, path: str, teams: list[str]) -> None:
    from gtprov.models.workforce import WorkerSet, read_workers_file

    workers = read_workers_file(Path(path), teams=teams, default_team=teams[0])
    if mode == "stream":
        count = sum(1 for _ in workers)
    else:
        count = len(WorkerSet.collect(workers))
    print(count)


def main(argv: list[str]) -> None:
    atexit.register(_report)
    mode, *rest = argv
    if mode == "gtprov":
        from gtprov.cli.main import run

        sys.exit(run(rest))
    _read(mode, rest[0], rest[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
