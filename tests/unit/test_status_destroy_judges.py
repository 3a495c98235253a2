"""The pure judgements of status and destroy: drift, ownership, order."""

from __future__ import annotations

from typing import Any

import pytest

from gtprov.aws.iam import AttachedPolicy, Role
from gtprov.aws.inventory import (
    KeyInfo,
    ManagedRole,
    PoolContents,
    PoolInfo,
    TeamInfo,
    WorkforceFound,
)
from gtprov.aws.kms import KmsKey
from gtprov.aws.sagemaker import CognitoMember, WorkforceInfo, WorkteamInfo
from gtprov.aws.sns import Topic
from gtprov.aws.teardown import pool_update_request
from gtprov.plan import destroy, status
from gtprov.plan.model import Action
from gtprov.plan.workforce import GROUP_MARK, TOPIC_SID
from gtprov.policy.kms import gtprov_sid, new_key_policy
from gtprov.policy.trust import trust_policy

ACCOUNT = "111122223333"
WHERE = status.Where(ACCOUNT, "us-east-1", "aws")
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/GtRole"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GRANT = {"gtprov:kms-grant:1234abcd-12ab-34cd-56ef-1234567890ab": KEY_ARN}


def role(
    *,
    trust: dict[str, Any] | None = None,
    inline: tuple[str, ...] = ("gtprov-execution",),
    attached: tuple[AttachedPolicy, ...] = (),
    tags: dict[str, str] | None = None,
) -> ManagedRole:
    data = Role(
        "GtRole",
        ROLE_ARN,
        "/",
        trust if trust is not None else trust_policy(),
        "",
        3600,
        None,
        {"gtprov:managed-by": "gtprov", **(tags if tags is not None else GRANT)},
    )
    return ManagedRole(data, inline, attached)


def key(
    policy: dict[str, Any] | None, *, state: str = "Enabled", managed: bool = True
) -> KeyInfo:
    meta = KmsKey(
        KEY_ARN,
        KEY_ARN.rsplit("/", 1)[1],
        ACCOUNT,
        "us-east-1",
        state,
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "CUSTOMER",
    )
    tags = (
        {"gtprov:managed-by": "gtprov", "gtprov:alias": "alias/gt"} if managed else {}
    )
    return KeyInfo(meta, tags, ("alias/gt",), policy)


def granted_policy() -> dict[str, Any]:
    return new_key_policy(ACCOUNT, "aws", [ROLE_ARN])


# Status: roles and statements -------------------------------------------------------


def test_role_with_gtprov_trust_policy_and_policy_is_in_sync() -> None:
    row = status.judge_role(role(), {KEY_ARN: key(granted_policy())}, WHERE)
    assert row.state == status.IN_SYNC


def test_role_with_source_account_trust_is_in_sync() -> None:
    hardened = trust_policy(source_account=ACCOUNT)
    row = status.judge_role(role(trust=hardened), {}, WHERE)
    assert not any("trust" in d for d in row.drift)


def test_role_trusting_another_service_has_drifted() -> None:
    other = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    row = status.judge_role(role(trust=other), {}, WHERE)
    assert any("trust policy" in d for d in row.drift)


def test_role_without_gtprov_policy_has_drifted() -> None:
    row = status.judge_role(role(inline=("someone-else",)), {}, WHERE)
    assert any("gtprov-execution" in d for d in row.drift)
    assert row.facts["other_policies"] == ["someone-else"]


def test_role_whose_recorded_key_is_gone_has_drifted() -> None:
    row = status.judge_role(role(), {}, WHERE)
    assert any("no longer exists" in d for d in row.drift)


def test_grant_in_another_region_is_not_judged_here() -> None:
    elsewhere = {"gtprov:kms-grant:x": KEY_ARN.replace("us-east-1", "eu-west-1")}
    row = status.judge_role(role(tags=elsewhere), {}, WHERE)
    assert row.drift == ()


