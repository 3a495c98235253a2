"""``gtprov doctor`` against the emulation, on a healthy and a broken account.

moto does not implement iam:SimulatePrincipalPolicy, so here the permission
check must say it could not tell (a warning), never pass or fail; the
simulation's reading is tested in tests/unit/test_doctor_checks.py.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from gtprov.emulation.control import EmulatorControl
from gtprov.exitcodes import ExitCode
from tests.functional.accounts import CREATED_ALIAS, build_account, gtprov_json

BUCKET = "gt-data-bucket"


def _checks(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in data["resources"]["checks"]}


def _status(checks: dict[str, dict[str, str]], prefix: str) -> str:
    return next(c["status"] for name, c in checks.items() if name.startswith(prefix))


def test_doctor_on_a_healthy_account_passes(capsys: pytest.CaptureFixture[str]) -> None:
    build_account()
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    code, data = gtprov_json(
        capsys,
        "doctor",
        "--bucket",
        BUCKET,
        "--lambda",
        "gt-pre-SageMaker-labels",
        "--kms-key",
        CREATED_ALIAS,
    )
    checks = _checks(data)
    assert code == ExitCode.OK
    assert data["ok"] is True
    assert _status(checks, "caller identity") == "ok"
    assert _status(checks, f"bucket {BUCKET}") == "ok"
    assert _status(checks, "Lambda") == "ok"
    assert _status(checks, "KMS key") == "ok"
    assert _status(checks, "Ground Truth") == "ok"
    assert _status(checks, "workforce") == "ok"
    assert _status(checks, "IAM quotas") == "ok"
    assert _status(checks, "permissions") == "warning"


def _broken_account() -> str:
    """A bucket in another Region and a disabled key; the key's ID."""
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="gt-far-bucket",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    kms = boto3.client("kms")
    key_id = str(kms.create_key()["KeyMetadata"]["KeyId"])
    kms.disable_key(KeyId=key_id)
    return key_id


def test_doctor_on_a_broken_account_fails_with_fixes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_id = _broken_account()
    code, data = gtprov_json(
        capsys,
        "doctor",
        "--bucket",
        "gt-far-bucket",
        "--bucket",
        "gt-missing-bucket",
        "--lambda",
        "pre-annotation",
        "--kms-key",
        key_id,
    )
    checks = _checks(data)
    assert code == ExitCode.FAILED
    assert data["ok"] is False
    failed = {name for name, c in checks.items() if c["status"] == "failed"}
    assert failed == {
        "bucket gt-far-bucket",
        "bucket gt-missing-bucket",
        f"KMS key {key_id}",
    }
    assert all(checks[name].get("fix") for name in failed)
    assert _status(checks, "Lambda") == "warning"
    assert _status(checks, "Ground Truth") == "warning"


def test_doctor_warns_when_the_account_has_never_used_ground_truth(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_env.sagemaker(closed_to_new_customers=True)
    code, data = gtprov_json(capsys, "doctor")
    checks = _checks(data)
    assert code == ExitCode.OK
    assert "new customers" in checks["Ground Truth"]["detail"]


@pytest.mark.parametrize(
    "argv",
    [
        ["doctor", "--bucket", "Not_A_Bucket"],
        ["doctor", "--kms-key", "alias/aws/s3"],
        ["doctor", "--lambda", "bad name"],
        ["doctor", "--command", "everything"],
    ],
)
def test_doctor_refuses_bad_input_before_any_aws_call(
    argv: list[str], aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_env.clear_calls()
    code, _ = gtprov_json(capsys, *argv)
    assert code == ExitCode.USAGE
    assert aws_env.calls() == []
