from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from gtprov.ownership import KEY_POLICY_SID_PREFIX
from gtprov.policy import kms

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/gt/GtRole"


def test_gtprov_sid_starts_with_the_ownership_prefix_and_is_alphanumeric() -> None:
    sid = kms.gtprov_sid("Gt.Role+1@x")
    assert sid.startswith(KEY_POLICY_SID_PREFIX)
    assert re.fullmatch(r"[A-Za-z0-9]+", sid)


def test_gtprov_sid_is_deterministic_and_tells_punctuation_apart() -> None:
    assert kms.gtprov_sid("gt-a") == kms.gtprov_sid("gt-a")
    assert kms.gtprov_sid("gt-a") != kms.gtprov_sid("gt.a")


def test_gtprov_sid_ignores_case_as_iam_role_names_do() -> None:
    assert kms.gtprov_sid("GtRole")[-8:] == kms.gtprov_sid("gtrole")[-8:]


def test_key_policy_statement_lets_the_role_use_the_key() -> None:
    stmt = kms.key_policy_statement(ROLE, "gtprovX")
    assert stmt["Principal"] == {"AWS": ROLE}
    assert set(stmt["Action"]) == {
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
    }
    assert stmt["Resource"] == "*"


def test_role_statement_is_named_after_the_role_without_its_path() -> None:
    assert kms.role_statement(ROLE)["Sid"] == kms.gtprov_sid("GtRole")


def test_new_key_policy_delegates_to_iam_and_grants_each_role_once() -> None:
    other = f"arn:aws:iam::{ACCOUNT}:role/Other"
    policy = kms.new_key_policy(ACCOUNT, "aws-cn", [ROLE, other, ROLE])
    root, *roles = policy["Statement"]
    assert root["Sid"] == kms.ROOT_SID
    assert root["Principal"] == {"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"}
    assert [s["Principal"]["AWS"] for s in roles] == sorted([ROLE, other])
    assert kms.delegates_to_iam(policy, ACCOUNT)


def _root(principal: Any, **extra: Any) -> dict[str, Any]:
    stmt = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "kms:*",
        "Resource": "*",
    }
    return {"Version": "2012-10-17", "Statement": [{**stmt, **extra}]}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (_root({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), True),
        (_root({"AWS": ACCOUNT}), True),
        (_root({"AWS": [ROLE, f"arn:aws-us-gov:iam::{ACCOUNT}:root"]}), True),
        (_root({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Action=["kms:Decrypt"]), False),
        (_root({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Effect="Deny"), False),
        (
            _root(
                {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}},
            ),
            False,
        ),
        (_root({"AWS": "arn:aws:iam::999999999999:root"}), False),
        (_root({"AWS": ROLE}), False),
        (_root("*"), False),
        (_root({"Service": "sagemaker.amazonaws.com"}), False),
    ],
)
def test_delegates_to_iam_only_for_an_unconditioned_kms_star_to_the_account_root(
    policy: dict[str, Any], expected: bool
) -> None:
    assert kms.delegates_to_iam(policy, ACCOUNT) is expected


def test_delegates_to_iam_without_an_account_accepts_any_root() -> None:
    assert kms.delegates_to_iam(_root({"AWS": "arn:aws:iam::999999999999:root"}))


def _foreign_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Id": "key-consolepolicy-3",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "Allow use by someone else",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/Else"},
                "Action": ["kms:Decrypt"],
                "Resource": "*",
            },
        ],
    }


def test_with_statement_appends_and_keeps_every_other_statement_intact() -> None:
    before = _foreign_policy()
    after = kms.with_statement(before, kms.role_statement(ROLE))
    assert after["Statement"][:2] == _foreign_policy()["Statement"]
    assert after["Statement"][2] == kms.role_statement(ROLE)
    assert after["Id"] == "key-consolepolicy-3"
    assert before == _foreign_policy()


def test_with_statement_replaces_its_own_sid_in_place() -> None:
    stale = kms.key_policy_statement(
        f"arn:aws:iam::{ACCOUNT}:role/Old", kms.gtprov_sid("GtRole")
    )
    policy = kms.with_statement(_foreign_policy(), stale)
    policy["Statement"].append(
        copy.deepcopy(_foreign_policy()["Statement"][1]) | {"Sid": "Z"}
    )
    updated = kms.with_statement(policy, kms.role_statement(ROLE))
    assert [s["Sid"] for s in updated["Statement"]] == [
        s["Sid"] for s in policy["Statement"]
    ]
    assert updated["Statement"][2]["Principal"] == {"AWS": ROLE}


def test_without_statement_removes_only_that_sid() -> None:
    policy = kms.with_statement(_foreign_policy(), kms.role_statement(ROLE))
    assert kms.without_statement(policy, kms.gtprov_sid("GtRole")) == _foreign_policy()


def test_helpers_accept_a_lone_statement_object() -> None:
    policy = {"Version": "2012-10-17", "Statement": _foreign_policy()["Statement"][0]}
    assert len(kms.with_statement(policy, kms.role_statement(ROLE))["Statement"]) == 2
    assert kms.without_statement(policy, kms.ROOT_SID)["Statement"] == []


def test_gtprov_statements_finds_only_statements_it_owns() -> None:
    policy = kms.with_statement(_foreign_policy(), kms.role_statement(ROLE))
    assert kms.gtprov_statements(policy) == [kms.role_statement(ROLE)]


def test_a_key_policy_with_many_roles_stays_within_kms_size() -> None:
    roles = [f"arn:aws:iam::{ACCOUNT}:role/gt-role-{n:03}" for n in range(60)]
    policy = kms.new_key_policy(ACCOUNT, "aws", roles)
    assert len(json.dumps(policy).encode()) < kms.KEY_POLICY_MAX_BYTES
