"""``python -m gtprov.emulation --host H --port P``: serve until SIGTERM or Ctrl-C.

The process ``gtprov sandbox --background`` starts. It prints one line,
``gtprov-sandbox listening on URL``, to stdout once it accepts connections.
"""

from __future__ import annotations

import argparse

from gtprov.emulation.server import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gtprov.emulation")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    run(args.host, args.port, quiet=args.quiet, on_ready=_announce)


def _announce(url: str) -> None:
    print(f"gtprov-sandbox listening on {url}", flush=True)


if __name__ == "__main__":
    main()
