"""Serve the emulation in this process until SIGTERM; print its URL first.

python -m benchmarks.emulate [--port P]
"""

from __future__ import annotations

import argparse

from benchmarks.common import wait_for_signal
from gtprov.emulation.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulate")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()
    handle = serve(args.host, args.port)
    print(handle.url, flush=True)
    wait_for_signal()
    handle.stop()


if __name__ == "__main__":
    main()
