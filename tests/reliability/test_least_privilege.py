"""Least privilege: `gtprov policy provisioner` is enough, and all of it is needed.

An IAM user holding only the provisioner policy runs every command against
the emulation with IAM enforcement on (moto's, and the SageMaker fake's):

- ``MAIN``: create-execution-role with a granted and a created KMS key,
  setup-workforce (two teams, workers, a topic), add-workers,
  remove-workers, status, doctor, destroy --all;
- ``GIVEN_POOL``: a role too big for an inline policy (customer managed
  policies, ``GetAccountSummary``), a workforce on a user pool gtprov did
  not make (its tags are then read from the workforce), status, destroy.

Then each statement is taken out in turn and the same commands must fail
on an action of that statement; for a statement only doctor uses, doctor
can no longer make a check it made before.

What moto's enforcement cannot prove, and how it is covered instead:

- moto authorizes against the resource ``"*"`` for every service but IAM
  role calls on existing roles and S3 (``moto/core/responses.py``
  ``call_action``: ``_determine_resource`` exists for IAM, STS and SQS
  only). The user's copy of the policy therefore has every Resource widened
  to ``"*"``, except the SageMaker statements, which the fake evaluates on
  the real workforce and work-team ARNs. The actions are exactly the
  provisioner's, so a missing action still fails; the real resource
  patterns are checked against every ARN the run touched
  (``test_the_provisioner_resource_patterns_cover_every_arn_the_run_touched``).
- Conditions, key policies, permission boundaries and SCPs are not evaluated
  (``moto/iam/access_control.py``); ``sts:GetCallerIdentity`` needs no
  permission in AWS, and moto does not ask for one.
- ``iam:SimulatePrincipalPolicy`` is not implemented by moto, so doctor's
  permission check always says it could not tell.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name
from hypothesis import given, settings
from hypothesis import strategies as st

import gtprov
from gtprov.emulation.control import EmulatorControl
from gtprov.exitcodes import ExitCode
from gtprov.models.role import Account, RoleValues, build_execution_role
from gtprov.policy.document import Document
from gtprov.policy.execution import execution_policy
from gtprov.policy.provisioner import provisioner_policy
from tests.reliability.account import client
from tests.reliability.scenario import ROLE, Outcome, prepare, run_json

ACCOUNT, REGION = "123456789012", "us-east-1"
USER = "gtprov-provisioner"
BUCKET = "gt-data"
BIG_ROLE = "GtBig"
SIMULATION = "permissions: "
"""Doctor's IAM simulation check, which moto cannot answer."""
NOT_CALLED: dict[str, str] = {
    "IamSimulateCaller": (
        "doctor calls iam:SimulatePrincipalPolicy (gtprov/aws/inventory.py), but "
        "moto does not implement it, so doctor reports 'could not tell' with or "
        "without this statement and its need cannot be shown here"
    ),
}
"""Statements whose need these tests cannot show, each with the reason."""


def the_policy() -> Document:
    return provisioner_policy(ACCOUNT, REGION, "aws")


