"""KMS planning against in-memory fakes: refusals, grants, sweeps, new keys."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from gtprov.aws.kms import KmsClient, KmsKey
from gtprov.errors import ConflictError, InputError, NotFoundError
from gtprov.models.role import KMS_GRANT_TAG, build_execution_role
from gtprov.ownership import ownership_tags
from gtprov.plan.kms import NEW_KEY_ID_PLACEHOLDER, KeyPlan, check_usable, plan_keys
from gtprov.plan.model import Action
from gtprov.policy.kms import gtprov_sid, key_policy_statement, root_statement
from tests.unit.test_plan_role import ACCOUNT, ARN, NAME, FakeKms, role_values

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"
KEY = KmsKey(
    arn=KEY_ARN,
    key_id=KEY_ID,
    account="123456789012",
    region="us-east-1",
    state="Enabled",
    spec="SYMMETRIC_DEFAULT",
    usage="ENCRYPT_DECRYPT",
    manager="CUSTOMER",
)
ROOT = root_statement("123456789012", "aws")
SID = gtprov_sid(NAME)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def fake(key: KmsKey = KEY, policy: dict[str, Any] | None = None) -> FakeKms:
    kms = FakeKms()
    kms.keys.update({"alias/data": key, key.arn: key})
    kms.policies[key.arn] = policy if policy is not None else doc(ROOT)
    return kms


def keys(
    kms: FakeKms, recorded: dict[str, str] | None = None, **kwargs: Any
) -> KeyPlan:
    role = build_execution_role(role_values(**kwargs), ACCOUNT)
    return plan_keys(cast(KmsClient, kms), role, ACCOUNT, recorded or {})


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"state": "Disabled"}, "enable-key"),
        ({"state": "PendingDeletion"}, "cancel-key-deletion"),
        ({"state": "PendingImport"}, "Wait until"),
        ({"spec": "RSA_2048", "usage": "SIGN_VERIFY"}, "symmetric"),
        ({"manager": "AWS"}, "customer managed"),
        ({"region": "eu-west-1"}, "--region eu-west-1"),
    ],
)
def test_an_unusable_key_is_refused_with_advice(
    change: dict[str, str], words: str
) -> None:
    with pytest.raises(ConflictError) as caught:
        check_usable(replace(KEY, **change), "--kms-key k", ACCOUNT)
    assert words in (caught.value.hint or "")


def test_a_missing_key_is_not_found_with_the_describe_command() -> None:
    with pytest.raises(NotFoundError) as caught:
        keys(FakeKms(), kms_keys=["alias/none"])
    assert "aws kms describe-key" in (caught.value.hint or "")


def test_a_key_arn_of_another_region_is_bad_input_refused_without_a_call() -> None:
    kms = FakeKms()
    other = KEY_ARN.replace("us-east-1", "eu-west-1")
    with pytest.raises(InputError):
        keys(kms, kms_keys=[other])
    assert kms.calls == []


def test_a_named_key_costs_one_describe_and_one_policy_read() -> None:
    kms = fake()
    plan = keys(kms, kms_keys=["alias/data"])
    assert kms.calls == ["DescribeKey", "GetKeyPolicy"]
    assert plan.data_arns == [KEY_ARN]
    assert plan.warnings == []
    assert plan.grant_changes == plan.removals == []


def test_no_iam_delegation_draws_the_suggestion() -> None:
    plan = keys(fake(policy=doc()), kms_keys=["alias/data"])
    assert len(plan.warnings) == 1
    assert "--grant-key-policy" in plan.warnings[0]


def test_grant_plans_a_statement_once_and_then_a_no_op() -> None:
    plan = keys(fake(), kms_keys=["alias/data"], grant_key_policy=True)
    change = plan.grant_changes[0]
    assert (change.action, change.handler) == (
        Action.CREATE,
        "kms.put_key_policy_statement",
    )
    assert change.params["statement"]["Sid"] == SID
    assert [g.tag_key for g in plan.grants] == [KMS_GRANT_TAG + KEY_ID]
    granted = doc(ROOT, key_policy_statement(ARN, SID))
    again = keys(fake(policy=granted), kms_keys=["alias/data"], grant_key_policy=True)
    assert again.grant_changes[0].action is Action.NOOP


def test_a_key_of_another_account_is_warned_about_and_cannot_be_granted() -> None:
    foreign = replace(KEY, account="999999999999")
    kms = fake(key=foreign)
    plan = keys(kms, kms_keys=["alias/data"])
    assert "GetKeyPolicy" not in kms.calls
    assert "999999999999" in plan.warnings[0]
    with pytest.raises(ConflictError):
        keys(fake(key=foreign), kms_keys=["alias/data"], grant_key_policy=True)


def test_a_recorded_key_no_longer_named_loses_its_statement_then_its_record() -> None:
    kms = fake(policy=doc(ROOT, key_policy_statement(ARN, SID)))
    plan = keys(kms, recorded={KMS_GRANT_TAG + KEY_ID: KEY_ARN})
    assert [c.handler for c in plan.removals] == ["kms.remove_key_policy_statement"]
    assert plan.stale_records == [KMS_GRANT_TAG + KEY_ID]


def test_a_recorded_key_already_deleted_only_loses_its_record() -> None:
    plan = keys(FakeKms(), recorded={KMS_GRANT_TAG + KEY_ID: KEY_ARN})
    assert plan.removals == []
    assert plan.stale_records == [KMS_GRANT_TAG + KEY_ID]


def test_a_record_from_another_region_is_kept_and_reported() -> None:
    other = KEY_ARN.replace("us-east-1", "eu-west-1")
    kms = FakeKms()
    plan = keys(kms, recorded={KMS_GRANT_TAG + KEY_ID: other})
    assert kms.calls == []
    assert plan.kept_records == {KMS_GRANT_TAG + KEY_ID: other}
    assert "eu-west-1" in plan.warnings[0]


def test_a_new_key_is_created_aliased_and_rotated_with_a_placeholder_arn() -> None:
    kms = FakeKms()
    plan = keys(kms, create_kms_key="gt-new")
    assert kms.calls == ["DescribeKey"]
    assert [c.handler for c in plan.setup] == [
        "kms.create_key",
        "kms.create_alias",
        "kms.enable_key_rotation",
    ]
    assert plan.data_arns[0].endswith(f":key/{NEW_KEY_ID_PLACEHOLDER}")
    assert set(plan.substitutions) == {NEW_KEY_ID_PLACEHOLDER}


def test_a_key_recorded_but_never_aliased_is_reused() -> None:
    kms = fake()
    del kms.keys["alias/data"]
    kms.tags[KEY_ARN] = {**ownership_tags("kms-key"), "gtprov:alias": "alias/gt-new"}
    kms.rotation[KEY_ARN] = True
    plan = keys(kms, {KMS_GRANT_TAG + KEY_ID: KEY_ARN}, create_kms_key="gt-new")
    assert [(c.action, c.kind) for c in plan.setup] == [
        (Action.CREATE, "kms-alias"),
        (Action.CREATE, "kms-key-policy"),
        (Action.NOOP, "kms-key-rotation"),
    ]
    assert plan.stale_records == []


def test_an_alias_on_a_key_without_gtprovs_tag_is_refused() -> None:
    kms = fake()
    kms.keys["alias/gt-new"] = KEY
    with pytest.raises(ConflictError) as caught:
        keys(kms, create_kms_key="gt-new")
    assert "--kms-key alias/gt-new" in (caught.value.hint or "")
