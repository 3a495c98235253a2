"""Plan worker invitations and removals. Reads Cognito, never writes.

Reads: one ``ListUsersInGroup`` page per 60 members of each team's group,
and nothing for a group this plan creates. That is fewer calls than
``ListUsers`` over the whole pool whenever the pool holds the teams'
members (the usual case), and it yields membership, which ``ListUsers``
does not. A worker in the pool but in none of the listed groups is planned
as an invitation; ``AdminCreateUser`` then answers UsernameExistsException
and the executor only adds them to the group ("already present").

One change per team, not per worker: a plan for 10,000 workers stays a few
lines in ``--dry-run`` and in the JSON envelope, the executor applies a
team's workers concurrently under Cognito's rate quotas, and a run stopped
halfway re-plans only the workers still missing. The change's ``diff`` lists
the first addresses; ``params`` carries them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gtprov.aws.cognito import INVITED_BY_ATTRIBUTE, PoolUser, UserPool
from gtprov.aws.ratelimit import USER_CREATION_RPS, USER_RESOURCE_UPDATE_RPS
from gtprov.errors import ConflictError, NotFoundError
from gtprov.ownership import is_managed
from gtprov.plan.model import Action, Change, Plan, Ref

if TYPE_CHECKING:
    from gtprov.aws.cognito import CognitoIdp
    from gtprov.aws.sagemaker import WorkteamInfo
    from gtprov.aws.session import AwsSession

INVITE_HANDLER = "cognito.invite_workers"
REMOVE_HANDLER = "cognito.remove_workers"
FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"  # noqa: S105  # a Cognito UserStatus, not a secret
DIFF_LINES = 20
"""How many addresses a change's diff shows before "... and N more"."""
EMAIL, ALIAS, PLAIN = "email", "alias", "plain"


@dataclass(frozen=True)
class Rates:
    """Client-side request rates, per Cognito quota category (RPS)."""

    user_creation: float = USER_CREATION_RPS
    user_update: float = USER_RESOURCE_UPDATE_RPS

    def to_params(self) -> dict[str, float]:
        return {"user_creation": self.user_creation, "user_update": self.user_update}


@dataclass(frozen=True)
class PoolTarget:
    """The user pool workers join, and how it names and marks users.

    ``username_mode``: ``email`` when email is the pool's username attribute
    (Cognito takes the address as Username and generates the real user
    name), ``alias`` when email is only an alias (the Username may not look
    like an email, so gtprov derives one), ``plain`` otherwise (the address
    itself is the user name). ``managed``: gtprov made the pool, so users it
    marked ``custom:invited_by=gtprov`` may be deleted by ``remove-workers``.
    """

    pool_id: str | Ref
    username_mode: str = EMAIL
    mark_invited: bool = True
    managed: bool = True

    @classmethod
    def of(cls, pool: UserPool) -> PoolTarget:
        managed = is_managed(pool.tags)
        return cls(
            pool.id,
            _username_mode(pool),
            managed and INVITED_BY_ATTRIBUTE in pool.attributes,
            managed,
        )

    def sign_in_name(self, user: PoolUser) -> str:
        """The Username ``AdminCreateUser`` accepts for an existing user.

        Where email is the username attribute, Cognito wants the address
        (the generated user name is refused as "not an email"); elsewhere
        the user name itself.
        """
        return user.email if self.username_mode == EMAIL else user.username

    def username(self, email: str) -> str:
        if self.username_mode == ALIAS:
            return "gt-" + hashlib.sha256(email.encode()).hexdigest()[:24]
        return email


def _username_mode(pool: UserPool) -> str:
    if "email" in pool.username_attributes:
        return EMAIL
    return ALIAS if "email" in pool.alias_attributes else PLAIN


def list_members(
    cognito: CognitoIdp, target: PoolTarget, groups: Sequence[str]
) -> dict[str, list[PoolUser]]:
    """Members of each existing group of a known pool (one read per 60)."""
    if isinstance(target.pool_id, Ref):
        return {group: [] for group in groups}
    return {g: cognito.list_users_in_group(target.pool_id, g) for g in groups}


