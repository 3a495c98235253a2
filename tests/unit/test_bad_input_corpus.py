"""Bad input, for every command and gtprov.toml: exit 2, before any AWS call.

Each case of the corpus must exit 2 (``ExitCode.USAGE``), name its field
(the option, argument or file key path) on stderr, leave stdout empty, and
make no AWS call. Calls are counted where every botocore client passes:
``BaseClient._make_api_call`` is wrapped for the test and records each
operation, and ``AWS_ENDPOINT_URL`` names a port nothing listens on, so a
call that slipped past the count would fail rather than reach anything.

The validators behind the corpus (``gtprov/validate.py``) are also tested
with generated input (hypothesis): what they accept they return normalised
and accept again unchanged, and every value they refuse is an
``InputError`` naming the field.
"""

from __future__ import annotations

import socket
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.client
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gtprov import validate
from gtprov.cli.main import run
from gtprov.errors import InputError
from gtprov.exitcodes import ExitCode

ROLE = ["create-execution-role", "GtLabeling"]
S3 = ["--bucket", "gt-data"]
ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
GOOD_TOML = 'region = "us-east-1"\n'
ROLE_TOML = GOOD_TOML + '[[roles]]\nname = "GtLabeling"\nbuckets = ["gt-data"]\n'
TEAM_TOML = GOOD_TOML + '[workforce]\n[[workforce.teams]]\nname = "labelers"\n'


@dataclass(frozen=True)
class Case:
    """argv (``{dir}`` is the test's directory), the field stderr must name,
    and the files to write there first."""

    argv: tuple[str, ...]
    field: str
    files: dict[str, str] = field(default_factory=dict)


def role(*extra: str, field: str) -> Case:
    return Case((*ROLE, *extra), field)


def toml(text: str, field: str, *, command: str = "plan", **files: str) -> Case:
    argv = (command, "-f", "{dir}/gtprov.toml")
    if command == "export":
        argv += ("--format", "cloudformation")
    return Case(argv, field, {"gtprov.toml": text, **files})


CORPUS: dict[str, Case] = {
    # create-execution-role: names, paths, ARNs, URIs, sizes, types
    "role-name-too-long": Case(("create-execution-role", "r" * 65, *S3), "NAME"),
    "role-name-bad-characters": Case(
        ("create-execution-role", "bad name!", *S3), "NAME"
    ),
    "role-without-s3": role(field="--bucket"),
    "bucket-upper-case": role("--bucket", "Gt_Data", field="--bucket"),
    "bucket-like-ip": role("--bucket", "192.168.1.10", field="--bucket"),
    "bucket-reserved-suffix": role("--bucket", "data-s3alias", field="--bucket"),
    "input-uri-not-s3": role("--input-uri", "https://gt-data/x", field="--input-uri"),
    "input-uri-wildcard": role("--input-uri", "s3://gt-data/a*", field="--input-uri"),
    "output-uri-bad-bucket": role("--output-uri", "s3://x/out", field="--output-uri"),
    "lambda-wrong-service": role(
        *S3, "--lambda", "arn:aws:sns:us-east-1:123456789012:f", field="--lambda"
    ),
    "lambda-wrong-region": role(
        *S3,
        "--lambda",
        "arn:aws:lambda:eu-west-1:123456789012:function:GtRecipe",
        field="--lambda",
    ),
    "lambda-wrong-partition": role(
        *S3,
        "--lambda",
        "arn:aws-cn:lambda:us-east-1:123456789012:function:GtRecipe",
        field="--lambda",
    ),
    "lambda-bad-name": role(*S3, "--lambda", "bad name", field="--lambda"),
    "kms-key-aws-managed": role(*S3, "--kms-key", "alias/aws/s3", field="--kms-key"),
    "kms-key-not-a-key": role(*S3, "--kms-key", "not-a-key", field="--kms-key"),
    "kms-key-wrong-service": role(
        *S3, "--kms-key", f"arn:aws:s3:::bucket/key/{KEY_ID}", field="--kms-key"
    ),
    "kms-key-wrong-region": role(
        *S3,
        "--kms-key",
        f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{KEY_ID}",
        field="--kms-key",
    ),
    "volume-key-bad-arn": role(
        *S3,
        "--volume-kms-key",
        "arn:aws:kms:us-east-1:12:key/x",
        field="--volume-kms-key",
    ),
    "input-topic-wrong-service": role(
        *S3,
        "--input-topic",
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
        field="--input-topic",
    ),
    "output-topic-wrong-region": role(
        *S3,
        "--output-topic",
        f"arn:aws:sns:eu-west-1:{ACCOUNT}:t",
        field="--output-topic",
    ),
    "path-without-slashes": role(*S3, "--path", "team", field="--path"),
    "description-not-latin1": role(
        *S3, "--description", "ラベル", field="--description"
    ),
    "boundary-wrong-service": role(
        *S3,
        "--permissions-boundary",
        f"arn:aws:s3:::{ACCOUNT}",
        field="--permissions-boundary",
    ),
    "boundary-role-not-policy": role(
        *S3,
        "--permissions-boundary",
        f"arn:aws:iam::{ACCOUNT}:role/x",
        field="--permissions-boundary",
    ),
    "tag-without-equals": role(*S3, "--tag", "team", field="--tag"),
    "tag-aws-prefix": role(*S3, "--tag", "aws:team=x", field="--tag"),
    "tag-gtprov-prefix": role(*S3, "--tag", "gtprov:owner=x", field="--tag"),
    "tag-key-too-long": role(*S3, "--tag", "k" * 129 + "=v", field="--tag"),
    "session-too-short": role(
        *S3, "--max-session-duration", "60", field="--max-session-duration"
    ),
    "session-too-long": role(
        *S3, "--max-session-duration", "43201", field="--max-session-duration"
    ),
    "session-not-a-number": role(
        *S3, "--max-session-duration", "an hour", field="--max-session-duration"
    ),
    "create-key-aws-alias": role(
        *S3, "--create-kms-key", "aws/x", field="--create-kms-key"
    ),
    "unknown-option": role(*S3, "--buckets", "gt-data", field="--buckets"),
    "output-format-unknown": role(*S3, "--output", "yaml", field="--output"),
    "region-malformed": role(*S3, "--region", "moon-1", field="--region"),
    # setup-workforce, add-workers, remove-workers
    "team-trailing-hyphen": Case(("setup-workforce", "--team", "team-"), "--team"),
    "team-too-long": Case(("setup-workforce", "--team", "t" * 64), "--team"),
    "no-team": Case(("setup-workforce",), "--team"),
    "workforce-name-bad": Case(
        ("setup-workforce", "--team", "t", "--workforce-name", "-x"), "--workforce-name"
    ),
    "user-pool-id-bad": Case(
        ("setup-workforce", "--team", "t", "--user-pool-id", "pool"), "--user-pool-id"
    ),
    "domain-prefix-reserved": Case(
        ("setup-workforce", "--team", "t", "--domain-prefix", "my-cognito"),
        "--domain-prefix",
    ),
    "domain-prefix-upper": Case(
        ("setup-workforce", "--team", "t", "--domain-prefix", "Labels"),
        "--domain-prefix",
    ),
    "cidr-host-bits": Case(
        ("setup-workforce", "--team", "t", "--cidr", "10.0.0.7/24"), "--cidr"
    ),
    "cidr-not-a-network": Case(
        ("setup-workforce", "--team", "t", "--cidr", "10.0.0.300/24"), "--cidr"
    ),
    "cidr-too-many": Case(
        (
            "setup-workforce",
            "--team",
            "t",
            *(a for n in range(11) for a in ("--cidr", f"10.{n}.0.0/16")),
        ),
        "--cidr",
    ),
    "worker-email-bad": Case(
        ("setup-workforce", "--team", "t", "--worker", "ann@"), "--worker"
    ),
    "worker-without-one-team": Case(
        (
            "setup-workforce",
            "--team",
            "a",
            "--team",
            "b",
            "--worker",
            "ann@example.com",
        ),
        "--worker",
    ),
    "topic-wrong-service": Case(
        (
            "setup-workforce",
            "--team",
            "t",
            "--notification-topic",
            f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
        ),
        "--notification-topic",
    ),
    "topic-wrong-region": Case(
        (
            "setup-workforce",
            "--team",
            "t",
            "--notification-topic",
            f"arn:aws:sns:eu-west-1:{ACCOUNT}:q",
        ),
        "--notification-topic",
    ),
    "topic-wrong-partition": Case(
        (
            "setup-workforce",
            "--team",
            "t",
            "--notification-topic",
            f"arn:aws-us-gov:sns:us-east-1:{ACCOUNT}:q",
        ),
        "--notification-topic",
    ),
    "create-topic-bad-name": Case(
        ("setup-workforce", "--team", "t", "--create-topic", "no spaces"),
        "--create-topic",
    ),
    "team-description-too-long": Case(
        ("setup-workforce", "--team", "t", "--description", "d" * 201), "--description"
    ),
    "creation-rps-zero": Case(
        ("setup-workforce", "--team", "t", "--user-creation-rps", "0"),
        "--user-creation-rps",
    ),
    "workers-file-missing": Case(
        ("setup-workforce", "--team", "t", "--workers-file", "{dir}/absent.csv"),
        "--workers-file",
    ),
    "workers-file-bad-row": Case(
        ("setup-workforce", "--team", "t", "--workers-file", "{dir}/w.csv"),
        "--workers-file",
        {"w.csv": "email,team\nann@example.com,t\nbob@,t\n"},
    ),
    "workers-file-unknown-team": Case(
        ("setup-workforce", "--team", "t", "--workers-file", "{dir}/w.csv"),
        "--workers-file",
        {"w.csv": "email,team\nann@example.com,other\n"},
    ),
    "add-workers-bad-email": Case(
        ("add-workers", "--team", "t", "not-an-email"), "EMAIL"
    ),
    "add-workers-no-worker": Case(("add-workers", "--team", "t"), "EMAIL"),
    "add-workers-bad-team": Case(
        ("add-workers", "--team", "-t", "a@example.com"), "--team"
    ),
    "remove-workers-bad-email": Case(("remove-workers", "--team", "t", "a@b"), "EMAIL"),
    # destroy, doctor, status
    "destroy-without-scope": Case(("destroy", "--yes"), "destroy"),
    "destroy-key-days-short": Case(
        ("destroy", "--all", "--yes", "--key-deletion-days", "6"), "--key-deletion-days"
    ),
    "destroy-bad-role": Case(("destroy", "--role", "bad name", "--yes"), "--role"),
    "destroy-force-users-alone": Case(
        ("destroy", "--role", "r", "--force-users", "--yes"), "--force-users"
    ),
    "destroy-without-yes-or-terminal": Case(("destroy", "--all"), "--yes"),
    "doctor-bad-bucket": Case(("doctor", "--bucket", "B"), "--bucket"),
    "doctor-bad-key": Case(("doctor", "--kms-key", "alias/aws/s3"), "--kms-key"),
    "doctor-unknown-area": Case(("doctor", "--command", "everything"), "--command"),
    "doctor-lambda-wrong-service": Case(
        ("doctor", "--lambda", f"arn:aws:sqs:us-east-1:{ACCOUNT}:f"), "--lambda"
    ),
    "status-unknown-option": Case(("status", "--all"), "--all"),
    # gtprov policy
    "policy-account-short": Case(
        ("policy", "trust", "--account-id", "1234"), "--account-id"
    ),
    "policy-partition-unknown": Case(
        ("policy", "trust", "--partition", "aws-moon", "--account-id", ACCOUNT),
        "--partition",
    ),
    "policy-source-arn-wrong-service": Case(
        (
            "policy",
            "trust",
            "--account-id",
            ACCOUNT,
            "--source-arn",
            f"arn:aws:s3:::{ACCOUNT}",
        ),
        "--source-arn",
    ),
    "policy-execution-bad-uri": Case(
        (
            "policy",
            "execution",
            "--role-name",
            "r",
            "--account-id",
            ACCOUNT,
            "--region",
            "us-east-1",
            "--input-uri",
            "s3:/x",
        ),
        "--input-uri",
    ),
    "policy-console-role-arn-of-user": Case(
        (
            "policy",
            "console",
            "--account-id",
            ACCOUNT,
            "--execution-role-arn",
            f"arn:aws:iam::{ACCOUNT}:user/x",
        ),
        "--execution-role-arn",
    ),
    # gtprov.toml: unknown keys, wrong types, bad values, workers files
    "toml-not-toml": toml("region = us-east-1\n", "gtprov.toml"),
    "toml-no-region": toml("[[roles]]\nname = 'r'\n", "region"),
    "toml-region-wrong-type": toml("region = 1\n", "region"),
    "toml-unknown-top-key": toml(GOOD_TOML + "regions = []\n", "regions"),
    "toml-unknown-role-key": toml(ROLE_TOML + 'bucket = "x"\n', "roles[0].bucket"),
    "toml-role-bad-bucket": toml(
        GOOD_TOML + '[[roles]]\nname = "r"\nbuckets = ["Bad_Bucket"]\n',
        "roles[0].buckets[0]",
    ),
    "toml-role-buckets-not-list": toml(
        GOOD_TOML + '[[roles]]\nname = "r"\nbuckets = "gt-data"\n', "roles[0].buckets"
    ),
    "toml-role-session-as-string": toml(
        ROLE_TOML + 'max_session_duration = "3600"\n', "roles[0].max_session_duration"
    ),
    "toml-role-flag-as-string": toml(
        ROLE_TOML + 'grant_key_policy = "yes"\n', "roles[0].grant_key_policy"
    ),
    "toml-role-duplicate-name": toml(
        ROLE_TOML + '[[roles]]\nname = "gtlabeling"\nbuckets = ["gt-data"]\n',
        "roles[1].name",
    ),
    "toml-role-lambda-other-region": toml(
        ROLE_TOML + 'lambdas = ["arn:aws:lambda:eu-west-1:123456789012:function:f"]\n',
        "roles[0].lambdas[0]",
    ),
    "toml-account-short": toml('region = "us-east-1"\naccount = "123"\n', "account"),
    "toml-team-bad-name": toml(
        GOOD_TOML + '[workforce]\n[[workforce.teams]]\nname = "-x"\n',
        "workforce.teams[0].name",
    ),
    "toml-workforce-unknown-key": toml(
        TEAM_TOML + 'team = "x"\n', "workforce.teams[0].team"
    ),
    "toml-workforce-cidr-bad": toml(
        GOOD_TOML
        + '[workforce]\ncidrs = ["10.0.0.1/8"]\n[[workforce.teams]]\nname = "t"\n',
        "workforce.cidrs[0]",
    ),
    "toml-workers-file-bad-row": toml(
        TEAM_TOML + 'workers_file = "w.csv"\n',
        "workforce.teams[0].workers_file",
        **{"w.csv": "ann@example.com\nnot-an-email\n"},
    ),
    "toml-apply-bad-worker": toml(
        TEAM_TOML + 'workers = ["bob@"]\n',
        "workforce.teams[0].workers[0]",
        command="apply",
    ),
    "toml-export-bad-tag": toml(
        ROLE_TOML + 'tags = { "aws:x" = "y" }\n', "roles[0].tags", command="export"
    ),
    "toml-region-mismatch": Case(
        ("plan", "-f", "{dir}/gtprov.toml", "--region", "eu-west-1"),
        "--region",
        {"gtprov.toml": ROLE_TOML},
    ),
    "toml-file-missing": Case(("plan", "-f", "{dir}/absent.toml"), "absent.toml"),
}


KNOWN_GAPS: dict[str, str] = {}
"""Corpus cases gtprov does not yet refuse offline, each with the reason."""


def corpus() -> list[Any]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(reason=KNOWN_GAPS[name], strict=True)]
            if name in KNOWN_GAPS
            else [],
        )
        for name in sorted(CORPUS)
    ]


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every botocore API call made during the test, by operation name.

    The endpoint is a closed local port, so nothing could answer anyway.
    """
    made: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        made.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    return made


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_corpus_has_at_least_sixty_cases_over_every_command() -> None:
    commands = {c.argv[0] for c in CORPUS.values()}
    assert len(CORPUS) >= 60
    assert commands >= {
        "create-execution-role",
        "setup-workforce",
        "add-workers",
        "remove-workers",
        "destroy",
        "doctor",
        "status",
        "policy",
        "plan",
        "apply",
        "export",
    }


@pytest.mark.parametrize("name", corpus())
def test_bad_input_exits_2_naming_the_field_with_no_output_and_no_aws_call(
    name: str,
    api_calls: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = CORPUS[name]
    for file_name, text in case.files.items():
        (tmp_path / file_name).write_text(text)
    argv = [a.replace("{dir}", str(tmp_path)) for a in case.argv]
    code = run(argv)
    out, err = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert case.field in _error_lines(err)
    assert out == ""
    assert api_calls == []


def _error_lines(err: str) -> str:
    """gtprov's ``error: FIELD: rule`` line, or click's ``Error: ...`` one."""
    return "\n".join(
        line for line in err.splitlines() if line.lower().startswith("error")
    )


def test_bad_input_in_json_mode_also_leaves_stdout_empty(
    api_calls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = run([*ROLE, "--bucket", "Bad_Bucket", "--output", "json"])
    out, err = capsys.readouterr()
    assert (code, out, api_calls) == (ExitCode.USAGE, "", [])
    assert "--bucket" in err


def test_the_call_counter_sees_a_call_when_one_is_made(
    api_calls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The counter is live: ``policy execution`` without ``--account-id``
    asks STS (and, the port being closed, refuses for want of an account),
    so an empty count above means no call was made."""
    code = run(
        ["policy", "execution", "--role-name", "r", *S3, "--region", "us-east-1"]
    )
    capsys.readouterr()
    assert code == ExitCode.USAGE
    assert api_calls == ["GetCallerIdentity"]


