"""Bulk invitation of 1,000 workers at Cognito's quotas, beside a boto3 loop.

Everything goes through ``benchmarks.proxy`` with 50 ms added latency and
Cognito's default quotas (AdminCreateUser 50/s, AdminAddUserToGroup 25/s).
Each round, on a freshly reset emulation:

1. ``gtprov setup-workforce`` makes the workforce and team (not timed);
2. a plain sequential boto3 loop (AdminCreateUser then AdminAddUserToGroup
   per worker, standard retries) invites the same number of other addresses
   into a group of its own;
3. ``gtprov add-workers`` invites the workers file into the team;
4. the same command again, which must write nothing;
5. ``ListUsersInGroup`` checks that every worker is in the team.

The quota bound: each category c of necessary calls (N_c calls at r_c per
second) takes at least N_c / r_c seconds, and categories are metered apart,
so no client can finish before max_c(N_c / r_c); for 1,000 workers that is
max(1000/50, 1000/25) = 40 s. (With a full bucket of b_c tokens at the start
the floor is max_c((N_c - b_c) / r_c) = 39 s; the goal uses the first.)
Goal (issue 9): gtprov within 1.2x of the bound, no worker lost, and a
re-run making no writes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common import (
    aws_env,
    boto3_client,
    delete,
    emulation,
    get_json,
    log,
    post,
    proxy,
    run_json,
    summary,
)
from benchmarks.quota import COGNITO_DEFAULTS, parse_quotas

WORKFORCE = "bench"
TEAM = "bench-team"
LOOP_GROUP = "bench-boto3-loop"
CATEGORY_CALLS = ("cognito-idp:AdminCreateUser", "cognito-idp:AdminAddUserToGroup")
GOAL_RATIO = 1.2


def quota_bound(workers: int) -> float:
    """max over categories of N_c / r_c, with one call per worker in each."""
    quotas = parse_quotas(COGNITO_DEFAULTS)
    return max(workers / quotas[key].rate for key in CATEGORY_CALLS)


def write_emails(path: Path, count: int, prefix: str = "worker") -> Path:
    """One address per line (the single-team form of the workers file)."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(f"{prefix}{i:05d}@example.com\n")
    return path


def setup_team(emulator: str) -> tuple[str, str]:
    """The workforce and team, made by gtprov; their (user pool, group)."""
    args = ["setup-workforce", "--workforce-name", WORKFORCE, "--team", TEAM]
    run_json(args, aws_env(emulator))
    sagemaker = boto3_client("sagemaker", emulator)
    team = sagemaker.describe_workteam(WorkteamName=TEAM)["Workteam"]
    member = team["MemberDefinitions"][0]["CognitoMemberDefinition"]
    return member["UserPool"], member["UserGroup"]


def boto3_loop(
    endpoint: str, emulator: str, pool_id: str, count: int
) -> dict[str, Any]:
    """What a plain script does: one worker after another, two calls each."""
    idp = boto3_client("cognito-idp", endpoint)
    idp.create_group(UserPoolId=pool_id, GroupName=LOOP_GROUP)
    post(f"{endpoint}/_proxy/reset")
    clear_calls(emulator)
    started = time.perf_counter()
    for email in _addresses("loop", count):
        _invite_one(idp, pool_id, email)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "proxy": get_json(f"{endpoint}/_proxy/stats"),
        "emulator_answers": answers(emulator),
    }


def _addresses(prefix: str, count: int) -> Iterator[str]:
    return (f"{prefix}{i:05d}@example.com" for i in range(count))


def _invite_one(idp: Any, pool_id: str, email: str) -> None:
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        DesiredDeliveryMediums=["EMAIL"],
    )["User"]
    idp.admin_add_user_to_group(
        UserPoolId=pool_id, Username=user["Username"], GroupName=LOOP_GROUP
    )


def gtprov_invite(endpoint: str, emulator: str, workers_file: Path) -> dict[str, Any]:
    """``gtprov add-workers`` through the proxy, from a fresh bucket state."""
    post(f"{endpoint}/_proxy/reset")
    clear_calls(emulator)
    args = ["add-workers", "--team", TEAM, "--workers-file", str(workers_file)]
    envelope = run_json(args, aws_env(endpoint))
    return {
        "seconds": envelope["_seconds"],
        "api_calls": envelope["api_calls"],
        "resources": envelope.get("resources", {}),
        "warnings": envelope.get("warnings", []),
        "proxy": get_json(f"{endpoint}/_proxy/stats"),
        "emulator_answers": answers(emulator),
    }


def clear_calls(emulator: str) -> None:
    delete(f"{emulator}/_gtprov/calls")


def answers(emulator: str) -> dict[str, dict[str, int]]:
    """HTTP statuses the emulation answered, by operation (5xx: its own
    faults, such as moto's Cognito backend under concurrent writes)."""
    table: dict[str, Counter[str]] = {}
    for call in get_json(f"{emulator}/_gtprov/calls")["calls"]:
        key = f"{call['service']}:{call['operation']}"
        table.setdefault(key, Counter())[str(call["status"])] += 1
    return {key: dict(sorted(c.items())) for key, c in sorted(table.items())}


