"""AWS calls per command, each explained, against the emulation.

Every scenario runs a gtprov command with ``--output json`` straight at the
emulation (no proxy, nothing throttled) and records two views of the same
run: the envelope's ``api_calls`` (what gtprov's botocore clients issued)
and the emulation's call log (every HTTP request it answered, retries
included). Each operation is matched with the reason the planner or
handler makes it (``REASONS``, written from reading gtprov's code) and
whether that is the least the AWS API allows. An operation with no entry
is reported as unexplained: a new call a change to gtprov introduced.

Goal (issue 9): re-runs make zero writes; every count is the least the API
allows, or the report says why not.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    aws_env,
    boto3_client,
    delete,
    emulation,
    get_json,
    gtprov_cmd,
    log,
    run_json,
)

ROLE = "GtBenchExecutionRole"
BUCKET = "gt-bench-data"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:gt-bench-pre"
WORKFORCE = "bench"
TEAMS = ("labelers", "reviewers")
WORKERS = (
    ("ann@example.com", "labelers"),
    ("bob@example.com", "labelers"),
    ("eve@example.com", "labelers"),
    ("cat@example.com", "reviewers"),
    ("dan@example.com", "reviewers"),
)


@dataclass(frozen=True)
class Why:
    """Why a call is made, and whether fewer would do ("yes" or why not)."""

    reason: str
    least: str = "yes"


_ACCOUNT = Why("the account id, for the ARNs in the role's policies")
_GET_ROLE = Why("does the role exist? create or compare (trust, tags, settings)")
_DESCRIBE_KEY = Why(
    "resolve --kms-key to its ARN; refuse a missing, disabled, AWS managed "
    "or other-Region key"
)
_KEY_POLICY = Why("the key policy, to diff gtprov's statement against")

REASONS: dict[str, dict[str, Why]] = {
    "role": {
        "sts:GetCallerIdentity": _ACCOUNT,
        "iam:GetRole": _GET_ROLE,
        "kms:DescribeKey": _DESCRIBE_KEY,
        "kms:GetKeyPolicy": _KEY_POLICY,
        "iam:CreateRole": Why("the role, with its trust policy and tags in one call"),
        "iam:PutRolePolicy": Why("the inline gtprov-execution policy"),
        "kms:PutKeyPolicy": Why("the key policy with gtprov's statement added"),
        "iam:ListRolePolicies": Why(
            "find gtprov-* inline policies, to compare and to drop stale ones"
        ),
        "iam:GetRolePolicy": Why("read gtprov-execution to compare it semantically"),
        "iam:ListAttachedRolePolicies": Why(
            "find gtprov's managed policies (used when inline would not fit)"
        ),
    },
    "role-fresh-extra": {
        "iam:GetRole": Why(
            "1: does the role exist (404); 2: after CreateRole, wait until IAM "
            "shows the new role (eventual consistency)",
            "no: the second GetRole could go; CreateRole returns the ARN, and a "
            "later NoSuchEntity could be retried instead",
        ),
        "kms:GetKeyPolicy": Why(
            "1: plan the grant; 2: read-modify-write right before PutKeyPolicy, "
            "which replaces the whole document",
            "no: the plan's copy would do; the second read narrows the window "
            "in which another writer's statement could be lost",
        ),
    },
    "workforce": {
        "sagemaker:ListWorkforces": Why(
            "the Region's one workforce: exists? bound to which pool and client?"
        ),
        "cognito-idp:ListUserPools": Why(
            "only without a workforce: find gtprov's pool by name after an "
            "interrupted run"
        ),
        "sts:GetCallerIdentity": Why(
            "only when a domain is to be made: the default prefix is a hash of "
            "account, Region and workforce name",
            "yes (none with --domain-prefix)",
        ),
        "cognito-idp:DescribeUserPoolDomain": Why(
            "is the derived domain prefix free? (prefixes are Region-wide)"
        ),
        "cognito-idp:CreateUserPool": Why("invite-only pool, email sign-in, tagged"),
        "cognito-idp:CreateUserPoolClient": Why("the app client with a secret"),
        "cognito-idp:CreateUserPoolDomain": Why("the hosted sign-in domain"),
        "cognito-idp:CreateGroup": Why("one group per team"),
        "sagemaker:CreateWorkforce": Why("bind the pool and client to SageMaker"),
        "sagemaker:DescribeWorkforce": Why(
            "poll until the new workforce is Active (count depends on how "
            "long it takes)",
            "yes (at least one; CreateWorkforce returns only the ARN)",
        ),
        "cognito-idp:DescribeUserPoolClient": Why(
            "read the client's OAuth settings (UpdateUserPoolClient replaces "
            "them all); the update is skipped when SageMaker already set them"
        ),
        "sagemaker:CreateWorkteam": Why("one work team per team"),
        "cognito-idp:AdminCreateUser": Why(
            "one invitation per new worker (there is no batch invite)"
        ),
        "cognito-idp:AdminAddUserToGroup": Why("one per worker and team"),
        "cognito-idp:DescribeUserPool": Why(
            "the pool's ownership tag, domain and username attributes"
        ),
        "sagemaker:ListWorkteams": Why("all teams in one page (at most 25 exist)"),
        "cognito-idp:ListGroups": Why("which team groups exist"),
        "cognito-idp:ListUsersInGroup": Why(
            "members of each team given workers (one page per 60)"
        ),
    },
    "destroy": {
        "iam:ListRoles": Why(
            "candidate roles, 1,000 a page; it returns no tags, and the tagging "
            "API does not cover IAM roles"
        ),
        "iam:GetRole": Why("tags of each role that trusts SageMaker: is it gtprov's?"),
        "iam:ListRolePolicies": Why(
            "gtprov-* inline policies (DeleteRole is refused while any remain)"
        ),
        "iam:ListAttachedRolePolicies": Why("gtprov's /gtprov/ managed policies"),
        "kms:ListAliases": Why("keys by alias, 100 a page, with their key ids"),
        "kms:ListResourceTags": Why("per customer alias's key: is it gtprov's?"),
        "kms:DescribeKey": Why("the key a role's grant record names"),
        "kms:GetKeyPolicy": Why(
            "1: find gtprov's statements; 2: read-modify-write before PutKeyPolicy",
            "no: the plan's copy would do; the second read narrows the window "
            "in which another writer's statement could be lost",
        ),
        "kms:PutKeyPolicy": Why("the key policy without gtprov's statements"),
        "iam:DeleteRolePolicy": Why("gtprov-execution, before the role can go"),
        "iam:DeleteRole": Why("the role"),
        "sagemaker:ListWorkforces": Why("the Region's workforce"),
        "sagemaker:ListWorkteams": Why("teams, 100 a page"),
        "sagemaker:ListTags": Why(
            "per team: gtprov's tag (DescribeWorkteam returns no tags)"
        ),
        "cognito-idp:ListUserPools": Why("pools named gtprov-*, 60 a page"),
        "cognito-idp:DescribeUserPool": Why(
            "1: tags, domain, deletion protection; 2: read again right before "
            "UpdateUserPool, which resets every field not sent",
            "no: the plan's copy would do; re-reading avoids reverting a "
            "change made since",
        ),
        "cognito-idp:ListUserPoolClients": Why(
            "keep the pool if another app's client uses it"
        ),
        "cognito-idp:ListGroups": Why("keep the pool if it holds others' groups"),
        "cognito-idp:ListUsers": Why(
            "keep the pool if it holds users gtprov did not invite"
        ),
        "sagemaker:DeleteWorkteam": Why("each team (DeleteWorkforce needs none left)"),
        "sagemaker:DescribeWorkforce": Why(
            "1: status before DeleteWorkforce; then poll until it is gone, "
            "since Cognito keeps the pool while the workforce uses it",
            "no: the first read repeats the plan's ListWorkforces (it keeps a "
            "re-run during Deleting from deleting twice); the polls are needed",
        ),
        "sagemaker:DeleteWorkforce": Why("the workforce"),
        "cognito-idp:DescribeUserPoolDomain": Why(
            "delete the domain only while it still belongs to this pool",
            "no: DescribeUserPool already gave the domain; a guard against a "
            "domain that changed hands",
        ),
        "cognito-idp:DeleteUserPoolDomain": Why(
            "the domain (DeleteUserPool is refused while it exists)"
        ),
        "cognito-idp:UpdateUserPool": Why(
            "deletion protection off, every other setting sent back unchanged"
        ),
        "cognito-idp:DeleteUserPool": Why("the pool, with its client, groups, users"),
    },
}


@dataclass(frozen=True)
class Scenario:
    name: str
    args: tuple[str, ...]
    reasons: tuple[str, ...]
    rerun: bool = False


def role_args() -> tuple[str, ...]:
    return (
        "create-execution-role",
        ROLE,
        "--bucket",
        BUCKET,
        "--lambda",
        LAMBDA,
        "--kms-key",
        "alias/gt-bench",
        "--grant-key-policy",
    )


def workforce_args(workers_file: Path) -> tuple[str, ...]:
    teams = [arg for team in TEAMS for arg in ("--team", team)]
    return (
        "setup-workforce",
        "--workforce-name",
        WORKFORCE,
        *teams,
        "--workers-file",
        str(workers_file),
    )


DESTROY = ("destroy", "--all", "--yes")


def scenarios(workers_file: Path, destroy: bool) -> list[Scenario]:
    role, workforce = role_args(), workforce_args(workers_file)
    fresh_role = ("role-fresh-extra", "role")
    found = [
        Scenario("create-execution-role, fresh", role, fresh_role),
        Scenario("create-execution-role, re-run", role, ("role",), rerun=True),
        Scenario("setup-workforce, fresh", workforce, ("workforce",)),
        Scenario("setup-workforce, re-run", workforce, ("workforce",), rerun=True),
    ]
    if destroy:
        found.append(Scenario("destroy --all, after both", DESTROY, ("destroy",)))
        found.append(Scenario("destroy --all, re-run", DESTROY, ("destroy",), True))
    return found


def prepare(emulator: str) -> None:
    """What the user brings: the data bucket and a customer managed key."""
    boto3_client("s3", emulator).create_bucket(Bucket=BUCKET)
    kms = boto3_client("kms", emulator)
    key = kms.create_key(Description="Ground Truth data (benchmark)")["KeyMetadata"]
    kms.create_alias(AliasName="alias/gt-bench", TargetKeyId=key["KeyId"])


def write_workers(path: Path) -> Path:
    lines = ["email,team", *(f"{e},{t}" for e, t in WORKERS)]
    path.write_text("\n".join(lines) + "\n")
    return path


def measure(emulator: str, scenario: Scenario) -> dict[str, Any]:
    delete(f"{emulator}/_gtprov/calls")
    envelope = run_json(scenario.args, aws_env(emulator))
    log_calls = get_json(f"{emulator}/_gtprov/calls")["calls"]
    return {
        "scenario": scenario.name,
        "command": "gtprov " + " ".join(_shown(a) for a in scenario.args),
        "seconds": envelope["_seconds"],
        "api_calls": envelope["api_calls"],
        "plan": [_plan_line(c) for c in envelope["plan"]],
        "calls": explain(log_calls, scenario.reasons),
        "http_requests": len(log_calls),
        "rerun": scenario.rerun,
    }


def _shown(arg: str) -> str:
    """The workers file by name: its temporary folder changes every run."""
    return Path(arg).name if arg.endswith(".csv") else arg


def _plan_line(change: dict[str, Any]) -> str:
    tail = f" ({change['reason']})" if change.get("reason") else ""
    return f"{change['action']} {change['kind']} {change['name']}{tail}"


def explain(log_calls: Sequence[dict[str, Any]], tables: Sequence[str]) -> list[Any]:
    """One row per operation in first-call order: count, writes, reason."""
    counts = Counter(f"{c['service']}:{c['operation']}" for c in log_calls)
    writes = {f"{c['service']}:{c['operation']}": c["is_write"] for c in log_calls}
    retried = Counter(
        f"{c['service']}:{c['operation']}" for c in log_calls if c["attempt"] > 1
    )
    return [_row(op, n, writes[op], retried[op], tables) for op, n in counts.items()]


def _row(
    op: str, count: int, write: bool, retried: int, tables: Sequence[str]
) -> dict[str, Any]:
    why = next((REASONS[t][op] for t in tables if op in REASONS[t]), None)
    return {
        "operation": op,
        "count": count,
        "write": write,
        "retries": retried,
        "reason": why.reason if why else "UNEXPLAINED: a call no reason covers",
        "least": why.least if why else "unknown",
    }


def destroy_available() -> bool:
    proc = subprocess.run(gtprov_cmd("destroy", "--help"), capture_output=True)
    return proc.returncode == 0


def run(workdir: Path) -> dict[str, Any]:
    workers_file = write_workers(workdir / "workers.csv")
    destroy = destroy_available()
    with emulation() as emu:
        prepare(emu.url)
        results = []
        for scenario in scenarios(workers_file, destroy):
            log(f"api calls: {scenario.name}")
            results.append(measure(emu.url, scenario))
    return {
        "scenarios": results,
        "destroy": "measured" if destroy else "not measured: no destroy command",
        "goals": goals(results),
    }


def goals(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for result in results:
        if result["rerun"]:
            writes = result["api_calls"]["writes"]
            rows.append(_goal(f"{result['scenario']}: no writes", writes, 0))
    unexplained = sum(
        1 for r in results for call in r["calls"] if call["least"] == "unknown"
    )
    rows.append(_goal("every call explained", unexplained, 0))
    return rows


def _goal(name: str, measured: int, limit: int) -> dict[str, Any]:
    return {
        "goal": name,
        "measured": measured,
        "limit": limit,
        "met": measured <= limit,
    }
