"""What every benchmark shares: figures, subprocesses, the local AWS.

gtprov always runs as a user runs it, a separate process started from the
venv's console script, with dummy credentials and ``AWS_ENDPOINT_URL``
pointing at the emulation or at the proxy in front of it.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
BIN = Path(sys.executable).parent
EMULATION_LOG = CACHE / "emulation.log"
REGION = "us-east-1"
DUMMY_SECRET = "testing"  # noqa: S105  # the emulation takes any key


def summary(values: Sequence[float]) -> dict[str, float]:
    """min, median and max of repeated measurements, and how many."""
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
        "n": len(values),
    }


def ratio(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    """``a / b`` for the medians and for the minimums of two summaries."""
    return {"median": a["median"] / b["median"], "min": a["min"] / b["min"]}


def gtprov_cmd(*args: str) -> list[str]:
    return [str(BIN / "gtprov"), *args]


def aws_env(endpoint: str | None = None) -> dict[str, str]:
    """The environment of a gtprov run: dummy credentials, no ~/.aws."""
    empty = Path(tempfile.gettempdir()) / "gtprov-bench-empty-aws-config"
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY=DUMMY_SECRET,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(empty),
        AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_EC2_METADATA_DISABLED="true",
    )
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


def run_json(args: Sequence[str], env: Mapping[str, str]) -> dict[str, Any]:
    """Run a gtprov command with ``--output json``; its envelope and time."""
    started = time.perf_counter()
    proc = subprocess.run(
        gtprov_cmd(*args, "--output", "json"),
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0 or not proc.stdout.strip():
        raise CommandError(args, proc.returncode, proc.stderr)
    envelope: dict[str, Any] = json.loads(proc.stdout)
    envelope["_seconds"] = seconds
    return envelope


class CommandError(RuntimeError):
    def __init__(self, args: Sequence[str], code: int, stderr: str) -> None:
        super().__init__(f"gtprov {' '.join(args)} exited {code}: {stderr[-2000:]}")
        self.code = code
        self.stderr = stderr


def get_json(url: str) -> Any:
    return json.loads(_fetch(url, "GET", None))


def post(url: str, data: bytes = b"") -> bytes:
    return _fetch(url, "POST", data)


def delete(url: str) -> bytes:
    return _fetch(url, "DELETE", None)


def _fetch(url: str, method: str, data: bytes | None) -> bytes:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"benchmarks talk to loopback only, not {url}")
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310  # checked above
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310  # checked above
        return bytes(resp.read())


class Service:
    """A helper process that prints its URL on its first line of stdout."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        stderr: IO[str] | None = None,
    ):
        self.proc = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=dict(env or os.environ),
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError(f"{argv[:4]} did not start (printed {self.url!r})")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def emulation() -> Iterator[Service]:
    """The local AWS (moto plus gtprov's SageMaker fake) in its own process.

    Its stderr (moto's tracebacks, if any) goes to ``EMULATION_LOG``.
    """
    EMULATION_LOG.parent.mkdir(parents=True, exist_ok=True)
    with EMULATION_LOG.open("a", encoding="utf-8") as errors:
        argv = [sys.executable, "-m", "benchmarks.emulate"]
        service = Service(argv, aws_env(), stderr=errors)
        try:
            yield service
        finally:
            service.stop()


@contextmanager
def proxy(
    upstream: str, latency_ms: float, quotas: Sequence[str] = ()
) -> Iterator[Service]:
    """``benchmarks.proxy`` in its own process, in front of ``upstream``."""
    argv = [sys.executable, "-m", "benchmarks.proxy", "--upstream", upstream]
    argv += ["--latency-ms", str(latency_ms)]
    for quota in quotas:
        argv += ["--quota", quota]
    service = Service(argv)
    try:
        yield service
    finally:
        service.stop()


def boto3_client(service: str, endpoint: str, max_attempts: int = 8) -> Any:
    """A plain boto3 client with standard retries, as a script would make."""
    import boto3
    import botocore.config

    config = botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts}
    )
    return boto3.client(
        service,  # type: ignore[call-overload]  # any service name
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key=DUMMY_SECRET,
        config=config,
    )


def save_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)


def log(text: str) -> None:
    """Progress on stderr; results go to the JSON file."""
    sys.stderr.write(f"[bench] {text}\n")
    sys.stderr.flush()


def wait_for_signal() -> None:
    """Block until SIGTERM or SIGINT (Ctrl-C); the caller then stops its server."""
    stopped = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stopped.wait()
