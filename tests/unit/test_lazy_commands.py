"""The root group imports a command's module only when that command runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gtprov.cli.lazy import COMMANDS, load


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_listed_command_loads_under_its_own_name(name: str) -> None:
    command = load(name)
    assert command.name == name


def _modules_after(argv: list[str]) -> set[str]:
    code = (
        "import sys; from gtprov.cli.main import run; "
        f"rc = run({argv!r}); "
        "print('\\n'.join(sorted(sys.modules))); sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_help_imports_no_command_module() -> None:
    loaded = _modules_after(["--help"])
    assert not {entry.module for entry in COMMANDS.values()} & loaded


def test_offline_policy_imports_only_its_own_command_module() -> None:
    argv = ["policy", "trust", "--account-id", "123456789012"]
    loaded = _modules_after(argv)
    others = {e.module for e in COMMANDS.values()} - {"gtprov.cli.policy_cmd"}
    assert "gtprov.cli.policy_cmd" in loaded
    assert not others & loaded
    assert not {"boto3", "botocore", "moto", "gtprov.config"} & loaded
