"""A reverse proxy that makes the local emulation feel like AWS under load.

In front of the emulation it adds a fixed latency to every request, meters
each ``service:Operation`` against a token bucket, and answers a call over
its quota exactly as AWS does for that protocol (``wire.throttle_answer``),
so botocore sees throttling and backs off. It counts requests and throttles
per operation; ``GET /_proxy/stats`` returns them, ``POST /_proxy/reset``
zeroes them and refills the buckets.

    python -m benchmarks.proxy --upstream http://127.0.0.1:5000 --port 5100 \
        --latency-ms 50 --quota cognito-idp:AdminCreateUser=50

Without ``--quota`` the Cognito defaults in ``quota.COGNITO_DEFAULTS`` apply.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from benchmarks.common import wait_for_signal
from benchmarks.quota import COGNITO_DEFAULTS, Quotas, parse_quotas
from benchmarks.wire import Answer, Call, classify, throttle_answer

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)


class Stats:
    """Per operation: requests, throttles, and admitted calls per second of
    arrival (``per_second``); overall, the most calls in flight at once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._ops: dict[str, dict[str, float]] = {}
            self._seconds: dict[str, Counter[int]] = {}
            self._in_flight = 0
            self._max_in_flight = 0
            self._since = self._clock()

    def begin(self) -> float:
        """Count a call in flight; its arrival, in seconds since the reset."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            return self._clock() - self._since

    def end(self, key: str, throttled: bool, arrived: float) -> None:
        with self._lock:
            self._in_flight -= 1
            op = self._ops.setdefault(key, _new_op(arrived))
            op["requests"] += 1
            op["throttled"] += int(throttled)
            op["last_s"] = max(op["last_s"], arrived)
            if not throttled:
                self._seconds.setdefault(key, Counter())[int(arrived)] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            ops: dict[str, Any] = {}
            for key, op in sorted(self._ops.items()):
                ops[key] = {**op, "per_second": _series(self._seconds.get(key))}
            return {"operations": ops, "max_in_flight": self._max_in_flight}


def _new_op(arrived: float) -> dict[str, float]:
    return {"requests": 0, "throttled": 0, "first_s": arrived, "last_s": arrived}


def _series(counts: Counter[int] | None) -> list[int]:
    if not counts:
        return []
    return [counts[i] for i in range(min(counts), max(counts) + 1)]


Send = Callable[[str, str, dict[str, str], bytes], Answer]


@dataclass
class Meter:
    """Delays, meters and passes on AWS requests; ``send`` reaches upstream.

    Every request waits ``latency_s`` (throttled ones too: AWS's refusal
    also crosses the network); one over its quota never reaches upstream.
    """

    send: Send
    quotas: Quotas
    latency_s: float
    stats: Stats = field(default_factory=Stats)
    sleep: Callable[[float], None] = time.sleep

    def forward(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[Call, Answer]:
        """The call as metered and the answer to give the client."""
        lower = {k.lower(): v for k, v in headers.items()}
        call = classify(method, target, lower, body)
        arrived = self.stats.begin()
        admitted = self.quotas.admit(call.key)
        try:
            self.sleep(self.latency_s)
            if not admitted:
                return call, throttle_answer(call, str(uuid.uuid4()))
            return call, self.send(method, target, headers, body)
        finally:
            self.stats.end(call.key, throttled=not admitted, arrived=arrived)

    def reset(self) -> None:
        self.stats.reset()
        self.quotas.refill()

    def report(self) -> dict[str, Any]:
        return {
            **self.stats.snapshot(),
            "latency_ms": self.latency_s * 1000,
            "quotas": self.quotas.describe(),
        }


class _Upstream(threading.local):
    """One keep-alive connection to the emulation per proxy thread."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.conn: http.client.HTTPConnection | None = None

    def send(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> Answer:
        try:
            return self._send_once(method, target, headers, body)
        except (http.client.HTTPException, ConnectionError):
            self.conn = None  # a stale keep-alive connection: one fresh try
            return self._send_once(method, target, headers, body)

    def _send_once(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> Answer:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn.request(method, target, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        kept = {k: v for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP}
        if resp.will_close:
            self.conn = None
        return Answer(resp.status, kept, data)


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], meter: Meter) -> None:
        super().__init__(address, _Handler)
        self.meter = meter

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    """http.server calls ``do_<METHOD>``; every method takes the same path."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else a delayed ACK adds 40 ms per answer
    server: ProxyServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the proxy reports through /_proxy/stats only."""

    def _dispatch(self) -> None:
        body = self._read_body()
        if self.path.startswith("/_proxy/"):
            self._write(self._control())
            return
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP
        }
        _, answer = self.server.meter.forward(self.command, self.path, headers, body)
        self._write(answer)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            parts.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():
            pass  # trailers end at an empty line
        return b"".join(parts)

    def _control(self) -> Answer:
        if self.command == "POST" and self.path == "/_proxy/reset":
            self.server.meter.reset()
            return _json_answer(200, {"reset": True})
        if self.path == "/_proxy/stats":
            return _json_answer(200, self.server.meter.report())
        return _json_answer(404, {"error": f"no control endpoint {self.path}"})

    def _write(self, answer: Answer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)


def _json_answer(status: int, data: object) -> Answer:
    body = json.dumps(data, indent=2).encode()
    return Answer(status, {"Content-Type": "application/json"}, body)


class RunningProxy:
    """A proxy serving on a background thread; ``stop()`` shuts it down."""

    def __init__(self, server: ProxyServer) -> None:
        self.server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


def start(
    upstream: str,
    *,
    latency_ms: float = 50,
    quotas: Quotas | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> RunningProxy:
    """Serve a proxy in this process (port 0: any free port)."""
    quotas = quotas or Quotas(parse_quotas(COGNITO_DEFAULTS))
    upstream_send = _Upstream(upstream).send
    meter = Meter(upstream_send, quotas, latency_s=latency_ms / 1000)
    return RunningProxy(ProxyServer((host, port), meter))


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.proxy")
    parser.add_argument("--upstream", required=True, help="the emulation's URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="SERVICE:OPERATION=RATE[/BURST]",
        help="calls per second (burst defaults to the rate); repeatable; "
        "without any, Cognito's AdminCreateUser=50 and AdminAddUserToGroup=25",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    quotas = Quotas(parse_quotas(args.quota or COGNITO_DEFAULTS))
    running = start(
        args.upstream,
        latency_ms=args.latency_ms,
        quotas=quotas,
        host=args.host,
        port=args.port,
    )
    print(running.url, flush=True)
    wait_for_signal()
    running.stop()


if __name__ == "__main__":
    main()
