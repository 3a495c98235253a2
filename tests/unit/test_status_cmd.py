"""The CLI side of status, destroy and doctor: validation before any AWS
call, the confirmation, and the text each command prints."""

from __future__ import annotations

from typing import Any

import pytest

from gtprov.cli import status_cmd
from gtprov.cli.options import GlobalOptions
from gtprov.errors import GtprovError, InputError
from gtprov.plan.destroy import DestroyScope
from gtprov.plan.doctor import Check
from gtprov.plan.model import Action, Change, Plan
from gtprov.plan.status import Row


def scope(**given: Any) -> DestroyScope:
    values: dict[str, Any] = {
        "workforce": False,
        "key_statements": False,
        "everything": False,
        "key_deletion_days": 30,
        "force_users": False,
    }
    values.update(given)
    roles = values.pop("roles", [])
    return status_cmd.destroy_scope(roles, **values)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({}, "destroy"),
        ({"everything": True, "key_deletion_days": 6}, "--key-deletion-days"),
        ({"everything": True, "key_deletion_days": 31}, "--key-deletion-days"),
        ({"roles": ["no spaces allowed"]}, "--role"),
        ({"roles": ["GtRole"], "force_users": True}, "--force-users"),
    ],
)
def test_destroy_scope_refuses_bad_input(given: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as raised:
        scope(**given)
    assert raised.value.field == field


def test_destroy_scope_keeps_each_role_once() -> None:
    made = scope(roles=["A", "B", "A"], key_deletion_days=7)
    assert made.roles == ("A", "B")
    assert made.key_deletion_days == 7


def test_destroy_without_a_terminal_refuses_unless_told_yes() -> None:
    with pytest.raises(InputError) as raised:
        status_cmd.require_terminal(False)
    assert raised.value.field == "--yes"
    status_cmd.require_terminal(True)


PLAN = Plan(
    (Change(Action.DELETE, "iam-role", "GtRole", handler="destroy.delete_role"),)
)


def test_answering_no_stops_the_destroy() -> None:
    asked: list[str] = []

    def no(question: str) -> bool:
        asked.append(question)
        return False

    with pytest.raises(GtprovError, match="cancelled"):
        status_cmd.confirm_plan(GlobalOptions(verbosity=-1), PLAN, no)
    assert asked == ["Delete these 1 resources?"]


def test_answering_yes_lets_it_go_on_and_nothing_to_do_asks_nothing() -> None:
    status_cmd.confirm_plan(GlobalOptions(verbosity=-1), PLAN, lambda _: True)
    status_cmd.confirm_plan(GlobalOptions(), Plan(), lambda _: pytest.fail("asked"))


def test_status_table_shows_drift_under_its_row() -> None:
    rows = [
        Row("execution-role", "GtRole", {"policies": ["gtprov-execution"]}),
        Row("sagemaker-workteam", "labelers", {"members": 3}, ("group gone",)),
    ]
    lines = status_cmd.status_lines(rows)
    assert lines[0].split() == ["KIND", "NAME", "STATE", "DETAIL"]
    assert "policies: gtprov-execution" in lines[1]
    assert lines[3] == "    - group gone"
    assert lines[-1] == "2 resources, 1 drifted."


def test_status_table_says_when_gtprov_manages_nothing() -> None:
    assert status_cmd.status_lines([]) == [
        "gtprov manages nothing in this account and Region."
    ]


def test_doctor_lines_end_with_counts_and_show_fixes() -> None:
    lines = status_cmd.doctor_lines(
        [Check("a", "ok", "fine"), Check("b", "failed", "broken", "do this")]
    )
    assert lines[-1] == "1 ok, 0 warning, 1 failed."
    assert "fix: do this" in lines[2]


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("gt-pre", "gt-pre"),
        ("gt-pre:live", "gt-pre"),
        ("111122223333:function:gt-pre", "gt-pre"),
        ("arn:aws:lambda:us-east-1:111122223333:function:gt-pre:3", "gt-pre"),
    ],
)
def test_lambda_name_is_read_offline(value: str, name: str) -> None:
    assert status_cmd.lambda_name(value, "us-east-1", "aws") == name


def test_lambda_in_another_region_is_refused() -> None:
    with pytest.raises(InputError):
        status_cmd.lambda_name(
            "arn:aws:lambda:eu-west-1:111122223333:function:f", "us-east-1", "aws"
        )
