"""``python -m gtprov.emulation --host H --port P``: serve until SIGTERM or Ctrl-C.

The process ``gtprov sandbox --background`` starts. It prints one line,
``gtprov-sandbox listening on URL``, to stdout once it accepts connections.
"""

from __future__ import annotations

import argparse
import sys

from gtprov.emulation.server import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gtprov.emulation")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--quiet", action="store_true", help="no line per AWS call")
    args = parser.parse_args(argv)
    echo = None if args.quiet else _log_call
    run(args.host, args.port, echo=echo, on_ready=_announce)


def _log_call(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _announce(url: str) -> None:
    print(f"gtprov-sandbox listening on {url}", flush=True)


if __name__ == "__main__":
    main()
