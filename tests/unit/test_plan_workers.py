"""Worker planning: who is invited, added, re-invited or removed. Pure."""

from __future__ import annotations

from gtprov.aws.cognito import PoolUser, UserPool
from gtprov.plan.model import Action, Ref
from gtprov.plan.workers import (
    DIFF_LINES,
    PoolTarget,
    Rates,
    plan_invites,
    plan_removals,
)

GTPROV_POOL = PoolTarget("us-east-1_pool")


def user(email: str, status: str = "CONFIRMED", *, ours: bool = True) -> PoolUser:
    return PoolUser(f"uuid-{email}", email, status, ours)


def pool(
    *, tags: dict[str, str] | None = None, username: tuple[str, ...] = (), alias=()
) -> UserPool:
    return UserPool(
        id="us-east-1_pool",
        name="p",
        arn="",
        tags=tags or {},
        domain=None,
        username_attributes=username,
        alias_attributes=alias,
        attributes=frozenset({"custom:invited_by"}),
        admin_create_only=True,
        created="",
    )


def test_only_missing_workers_are_invited() -> None:
    change = plan_invites(
        GTPROV_POOL,
        "t",
        "g",
        ["a@x.io", "b@x.io"],
        members=[user("a@x.io")],
        known={},
        resend=False,
        rates=Rates(),
    )
    assert change.action is Action.CREATE
    assert change.params["invite"] == [["b@x.io", "b@x.io"]]
    assert (change.params["present"], change.params["members_before"]) == (1, 1)
    assert change.reason == "invite 1, 1 already in the team"


def test_a_team_already_complete_is_a_no_op() -> None:
    change = plan_invites(
        GTPROV_POOL,
        "t",
        "g",
        ["a@x.io"],
        members=[user("a@x.io", "FORCE_CHANGE_PASSWORD")],
        known={},
        resend=False,
        rates=Rates(),
    )
    assert change.action is Action.NOOP


def test_a_worker_invited_for_one_team_is_added_to_the_next() -> None:
    known: dict[str, str] = {}
    first = plan_invites(
        GTPROV_POOL,
        "t1",
        "g1",
        ["a@x.io"],
        members=[],
        known=known,
        resend=False,
        rates=Rates(),
    )
    second = plan_invites(
        GTPROV_POOL,
        "t2",
        "g2",
        ["a@x.io"],
        members=[],
        known=known,
        resend=False,
        rates=Rates(),
    )
    assert first.params["invite"] == [["a@x.io", "a@x.io"]]
    assert (second.params["invite"], second.params["add"]) == (
        [],
        [["a@x.io", "a@x.io"]],
    )


def test_resend_picks_workers_who_never_signed_in() -> None:
    members = [user("a@x.io", "FORCE_CHANGE_PASSWORD"), user("b@x.io")]
    change = plan_invites(
        GTPROV_POOL,
        "t",
        "g",
        ["a@x.io", "b@x.io"],
        members=members,
        known={},
        resend=True,
        rates=Rates(),
    )
    assert change.action is Action.UPDATE
    assert change.params["resend"] == [["a@x.io", "a@x.io"]]


def test_a_pool_with_email_as_alias_gets_derived_user_names() -> None:
    target = PoolTarget.of(pool(alias=("email",)))
    assert target.username("a@x.io").startswith("gt-")
    assert "@" not in target.username("a@x.io")
    assert target.username("a@x.io") == target.username("a@x.io")
    assert target.sign_in_name(user("a@x.io")) == "uuid-a@x.io"


def test_only_gtprovs_own_pool_marks_and_deletes_users() -> None:
    theirs = PoolTarget.of(pool(username=("email",)))
    ours = PoolTarget.of(pool(tags={"gtprov:managed-by": "gtprov"}))
    assert (theirs.managed, theirs.mark_invited) == (False, False)
    assert (ours.managed, ours.mark_invited) == (True, True)


def test_removal_deletes_only_users_gtprov_invited_into_its_pool() -> None:
    members = [user("a@x.io"), user("b@x.io", ours=False)]
    plan = plan_removals(
        GTPROV_POOL, "t", "g", ["a@x.io", "b@x.io", "c@x.io"], members, Rates()
    )
    (change,) = plan.changes
    assert change.params["remove"] == [
        ["uuid-a@x.io", "a@x.io", True],
        ["uuid-b@x.io", "b@x.io", False],
    ]
    assert plan.warnings == ("c@x.io is not in team t; nothing to remove",)


def test_a_big_team_diff_stays_short() -> None:
    emails = [f"w{i:05d}@x.io" for i in range(10_000)]
    change = plan_invites(
        PoolTarget(Ref("user-pool", "user_pool_id")),
        "t",
        "g",
        emails,
        members=[],
        known={},
        resend=False,
        rates=Rates(),
    )
    assert len(change.params["invite"]) == 10_000
    assert len(change.diff.splitlines()) == DIFF_LINES + 1
    assert change.diff.endswith(f"... and {10_000 - DIFF_LINES} more")
