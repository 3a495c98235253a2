"""Every write step of create-execution-role, made to fail once.

Each case denies the N-th write of a run (emulator fault injection,
``access-denied``, which botocore does not retry): the run must exit 1
naming the step and the missing action, and the next run must converge to
exactly the state a run without faults leaves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from gtprov.emulation.control import EmulatorControl
from tests.functional.test_create_execution_role import (
    BASE,
    ROLE,
    as_json,
    iam,
    kms,
    ok,
    put_foreign_policy,
    role_state,
)

CREATE = [
    *BASE,
    "--tag",
    "team=vision",
    "--kms-key",
    "alias/data",
    "--grant-key-policy",
    "--create-kms-key",
    "gt-new",
]
CREATE_STEPS = [
    ("iam:CreateRole", "iam-role"),
    ("kms:CreateKey", "kms-key"),
    ("iam:TagRole", "kms-key"),
    ("kms:CreateAlias", "kms-alias"),
    ("kms:EnableKeyRotation", "kms-key-rotation"),
    ("iam:PutRolePolicy", "iam-role-policy"),
    ("kms:PutKeyPolicy", "kms-key-policy"),
]
BOUNDARY = "arn:aws:iam::aws:policy/PowerUserAccess"
UPDATE_START = [*BASE, "--tag", "team=vision", "--kms-key", "alias/data"]
UPDATE = [
    *BASE,
    "--tag",
    "team=nlp",
    "--description",
    "Labels",
    "--source-account",
    "--permissions-boundary",
    BOUNDARY,
    "--output-uri",
    "s3://gt-out/jobs",
]
UPDATE_STEPS = [
    ("iam:TagRole", "iam-role-tags"),
    ("iam:UpdateAssumeRolePolicy", "iam-role-trust-policy"),
    ("iam:UpdateRole", "iam-role"),
    ("iam:PutRolePermissionsBoundary", "iam-role-permissions-boundary"),
    ("iam:PutRolePolicy", "iam-role-policy"),
    ("iam:DeleteRolePolicy", "iam-role-policy"),
    ("kms:PutKeyPolicy", "kms-key-policy"),
    ("iam:UntagRole", "iam-role-tags"),
]


def data_key() -> None:
    meta = kms().create_key()["KeyMetadata"]
    kms().create_alias(AliasName="alias/data", TargetKeyId=meta["KeyId"])


def granted_data_key(emulator: EmulatorControl, capsys: Any) -> None:
    """A converged role whose key policy grant the update takes away."""
    data_key()
    ok(emulator, capsys, [*UPDATE_START, "--grant-key-policy"])
    put_foreign_policy("gtprov-old")


def state() -> str:
    """Role, policies, key policies and live gtprov keys, key ids named."""
    aliases = {"alias/data": "<data-key>", "alias/gt-new": "<new-key>"}
    found = {a: _key(a) for a in aliases}
    snapshot = {
        "role": role_state(ROLE),
        "keys": {a: _key_state(k) for a, k in found.items() if k},
        "live_gtprov_keys": _live_gtprov_keys(),
    }
    text = json.dumps(snapshot, sort_keys=True, default=str)
    for alias, key in found.items():
        if key:
            text = text.replace(key["KeyId"], aliases[alias])
    return json.dumps(_sorted_lists(json.loads(text)), sort_keys=True)


def _sorted_lists(value: Any) -> Any:
    """Lists of strings sorted again: key ids sorted differently from names."""
    if isinstance(value, dict):
        return {k: _sorted_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_lists(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value


def _key(alias: str) -> dict[str, Any] | None:
    try:
        meta: dict[str, Any] = kms().describe_key(KeyId=alias)["KeyMetadata"]
    except kms().exceptions.NotFoundException:
        return None
    return meta


def _key_state(meta: dict[str, Any]) -> dict[str, Any]:
    key_id = meta["KeyId"]
    policy = kms().get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    rotation = kms().get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
    return {
        "state": meta["KeyState"],
        "policy": json.loads(policy),
        "rotation": rotation,
    }


def _live_gtprov_keys() -> int:
    """Enabled keys tagged by gtprov: an orphan from a failed run would show."""
    count = 0
    for key in kms().list_keys()["Keys"]:
        tags = kms().list_resource_tags(KeyId=key["KeyId"])["Tags"]
        state = kms().describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
        gtprov = any(t["TagKey"] == "gtprov:managed-by" for t in tags)
        count += gtprov and state == "Enabled"
    return count


def clean_state(
    emulator: EmulatorControl,
    capsys: Any,
    setup: Callable[[], None],
    argv: Sequence[str],
) -> str:
    emulator.reset()
    setup()
    ok(emulator, capsys, argv)
    return state()


def fail_then_converge(
    emulator: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    argv: Sequence[str],
    write: int,
    step: tuple[str, str],
) -> str:
    """Deny the ``write``-th write; check the failure; converge; the state."""
    emulator.set_faults([{"write": write, "mode": "access-denied"}])
    failed = as_json(emulator, capsys, *argv)
    emulator.clear_faults()
    assert failed.code == 1
    denied = [f"{c['service']}:{c['operation']}" for c in failed.log if c["fault"]]
    assert denied == [step[0]]
    error = failed.envelope["error"]
    assert error["type"] == "AccessDeniedError"
    assert error["operation"] == step[0].partition(":")[2]
    assert step[1] in error["step"]
    assert "gtprov policy provisioner" in error["hint"]
    assert ok(emulator, capsys, argv).code == 0
    assert ok(emulator, capsys, argv).writes == []
    return state()


@pytest.mark.parametrize(
    ("write", "step"), list(enumerate(CREATE_STEPS, start=1)), ids=lambda v: str(v)
)
def test_each_create_step_denied_once_then_the_run_converges(
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    write: int,
    step: tuple[str, str],
) -> None:
    data_key()
    recovered = fail_then_converge(aws_env, capsys, CREATE, write, step)
    assert recovered == clean_state(aws_env, capsys, data_key, CREATE)


def test_the_create_scenario_has_exactly_these_writes(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    data_key()
    assert ok(aws_env, capsys, CREATE).writes == [s[0] for s in CREATE_STEPS]


@pytest.mark.parametrize(
    ("write", "step"), list(enumerate(UPDATE_STEPS, start=1)), ids=lambda v: str(v)
)
def test_each_update_step_denied_once_then_the_run_converges(
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    write: int,
    step: tuple[str, str],
) -> None:
    granted_data_key(aws_env, capsys)
    recovered = fail_then_converge(aws_env, capsys, UPDATE, write, step)

    def setup() -> None:
        granted_data_key(aws_env, capsys)

    assert recovered == clean_state(aws_env, capsys, setup, UPDATE)


def test_the_update_scenario_has_exactly_these_writes(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    granted_data_key(aws_env, capsys)
    assert ok(aws_env, capsys, UPDATE).writes == [s[0] for s in UPDATE_STEPS]
    role = iam().get_role(RoleName=ROLE)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY
