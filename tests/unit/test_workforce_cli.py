"""The workforce commands' offline checks (exit 2, no AWS) and progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gtprov.cli import workforce_cmd
from gtprov.cli.main import run
from gtprov.cli.options import GlobalOptions
from gtprov.execute.workers import PROGRESS


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["setup-workforce"], "--team"),
        (
            ["setup-workforce", "--team", "a", "--team", "b", "--worker", "x@y.io"],
            "--worker",
        ),
        (["setup-workforce", "--team", "a", "--cidr", "10.0.0.1/8"], "--cidr"),
        (["setup-workforce", "--team", "a", "--worker", "nobody"], "--worker"),
        (["add-workers", "--team", "a"], "EMAIL"),
        (["add-workers", "--team", "-a", "x@y.io"], "--team"),
        (["remove-workers", "--team", "a", "x@y.io", "bad"], "EMAIL (#2)"),
    ],
)
def test_bad_input_exits_2_with_empty_stdout(
    args: list[str], field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"error: {field}:" in err


def test_a_bad_workers_file_row_is_named_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.txt"
    path.write_text("a@example.com\n\nnot-an-address\n")
    assert run(["add-workers", "--team", "t", "--workers-file", str(path)]) == 2
    _, err = capsys.readouterr()
    assert f"--workers-file {path}, line 3" in err


def test_the_bar_redraws_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    bar = workforce_cmd._Bar("team t", 40)
    bar.advance(20)
    bar.close()
    _, err = capsys.readouterr()
    assert err.endswith("\r" + "team t  [" + "#" * 15 + "." * 15 + "] 20/40\n")


def test_no_bar_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with workforce_cmd._progress(GlobalOptions()):
        assert PROGRESS.get() is None


def test_no_bar_with_quiet_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with workforce_cmd._progress(GlobalOptions(verbosity=-1)):
        assert PROGRESS.get() is None
    with workforce_cmd._progress(GlobalOptions()):
        factory = PROGRESS.get()
        assert factory is not None
        assert isinstance(factory("t", 5), workforce_cmd._NoBar)
    assert PROGRESS.get() is None