def members(emulator: str, pool_id: str, group: str) -> set[str]:
    """Email addresses of the group's members, read from the emulation."""
    idp = boto3_client("cognito-idp", emulator)
    pages = idp.get_paginator("list_users_in_group").paginate(
        UserPoolId=pool_id, GroupName=group
    )
    return {
        attr["Value"]
        for page in pages
        for user in page["Users"]
        for attr in user["Attributes"]
        if attr["Name"] == "email"
    }


def one_round(
    emulator: str, endpoint: str, workers_file: Path, count: int
) -> dict[str, Any]:
    post(f"{emulator}/_gtprov/reset")
    pool_id, group = setup_team(emulator)
    log(f"bulk: boto3 loop, {count} workers")
    loop = boto3_loop(endpoint, emulator, pool_id, count)
    log(
        f"bulk: gtprov add-workers, {count} workers (loop took {loop['seconds']:.1f} s)"
    )
    first = gtprov_invite(endpoint, emulator, workers_file)
    log(f"bulk: re-run (first took {first['seconds']:.1f} s)")
    again = gtprov_invite(endpoint, emulator, workers_file)
    expected = set(_addresses("worker", count))
    found = members(emulator, pool_id, group)
    return {
        "boto3_loop": loop,
        "gtprov": first,
        "gtprov_rerun": again,
        "members_found": len(found & expected),
        "missing": sorted(expected - found)[:20],
        "loop_members_found": len(members(emulator, pool_id, LOOP_GROUP)),
    }


def run(
    workdir: Path, workers: int = 1000, repeat: int = 3, latency_ms: float = 50
) -> dict[str, Any]:
    workers_file = write_emails(workdir / f"emails-{workers}.txt", workers)
    with emulation() as emu, proxy(emu.url, latency_ms, COGNITO_DEFAULTS) as px:
        rounds = [
            one_round(emu.url, px.url, workers_file, workers) for _ in range(repeat)
        ]
    result = summarise(rounds, workers, latency_ms)
    sweep_file = write_emails(workdir / f"emails-{SWEEP_WORKERS}.txt", SWEEP_WORKERS)
    result["latency_sweep"] = [latency_point(sweep_file, ms) for ms in SWEEP_MS]
    return result


SWEEP_MS = (150.0, 250.0)
SWEEP_WORKERS = 500


def latency_point(workers_file: Path, latency_ms: float) -> dict[str, Any]:
    """gtprov alone at a longer round trip (AWS from afar): does it still
    hold the quota, or do its threads run out first?"""
    log(f"bulk: gtprov at {latency_ms:.0f} ms latency, {SWEEP_WORKERS} workers")
    with emulation() as emu, proxy(emu.url, latency_ms, COGNITO_DEFAULTS) as px:
        setup_team(emu.url)
        first = gtprov_invite(px.url, emu.url, workers_file)
    bound = quota_bound(SWEEP_WORKERS)
    return {
        "latency_ms": latency_ms,
        "workers": SWEEP_WORKERS,
        "quota_bound_s": bound,
        "seconds": first["seconds"],
        "ratio_to_bound": first["seconds"] / bound,
        "proxy": first["proxy"],
    }


def summarise(
    rounds: list[dict[str, Any]], workers: int, latency_ms: float
) -> dict[str, Any]:
    bound = quota_bound(workers)
    gtprov = [r["gtprov"]["seconds"] for r in rounds]
    loop = [r["boto3_loop"]["seconds"] for r in rounds]
    return {
        "workers": workers,
        "latency_ms": latency_ms,
        "quotas": list(COGNITO_DEFAULTS),
        "quota_bound_s": bound,
        "seconds": {
            "gtprov add-workers": summary(gtprov),
            "boto3 sequential loop": summary(loop),
            "gtprov re-run": summary([r["gtprov_rerun"]["seconds"] for r in rounds]),
        },
        "ratios": {
            "gtprov / quota bound": summary([g / bound for g in gtprov]),
            "gtprov / boto3 loop": summary(
                [g / b for g, b in zip(gtprov, loop, strict=True)]
            ),
            "boto3 loop / quota bound": summary([b / bound for b in loop]),
        },
        "rounds": rounds,
        "goals": _goals(rounds, gtprov, bound, workers),
    }


def _goals(
    rounds: list[dict[str, Any]], gtprov: list[float], bound: float, workers: int
) -> list[dict[str, Any]]:
    worst = max(gtprov) / bound
    median = summary(gtprov)["median"] / bound
    rerun_writes = [r["gtprov_rerun"]["api_calls"]["writes"] for r in rounds]
    found = [r["members_found"] for r in rounds]
    return [
        {
            "goal": f"{workers} invited within {GOAL_RATIO}x the quota bound",
            "measured": median,
            "worst": worst,
            "limit": GOAL_RATIO,
            "met": median <= GOAL_RATIO,
        },
        {
            "goal": "no worker lost (ListUsersInGroup, every round)",
            "measured": f"{min(found)} of {workers}",
            "limit": workers,
            "met": min(found) == workers,
        },
        {
            "goal": "re-run of the same list makes no writes",
            "measured": max(rerun_writes),
            "limit": 0,
            "met": max(rerun_writes) == 0,
        },
    ]