def test_missing_statement_of_a_recorded_grant_has_drifted() -> None:
    rows = status.judge_statements([role()], [key(new_key_policy(ACCOUNT, "aws", []))])
    assert [r.state for r in rows] == [status.DRIFTED]
    assert "missing" in rows[0].drift[0]


def test_changed_statement_has_drifted() -> None:
    policy = granted_policy()
    policy["Statement"][1]["Action"] = "kms:*"
    rows = status.judge_statements([role()], [key(policy)])
    assert "changed" in rows[0].drift[0]


def test_statement_no_role_records_is_an_orphan() -> None:
    policy = new_key_policy(ACCOUNT, "aws", [f"arn:aws:iam::{ACCOUNT}:role/Gone"])
    rows = status.judge_statements([], [key(policy)])
    assert [r.facts["sid"] for r in rows] == [gtprov_sid("Gone")]
    assert "--key-statements" in rows[0].drift[0]


@pytest.mark.parametrize(
    ("state", "rotation", "delegating", "expected"),
    [
        ("Enabled", True, True, []),
        ("Disabled", None, True, ["key state is Disabled"]),
        ("Enabled", False, True, ["automatic rotation is off"]),
        ("Enabled", True, False, ["the key policy no longer delegates to IAM"]),
    ],
)
def test_key_gtprov_created_is_judged_on_state_rotation_and_delegation(
    state: str, rotation: bool | None, delegating: bool, expected: list[str]
) -> None:
    policy = granted_policy()
    if not delegating:
        policy["Statement"] = policy["Statement"][1:]
    row = status.judge_key(key(policy, state=state), rotation)
    assert [d.split(" (")[0] for d in row.drift] == expected


# Status: workforce ----------------------------------------------------------------


def pool(**changes: Any) -> PoolInfo:
    values: dict[str, Any] = {
        "id": "us-east-1_abc",
        "name": "gtprov-default",
        "arn": "",
        "tags": {"gtprov:managed-by": "gtprov"},
        "domain": "gtprov-abc",
        "custom_domain": None,
        "deletion_protection": True,
        "estimated_users": 1,
        "admin_create_only": True,
    }
    values.update(changes)
    return PoolInfo(**values)


def test_bound_pool_as_gtprov_made_it_is_in_sync() -> None:
    assert status.judge_pool(pool(), "ACTIVE", bound=True) == []


def test_pool_drift_names_each_change() -> None:
    drift = status.judge_pool(
        pool(domain=None, admin_create_only=False, deletion_protection=False),
        None,
        bound=False,
    )
    assert len(drift) == 4


def workforce(pool_id: str = "us-east-1_abc") -> WorkforceFound:
    info = WorkforceInfo(
        "default", "arn:wf", "Active", "", "x.labeling.aws", pool_id, "client", ()
    )
    return WorkforceFound(info, True, "bound to gtprov's user pool")


def team(pool_id: str = "us-east-1_abc", group: str = "labelers") -> TeamInfo:
    member = CognitoMember(pool_id, group, "client")
    return TeamInfo(
        WorkteamInfo("labelers", "arn:t", "", (member,), None),
        {"gtprov:managed-by": "gtprov"},
    )


def test_team_whose_group_is_gone_has_drifted() -> None:
    drift = status.judge_team(team(), workforce(), {"us-east-1_abc": {"other"}})
    assert drift == ["Cognito group labelers no longer exists"]


def test_team_of_another_pool_has_drifted() -> None:
    drift = status.judge_team(team("us-east-1_zzz"), workforce(), {})
    assert "not of the workforce" in drift[0]


def test_client_without_portal_urls_has_drifted() -> None:
    assert status.judge_client({}, "x.labeling.aws")
    assert status.judge_client(None, "x.labeling.aws") == [
        "its app client no longer exists"
    ]


