"""The complete setup the reliability tests break: a role with KMS, a workforce.

Before gtprov runs, the account holds one customer managed key of its own
(``alias/team-data``, made with boto3). gtprov then:

- ``create-execution-role``: the role, with ``--kms-key alias/team-data
  --grant-key-policy`` (a statement in that key's policy) and
  ``--create-kms-key gt-labels`` (a new key, its alias, its rotation);
- ``setup-workforce``: user pool, app client, domain, two groups, a topic,
  the workforce, two work teams, and workers: ann in both teams, bob in one,
  each subscribed to the teams' topic.

``run_setup`` runs the commands in order, as a script with ``set -e`` would,
each with ``--output json``, and stops at the first that fails. The same
setup can also be one ``gtprov apply -f gtprov.toml --yes`` (``APPLY``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gtprov.cli.main import run
from tests.reliability.account import client

COMMANDS, APPLY = "commands", "apply"
slow = pytest.mark.skipif(
    os.environ.get("GTPROV_SLOW") != "1",
    reason="exhaustive variant: opt in with GTPROV_SLOW=1",
)
"""Marks the exhaustive variants, skipped unless ``GTPROV_SLOW=1``."""

ROLE = "GtLabeling"
TEAM_KEY_ALIAS = "alias/team-data"
CREATED_ALIAS = "gt-labels"
TEAMS = ("alpha", "beta")
WORKERS = (
    "email,team\nann@example.com,alpha\nann@example.com,beta\nbob@example.com,beta\n"
)
TOPIC = "gt-notify"
EXPECTED_WRITES = (
    "iam:CreateRole",
    "kms:CreateKey",
    "iam:TagRole",
    "kms:CreateAlias",
    "kms:EnableKeyRotation",
    "iam:PutRolePolicy",
    "kms:PutKeyPolicy",
    "cognito-idp:CreateUserPool",
    "cognito-idp:CreateUserPoolClient",
    "cognito-idp:CreateUserPoolDomain",
    "cognito-idp:CreateGroup",
    "cognito-idp:CreateGroup",
    "sns:CreateTopic",
    "sagemaker:CreateWorkforce",
    "sagemaker:CreateWorkteam",
    "sagemaker:CreateWorkteam",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminAddUserToGroup",
    "sns:Subscribe",
    "sns:Subscribe",
)
"""Every write of an uninterrupted setup, in order (one worker thread)."""


@dataclass(frozen=True)
class Outcome:
    """One command of the setup: exit code and JSON envelope (None if none)."""

    argv: tuple[str, ...]
    code: int
    envelope: dict[str, Any] | None


def role_argv() -> list[str]:
    return [
        "create-execution-role",
        ROLE,
        "--bucket",
        "gt-data",
        "--kms-key",
        TEAM_KEY_ALIAS,
        "--grant-key-policy",
        "--create-kms-key",
        CREATED_ALIAS,
        "--tag",
        "team=vision",
    ]


def workforce_argv(workers_file: Path) -> list[str]:
    teams = [arg for team in TEAMS for arg in ("--team", team)]
    return [
        "setup-workforce",
        *teams,
        "--workers-file",
        str(workers_file),
        "--create-topic",
        TOPIC,
        "--cidr",
        "10.0.0.0/16",
    ]


SETUP_FILE = f"""\
region = "us-east-1"

[[roles]]
name = "{ROLE}"
buckets = ["gt-data"]
kms_keys = ["{TEAM_KEY_ALIAS}"]
grant_key_policy = true
create_kms_key = "{CREATED_ALIAS}"
tags = {{ team = "vision" }}

[workforce]
create_topic = "{TOPIC}"
cidrs = ["10.0.0.0/16"]

[[workforce.teams]]
name = "alpha"
workers = ["ann@example.com"]

[[workforce.teams]]
name = "beta"
workers = ["ann@example.com", "bob@example.com"]
"""
"""The same setup as a gtprov.toml."""


def prepare(tmp_path: Path, setup: str = COMMANDS) -> list[list[str]]:
    """The account before gtprov (the team's key); the setup's commands."""
    kms = client("kms")
    key_id = kms.create_key(Description="team data")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=TEAM_KEY_ALIAS, TargetKeyId=key_id)
    if setup == APPLY:
        config = tmp_path / "gtprov.toml"
        config.write_text(SETUP_FILE)
        return [["apply", "-f", str(config), "--yes"]]
    workers = tmp_path / "workers.csv"
    workers.write_text(WORKERS)
    return [role_argv(), workforce_argv(workers)]


def run_json(capsys: pytest.CaptureFixture[str], argv: Sequence[str]) -> Outcome:
    capsys.readouterr()
    code = run([*argv, "--output", "json"])
    out = capsys.readouterr().out
    return Outcome(tuple(argv), code, json.loads(out) if out.strip() else None)


def run_setup(
    capsys: pytest.CaptureFixture[str], commands: Sequence[Sequence[str]]
) -> list[Outcome]:
    """Each command in turn; stop after the first that does not exit 0."""
    outcomes: list[Outcome] = []
    for argv in commands:
        outcomes.append(run_json(capsys, argv))
        if outcomes[-1].code != 0:
            break
    return outcomes
