"""Write handlers for workers: invite, add to a team, re-send, remove.

A team's workers are handled concurrently (``THREADS``) while one token
bucket per Cognito quota category paces the calls of all threads. A worker
that fails is recorded with the reason and the others carry on; the daily
email cap and AccessDenied stop the whole run at once (``BulkUserCalls``).
Results go to the handler's outputs, from which the command prints the
summary; a re-run plans only the workers still missing.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextvars import ContextVar
from typing import Any, Protocol

from gtprov.aws.cognito import (
    ADDED,
    DELETED,
    FAILED,
    INVITED,
    INVITED_BY_ATTRIBUTE,
    INVITED_BY_VALUE,
    MISSING,
    PRESENT,
    REMOVED,
    BulkUserCalls,
    UserResult,
)
from gtprov.aws.ratelimit import TokenBucket
from gtprov.execute.executor import ExecContext, Outputs, handler

THREADS = 24
"""In-flight workers. A worker is two calls in a row, so N threads hold the
25 RPS group quota while a call takes at most N / 50 seconds: 24 keep it up
to about 480 ms per call. The session's connection pool
(``MAX_POOL_CONNECTIONS``) is larger, so threads never queue for sockets."""
SKIPPED = "skipped"


class Progress(Protocol):
    def advance(self, done: int) -> None: ...

    def close(self) -> None: ...


ProgressFactory = Callable[[str, int], Progress]
PROGRESS: ContextVar[ProgressFactory | None] = ContextVar(
    "gtprov_progress", default=None
)
"""Set by the CLI to draw a progress bar; handlers stay free of printing."""

Task = Callable[[], tuple[str, UserResult]]


def buckets(rates: Mapping[str, float]) -> dict[str, TokenBucket]:
    """One bucket per quota category, shared by the operations in it."""
    creation = TokenBucket(rates["user_creation"])
    update = TokenBucket(rates["user_update"])
    return {
        "AdminCreateUser": creation,
        "AdminAddUserToGroup": update,
        "AdminRemoveUserFromGroup": update,
        "AdminListGroupsForUser": update,
        "AdminDeleteUser": update,
    }


@handler("cognito.invite_workers")
def invite_workers(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """Invite new workers, add existing users, re-send expired invitations."""
    calls = BulkUserCalls(ctx.aws, buckets(params["rates"]))
    pool, group = params["user_pool_id"], params["group"]
    extra = [(INVITED_BY_ATTRIBUTE, INVITED_BY_VALUE)] if params["mark_invited"] else []
    tasks: list[Task] = [
        *(
            _invite(calls, pool, group, name, email, extra)
            for name, email in params["invite"]
        ),
        *(_add(calls, pool, group, name, email) for name, email in params["add"]),
        *(_resend(calls, pool, name, email) for name, email in params["resend"]),
    ]
    return _summary(_run(tasks, params["team"]), present=params.get("present", 0))


def _invite(
    calls: BulkUserCalls,
    pool: str,
    group: str,
    username: str,
    email: str,
    extra: list[tuple[str, str]],
) -> Task:
    def task() -> tuple[str, UserResult]:
        created = calls.invite(pool, username, email, extra)
        if created.outcome not in (INVITED, PRESENT):
            return email, created
        added = calls.add_to_group(pool, created.username or username, group)
        return email, created if added.outcome == ADDED else added

    return task


def _add(
    calls: BulkUserCalls, pool: str, group: str, username: str, email: str
) -> Task:
    def task() -> tuple[str, UserResult]:
        result = calls.add_to_group(pool, username, group)
        return email, result if result.outcome != ADDED else UserResult(PRESENT)

    return task


def _resend(calls: BulkUserCalls, pool: str, username: str, email: str) -> Task:
    return lambda: (email, calls.resend(pool, username))


@handler("cognito.remove_workers")
def remove_workers(ctx: ExecContext, params: Mapping[str, Any]) -> Outputs:
    """Remove from the group; delete users gtprov invited who are then in no
    other group (``AdminListGroupsForUser`` after the removal)."""
    calls = BulkUserCalls(ctx.aws, buckets(params["rates"]))
    pool, group = params["user_pool_id"], params["group"]
    tasks = [
        _remove(calls, pool, group, name, email, bool(deletable))
        for name, email, deletable in params["remove"]
    ]
    return _summary(_run(tasks, params["team"]))


def _remove(
    calls: BulkUserCalls,
    pool: str,
    group: str,
    username: str,
    email: str,
    deletable: bool,
) -> Task:
    def task() -> tuple[str, UserResult]:
        removed = calls.remove_from_group(pool, username, group)
        if removed.outcome not in (REMOVED, MISSING) or not deletable:
            return email, removed
        if calls.group_count(pool, username):
            return email, removed
        return email, calls.delete_user(pool, username)

    return task


def _run(tasks: list[Task], team: str) -> list[tuple[str, UserResult]]:
    """Run ``tasks`` on ``THREADS`` threads; stop all on a fatal error."""
    factory = PROGRESS.get()
    bar = factory(f"team {team}", len(tasks)) if factory and tasks else None
    stop = threading.Event()
    try:
        return _drain(tasks, stop, bar)
    finally:
        if bar is not None:
            bar.close()


def _drain(
    tasks: list[Task], stop: threading.Event, bar: Progress | None
) -> list[tuple[str, UserResult]]:
    results: list[tuple[str, UserResult]] = []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_guarded, task, stop) for task in tasks]
        try:
            results.extend(_collect(futures, bar))
        except BaseException:
            stop.set()
            raise
    return results


def _collect(
    futures: Iterable[Future[tuple[str, UserResult]]], bar: Progress | None
) -> Iterable[tuple[str, UserResult]]:
    for done, future in enumerate(as_completed(list(futures)), start=1):
        yield future.result()
        if bar is not None:
            bar.advance(done)


def _guarded(task: Task, stop: threading.Event) -> tuple[str, UserResult]:
    if stop.is_set():
        return "", UserResult(SKIPPED)
    try:
        return task()
    except BaseException:
        stop.set()
        raise


def _summary(results: list[tuple[str, UserResult]], present: int = 0) -> Outputs:
    """Counts by outcome; ``present`` adds workers already in the team."""
    counts = Counter(result.outcome for _, result in results)
    added = counts[INVITED] + counts[PRESENT] + counts[ADDED]
    counts[PRESENT] += present
    failures = sorted(
        f"{email}: {r.reason}" for email, r in results if r.outcome == FAILED
    )
    return {
        "counts": {k: v for k, v in sorted(counts.items()) if v},
        "failed": failures,
        "added": added,
        "removed": counts[REMOVED] + counts[DELETED] + counts[MISSING],
    }
