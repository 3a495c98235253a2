"""``gtprov sandbox``: a local AWS endpoint for demos and trying gtprov safely.

Serves the emulation server (moto plus gtprov's SageMaker workforce fake) and
prints the environment that points AWS SDKs at it. ``--background`` starts it
as a detached process and records it in a state directory; ``sandbox stop``
ends that process and ``sandbox env`` prints the environment again.

moto is an optional extra: nothing here imports it (or werkzeug) before a
command runs, so the CLI starts fast without it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

import typer

from gtprov.emulation.control import (
    SANDBOX_ENV,
    SANDBOX_UNSET,
    ControlError,
    EmulatorControl,
)
from gtprov.errors import GtprovError
from gtprov.exitcodes import ExitCode

DEFAULT_PORT = 5055
DEFAULT_HOST = "127.0.0.1"
DEFAULT_STATE_DIR = Path(".gtprov-sandbox")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

sandbox_app = typer.Typer(
    help="Run a local AWS endpoint (moto + SageMaker workforce fake).",
    no_args_is_help=False,
    rich_markup_mode=None,
)

PortOption = Annotated[int, typer.Option("--port", help="Port to listen on.")]
HostOption = Annotated[str, typer.Option("--host", help="Address to listen on.")]
StateDirOption = Annotated[
    Path,
    typer.Option("--state-dir", help="Where --background keeps its pid file and log."),
]


class SandboxError(GtprovError):
    """The sandbox cannot start or be reached."""


class SandboxUnavailableError(SandboxError):
    """The optional dependencies of the sandbox are not installed."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class SandboxState:
    """What ``--background`` records: the process and where it listens."""

    pid: int
    url: str

    @classmethod
    def load(cls, state_dir: Path) -> SandboxState | None:
        path = state_dir / "sandbox.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(pid=int(data["pid"]), url=str(data["url"]))

    def save(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        (state_dir / "sandbox.pid").write_text(f"{self.pid}\n")
        (state_dir / "sandbox.json").write_text(json.dumps(self.__dict__) + "\n")

    @staticmethod
    def remove(state_dir: Path) -> None:
        for name in ("sandbox.pid", "sandbox.json"):
            (state_dir / name).unlink(missing_ok=True)


@sandbox_app.callback(invoke_without_command=True)
def sandbox(
    ctx: typer.Context,
    port: PortOption = DEFAULT_PORT,
    host: HostOption = DEFAULT_HOST,
    background: Annotated[
        bool, typer.Option("--background", help="Start detached and return.")
    ] = False,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
) -> None:
    """Serve until interrupted; first print the environment to use."""
    if ctx.invoked_subcommand is not None:
        return
    _require_sandbox_extra()
    if background:
        state = _start_background(host, port, state_dir)
        typer.echo(env_lines(state.url))
        typer.echo(
            f"Sandbox running (pid {state.pid}); stop it with: gtprov sandbox stop",
            err=True,
        )
        return
    _serve_foreground(host, port)


@sandbox_app.command("stop")
def stop(state_dir: StateDirOption = DEFAULT_STATE_DIR) -> None:
    """End the sandbox that --background started."""
    state = SandboxState.load(state_dir)
    if state is None:
        typer.echo(f"No sandbox recorded in {state_dir}; nothing to stop.", err=True)
        return
    if _is_our_sandbox(state):
        _terminate(state.pid)
        typer.echo(f"Stopped the sandbox (pid {state.pid}).", err=True)
    else:
        typer.echo(f"The sandbox at {state.url} is gone; forgetting it.", err=True)
    SandboxState.remove(state_dir)


@sandbox_app.command("env")
def env(
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    port: PortOption = DEFAULT_PORT,
    host: HostOption = DEFAULT_HOST,
) -> None:
    """Print the environment for the sandbox (``eval "$(gtprov sandbox env)"``)."""
    state = SandboxState.load(state_dir)
    typer.echo(env_lines(state.url if state else _url(host, port)))


def env_lines(url: str) -> str:
    """Shell lines that point AWS SDKs and the AWS CLI at ``url``."""
    exports = {"AWS_ENDPOINT_URL": url, **SANDBOX_ENV}
    lines = [f"export {name}={value}" for name, value in exports.items()]
    return "\n".join([*lines, f"unset {' '.join(SANDBOX_UNSET)}"])


def _require_sandbox_extra() -> None:
    missing = [m for m in ("moto", "werkzeug", "flask") if find_spec(m) is None]
    if missing:
        raise SandboxUnavailableError(
            f"The sandbox needs {', '.join(missing)}, which is not installed.",
            hint="pip install 'gtprov[sandbox]'",
        )


def _serve_foreground(host: str, port: int) -> None:
    from gtprov.emulation.server import run

    def announce(url: str) -> None:
        typer.echo(env_lines(url))
        typer.echo(f"Serving AWS at {url}; Ctrl-C to stop.", err=True)

    run(host, port, echo=lambda line: typer.echo(line, err=True), on_ready=announce)


def _start_background(host: str, port: int, state_dir: Path) -> SandboxState:
    """Start ``python -m gtprov.emulation`` detached; return once it answers."""
    running = SandboxState.load(state_dir)
    if running is not None and _is_our_sandbox(running):
        return running
    state_dir.mkdir(parents=True, exist_ok=True)
    url = _url(host, port)
    process = _spawn(host, port, state_dir / "sandbox.log")
    _wait_until_up(process, url, state_dir / "sandbox.log")
    state = SandboxState(pid=process.pid, url=url)
    state.save(state_dir)
    return state


def _spawn(host: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gtprov.emulation",
        "--host",
        host,
        "--port",
        str(port),
    ]
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    control = EmulatorControl(url, timeout=1.0)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxError(
                f"The sandbox exited with code {process.returncode} before it "
                f"answered at {url}.",
                hint=f"Read {log_path}; another program may be using the port "
                "(pick one with --port).",
            )
        if _answers(control, process.pid):
            return
        time.sleep(0.1)
    process.terminate()
    raise SandboxError(
        f"The sandbox did not answer at {url} within {START_TIMEOUT:.0f} s.",
        hint=f"Read {log_path}.",
    )


def _is_our_sandbox(state: SandboxState) -> bool:
    """True if the recorded process is alive and is the server at its URL."""
    return _answers(EmulatorControl(state.url, timeout=2.0), state.pid)


def _answers(control: EmulatorControl, pid: int) -> bool:
    try:
        health = control.health()
    except ControlError:
        return False
    return health.get("service") == "gtprov-sandbox" and health.get("pid") == pid


def _terminate(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_a_zombie(pid)


def _not_a_zombie(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return True
    return stat.read_text().split(")")[-1].split()[0] != "Z"


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
