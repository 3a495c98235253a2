from __future__ import annotations

from gtprov.cli.render import applied_line, plan_lines, resource_lines
from gtprov.plan.model import Action, Change, Plan


def test_resource_lines_skip_empty_collections_and_indent_items() -> None:
    lines = list(
        resource_lines({"kms_keys": [], "role_arn": "arn:x", "teams": {"a": "arn:t"}})
    )
    assert lines == ["role_arn: arn:x", "teams:", "  a: arn:t"]


def test_plan_lines_show_symbol_kind_name_and_indented_diff() -> None:
    change = Change(Action.UPDATE, "iam-role-policy", "R/p", diff="-a\n+b")
    lines = plan_lines(Plan((change,)))
    assert lines[0].startswith("Plan: 0 to create, 1 to update")
    assert lines[1:] == ["  ~ iam-role-policy R/p", "      -a", "      +b"]


def test_plan_in_sync_says_so() -> None:
    plan = Plan((Change(Action.NOOP, "iam-role", "R"),))
    assert plan_lines(plan)[0] == "Plan: in sync, nothing to change (1 checked)."


def test_a_deleted_key_reads_as_scheduled_for_deletion() -> None:
    change = Change(Action.DELETE, "kms-key", "alias/x (k) after 30 days")
    assert applied_line(change) == (
        "Scheduled deletion of kms-key alias/x (k) after 30 days"
    )
