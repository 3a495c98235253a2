"""``gtprov create-execution-role`` end to end, against the emulation server.

Each test drives the CLI through ``gtprov.cli.main.run`` and checks AWS
state with plain boto3 clients, and counts the calls gtprov made from the
emulator's log. Helpers here are shared by the other ``test_role_*`` and
``test_kms_*`` files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from gtprov.cli.main import run
from gtprov.emulation.control import EmulatorControl
from gtprov.ownership import TAG_KEY, TAG_VALUE
from gtprov.policy.document import normalize
from gtprov.policy.execution import ExecutionPermissions, execution_policy
from gtprov.validate import S3Location

ROLE = "GtLabeling"
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
BASE = ("create-execution-role", ROLE, "--bucket", "gt-data")
FRESH_READS = ["sts:GetCallerIdentity", "iam:GetRole", "iam:GetRole"]
RERUN_READS = [
    "sts:GetCallerIdentity",
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
]


@dataclass
class Result:
    """One gtprov run: exit code, output, and the AWS calls it made."""

    code: int
    out: str
    err: str
    log: list[dict[str, Any]]

    @property
    def envelope(self) -> dict[str, Any]:
        return json.loads(self.out)  # type: ignore[no-any-return]

    @property
    def calls(self) -> list[str]:
        return _names(self.log, None)

    @property
    def writes(self) -> list[str]:
        return _names(self.log, True)

    @property
    def reads(self) -> list[str]:
        return _names(self.log, False)


def _names(log: list[dict[str, Any]], writes: bool | None) -> list[str]:
    """First attempts only: botocore's retries are one logical call each."""
    return [
        f"{c['service']}:{c['operation']}"
        for c in log
        if c["attempt"] == 1 and (writes is None or c["is_write"] == writes)
    ]


def gtprov(
    emulator: EmulatorControl, capsys: pytest.CaptureFixture[str], *argv: str
) -> Result:
    emulator.clear_calls()
    code = run(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err, emulator.calls())


def as_json(
    emulator: EmulatorControl, capsys: pytest.CaptureFixture[str], *argv: str
) -> Result:
    return gtprov(emulator, capsys, *argv, "--output", "json")


def iam() -> Any:
    return boto3.client("iam", region_name=REGION)


def kms() -> Any:
    return boto3.client("kms", region_name=REGION)


def role_tags(name: str = ROLE) -> dict[str, str]:
    tags = iam().get_role(RoleName=name)["Role"].get("Tags", [])
    return {t["Key"]: t["Value"] for t in tags}


def inline_policy(name: str = "gtprov-execution", role: str = ROLE) -> Any:
    return iam().get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


def expected_policy(**kwargs: Any) -> dict[str, Any]:
    perms = ExecutionPermissions(
        role_name=ROLE, account_id=ACCOUNT, region=REGION, **kwargs
    )
    return execution_policy(perms)


def role_state(name: str = ROLE) -> dict[str, Any]:
    """What a converged run leaves, comparable across runs."""
    role = iam().get_role(RoleName=name)["Role"]
    names = iam().list_role_policies(RoleName=name)["PolicyNames"]
    attached = iam().list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    return {
        "path": role["Path"],
        "trust": normalize(role["AssumeRolePolicyDocument"]),
        "description": role.get("Description"),
        "max_session": role["MaxSessionDuration"],
        "boundary": role.get("PermissionsBoundary"),
        "tags": role_tags(name),
        "inline": {n: normalize(inline_policy(n, name)) for n in names},
        "attached": sorted(p["PolicyArn"] for p in attached),
    }


def put_foreign_policy(name: str = "hand-made", role: str = ROLE) -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
        ],
    }
    iam().put_role_policy(
        RoleName=role, PolicyName=name, PolicyDocument=json.dumps(doc)
    )


def create_unmanaged_role(name: str = ROLE, path: str = "/") -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam().create_role(
        RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust)
    )


def ok(
    emulator: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    argv: Sequence[str] = BASE,
) -> Result:
    """A run that must succeed."""
    result = gtprov(emulator, capsys, *argv)
    assert result.code == 0, result.err
    return result


# Create and re-run ---------------------------------------------------------------


def test_fresh_run_creates_the_tagged_role_with_its_inline_policy(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    result = ok(aws_env, capsys)
    assert result.reads == FRESH_READS
    assert result.writes == ["iam:CreateRole", "iam:PutRolePolicy"]
    role = iam().get_role(RoleName=ROLE)["Role"]
    assert role["Arn"] == ROLE_ARN
    assert role_tags()[TAG_KEY] == TAG_VALUE
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "sagemaker.amazonaws.com"}
    expected = expected_policy(buckets=("gt-data",))
    assert normalize(inline_policy()) == normalize(expected)


