"""The role planner against in-memory fakes of the IAM and KMS clients.

The fakes hold state in dicts and log each call, so these tests also show
which reads a plan needs. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from gtprov.aws.iam import (
    DEFAULT_QUOTAS,
    AttachedPolicy,
    IamClient,
    IamQuotas,
    ManagedPolicy,
    Role,
)
from gtprov.aws.kms import KmsClient, KmsKey
from gtprov.errors import ConflictError, OwnershipError, PolicySizeError
from gtprov.models.role import Account, RoleValues, build_execution_role
from gtprov.ownership import ownership_tags
from gtprov.plan.model import Action, Plan
from gtprov.plan.role import (
    INLINE_POLICY,
    check_trust_size,
    desired_trust,
    plan_execution_role,
)
from gtprov.policy.execution import execution_policy

ACCOUNT = Account("123456789012", "us-east-1", "aws")
NAME = "GtLabeling"
ARN = f"arn:aws:iam::123456789012:role/{NAME}"


@dataclass
class FakeIam:
    roles: dict[str, Role] = field(default_factory=dict)
    inline: dict[str, dict[str, Any]] = field(default_factory=dict)
    attached: list[AttachedPolicy] = field(default_factory=list)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    quotas: IamQuotas = DEFAULT_QUOTAS
    calls: list[str] = field(default_factory=list)

    def get_role(self, name: str) -> Role | None:
        self.calls.append("GetRole")
        return self.roles.get(name)

    def list_role_policy_names(self, role: str) -> list[str]:
        self.calls.append("ListRolePolicies")
        return list(self.inline)

    def get_role_policy(self, role: str, policy: str) -> dict[str, Any] | None:
        self.calls.append("GetRolePolicy")
        return self.inline.get(policy)

    def list_attached_role_policies(self, role: str) -> list[AttachedPolicy]:
        self.calls.append("ListAttachedRolePolicies")
        return list(self.attached)

    def get_policy(self, arn: str) -> ManagedPolicy | None:
        self.calls.append("GetPolicy")
        return self.policies.get(arn)

    def get_policy_document(self, arn: str, version: str) -> dict[str, Any] | None:
        self.calls.append("GetPolicyVersion")
        return self.documents.get(arn)

    def get_account_quotas(self) -> IamQuotas:
        self.calls.append("GetAccountSummary")
        return self.quotas


@dataclass
class FakeKms:
    keys: dict[str, KmsKey] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    rotation: dict[str, bool] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def describe_key(self, ref: str) -> KmsKey | None:
        self.calls.append("DescribeKey")
        return self.keys.get(ref)

    def get_key_policy(self, arn: str) -> dict[str, Any] | None:
        self.calls.append("GetKeyPolicy")
        return self.policies.get(arn)

    def list_resource_tags(self, arn: str) -> dict[str, str] | None:
        self.calls.append("ListResourceTags")
        return self.tags.get(arn)

    def get_key_rotation_status(self, arn: str) -> bool:
        self.calls.append("GetKeyRotationStatus")
        return self.rotation.get(arn, False)


def role_values(**kwargs: Any) -> RoleValues:
    base: dict[str, Any] = {"name": NAME, "buckets": ("gt-data",)}
    base.update(kwargs)
    return RoleValues(**base)


def plan(iam: FakeIam, kms: FakeKms | None = None, **kwargs: Any) -> Plan:
    role = build_execution_role(role_values(**kwargs), ACCOUNT)
    fake_kms = cast(KmsClient, kms or FakeKms())
    return plan_execution_role(cast(IamClient, iam), fake_kms, role, ACCOUNT)


def existing(mark: Mapping[str, str] | None = None, **kwargs: Any) -> Role:
    """The role a clean run with ``kwargs`` leaves (``mark``: its tags)."""
    role = build_execution_role(role_values(**kwargs), ACCOUNT)
    return Role(
        name=NAME,
        arn=ARN,
        path="/",
        trust_policy=desired_trust(role, ACCOUNT),
        description=role.description,
        max_session_duration=role.max_session_duration,
        permissions_boundary=None,
        tags=dict(mark if mark is not None else role.desired_tags()),
    )


def converged(**kwargs: Any) -> FakeIam:
    role = build_execution_role(role_values(**kwargs), ACCOUNT)
    iam = FakeIam(roles={NAME: existing(**kwargs)})
    iam.inline[INLINE_POLICY] = execution_policy(role.permissions)
    return iam


def actions(p: Plan) -> list[tuple[str, str]]:
    return [(c.action.value, c.kind) for c in p.changes if c.is_write]


def test_a_new_role_is_one_create_and_one_policy_without_listing_anything() -> None:
    iam = FakeIam()
    p = plan(iam)
    assert actions(p) == [("create", "iam-role"), ("create", "iam-role-policy")]
    assert iam.calls == ["GetRole"]
    assert p.resources["role_arn"] == ARN


def test_a_converged_role_plans_only_no_ops_with_four_reads() -> None:
    iam = converged()
    p = plan(iam)
    assert p.in_sync
    assert iam.calls == [
        "GetRole",
        "ListRolePolicies",
        "GetRolePolicy",
        "ListAttachedRolePolicies",
    ]


def test_policy_equality_is_semantic() -> None:
    iam = converged()
    doc = iam.inline[INLINE_POLICY]
    doc["Statement"] = list(reversed(doc["Statement"]))
    assert plan(iam).in_sync


def test_a_role_without_the_tag_is_refused_unless_adopted() -> None:
    iam = FakeIam(roles={NAME: existing(mark={})})
    with pytest.raises(OwnershipError) as caught:
        plan(iam)
    assert "--adopt" in (caught.value.hint or "")
    adopt = plan(FakeIam(roles={NAME: existing(mark={})}), adopt=True)
    first = adopt.changes[0]
    assert (first.kind, first.handler) == ("iam-role-tags", "iam.tag_role")
    assert first.reason.startswith("adopt")


def test_a_role_at_another_path_cannot_be_moved() -> None:
    with pytest.raises(ConflictError):
        plan(converged(), path="/other/")


def test_a_dropped_user_tag_is_kept_but_a_stale_gtprov_tag_goes_last() -> None:
    tags = {**ownership_tags("execution-role"), "team": "x", "gtprov:old": "1"}
    iam = converged()
    iam.roles[NAME] = existing(mark=tags)
    p = plan(iam)
    assert actions(p) == [("delete", "iam-role-tags")]
    assert p.changes[-1].params["keys"] == ["gtprov:old"]


def test_boundary_omitted_is_left_alone() -> None:
    iam = converged()
    role = iam.roles[NAME]
    iam.roles[NAME] = Role(**{**role.__dict__, "permissions_boundary": "arn:b"})
    assert plan(iam).in_sync


def test_small_documents_do_not_read_the_account_quotas() -> None:
    iam = FakeIam()
    plan(iam, input_uris=[f"s3://b-{i:03d}/p" for i in range(10)])
    assert "GetAccountSummary" not in iam.calls


def test_a_big_document_reads_the_quotas_once_and_goes_managed() -> None:
    iam = FakeIam()
    uris = [f"s3://gt-input-bucket-{i:03d}/datasets/batch-{i:03d}" for i in range(40)]
    p = plan(iam, input_uris=uris)
    assert iam.calls.count("GetAccountSummary") == 1
    kinds = [c.kind for c in p.changes if c.is_write]
    assert kinds == ["iam-role", "iam-policy", "iam-policy", "iam-policy"]
    assert all(":policy/gtprov/" in c.name for c in p.changes[1:])


def test_a_raised_role_policy_quota_keeps_a_big_document_inline() -> None:
    iam = FakeIam(quotas=IamQuotas(20_480, 2_048, 6_144, 10, 5))
    uris = [f"s3://gt-input-bucket-{i:03d}/datasets/batch-{i:03d}" for i in range(40)]
    p = plan(iam, input_uris=uris)
    assert actions(p) == [("create", "iam-role"), ("create", "iam-role-policy")]


def test_too_many_attached_policies_are_refused_with_the_quota() -> None:
    iam = converged()
    iam.quotas = IamQuotas(10_240, 2_048, 6_144, 2, 5)
    iam.attached = [AttachedPolicy("a", "arn:aws:iam::aws:policy/A")]
    uris = [f"s3://gt-input-bucket-{i:03d}/datasets/batch-{i:03d}" for i in range(40)]
    with pytest.raises(ConflictError) as caught:
        plan(iam, input_uris=uris)
    assert "allows 2" in caught.value.message


def test_foreign_inline_policies_count_towards_the_aggregate() -> None:
    iam = converged()
    statement = {"Effect": "Allow", "Action": "s3:*", "Resource": "x" * 9_800}
    iam.inline["hand-made"] = {"Version": "2012-10-17", "Statement": [statement]}
    p = plan(iam)
    assert "GetAccountSummary" in iam.calls
    assert any("hand-made" in w for w in p.warnings)
    assert ("create", "iam-policy") in actions(p)
    assert ("delete", "iam-role-policy") in actions(p)


def test_a_trust_policy_over_the_default_quota_is_checked_against_the_account() -> None:
    iam = FakeIam(quotas=IamQuotas(10_240, 2_500, 6_144, 10, 5))
    fake = cast(IamClient, iam)
    check_trust_size(fake, {"Statement": "y" * 2_400})
    assert iam.calls == ["GetAccountSummary"]
    with pytest.raises(PolicySizeError):
        check_trust_size(fake, {"Statement": "y" * 3_000})


def test_an_attached_gtprov_policy_without_the_tag_is_refused() -> None:
    iam = converged()
    arn = "arn:aws:iam::123456789012:policy/gtprov/gtprov-GtLabeling-execution-1"
    iam.attached = [AttachedPolicy("gtprov-GtLabeling-execution-1", arn)]
    iam.policies[arn] = ManagedPolicy("p", arn, "/gtprov/", "v1", {})
    uris = [f"s3://gt-input-bucket-{i:03d}/datasets/batch-{i:03d}" for i in range(40)]
    with pytest.raises(OwnershipError):
        plan(iam, input_uris=uris)


def test_changes_come_in_apply_order() -> None:
    iam = converged(tags=["team=a"])
    iam.inline["gtprov-old"] = {"Version": "2012-10-17", "Statement": []}
    p = plan(iam, tags=["team=b"], description="New")
    assert [(c.action, c.kind) for c in p.changes if c.is_write] == [
        (Action.UPDATE, "iam-role-tags"),
        (Action.UPDATE, "iam-role"),
        (Action.DELETE, "iam-role-policy"),
    ]
