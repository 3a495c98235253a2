"""The workers file: both formats, per-line errors, duplicates, streaming."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from gtprov.errors import InputError
from gtprov.models.workforce import (
    Worker,
    WorkerSet,
    iter_workers,
    read_workers_file,
    workers_from_emails,
)

TEAMS = ("labelers", "reviewers")


def read(text: str, default_team: str | None = None) -> list[Worker]:
    lines = text.splitlines(keepends=True)
    return list(
        iter_workers(lines, source="f.csv", teams=TEAMS, default_team=default_team)
    )


def test_csv_with_header_assigns_each_row_its_team() -> None:
    workers = read("email,team\na@example.com,labelers\nb@example.com,reviewers\n")
    assert workers == [
        Worker("a@example.com", "labelers"),
        Worker("b@example.com", "reviewers"),
    ]


def test_csv_columns_may_come_in_any_order_and_case() -> None:
    workers = read("Team , EMAIL\nreviewers, C@Example.COM \n")
    assert workers == [Worker("c@example.com", "reviewers")]


def test_one_email_per_line_goes_to_the_single_team() -> None:
    workers = read("# crowd\n\na@example.com\nB@example.com\n", "labelers")
    assert workers == [
        Worker("a@example.com", "labelers"),
        Worker("b@example.com", "labelers"),
    ]


def test_email_only_header_is_skipped_for_a_single_team() -> None:
    assert read("email\na@example.com\n", "reviewers") == [
        Worker("a@example.com", "reviewers")
    ]


def test_a_bad_address_names_its_line_number() -> None:
    with pytest.raises(InputError) as caught:
        read("email,team\na@example.com,labelers\n\nnot-an-email,labelers\n")
    assert caught.value.field == "f.csv, line 4"


def test_a_team_that_was_not_given_is_refused_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read("email,team\na@example.com,strangers\n")
    assert caught.value.field == "f.csv, line 2"
    assert "labelers" in caught.value.rule


def test_one_email_per_line_needs_exactly_one_team() -> None:
    with pytest.raises(InputError) as caught:
        read("a@example.com\n")
    assert caught.value.field == "f.csv, line 1"


def test_csv_without_an_email_header_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        read("a@example.com,labelers\n")
    assert "header" in caught.value.rule


def test_an_empty_cell_is_refused_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        read("email,team\n,labelers\n")
    assert caught.value.field == "f.csv, line 2"


def test_an_empty_file_has_no_workers() -> None:
    assert read("\n# nothing yet\n", "labelers") == []


def test_collect_drops_repeats_case_blind_and_counts_them() -> None:
    rows = read(
        "email,team\na@example.com,labelers\nA@EXAMPLE.com,labelers\n"
        "a@example.com,reviewers\n"
    )
    workers = WorkerSet.collect(rows)
    assert workers.by_team == {
        "labelers": ("a@example.com",),
        "reviewers": ("a@example.com",),
    }
    assert (len(workers), workers.duplicates) == (2, 1)


def test_read_workers_file_strips_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("\ufeffemail,team\na@example.com,labelers\n", encoding="utf-8")
    workers = list(read_workers_file(path, teams=TEAMS, default_team=None))
    assert workers == [Worker("a@example.com", "labelers")]


def test_read_workers_file_reports_a_missing_file_as_input(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        list(read_workers_file(tmp_path / "nope.csv", teams=TEAMS, default_team=None))
    assert caught.value.field == "--workers-file"


def test_worker_options_are_validated_one_by_one() -> None:
    with pytest.raises(InputError) as caught:
        list(workers_from_emails(["a@example.com", "bad"], "labelers"))
    assert caught.value.field == "--worker (#2)"


def _lines(count: int) -> Iterator[str]:
    yield "email,team\n"
    for i in range(count):
        yield f"worker{i:06d}@example.com,{TEAMS[i % 2]}\n"


def _peak_bytes_streaming(count: int) -> int:
    tracemalloc.start()
    for _ in iter_workers(_lines(count), source="gen", teams=TEAMS, default_team=None):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_reading_streams_so_memory_does_not_grow_with_rows() -> None:
    small, large = _peak_bytes_streaming(1_000), _peak_bytes_streaming(20_000)
    assert large < small * 2