# The validators, with generated input ----------------------------------------------

FIELD = "--field"
_ARN_PARTS = st.tuples(
    st.sampled_from(["aws", "aws-cn", "aws-us-gov", "", "aws-moon"]),
    st.sampled_from(["iam", "kms", "sns", "lambda", "s3", "sqs", ""]),
    st.sampled_from(["us-east-1", "eu-west-1", "cn-north-1", "", "moon-1"]),
    st.sampled_from([ACCOUNT, "", "aws", "12", "1234567890123"]),
    st.text(string.ascii_letters + string.digits + "/:-_.*$", max_size=40),
)
ARN_LIKE = _ARN_PARTS.map(lambda parts: "arn:" + ":".join(parts))
RESOURCE_LIKE = st.one_of(
    st.text(max_size=80),
    st.text(string.ascii_letters + string.digits + "-_./:@=+, ", max_size=70),
    ARN_LIKE,
    st.from_regex(r"s3://[a-z0-9.-]{0,64}(/[ -~]{0,20})?", fullmatch=True),
    st.from_regex(r"[0-9a-f:.]{1,20}/[0-9]{1,3}", fullmatch=True),
    st.from_regex(r"[a-zA-Z0-9.+-]{0,20}@[a-zA-Z0-9.-]{0,20}", fullmatch=True),
)


