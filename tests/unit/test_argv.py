from __future__ import annotations

import pytest

from gtprov.cli.argv import hoist_global_options


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["policy", "trust"], ["policy", "trust"]),
        (
            ["policy", "execution", "--region", "eu-west-1", "--bucket", "b"],
            ["--region", "eu-west-1", "policy", "execution", "--bucket", "b"],
        ),
        (
            ["status", "--output=json", "-v"],
            ["--output=json", "-v", "status"],
        ),
        (
            ["policy", "execution", "--output-uri", "s3://b/p"],
            ["policy", "execution", "--output-uri", "s3://b/p"],
        ),
        (["x", "--", "--region", "r"], ["x", "--", "--region", "r"]),
        (["x", "--profile"], ["--profile", "x"]),
    ],
)
def test_hoist_moves_only_global_options_to_the_front(
    argv: list[str], expected: list[str]
) -> None:
    assert hoist_global_options(argv) == expected