def known_users(members: Mapping[str, list[PoolUser]]) -> dict[str, str]:
    """Email to user name for every member of the listed groups."""
    return {u.email: u.username for users in members.values() for u in users}


def plan_invites(
    target: PoolTarget,
    team: str,
    group: str,
    emails: Sequence[str],
    *,
    members: Sequence[PoolUser],
    known: MutableMapping[str, str],
    resend: bool,
    rates: Rates,
) -> Change:
    """One change that brings ``emails`` into ``group`` (or a no-op).

    ``known`` maps addresses already in the pool to user names; addresses
    this change invites are added to it, so a later team's change adds
    them to its group instead of inviting them twice.
    """
    in_group = {u.email: u for u in members}
    missing = [e for e in emails if e not in in_group]
    add = [[known[e], e] for e in missing if e in known]
    invite = [[target.username(e), e] for e in missing if e not in known]
    known.update({email: name for name, email in invite})
    again = [in_group[e] for e in emails if e in in_group] if resend else []
    resends = [
        [target.sign_in_name(u), u.email]
        for u in again
        if u.status == FORCE_CHANGE_PASSWORD
    ]
    present = len(emails) - len(missing)
    change = _invite_change(target, team, group, invite, add, resends, present, rates)
    extra = {"present": present, "members_before": len(members)}
    return replace(change, params={**change.params, **extra})


def _invite_change(
    target: PoolTarget,
    team: str,
    group: str,
    invite: list[list[str]],
    add: list[list[str]],
    resends: list[list[str]],
    present: int,
    rates: Rates,
) -> Change:
    counts = _counts(len(invite), len(add), len(resends), present)
    params = {
        "user_pool_id": target.pool_id,
        "group": group,
        "team": team,
        "invite": invite,
        "add": add,
        "resend": resends,
        "mark_invited": target.mark_invited,
        "rates": rates.to_params(),
    }
    action = Action.CREATE if invite or add else Action.UPDATE
    return Change(
        action if invite or add or resends else Action.NOOP,
        "cognito-users",
        f"team {team}",
        INVITE_HANDLER,
        params,
        id=f"workers:{team}",
        reason=counts,
        diff=_listing(("+", invite), ("+", add), ("~", resends)),
    )


def _counts(invite: int, add: int, resend: int, present: int) -> str:
    parts = [
        f"invite {invite}" if invite else "",
        f"add {add} already in the pool" if add else "",
        f"re-send {resend} invitations" if resend else "",
        f"{present} already in the team" if present else "",
    ]
    return ", ".join(p for p in parts if p) or "no workers given"


def _listing(*groups: tuple[str, list[list[str]]]) -> str:
    lines = [f"{mark} {pair[1]}" for mark, pairs in groups for pair in pairs]
    shown = lines[:DIFF_LINES]
    if len(lines) > DIFF_LINES:
        shown.append(f"... and {len(lines) - DIFF_LINES} more")
    return "\n".join(shown)


def plan_removals(
    target: PoolTarget,
    team: str,
    group: str,
    emails: Sequence[str],
    members: Sequence[PoolUser],
    rates: Rates,
) -> Plan:
    """Remove ``emails`` from ``group``; delete a user only if gtprov invited
    them into its own pool and, after removal, they are in no other group
    (checked when the change is applied)."""
    in_group = {u.email: u for u in members}
    users = [in_group[e] for e in emails if e in in_group]
    absent = [e for e in emails if e not in in_group]
    remove = [
        [u.username, u.email, target.managed and u.invited_by_gtprov] for u in users
    ]
    change = Change(
        Action.DELETE if remove else Action.NOOP,
        "cognito-users",
        f"team {team}",
        REMOVE_HANDLER,
        {
            "user_pool_id": target.pool_id,
            "group": group,
            "team": team,
            "remove": remove,
            "members_before": len(members),
            "rates": rates.to_params(),
        },
        id=f"workers:{team}",
        reason=_removal_reason(len(remove), sum(bool(r[2]) for r in remove)),
        diff=_listing(("-", [[str(r[0]), str(r[1])] for r in remove])),
    )
    warnings = tuple(f"{e} is not in team {team}; nothing to remove" for e in absent)
    return Plan((change,), warnings)


