"""Account states for the status, destroy and doctor tests, built in the emulator.

What gtprov manages is made with gtprov's own commands (through
``gtprov.cli.main.run``); the look-alikes gtprov must never touch are made
with boto3 directly, without gtprov's tag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from gtprov.cli.main import run

ROLE = "GtLabeling"
CREATED_ALIAS = "alias/gt-labels"
TEAM_KEY_ALIAS = "alias/team-data"
TEAM = "labelers"
WORKER = "worker@example.com"
TOPIC = "gt-notify"
FOREIGN_SID = "TeamDataReaders"
LOOKALIKE_ROLE = "gtprov-GtLabeling"
LOOKALIKE_ALIAS = "alias/gtprov-lookalike"
LOOKALIKE_POOL = "gtprov-lookalike"
SAGEMAKER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True)
class Lookalikes:
    """Resources that resemble gtprov's but carry no gtprov tag."""

    role: str
    key_id: str
    pool_id: str


def gtprov(*argv: str) -> int:
    return run(list(argv))


def gtprov_json(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, dict[str, Any]]:
    """Run with ``--output json``; the exit code and the parsed envelope."""
    capsys.readouterr()
    code = run([*argv, "--output", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def team_key() -> str:
    """A customer key gtprov did not create, with a statement of its own."""
    kms = boto3.client("kms")
    key_id = kms.create_key(Description="team data")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=TEAM_KEY_ALIAS, TargetKeyId=key_id)
    policy = key_policy(key_id)
    policy["Statement"].append(
        {
            "Sid": FOREIGN_SID,
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id()}:root"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
        }
    )
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))
    return str(key_id)


def make_role() -> None:
    """The execution role: a key gtprov creates, and a grant on the team key."""
    code = gtprov(
        "create-execution-role",
        ROLE,
        "--bucket",
        "gt-data-bucket",
        "--kms-key",
        TEAM_KEY_ALIAS,
        "--grant-key-policy",
        "--create-kms-key",
        CREATED_ALIAS,
    )
    assert code == 0


def make_workforce() -> None:
    code = gtprov(
        "setup-workforce", "--team", TEAM, "--worker", WORKER, "--create-topic", TOPIC
    )
    assert code == 0


def make_lookalikes() -> Lookalikes:
    iam = boto3.client("iam")
    iam.create_role(
        RoleName=LOOKALIKE_ROLE,
        AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST),
        Description="made by hand (gtprov style)",
    )
    iam.put_role_policy(
        RoleName=LOOKALIKE_ROLE,
        PolicyName="gtprov-execution",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
                ],
            }
        ),
    )
    kms = boto3.client("kms")
    key_id = kms.create_key(Description="made by hand")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=LOOKALIKE_ALIAS, TargetKeyId=key_id)
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName=LOOKALIKE_POOL)["UserPool"]["Id"]
    return Lookalikes(LOOKALIKE_ROLE, str(key_id), str(pool))


def build_account() -> tuple[str, Lookalikes]:
    """Everything gtprov makes, plus look-alikes; the team key's ID."""
    key_id = team_key()
    make_role()
    make_workforce()
    return key_id, make_lookalikes()


# Reading the account back -------------------------------------------------------


def account_id() -> str:
    return str(boto3.client("sts").get_caller_identity()["Account"])


def key_policy(key_id: str) -> dict[str, Any]:
    policy = boto3.client("kms").get_key_policy(KeyId=key_id, PolicyName="default")
    return dict(json.loads(policy["Policy"]))


def sids(key_id: str) -> list[str]:
    return [str(s.get("Sid")) for s in key_policy(key_id)["Statement"]]


def key_state(key_ref: str) -> str:
    meta = boto3.client("kms").describe_key(KeyId=key_ref)["KeyMetadata"]
    return str(meta["KeyState"])


def created_key_id() -> str:
    meta = boto3.client("kms").describe_key(KeyId=CREATED_ALIAS)["KeyMetadata"]
    return str(meta["KeyId"])


def aliases() -> set[str]:
    found = boto3.client("kms").list_aliases()["Aliases"]
    return {a["AliasName"] for a in found}


def role_exists(name: str) -> bool:
    return any(r["RoleName"] == name for r in boto3.client("iam").list_roles()["Roles"])


def pool_names() -> list[str]:
    pools = boto3.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    return sorted(p["Name"] for p in pools)


def workforces() -> list[dict[str, Any]]:
    return list(boto3.client("sagemaker").list_workforces()["Workforces"])


def workteams() -> list[str]:
    teams = boto3.client("sagemaker").list_workteams()["Workteams"]
    return [t["WorkteamName"] for t in teams]


def topics() -> list[str]:
    return [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]


def gtprov_pool_id() -> str:
    pools = boto3.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    return next(str(p["Id"]) for p in pools if p["Name"] == "gtprov-default")
