"""``gtprov policy KIND`` through the real entry point (argv to exit code)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from gtprov.cli.main import run
from gtprov.exitcodes import ExitCode
from gtprov.policy import console, kms, provisioner, trust, workforce_admin
from gtprov.policy.execution import ExecutionPermissions, execution_policy
from gtprov.validate import S3Location

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/GtRole"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:gt-in"


def gtprov(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def document(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = gtprov(capsys, *argv)
    assert code == ExitCode.OK, err
    return json.loads(out)


# Documents ------------------------------------------------------------------------


def test_policy_trust_prints_the_trust_policy_without_needing_an_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert document(capsys, "policy", "trust") == trust.trust_policy()


def test_policy_trust_adds_both_confused_deputy_conditions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pattern = f"arn:aws-cn:sagemaker:cn-north-1:{ACCOUNT}:*"
    doc = document(
        capsys,
        *("policy", "trust", "--region", "cn-north-1", "--account-id", ACCOUNT),
        *("--source-account", "--source-arn", pattern),
    )
    expected = trust.trust_policy(
        partition="aws-cn", source_account=ACCOUNT, source_arn=pattern
    )
    assert doc == expected


def test_policy_execution_prints_the_library_document_for_the_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = document(
        capsys,
        *("policy", "execution", "--role-name", "GtRole", "--account-id", ACCOUNT),
        *("--input-uri", "s3://gt-in/data/", "--output-uri", "s3://gt-out/o"),
        *("--bucket", "gt-all", "--lambda", "pre", "--lambda", "post:prod"),
        *("--kms-key", KEY, "--volume-kms-key", KEY, "--automated-labeling"),
        *("--input-topic", TOPIC, "--allow-tagged-objects", "--role-path", "/gt/"),
    )
    fn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function"
    expected = ExecutionPermissions(
        role_name="GtRole",
        account_id=ACCOUNT,
        region="us-east-1",
        role_path="/gt/",
        buckets=("gt-all",),
        input_locations=(S3Location("gt-in", "data"),),
        output_locations=(S3Location("gt-out", "o"),),
        lambda_arns=(f"{fn}:pre", f"{fn}:post:prod"),
        kms_key_arns=(KEY,),
        volume_kms_key_arns=(KEY,),
        automated_labeling=True,
        input_topic_arns=(TOPIC,),
        tagged_object_read=True,
    )
    assert doc == execution_policy(expected)


def test_policy_execution_takes_the_region_after_the_command_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = document(
        capsys,
        *("policy", "execution", "--role-name", "GtRole", "--account-id", ACCOUNT),
        *("--bucket", "gt-all", "--lambda", "pre", "--region", "us-gov-west-1"),
    )
    (invoke,) = [s for s in doc["Statement"] if s["Sid"] == "LambdaInvoke"]
    assert invoke["Resource"] == (
        f"arn:aws-us-gov:lambda:us-gov-west-1:{ACCOUNT}:function:pre"
    )


def test_policy_key_policy_statement_from_a_role_arn_or_a_role_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_arn = document(capsys, "policy", "key-policy-statement", "--role-arn", ROLE)
    by_name = document(
        capsys,
        *("policy", "key-policy-statement", "--role-name", "GtRole"),
        *("--account-id", ACCOUNT),
    )
    assert by_arn == by_name == kms.role_statement(ROLE)


def test_policy_console_narrows_pass_role_without_asking_for_the_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = document(capsys, "policy", "console", "--execution-role-arn", ROLE)
    assert doc == console.console_policy(ACCOUNT, "aws", [ROLE])


def test_policy_workforce_admin_prints_the_admin_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = document(capsys, "policy", "workforce-admin", "--account-id", ACCOUNT)
    assert doc == workforce_admin.workforce_admin_policy(ACCOUNT, "us-east-1", "aws")


def test_policy_provisioner_limits_to_the_command_areas_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = document(
        capsys,
        *("policy", "provisioner", "--account-id", ACCOUNT),
        *("--command", "workers", "--command", "doctor"),
    )
    expected = provisioner.provisioner_policy(
        ACCOUNT, "us-east-1", "aws", ["workers", "doctor"]
    )
    assert doc == expected


def test_policy_output_json_wraps_the_document_in_the_envelope(
    capsys: pytest.CaptureFixture[str],
) -> None:
    envelope = document(capsys, "policy", "trust", "--output", "json")
    assert envelope["ok"] is True
    assert envelope["command"] == "policy trust"
    assert envelope["resources"]["policy"] == trust.trust_policy()


def test_policy_text_output_is_two_space_indented_with_a_trailing_newline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = gtprov(capsys, "policy", "trust")
    assert code == ExitCode.OK
    assert out == json.dumps(trust.trust_policy(), indent=2) + "\n"


def test_policy_refuses_a_document_past_the_iam_quota(
    capsys: pytest.CaptureFixture[str],
) -> None:
    uris = [f"--input-uri=s3://gt-bucket-{n:03}/prefix-{n}" for n in range(80)]
    code, out, err = gtprov(
        capsys,
        *("policy", "execution", "--role-name", "GtRole", "--account-id", ACCOUNT),
        *uris,
    )
    assert code == ExitCode.FAILED
    assert out == ""
    assert "10240" in err


# Bad input: exit 2, the option named, nothing on stdout -------------------------

EXE = ("policy", "execution", "--role-name", "GtRole", "--account-id", ACCOUNT)
S3 = ("--bucket", "gt-all")

BAD_INPUT: list[tuple[tuple[str, ...], str]] = [
    (
        (
            "policy",
            "execution",
            "--role-name",
            "bad name",
            "--account-id",
            ACCOUNT,
            *S3,
        ),
        "--role-name",
    ),
    (
        ("policy", "execution", "--role-name", "r" * 65, "--account-id", ACCOUNT, *S3),
        "--role-name",
    ),
    (("policy", "execution", "--account-id", ACCOUNT, *S3), "--role-name"),
    ((*EXE, *S3, "--role-path", "noslash"), "--role-path"),
    ((*EXE, *S3, "--role-path", "/a"), "--role-path"),
    ((*EXE, "--bucket", "Bad_Bucket"), "--bucket"),
    ((*EXE, "--bucket", "ab"), "--bucket"),
    ((*EXE, "--bucket", "192.168.0.1"), "--bucket"),
    ((*EXE, "--bucket", "xn--bucket"), "--bucket"),
    ((*EXE, "--bucket", "a..b"), "--bucket"),
    (EXE, "--bucket"),
    ((*EXE, "--input-uri", "https://gt-in/x"), "--input-uri"),
    ((*EXE, "--input-uri", "s3://gt-in/x*"), "--input-uri"),
    ((*EXE, "--input-uri", "s3://"), "--input-uri"),
    ((*EXE, "--output-uri", "s3://Bad/x"), "--output-uri"),
    ((*EXE, "--output-uri", "s3://gt-out/${aws:username}"), "--output-uri"),
    ((*EXE, *S3, "--lambda", "bad name!"), "--lambda"),
    (
        (*EXE, *S3, "--lambda", f"arn:aws:lambda:us-west-2:{ACCOUNT}:function:f"),
        "--lambda",
    ),
    (
        (*EXE, *S3, "--lambda", "arn:aws:lambda:us-east-1:999999999999:function:f"),
        "--lambda",
    ),
    ((*EXE, *S3, "--lambda", "999999999999:function:f"), "--lambda"),
    (
        (*EXE, *S3, "--lambda", f"arn:aws:sns:us-east-1:{ACCOUNT}:function:f"),
        "--lambda",
    ),
    ((*EXE, *S3, "--kms-key", "alias/gt"), "--kms-key"),
    ((*EXE, *S3, "--kms-key", KEY.replace("us-east-1", "us-west-2")), "--kms-key"),
    (
        (*EXE, *S3, "--kms-key", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3"),
        "--kms-key",
    ),
    ((*EXE, *S3, "--volume-kms-key", "not-a-key"), "--volume-kms-key"),
    (
        (*EXE, *S3, "--volume-kms-key", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/x"),
        "--volume-kms-key",
    ),
    (
        (*EXE, *S3, "--input-topic", TOPIC.replace("us-east-1", "us-west-2")),
        "--input-topic",
    ),
    (
        (*EXE, *S3, "--output-topic", f"arn:aws:sns:us-east-1:{ACCOUNT}:bad.name"),
        "--output-topic",
    ),
    (
        ("policy", "execution", "--role-name", "GtRole", "--account-id", "12345", *S3),
        "--account-id",
    ),
    ((*EXE, *S3, "--region", "moon-1"), "--region"),
    ((*EXE, *S3, "--region", "US-EAST-1"), "--region"),
    ((*EXE, *S3, "--partition", "aws-iso"), "--partition"),
    ((*EXE, *S3, "--partition", "aws-cn"), "--partition"),
    (("policy", "trust", "--source-arn", "arn:aws:s3:::bucket"), "--source-arn"),
    (("policy", "trust", "--source-arn", "not-an-arn"), "--source-arn"),
    (
        (
            *("policy", "trust", "--account-id", ACCOUNT, "--source-account"),
            *("--source-arn", "arn:aws:sagemaker:us-east-1:222222222222:*"),
        ),
        "--source-arn",
    ),
    (("policy", "trust", "--account-id", "abc", "--source-account"), "--account-id"),
    (("policy", "trust", "--partition", "AWS"), "--partition"),
    (("policy", "key-policy-statement"), "--role-arn"),
    (
        ("policy", "key-policy-statement", "--role-arn", ROLE, "--role-name", "x"),
        "--role-arn",
    ),
    (
        (
            "policy",
            "key-policy-statement",
            "--role-arn",
            f"arn:aws:iam::{ACCOUNT}:user/bob",
        ),
        "--role-arn",
    ),
    (
        (
            "policy",
            "key-policy-statement",
            "--role-arn",
            ROLE.replace("aws", "aws-cn", 1),
        ),
        "--role-arn",
    ),
    (
        (
            "policy",
            "key-policy-statement",
            "--role-name",
            "bad name",
            "--account-id",
            ACCOUNT,
        ),
        "--role-name",
    ),
    (
        ("policy", "console", "--execution-role-arn", f"{ROLE} x"),
        "--execution-role-arn",
    ),
    (
        (
            "policy",
            "console",
            "--account-id",
            "999999999999",
            "--execution-role-arn",
            ROLE,
        ),
        "--execution-role-arn",
    ),
    (
        (
            *("policy", "console", "--execution-role-arn", ROLE),
            *("--execution-role-arn", "arn:aws:iam::999999999999:role/x"),
        ),
        "--execution-role-arn",
    ),
    (("policy", "workforce-admin", "--account-id", "1234567890123"), "--account-id"),
    (
        ("policy", "provisioner", "--account-id", ACCOUNT, "--command", "nope"),
        "--command",
    ),
    (
        (
            "policy",
            "provisioner",
            "--account-id",
            ACCOUNT,
            "--region",
            "eusc-de-east-1",
        ),
        "--region",
    ),
    (("policy", "nope"), "nope"),
]


@pytest.mark.parametrize(
    ("argv", "option"),
    BAD_INPUT,
    ids=[f"{n:02}-{o}" for n, (_, o) in enumerate(BAD_INPUT)],
)
def test_policy_rejects_bad_input_with_exit_2_naming_the_option_and_empty_stdout(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], option: str
) -> None:
    code, out, err = gtprov(capsys, *argv)
    assert code == ExitCode.USAGE
    assert option in err
    assert out == ""


def test_policy_rejects_bad_input_in_json_mode_with_empty_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = gtprov(capsys, "--output", "json", *EXE, "--bucket", "Bad")
    assert (code, out) == (ExitCode.USAGE, "")
    assert "--bucket" in err


@pytest.mark.parametrize(
    "argv",
    [
        (*EXE, *S3),
        ("policy", "workforce-admin", "--account-id", ACCOUNT),
        ("policy", "provisioner", "--account-id", ACCOUNT),
    ],
)
def test_regional_policies_need_a_region(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    code, out, err = gtprov(capsys, *argv)
    assert code == ExitCode.USAGE
    assert "--region" in err
    assert out == ""


# Offline: no boto3 ---------------------------------------------------------------


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )


def test_importing_the_policy_command_does_not_import_boto3() -> None:
    result = _python(
        "import gtprov.cli.policy_cmd, sys; assert 'boto3' not in sys.modules"
    )
    assert result.returncode == 0, result.stderr


def test_running_policy_execution_does_not_import_boto3() -> None:
    argv = [*EXE, "--bucket", "gt-all", "--lambda", "pre", "--automated-labeling"]
    result = _python(
        "import sys\n"
        "from gtprov.cli.main import run\n"
        f"code = run({argv!r})\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules\n"
        "sys.exit(code)\n"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Version"] == "2012-10-17"