def _lambda(value: str, name: str) -> str:
    return validate.lambda_ref(
        value, name, region="us-east-1", account_id=ACCOUNT, partition="aws"
    )


VALIDATORS: dict[str, Callable[[str, str], Any]] = {
    "account_id": validate.account_id,
    "region": validate.region,
    "partition": validate.partition,
    "role_name": validate.role_name,
    "role_path": validate.role_path,
    "policy_name": validate.policy_name,
    "description": validate.description,
    "max_session_duration": validate.max_session_duration,
    "tag": validate.tag,
    "bucket_name": validate.bucket_name,
    "s3_uri": validate.s3_uri,
    "kms_key_ref": validate.kms_key_ref,
    "kms_key_arn": lambda value, name: validate.kms_key_arn(value, name, "us-east-1"),
    "lambda_ref": _lambda,
    "role_arn": validate.role_arn,
    "iam_policy_arn": validate.iam_policy_arn,
    "sns_topic_arn": validate.sns_topic_arn,
    "email": validate.email,
    "cidr": validate.cidr,
    "workforce_name": validate.workforce_name,
    "workteam_name": validate.workteam_name,
    "workteam_description": validate.workteam_description,
    "domain_prefix": validate.domain_prefix,
    "user_pool_id": validate.user_pool_id,
    "group_name": validate.group_name,
}


def _as_input(value: Any) -> str:
    """A validator's result written back as the text a user would give."""
    if isinstance(value, tuple):
        return f"{value[0]}={value[1]}"
    if isinstance(value, validate.KeyRef):
        return value.value
    return str(value)


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@settings(max_examples=80, deadline=None)
@given(text=RESOURCE_LIKE)
def test_a_validator_accepts_a_fixed_point_or_refuses_naming_its_field(
    name: str, text: str
) -> None:
    """Total: any text is either accepted, and its normal form is accepted
    again unchanged, or refused with an InputError (exit 2) naming the field;
    never another exception."""
    check = VALIDATORS[name]
    accepted, refused = _outcome(check, text)
    if refused is not None:
        assert refused.field == FIELD
        assert refused.message.startswith(f"{FIELD}: ")
        assert refused.exit_code == ExitCode.USAGE
    else:
        assert check(_as_input(accepted), FIELD) == accepted


def _outcome(
    check: Callable[[str, str], Any], text: str
) -> tuple[Any, InputError | None]:
    try:
        return check(text, FIELD), None
    except InputError as exc:
        return None, exc
