"""Doctor's checks with fake readers: how a simulation, a key, a bucket and
the account summary are read into ok / warning / failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from gtprov.aws.iam import Role
from gtprov.aws.inventory import Identity
from gtprov.aws.kms import KmsKey
from gtprov.aws.sagemaker import WorkforceInfo
from gtprov.errors import AccessDeniedError, GtprovError
from gtprov.models.role import Account
from gtprov.plan import doctor
from gtprov.policy import provisioner
from gtprov.validate import KeyRef

ACCOUNT = Account("111122223333", "us-east-1", "aws")


@dataclass
class FakeIam:
    roles: dict[str, Role] = field(default_factory=dict)

    def get_role(self, name: str) -> Role | None:
        return self.roles.get(name)


@dataclass
class FakeKms:
    key: KmsKey | None = None
    policy: dict[str, Any] | None = None

    def describe_key(self, ref: str) -> KmsKey | None:
        return self.key

    def get_key_policy(self, arn: str) -> dict[str, Any] | None:
        return self.policy


@dataclass
class FakeReaders:
    """Answers doctor's reads from fixed data and counts simulations."""

    allowed: set[str] = field(default_factory=set)
    denied_simulation: bool = False
    iam: FakeIam = field(default_factory=FakeIam)
    kms: FakeKms = field(default_factory=FakeKms)
    simulations: list[tuple[str, ...]] = field(default_factory=list)

    def simulate(
        self, source: str, actions: Sequence[str], resources: Sequence[str]
    ) -> dict[tuple[str, str], str]:
        if self.denied_simulation:
            raise AccessDeniedError("SimulatePrincipalPolicy", "AccessDenied", "no")
        self.simulations.append(tuple(resources))
        return {
            (a, r): "allowed" if a in self.allowed else "implicitDeny"
            for a in actions
            for r in resources
        }


def every_action(areas: Sequence[str]) -> set[str]:
    return {
        a for area in areas for g in provisioner.PERMISSIONS[area] for a in g.actions
    }


NO_READS: Any = FakeReaders()
"""Stands for DoctorReaders where the code under test reads nothing."""
USER = Identity(ACCOUNT.account_id, "arn:aws:iam::111122223333:user/ops/alice")


def test_every_area_is_ok_when_the_simulation_allows_everything() -> None:
    readers: Any = FakeReaders(allowed=every_action(["common", *provisioner.COMMANDS]))
    checks = doctor.permission_checks(readers, USER, ACCOUNT, provisioner.COMMANDS)
    assert {c.status for c in checks} == {doctor.OK}
    assert len(checks) == len(provisioner.COMMANDS) + 1


def test_an_area_fails_naming_the_denied_action_and_the_fix() -> None:
    allowed = every_action(["common", "execution-role"]) - {"iam:CreateRole"}
    readers: Any = FakeReaders(allowed=allowed)
    checks = doctor.permission_checks(readers, USER, ACCOUNT, ["execution-role"])
    role_check = checks[1]
    assert role_check.status == doctor.FAILED
    assert "iam:CreateRole on arn:aws:iam::111122223333:role/gtprov-doctor" in (
        role_check.detail
    )
    assert "gtprov policy provisioner --command execution-role" in role_check.fix


def test_simulation_is_one_call_per_distinct_resource_set() -> None:
    readers: Any = FakeReaders()
    grants = doctor._grants(["common", *provisioner.COMMANDS])
    doctor.simulate(readers, "arn:x", grants, ACCOUNT)
    distinct = {doctor.probe_resources(g, ACCOUNT) for g in grants}
    assert len(readers.simulations) == len(distinct)


def test_a_denied_simulation_is_one_could_not_tell_warning() -> None:
    readers: Any = FakeReaders(denied_simulation=True)
    checks = doctor.permission_checks(readers, USER, ACCOUNT, ["workforce"])
    assert [c.status for c in checks] == [doctor.WARNING]
    assert "SimulatePrincipalPolicy" in checks[0].detail


def test_probe_resources_fill_the_account_and_a_sample_name() -> None:
    grant = provisioner.Grant("X", ("iam:GetRole",), (provisioner.ROLES, "*"))
    assert doctor.probe_resources(grant, ACCOUNT) == (
        "arn:aws:iam::111122223333:role/gtprov-doctor",
        "*",
    )


