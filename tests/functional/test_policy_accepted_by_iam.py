"""`gtprov policy ...` output goes to IAM as it is: the emulation's IAM (moto
validates policy grammar) takes each document byte for byte."""

from __future__ import annotations

import json

import boto3
import pytest

from gtprov.cli.main import run
from gtprov.emulation.control import EmulatorControl

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EXECUTION = (
    "policy", "execution", "--account-id", ACCOUNT, "--role-name", "GtLabeling",
    "--bucket", "gt-data", "--input-uri", "s3://gt-in/batch", "--lambda", "gt-pre",
    "--kms-key", KEY,
    "--automated-labeling",
    "--input-topic", f"arn:aws:sns:us-east-1:{ACCOUNT}:gt-input",
)  # fmt: skip


def _stdout(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert run(list(argv)) == 0
    return capsys.readouterr().out


def test_trust_and_execution_policies_are_accepted_as_printed(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    trust = _stdout(capsys, "policy", "trust", "--account-id", ACCOUNT)
    execution = _stdout(capsys, *EXECUTION)
    iam = boto3.client("iam")
    iam.create_role(RoleName="GtLabeling", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(
        RoleName="GtLabeling", PolicyName="gt", PolicyDocument=execution
    )
    stored = iam.get_role_policy(RoleName="GtLabeling", PolicyName="gt")
    assert stored["PolicyDocument"] == json.loads(execution)


@pytest.mark.parametrize("kind", ["console", "workforce-admin", "provisioner"])
def test_admin_policies_are_accepted_as_managed_policies(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    document = _stdout(capsys, "policy", kind, "--account-id", ACCOUNT)
    iam = boto3.client("iam")
    created = iam.create_policy(PolicyName=f"gt-{kind}", PolicyDocument=document)
    assert created["Policy"]["PolicyName"] == f"gt-{kind}"
