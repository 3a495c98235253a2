"""Handlers and waits, with a fake clock and sleep: no waiting, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from gtprov.aws.iam import IamClient, ManagedPolicy, PolicyVersion, Role
from gtprov.aws.kms import MALFORMED_POLICY, KmsClient, KmsKey
from gtprov.errors import AwsCallError, ConflictError, GtprovError, OwnershipError
from gtprov.execute.kms import (
    create_alias_with,
    create_key_with,
    put_statement_with,
    remove_statement_with,
)
from gtprov.execute.role import (
    create_role_with,
    delete_managed_policy_with,
    new_default_version,
    substituted,
)
from gtprov.execute.waits import BoundedWait
from gtprov.ownership import ownership_tags
from tests.unit.test_plan_kms import KEY, KEY_ARN, ROOT, doc


@dataclass
class Clock:
    """A clock that moves only when something sleeps."""

    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def time(self) -> float:
        return self.now


def backoff(clock: Clock, timeout: float = 10.0) -> BoundedWait:
    return BoundedWait(
        timeout=timeout, first=1.0, cap=4.0, sleep=clock.sleep, clock=clock.time
    )


def malformed() -> AwsCallError:
    return AwsCallError("PutKeyPolicy", MALFORMED_POLICY, "invalid principal")


# BoundedWait -------------------------------------------------------------------------


def test_until_backs_off_exponentially_up_to_the_cap() -> None:
    clock = Clock()
    answers = iter([None, None, None, None, "seen"])
    assert backoff(clock, 30).until(lambda: next(answers), "x") == "seen"
    assert clock.slept == [1.0, 2.0, 4.0, 4.0]


def test_until_gives_up_within_the_timeout_and_says_what_it_waited_for() -> None:
    clock = Clock()
    with pytest.raises(GtprovError) as caught:
        backoff(clock, 10).until(lambda: None, "role R to be visible")
    assert "role R to be visible" in caught.value.message
    assert sum(clock.slept) <= 10


def test_retry_repeats_only_retryable_errors() -> None:
    clock = Clock()
    failures = iter([malformed(), malformed()])

    def call() -> str:
        error = next(failures, None)
        if error:
            raise error
        return "done"

    assert backoff(clock).retry(call, lambda e: e.code == MALFORMED_POLICY) == "done"
    assert clock.slept == [1.0, 2.0]
    denied = AwsCallError("PutKeyPolicy", "AccessDeniedException", "no")

    def deny() -> str:
        raise denied

    with pytest.raises(AwsCallError):
        backoff(clock).retry(deny, lambda e: e.code == MALFORMED_POLICY)


def test_retry_makes_a_last_attempt_and_raises_its_error() -> None:
    clock = Clock()
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise malformed()

    with pytest.raises(AwsCallError):
        backoff(clock, 5).retry(call, lambda e: True)
    assert len(calls) == len(clock.slept) + 1


# Role handlers ----------------------------------------------------------------------


def role(tags: Mapping[str, str]) -> Role:
    return Role("R", "arn:aws:iam::1:role/R", "/", {}, "", 3600, None, dict(tags))


@dataclass
class FakeIam:
    """Just what the role handlers call; ``visible_after`` GetRole misses."""

    created: bool = True
    tags: dict[str, str] = field(default_factory=lambda: ownership_tags("x"))
    visible_after: int = 0
    versions: list[PolicyVersion] = field(default_factory=list)
    policy: ManagedPolicy | None = None
    calls: list[str] = field(default_factory=list)

    def create_role(self, name: str, **_: Any) -> Role | None:
        self.calls.append("CreateRole")
        return role(self.tags) if self.created else None

    def get_role(self, name: str) -> Role | None:
        self.calls.append("GetRole")
        self.visible_after -= 1
        return role(self.tags) if self.visible_after < 0 else None

    def list_policy_versions(self, arn: str) -> list[PolicyVersion]:
        self.calls.append("ListPolicyVersions")
        return list(self.versions)

    def delete_policy_version(self, arn: str, version: str) -> None:
        self.calls.append(f"DeletePolicyVersion {version}")

    def create_policy_version(self, arn: str, document: dict[str, Any]) -> None:
        self.calls.append("CreatePolicyVersion")

    def get_policy(self, arn: str) -> ManagedPolicy | None:
        self.calls.append("GetPolicy")
        return self.policy

    def detach_role_policy(self, role: str, arn: str) -> None:
        self.calls.append("DetachRolePolicy")

    def delete_policy(self, arn: str) -> None:
        self.calls.append("DeletePolicy")

    def tag_role(self, name: str, tags: Mapping[str, str]) -> None:
        self.calls.append("TagRole")
        if "deny-tag" in self.tags:
            raise AwsCallError("TagRole", "AccessDenied", "no")


PARAMS = {
    "name": "R",
    "path": "/",
    "trust_policy": {},
    "description": "",
    "max_session_duration": 3600,
    "permissions_boundary": None,
    "tags": {},
}


def test_create_role_waits_until_get_role_sees_the_new_role() -> None:
    clock, iam = Clock(), FakeIam(visible_after=2)
    out = create_role_with(cast(IamClient, iam), PARAMS, backoff(clock))
    assert out == {"arn": "arn:aws:iam::1:role/R", "created": True}
    assert iam.calls == ["CreateRole", "GetRole", "GetRole", "GetRole"]
    assert clock.slept == [1.0, 2.0]


def test_create_role_meeting_its_own_lost_create_carries_on() -> None:
    iam = FakeIam(created=False)
    out = create_role_with(cast(IamClient, iam), PARAMS, backoff(Clock()))
    assert out["created"] is True


def test_create_role_meeting_someone_elses_role_is_refused() -> None:
    iam = FakeIam(created=False, tags={})
    with pytest.raises(OwnershipError):
        create_role_with(cast(IamClient, iam), PARAMS, backoff(Clock()))


def version(vid: str, default: bool = False) -> PolicyVersion:
    return PolicyVersion(vid, default, f"2026-01-0{vid[1]}")


def test_a_new_version_first_prunes_the_oldest_non_default_ones() -> None:
    iam = FakeIam(versions=[version(f"v{i}", i == 5) for i in range(1, 6)])
    new_default_version(cast(IamClient, iam), "arn", {}, 5)
    assert iam.calls == [
        "ListPolicyVersions",
        "DeletePolicyVersion v1",
        "CreatePolicyVersion",
    ]


def test_a_new_version_below_the_limit_deletes_nothing() -> None:
    iam = FakeIam(versions=[version("v1", True)])
    new_default_version(cast(IamClient, iam), "arn", {}, 5)
    assert iam.calls == ["ListPolicyVersions", "CreatePolicyVersion"]


def test_deleting_a_managed_policy_detaches_and_empties_it_first() -> None:
    policy = ManagedPolicy("p", "arn", "/gtprov/", "v2", ownership_tags("x"))
    iam = FakeIam(policy=policy, versions=[version("v1"), version("v2", True)])
    delete_managed_policy_with(cast(IamClient, iam), "R", "arn")
    assert iam.calls == [
        "GetPolicy",
        "DetachRolePolicy",
        "ListPolicyVersions",
        "DeletePolicyVersion v1",
        "DeletePolicy",
    ]


def test_a_managed_policy_already_gone_or_not_ours_is_not_deleted() -> None:
    gone = FakeIam()
    delete_managed_policy_with(cast(IamClient, gone), "R", "arn")
    assert gone.calls == ["GetPolicy"]
    foreign = FakeIam(policy=ManagedPolicy("p", "arn", "/gtprov/", "v1", {}))
    with pytest.raises(OwnershipError):
        delete_managed_policy_with(cast(IamClient, foreign), "R", "arn")


def test_placeholders_are_replaced_inside_the_document() -> None:
    doc_in = {"Resource": ["arn:aws:kms:r:1:key/${kms-key.key_id}", "other"]}
    out = substituted(doc_in, {"${kms-key.key_id}": "k-1"})
    assert out == {"Resource": ["arn:aws:kms:r:1:key/k-1", "other"]}


# KMS handlers -------------------------------------------------------------------------


@dataclass
class FakeKms:
    policy: dict[str, Any] | None = None
    failures: list[AwsCallError] = field(default_factory=list)
    alias_free: bool = True
    alias_target: KmsKey | None = None
    calls: list[str] = field(default_factory=list)
    put: list[dict[str, Any]] = field(default_factory=list)

    def get_key_policy(self, arn: str) -> dict[str, Any] | None:
        self.calls.append("GetKeyPolicy")
        return self.policy

    def put_key_policy(self, arn: str, policy: dict[str, Any]) -> None:
        self.calls.append("PutKeyPolicy")
        if self.failures:
            raise self.failures.pop(0)
        self.put.append(policy)

    def create_key(self, **_: Any) -> KmsKey:
        self.calls.append("CreateKey")
        if self.failures:
            raise self.failures.pop(0)
        return KEY

    def schedule_key_deletion(self, key_id: str) -> None:
        self.calls.append(f"ScheduleKeyDeletion {key_id}")

    def create_alias(self, alias: str, key_arn: str) -> bool:
        self.calls.append("CreateAlias")
        return self.alias_free

    def describe_key(self, ref: str) -> KmsKey | None:
        self.calls.append("DescribeKey")
        return self.alias_target


STATEMENT = {"Sid": "gtprovRoleR", "Effect": "Allow", "Principal": {"AWS": "arn:r"}}


def test_put_statement_retries_while_kms_cannot_see_the_new_role() -> None:
    clock = Clock()
    kms = FakeKms(policy=doc(ROOT), failures=[malformed(), malformed()])
    put_statement_with(cast(KmsClient, kms), KEY_ARN, STATEMENT, backoff(clock))
    assert kms.calls == ["GetKeyPolicy", "PutKeyPolicy", "PutKeyPolicy", "PutKeyPolicy"]
    assert kms.put == [doc(ROOT, STATEMENT)]
    assert clock.slept == [1.0, 2.0]


def test_put_statement_gives_up_after_the_timeout() -> None:
    clock = Clock()
    kms = FakeKms(policy=doc(ROOT), failures=[malformed()] * 50)
    with pytest.raises(AwsCallError) as caught:
        put_statement_with(cast(KmsClient, kms), KEY_ARN, STATEMENT, backoff(clock, 10))
    assert caught.value.code == MALFORMED_POLICY
    assert clock.now <= 10


def test_put_statement_replaces_gtprovs_own_and_keeps_the_rest() -> None:
    old = {**STATEMENT, "Action": "kms:*"}
    kms = FakeKms(policy=doc(ROOT, old))
    put_statement_with(cast(KmsClient, kms), KEY_ARN, STATEMENT, backoff(Clock()))
    assert kms.put == [doc(ROOT, STATEMENT)]


def test_remove_statement_writes_only_when_there_is_one_to_remove() -> None:
    kms = FakeKms(policy=doc(ROOT))
    remove_statement_with(cast(KmsClient, kms), KEY_ARN, "gtprovRoleR")
    assert kms.calls == ["GetKeyPolicy"]
    kms = FakeKms(policy=doc(ROOT, STATEMENT))
    remove_statement_with(cast(KmsClient, kms), KEY_ARN, "gtprovRoleR")
    assert kms.put == [doc(ROOT)]
    gone = FakeKms(policy=None)
    remove_statement_with(cast(KmsClient, gone), KEY_ARN, "gtprovRoleR")
    assert gone.calls == ["GetKeyPolicy"]


KEY_PARAMS = {"policy": {}, "description": "d", "tags": {}, "role_name": "R"}


def test_a_created_key_is_recorded_on_the_role_at_once() -> None:
    kms, iam = FakeKms(failures=[malformed()]), FakeIam()
    out = create_key_with(
        cast(KmsClient, kms), cast(IamClient, iam), KEY_PARAMS, backoff(Clock())
    )
    assert out == {"arn": KEY.arn, "key_id": KEY.key_id}
    assert kms.calls == ["CreateKey", "CreateKey"]
    assert iam.calls == ["TagRole"]


def test_a_key_that_cannot_be_recorded_is_scheduled_for_deletion() -> None:
    kms, iam = FakeKms(), FakeIam(tags={"deny-tag": "1"})
    with pytest.raises(AwsCallError):
        create_key_with(
            cast(KmsClient, kms), cast(IamClient, iam), KEY_PARAMS, backoff(Clock())
        )
    assert kms.calls == ["CreateKey", f"ScheduleKeyDeletion {KEY.key_id}"]


def test_an_alias_already_on_our_key_is_done_and_on_another_key_a_conflict() -> None:
    ours = FakeKms(alias_free=False, alias_target=KEY)
    create_alias_with(cast(KmsClient, ours), "alias/a", KEY.arn)
    assert ours.calls == ["CreateAlias", "DescribeKey"]
    theirs = FakeKms(alias_free=False, alias_target=None)
    with pytest.raises(ConflictError):
        create_alias_with(cast(KmsClient, theirs), "alias/a", KEY.arn)