def role(path: str) -> Role:
    arn = f"arn:aws:iam::111122223333:role{path}Deployer"
    return Role("Deployer", arn, path, {}, "", 3600, None, {})


def test_assumed_role_session_simulates_the_role_with_its_path() -> None:
    readers: Any = FakeReaders(iam=FakeIam({"Deployer": role("/ci/")}))
    session = Identity(
        "111122223333", "arn:aws:sts::111122223333:assumed-role/Deployer/run-42"
    )
    assert doctor.principal_arn(readers, session) == (
        "arn:aws:iam::111122223333:role/ci/Deployer"
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111122223333:root",
        "arn:aws:sts::111122223333:federated-user/bob",
    ],
)
def test_principals_iam_cannot_simulate_are_refused(arn: str) -> None:
    with pytest.raises(GtprovError):
        doctor.principal_arn(NO_READS, Identity("111122223333", arn))


def key(state: str = "Enabled", manager: str = "CUSTOMER") -> KmsKey:
    arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    return KmsKey(
        arn,
        arn[-36:],
        "111122223333",
        "us-east-1",
        state,
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        manager,
    )


REF = KeyRef("alias-name", "alias/team")
ROOT = {
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "kms:*",
            "Resource": "*",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        }
    ]
}


@pytest.mark.parametrize(
    ("found", "policy", "expected"),
    [
        (key(), ROOT, doctor.OK),
        (key(), {"Statement": []}, doctor.WARNING),
        (key("Disabled"), ROOT, doctor.FAILED),
        (key("PendingDeletion"), ROOT, doctor.FAILED),
        (key(manager="AWS"), ROOT, doctor.FAILED),
        (None, None, doctor.FAILED),
    ],
)
def test_key_check(
    found: KmsKey | None, policy: dict[str, Any] | None, expected: str
) -> None:
    readers: Any = FakeReaders(kms=FakeKms(found, policy))
    check = doctor.key_check(readers, REF, ACCOUNT)
    assert check.status == expected
    assert bool(check.fix) is (expected != doctor.OK)


@dataclass
class FakeBuckets:
    region: str | None

    def bucket_region(self, bucket: str) -> str | None:
        return self.region


@pytest.mark.parametrize(
    ("region", "expected"),
    [("us-east-1", doctor.OK), ("eu-west-1", doctor.FAILED), (None, doctor.FAILED)],
)
def test_bucket_must_exist_in_the_region(region: str | None, expected: str) -> None:
    buckets: Any = FakeBuckets(region)
    check = doctor.bucket_check(buckets, "b", ACCOUNT)
    assert check.status == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gt-SageMaker-pre", doctor.OK),
        ("LabelingFunctionPost", doctor.OK),
        ("GtRecipe", doctor.OK),
        ("pre-annotation", doctor.WARNING),
        ("SAGEMAKER-pre", doctor.WARNING),
    ],
)
def test_lambda_names_against_the_managed_policy(name: str, expected: str) -> None:
    assert doctor.lambda_check(name).status == expected


@pytest.mark.parametrize(
    ("roles", "policies", "expected"),
    [
        (10, 10, doctor.OK),
        (901, 10, doctor.WARNING),
        (1000, 10, doctor.FAILED),
        (10, 1500, doctor.FAILED),
    ],
)
def test_quota_headroom(roles: int, policies: int, expected: str) -> None:
    summary = {
        "Roles": roles,
        "RolesQuota": 1000,
        "Policies": policies,
        "PoliciesQuota": 1500,
    }
    assert doctor.quota_check(summary).status == expected


def test_an_account_without_workforce_or_teams_is_warned_about_the_closure() -> None:
    check = doctor.availability_check(None, [], "us-east-1")
    assert check.status == doctor.WARNING
    assert "new customers" in check.detail


def test_an_oidc_workforce_is_a_warning() -> None:
    oidc = WorkforceInfo("default", "arn", "Active", "", "x", None, None, ())
    assert doctor.workforce_check(oidc, "us-east-1").status == doctor.WARNING