def sids() -> list[Any]:
    return [
        pytest.param(
            s["Sid"],
            id=s["Sid"],
            marks=[pytest.mark.xfail(reason=NOT_CALLED[s["Sid"]], strict=True)]
            if s["Sid"] in NOT_CALLED
            else [],
        )
        for s in the_policy()["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def for_moto(policy: Document) -> Document:
    """Resources widened to "*" where moto only ever authorizes "*"."""
    statements = []
    for statement in policy["Statement"]:
        sagemaker = any(a.startswith("sagemaker:") for a in _actions(statement))
        statements.append(statement if sagemaker else {**statement, "Resource": "*"})
    return {**policy, "Statement": statements}


@pytest.fixture
def as_provisioner(
    aws_env: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """``as_provisioner(policy)``: from now on, a user holding only ``policy``."""

    def become(policy: Document) -> None:
        iam = client("iam")
        iam.create_user(UserName=USER)
        document = json.dumps(for_moto(policy))
        iam.put_user_policy(UserName=USER, PolicyName="gtprov", PolicyDocument=document)
        key = iam.create_access_key(UserName=USER)["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        aws_env.iam_enforcement(True)

    yield become
    aws_env.iam_enforcement(False)


def commands(tmp_path: Path) -> list[list[str]]:
    """The account before gtprov (made as admin), and every command to run."""
    main = prepare(tmp_path)
    client("s3").create_bucket(Bucket=BUCKET)
    pool = client("cognito-idp").create_user_pool(PoolName="corp-workers")
    inputs = [
        arg
        for n in range(40)
        for arg in ("--input-uri", f"s3://gt-input-{n:03d}/datasets/batch-{n:03d}")
    ]
    return [
        *main,
        ["add-workers", "--team", "alpha", "carl@example.com"],
        ["remove-workers", "--team", "beta", "bob@example.com"],
        ["status"],
        [
            "doctor",
            "--bucket",
            BUCKET,
            "--kms-key",
            "alias/team-data",
            "--lambda",
            "GtRecipePre",
        ],
        ["destroy", "--all", "--yes"],
        ["create-execution-role", BIG_ROLE, "--bucket", BUCKET, *inputs],
        [
            "setup-workforce",
            "--team",
            "gamma",
            "--user-pool-id",
            pool["UserPool"]["Id"],
        ],
        ["status"],
        ["destroy", "--all", "--yes"],
    ]


def run_until_failure(
    capsys: pytest.CaptureFixture[str], argvs: list[list[str]]
) -> list[Outcome]:
    """Each command until one exits non-zero or doctor finds a check it
    cannot make (any check not ok but the simulation moto lacks)."""
    outcomes: list[Outcome] = []
    for argv in argvs:
        outcomes.append(run_json(capsys, argv))
        if outcomes[-1].code != ExitCode.OK or doctor_gaps(outcomes[-1]):
            break
    return outcomes


def doctor_gaps(outcome: Outcome) -> list[dict[str, Any]]:
    if outcome.argv[0] != "doctor" or outcome.envelope is None:
        return []
    checks = outcome.envelope["resources"]["checks"]
    return [
        c
        for c in checks
        if c["status"] != "ok" and not c["name"].startswith(SIMULATION)
    ]


def test_the_provisioner_policy_lets_one_user_run_every_command(
    as_provisioner: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argvs = commands(tmp_path)
    as_provisioner(the_policy())
    outcomes = run_until_failure(capsys, argvs)
    assert [(o.argv[0], o.code) for o in outcomes] == [(a[0], 0) for a in argvs]
    (doctor,) = [o for o in outcomes if o.argv[0] == "doctor"]
    assert doctor.envelope is not None
    checks = doctor.envelope["resources"]["checks"]
    assert {c["status"] for c in checks if not c["name"].startswith(SIMULATION)} == {
        "ok"
    }


@pytest.mark.parametrize("sid", sids())
def test_each_statement_of_the_provisioner_policy_is_needed(
    sid: str, as_provisioner: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = the_policy()
    (removed,) = [s for s in policy["Statement"] if s["Sid"] == sid]
    policy["Statement"].remove(removed)
    argvs = commands(tmp_path)
    as_provisioner(policy)
    failed = run_until_failure(capsys, argvs)[-1]
    assert failed.envelope is not None
    gaps = doctor_gaps(failed)
    if gaps:
        assert failed.code == ExitCode.OK
        assert {c["status"] for c in gaps} == {"warning"}
        return
    assert failed.code == ExitCode.FAILED
    operation = failed.envelope["error"]["operation"]
    assert operation in {a.partition(":")[2] for a in _actions(removed)}


# The real resource patterns -----------------------------------------------------------

NO_RESOURCE_TYPE = frozenset(
    {
        "sts:GetCallerIdentity",
        "iam:GetAccountSummary",
        "iam:ListRoles",
        "kms:CreateKey",
        "kms:ListAliases",
        "cognito-idp:CreateUserPool",
        "cognito-idp:ListUserPools",
        "cognito-idp:DescribeUserPoolDomain",
        "sagemaker:ListWorkforces",
        "sagemaker:ListWorkteams",
        "sns:ListTopics",
    }
)
"""Granted on "*": the service authorization reference gives them no
resource type."""


def touched_arn(call: dict[str, Any], arns: dict[str, str]) -> str:
    """The ARN of the scenario's resource that ``call`` acted on."""
    service, operation = call["service"], call["operation"]
    if service == "s3":
        return arns["bucket"]
    if service == "iam":
        return arns["caller" if operation == "SimulatePrincipalPolicy" else "role"]
    if service == "kms":
        return arns["alias"] if "Alias" in operation else arns["key"]
    if service == "sagemaker":
        return arns["workforce"] if "Workforce" in operation else arns["workteam"]
    return arns["pool" if service == "cognito-idp" else "topic"]


def granted(action: str, arn: str) -> bool:
    for statement in the_policy()["Statement"]:
        if action not in _actions(statement):
            continue
        resources = statement["Resource"]
        patterns = resources if isinstance(resources, list) else [resources]
        if any(fnmatch.fnmatchcase(arn, p) for p in patterns):
            return True
    return False


def test_the_provisioner_resource_patterns_cover_every_arn_the_run_touched(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """With the real patterns (not widened): every call the setup, status
    and doctor made is granted on the ARN it acted on, but one: doctor's
    simulation of a caller who is an IAM user (see the next test)."""
    argvs = commands(tmp_path)[:6]
    aws_env.clear_calls()
    assert [run_json(capsys, a).code for a in argvs] == [0] * len(argvs)
    calls = [c for c in aws_env.calls() if c["fault"] is None]
    arns = scenario_arns()
    actions = {_action(c): touched_arn(c, arns) for c in calls}
    missing = [
        (a, arn)
        for a, arn in sorted(actions.items())
        if a not in NO_RESOURCE_TYPE and not granted(a, arn)
    ]
    assert missing == [("iam:SimulatePrincipalPolicy", arns["caller"])]
    assert {a for a in actions if a in NO_RESOURCE_TYPE} <= {
        a
        for s in the_policy()["Statement"]
        if s["Resource"] == "*"
        for a in _actions(s)
    }


def test_the_provisioner_lets_doctor_simulate_an_iam_user_caller() -> None:
    assert granted("iam:SimulatePrincipalPolicy", f"arn:aws:iam::{ACCOUNT}:user/{USER}")


def _action(call: dict[str, Any]) -> str:
    if call["service"] == "s3":
        return "s3:GetBucketLocation"
    return f"{call['service']}:{call['operation']}"


def scenario_arns() -> dict[str, str]:
    sm, idp = client("sagemaker"), client("cognito-idp")
    (workforce,) = sm.list_workforces()["Workforces"]
    pool = workforce["CognitoConfig"]["UserPool"]
    key = client("kms").describe_key(KeyId="alias/gt-labels")["KeyMetadata"]["Arn"]
    return {
        "bucket": f"arn:aws:s3:::{BUCKET}",
        "role": f"arn:aws:iam::{ACCOUNT}:role/{ROLE}",
        "key": key,
        "alias": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/gt-labels",
        "workforce": workforce["WorkforceArn"],
        "workteam": sm.list_workteams()["Workteams"][0]["WorkteamArn"],
        "pool": idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Arn"],
        "topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:gt-notify",
        "caller": client("sts").get_caller_identity()["Arn"],
    }


# Every action granted, one gtprov calls ----------------------------------------

REQUIRED_WITH_TAGS = {
    "iam:TagPolicy": "CreatePolicy with Tags",
    "kms:TagResource": "CreateKey with Tags",
    "cognito-idp:TagResource": "CreateUserPool with UserPoolTags",
    "sagemaker:AddTags": "CreateWorkforce and CreateWorkteam with Tags",
    "sns:TagResource": "CreateTopic with Tags",
}
"""Actions AWS checks when a create call carries tags; gtprov never calls them."""


def gtprov_source() -> str:
    """gtprov's code, without the emulation (which answers calls, not makes them)."""
    root = Path(gtprov.__file__).parent
    files = (p for p in root.rglob("*.py") if "emulation" not in p.parts)
    return "\n".join(p.read_text() for p in files)


def test_every_action_the_provisioner_grants_is_one_gtprov_calls() -> None:
    """Each granted action names an operation whose botocore method appears in
    gtprov's code, or one AWS checks for a call gtprov makes with tags. (A
    name shared by two services, like list_tags_for_resource, counts for both:
    this can miss an unused grant, never invent one.)"""
    source = gtprov_source()
    unused = [
        action
        for s in the_policy()["Statement"]
        for action in _actions(s)
        if action not in REQUIRED_WITH_TAGS
        and not re.search(rf"\b{xform_name(action.partition(':')[2])}\b", source)
    ]
    assert unused == []


# Generated execution policies ---------------------------------------------------------

WILDCARD_SIDS = {
    "CloudWatchLogsAndMetrics": "no scope is given for logs and metrics",
    "SnsUnsubscribe": "sns:Unsubscribe has no resource type",
}
THE_ACCOUNT = Account(ACCOUNT, REGION, "aws")
KEY_ARNS = [
    f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890a{n}"
    for n in range(3)
]
TOPIC_ARNS = [f"arn:aws:sns:{REGION}:{ACCOUNT}:gt-stream-{n}" for n in range(2)]
scopes = st.fixed_dictionaries(
    {
        "buckets": st.lists(st.sampled_from(["gt-a", "gt-b"]), unique=True),
        "input_uris": st.lists(
            st.sampled_from(["s3://gt-a/in", "s3://gt-c/x/y", "s3://gt-d/in"]),
            unique=True,
        ),
        "output_uris": st.lists(
            st.sampled_from(["s3://gt-c/out", "s3://gt-e/jobs"]), unique=True
        ),
        "lambdas": st.lists(st.sampled_from(["GtRecipePre", "GtRecipePost:live"])),
        "kms_keys": st.lists(st.sampled_from(KEY_ARNS), unique=True),
        "volume_kms_keys": st.lists(st.sampled_from(KEY_ARNS), unique=True),
        "input_topics": st.lists(st.sampled_from(TOPIC_ARNS), unique=True),
        "output_topics": st.lists(st.sampled_from(TOPIC_ARNS), unique=True),
        "automated_labeling": st.booleans(),
    }
).filter(lambda s: s["buckets"] or s["input_uris"] or s["output_uris"])


def allowed_resources(given: dict[str, Any]) -> set[str]:
    """Every ARN the given scopes name: buckets, their objects or prefixes,
    functions, keys, topics, the role itself, Ground Truth's queues."""
    uris = [
        u.removeprefix("s3://") for u in (*given["input_uris"], *given["output_uris"])
    ]
    buckets = {*given["buckets"], *(u.partition("/")[0] for u in uris)}
    lambdas = {
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        for name in given["lambdas"]
    }
    return {
        *(f"arn:aws:s3:::{b}" for b in buckets),
        *(f"arn:aws:s3:::{b}/*" for b in given["buckets"]),
        *(f"arn:aws:s3:::{u}/*" for u in uris),
        *lambdas,
        *given["kms_keys"],
        *given["volume_kms_keys"],
        *given["input_topics"],
        *given["output_topics"],
        f"arn:aws:iam::{ACCOUNT}:role/{ROLE}",
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:*GroundTruth*",
    }


@settings(max_examples=80, deadline=None)
@given(scopes)
def test_generated_execution_policies_stay_within_the_scopes_given(
    given_scopes: dict[str, Any],
) -> None:
    role = build_execution_role(RoleValues(name=ROLE, **given_scopes), THE_ACCOUNT)
    allowed = allowed_resources(given_scopes)
    for statement in execution_policy(role.permissions)["Statement"]:
        resources = statement["Resource"]
        listed = set(resources if isinstance(resources, list) else [resources])
        if statement["Sid"] in WILDCARD_SIDS:
            assert listed == {"*"}
        else:
            assert listed <= allowed, statement["Sid"]