def test_topic_without_sagemaker_statement_has_drifted() -> None:
    ok = Topic("arn:t", {"Statement": [{"Sid": TOPIC_SID}]}, {})
    bad = Topic("arn:t", {"Statement": []}, {})
    assert status.judge_topic(ok).state == status.IN_SYNC
    assert status.judge_topic(bad).state == status.DRIFTED


def test_resources_group_rows_by_kind_with_every_kind_present() -> None:
    grouped = status.resources([status.Row("sagemaker-workteam", "a")])
    assert grouped["workteams"][0]["state"] == status.IN_SYNC
    assert set(grouped) == set(status.RESOURCE_KEYS.values())


# Destroy ------------------------------------------------------------------------------


def test_foreign_statements_leave_out_gtprov_and_root_delegation() -> None:
    policy = granted_policy()
    other = {
        "Sid": "Team",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
    }
    policy["Statement"].append(other)
    assert destroy.foreign_statements(policy) == [other]


def test_role_teardown_deletes_policies_before_the_role() -> None:
    managed = AttachedPolicy(
        "gtprov-GtRole-execution-1",
        f"arn:aws:iam::{ACCOUNT}:policy/gtprov/gtprov-GtRole-execution-1",
    )
    changes = destroy.role_changes(role(attached=(managed,)))
    assert [c.handler for c in changes] == [
        "iam.delete_role_policy",
        "iam.delete_managed_policy",
        "destroy.delete_role",
    ]


def contents(**changes: Any) -> PoolContents:
    values: dict[str, Any] = {
        "clients": ("gtprov-default",),
        "groups": {"labelers": f"Ground Truth work team labelers {GROUP_MARK}"},
        "users": {"a": True},
    }
    values.update(changes)
    return PoolContents(**values)


@pytest.mark.parametrize(
    ("found", "force", "reason"),
    [
        (contents(), False, ""),
        (contents(clients=("gtprov-default", "mobile-app")), True, "mobile-app"),
        (contents(groups={"admins": ""}), True, "admins"),
        (contents(users={"a": True, "b": False}), False, "--force-users"),
        (contents(users={"a": True, "b": False}), True, ""),
    ],
)
def test_pool_is_kept_while_others_use_it(
    found: PoolContents, force: bool, reason: str
) -> None:
    scope = destroy.DestroyScope(workforce=True, force_users=force)
    blocker = destroy._pool_blocker(pool(), found, scope)
    assert (reason in blocker) if reason else blocker == ""


def test_pool_goes_in_the_order_cognito_requires() -> None:
    changes = destroy.pool_changes(pool(), contents())
    assert [c.handler for c in changes] == [
        "destroy.delete_domain",
        "destroy.disable_deletion_protection",
        "destroy.delete_user_pool",
    ]
    assert changes[1].action is Action.UPDATE


def test_pool_update_keeps_every_setting_and_turns_protection_off() -> None:
    described = {
        "Id": "us-east-1_abc",
        "Name": "gtprov-default",
        "DeletionProtection": "ACTIVE",
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": True,
            "UnusedAccountValidityDays": 7,
        },
        "Policies": {"PasswordPolicy": {"MinimumLength": 12}},
        "EstimatedNumberOfUsers": 3,
    }
    accepted = frozenset(
        {"UserPoolId", "DeletionProtection", "AdminCreateUserConfig", "Policies"}
    )
    request = pool_update_request(described, accepted)
    assert request["DeletionProtection"] == "INACTIVE"
    assert request["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}
    assert request["Policies"] == described["Policies"]
    assert set(request) == {
        "UserPoolId",
        "DeletionProtection",
        "AdminCreateUserConfig",
        "Policies",
    }


def test_deleting_a_role_warns_of_its_grants_in_other_regions() -> None:
    far = KEY_ARN.replace("us-east-1", "eu-west-1")
    warnings = destroy._other_region_warnings(
        [role(tags={"gtprov:kms-grant:x": far})], "us-east-1"
    )
    assert len(warnings) == 1
    assert "--region eu-west-1" in warnings[0]
    assert destroy._other_region_warnings([role()], "us-east-1") == []