def _removal_reason(remove: int, deletable: int) -> str:
    if not remove:
        return "none of the workers given is in the team"
    tail = (
        f"; delete those of {deletable} gtprov invited that are in no other team"
        if deletable
        else ""
    )
    return f"remove {remove} from the team{tail}"


def team_pool(team: WorkteamInfo | None, name: str) -> tuple[str, str]:
    """The (user pool, group) of an existing Cognito work team."""
    if team is None:
        raise NotFoundError(
            f"Work team {name} does not exist in this Region",
            hint=f"Create it first: gtprov setup-workforce --team {name}",
        )
    if len(team.members) != 1:
        raise ConflictError(
            f"Work team {name} has {len(team.members)} Cognito groups; gtprov "
            "manages teams of exactly one group",
            hint="Manage this team's workers in the Cognito console.",
        )
    return team.members[0].user_pool, team.members[0].group


@dataclass(frozen=True)
class TeamMembers:
    """A work team's Cognito side, as add- and remove-workers read it."""

    target: PoolTarget
    group: str
    members: list[PoolUser]
    arn: str
    topic_arn: str | None = None

    def resources(self) -> dict[str, object]:
        return {"user_pool_id": str(self.target.pool_id), "workteam_arn": self.arn}


def plan_add_workers(
    aws: AwsSession, team: str, emails: Sequence[str], *, resend: bool, rates: Rates
) -> Plan:
    """``add-workers``: DescribeWorkteam, DescribeUserPool, ListUsersInGroup;
    with a team topic, ListSubscriptionsByTopic too."""
    found = read_team(aws, team)
    change = plan_invites(
        found.target,
        team,
        found.group,
        emails,
        members=found.members,
        known={},
        resend=resend,
        rates=rates,
    )
    plan = Plan((change,), resources=found.resources())
    return plan + _team_subscriptions(aws, team, found, emails)


def _team_subscriptions(
    aws: AwsSession, team: str, found: TeamMembers, emails: Sequence[str]
) -> Plan:
    """Subscribe the workers given to the team's topic, if it has one; the
    team's ARN names the account, so this costs no STS call."""
    if not found.topic_arn:
        return Plan()
    from gtprov.aws.sns import Sns
    from gtprov.plan.subscriptions import Subscribers, plan_team_subscriptions

    return plan_team_subscriptions(
        Subscribers(Sns(aws)),
        team,
        found.topic_arn,
        emails,
        account=found.arn.split(":")[4],
        region=aws.region,
    )


def plan_remove_workers(
    aws: AwsSession, team: str, emails: Sequence[str], *, rates: Rates
) -> Plan:
    """``remove-workers``: the same three reads as ``plan_add_workers``."""
    found = read_team(aws, team)
    plan = plan_removals(found.target, team, found.group, emails, found.members, rates)
    return Plan(plan.changes, plan.warnings, found.resources())


def read_team(aws: AwsSession, team: str) -> TeamMembers:
    from gtprov.aws.cognito import CognitoIdp
    from gtprov.aws.sagemaker import SageMaker

    info = SageMaker(aws).describe_workteam(team)
    pool_id, group = team_pool(info, team)
    cognito = CognitoIdp(aws)
    pool = cognito.describe_user_pool(pool_id)
    if pool is None:
        raise ConflictError(
            f"Work team {team}'s user pool {pool_id} no longer exists",
            hint="Recreate the workforce: delete its work teams and the workforce.",
        )
    members = cognito.list_users_in_group(pool_id, group)
    return TeamMembers(
        PoolTarget.of(pool),
        group,
        members,
        info.arn if info else "",
        info.topic_arn if info else None,
    )