def test_text_output_has_one_line_per_change_and_ends_with_the_role_arn(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ok(aws_env, capsys).out.splitlines()
    assert lines[:2] == [
        f"Created iam-role {ROLE}",
        f"Created iam-role-policy {ROLE}/gtprov-execution",
    ]
    assert lines[-1] == f"role_arn: {ROLE_ARN}"


def test_a_new_role_comes_with_the_sagemaker_propagation_note(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "SageMaker may need a few more seconds" in ok(aws_env, capsys).err
    assert "SageMaker may need" not in ok(aws_env, capsys).err


def test_rerun_with_the_same_options_makes_zero_writes(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys)
    result = as_json(aws_env, capsys, *BASE)
    assert result.code == 0
    assert result.calls == RERUN_READS
    envelope = result.envelope
    assert envelope["api_calls"]["writes"] == 0
    assert envelope["api_calls"]["reads"] == len(RERUN_READS)
    assert {c["action"] for c in envelope["plan"]} == {"no-op"}
    assert envelope["applied"] == []
    assert envelope["resources"] == {"role_arn": ROLE_ARN, "kms_keys": []}


def test_an_option_change_updates_only_what_differs(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys)
    argv = [*BASE, "--output-uri", "s3://gt-out/jobs", "--description", "Labels"]
    result = ok(aws_env, capsys, argv)
    assert result.writes == ["iam:UpdateRole", "iam:PutRolePolicy"]
    output = (S3Location("gt-out", "jobs"),)
    expected = expected_policy(buckets=("gt-data",), output_locations=output)
    assert normalize(inline_policy()) == normalize(expected)
    assert iam().get_role(RoleName=ROLE)["Role"]["Description"] == "Labels"


def test_automated_labeling_and_session_duration_update_in_place(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys)
    argv = [*BASE, "--automated-labeling", "--max-session-duration", "7200"]
    assert ok(aws_env, capsys, argv).writes == ["iam:UpdateRole", "iam:PutRolePolicy"]
    sids = {s["Sid"] for s in inline_policy()["Statement"]}
    assert "PassRoleToSageMaker" in sids
    assert iam().get_role(RoleName=ROLE)["Role"]["MaxSessionDuration"] == 7200


def test_source_account_adds_the_condition_to_the_trust_policy(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys)
    result = ok(aws_env, capsys, [*BASE, "--source-account"])
    assert result.writes == ["iam:UpdateAssumeRolePolicy"]
    trust = iam().get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    condition = trust["Statement"][0]["Condition"]
    assert condition == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


# Tags -------------------------------------------------------------------------


def test_user_tags_are_added_and_a_dropped_one_is_kept(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys, [*BASE, "--tag", "team=vision"])
    argv = [*BASE, "--tag", "team=nlp", "--tag", "cost=42"]
    assert ok(aws_env, capsys, argv).writes == ["iam:TagRole"]
    assert {"team": "nlp", "cost": "42"}.items() <= role_tags().items()
    assert ok(aws_env, capsys).writes == []
    assert role_tags()["cost"] == "42"


def test_tag_keys_of_gtprov_are_refused_before_any_call(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    result = gtprov(aws_env, capsys, *BASE, "--tag", "gtprov:managed-by=me")
    assert result.code == 2
    assert result.out == ""
    assert result.calls == []


# Drift ------------------------------------------------------------------------


def test_hand_edited_inline_policy_is_repaired(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys)
    before = role_state()
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    iam().put_role_policy(
        RoleName=ROLE, PolicyName="gtprov-execution", PolicyDocument=json.dumps(doc)
    )
    result = as_json(aws_env, capsys, *BASE)
    assert result.code == 0
    assert result.writes == ["iam:PutRolePolicy"]
    assert role_state() == before
    change = next(c for c in result.envelope["plan"] if c["action"] == "update")
    assert change["kind"] == "iam-role-policy"
    assert '-      "Action": "*"' in change["diff"]


def test_hand_edited_trust_policy_and_tags_are_repaired(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*BASE, "--tag", "team=vision"]
    ok(aws_env, capsys, argv)
    before = role_state()
    create_unmanaged_role("Scratch")
    trust = iam().get_role(RoleName="Scratch")["Role"]["AssumeRolePolicyDocument"]
    iam().update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
    iam().untag_role(RoleName=ROLE, TagKeys=["gtprov:component", "team"])
    result = ok(aws_env, capsys, argv)
    assert result.writes == ["iam:TagRole", "iam:UpdateAssumeRolePolicy"]
    assert role_state() == before


def test_a_hand_added_policy_is_left_alone_and_reported(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys)
    put_foreign_policy()
    result = as_json(aws_env, capsys, *BASE)
    assert result.code == 0
    assert result.writes == []
    assert any("hand-made" in w for w in result.envelope["warnings"])
    assert "hand-made" in iam().list_role_policies(RoleName=ROLE)["PolicyNames"]


def test_a_stale_gtprov_inline_policy_is_deleted(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys)
    put_foreign_policy("gtprov-old")
    assert ok(aws_env, capsys).writes == ["iam:DeleteRolePolicy"]
    names = iam().list_role_policies(RoleName=ROLE)["PolicyNames"]
    assert names == ["gtprov-execution"]


# Ownership --------------------------------------------------------------------


def test_a_role_gtprov_did_not_create_is_refused_with_a_pointer_to_adopt(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    create_unmanaged_role()
    result = as_json(aws_env, capsys, *BASE)
    assert result.code == 1
    error = result.envelope["error"]
    assert error["type"] == "OwnershipError"
    assert "--adopt" in error["hint"]
    assert result.writes == []
    assert role_tags() == {}


def test_adopt_tags_the_role_first_and_takes_over_only_gtprov_policies(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    create_unmanaged_role()
    put_foreign_policy()
    put_foreign_policy("gtprov-old")
    result = ok(aws_env, capsys, [*BASE, "--adopt"])
    assert result.writes == [
        "iam:TagRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
    ]
    assert role_tags()[TAG_KEY] == TAG_VALUE
    names = iam().list_role_policies(RoleName=ROLE)["PolicyNames"]
    assert sorted(names) == ["gtprov-execution", "hand-made"]
    assert ok(aws_env, capsys).writes == []


def test_an_existing_role_at_another_path_is_refused(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys, [*BASE, "--path", "/labeling/"])
    result = as_json(aws_env, capsys, *BASE, "--path", "/other/")
    assert result.code == 1
    assert result.envelope["error"]["type"] == "ConflictError"
    assert result.writes == []
    assert ok(aws_env, capsys).writes == []  # without --path: the role's own


# Permissions boundary ---------------------------------------------------------


def test_boundary_is_set_kept_when_omitted_and_removed_on_none(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    ok(aws_env, capsys, [*BASE, "--permissions-boundary", boundary])
    role = iam().get_role(RoleName=ROLE)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert ok(aws_env, capsys).writes == []
    removal = ok(aws_env, capsys, [*BASE, "--permissions-boundary", "none"])
    assert removal.writes == ["iam:DeleteRolePermissionsBoundary"]
    assert "PermissionsBoundary" not in iam().get_role(RoleName=ROLE)["Role"]


# Dry run, JSON, bad input -----------------------------------------------------


def test_dry_run_writes_nothing_and_the_envelope_holds_the_plan(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    result = as_json(aws_env, capsys, *BASE, "--dry-run")
    assert result.code == 0
    assert result.writes == []
    envelope = result.envelope
    assert envelope["schema_version"] == 1
    assert envelope["command"] == "create-execution-role"
    assert envelope["ok"] is True
    assert envelope["dry_run"] is True
    assert [(c["action"], c["kind"]) for c in envelope["plan"]] == [
        ("create", "iam-role"),
        ("create", "iam-role-policy"),
    ]
    assert "sagemaker.amazonaws.com" in envelope["plan"][0]["diff"]
    assert envelope["applied"] == []
    assert envelope["resources"]["role_arn"] == ROLE_ARN
    assert envelope["error"] is None
    with pytest.raises(iam().exceptions.NoSuchEntityException):
        iam().get_role(RoleName=ROLE)


def test_dry_run_text_shows_the_policy_diff(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    result = gtprov(aws_env, capsys, *BASE, "--dry-run")
    assert result.out.splitlines()[0].startswith("Plan: 2 to create")
    assert '+      "Sid": "S3BucketAccess"' in result.out
    assert result.writes == []


def test_bad_input_exits_2_before_any_aws_call(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["create-execution-role", ROLE, "--bucket", "Bad_Bucket"]
    result = gtprov(aws_env, capsys, *argv)
    assert result.code == 2
    assert result.out == ""
    assert "--bucket" in result.err
    assert result.calls == []


def test_a_role_without_any_s3_location_is_refused(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    result = gtprov(aws_env, capsys, "create-execution-role", ROLE)
    assert result.code == 2
    assert result.calls == []


def test_a_lambda_of_another_account_is_refused_right_after_get_caller_identity(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    fn = f"arn:aws:lambda:{REGION}:999999999999:function:pre"
    result = gtprov(aws_env, capsys, *BASE, "--lambda", fn)
    assert result.code == 2
    assert "--lambda" in result.err
    assert result.calls == ["sts:GetCallerIdentity"]


def test_a_lambda_name_becomes_its_arn_in_the_policy(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(aws_env, capsys, [*BASE, "--lambda", "gt-pre"])
    statements = inline_policy()["Statement"]
    invoke = next(s for s in statements if s["Sid"] == "LambdaInvoke")
    assert invoke["Resource"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:gt-pre"


# Lost responses ---------------------------------------------------------------


def test_a_lost_create_role_response_converges(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_env.set_faults([{"operation": "iam:CreateRole", "mode": "lost-response"}])
    result = ok(aws_env, capsys)
    creates = [c for c in result.log if c["operation"] == "CreateRole"]
    assert [c["fault"] is not None for c in creates] == [True, False]
    aws_env.clear_faults()
    assert ok(aws_env, capsys).writes == []
    assert role_tags()[TAG_KEY] == TAG_VALUE
