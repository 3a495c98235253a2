"""Plan ``setup-workforce``: read Cognito, SageMaker and SNS; never write.

Changes come in the order AWS needs them
(https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-create-private-cognito.html):
user pool, app client, domain, groups ("User pools require a domain and an
existing user group"), notification topic, CreateWorkforce and its wait
until Active, the app client's OAuth settings on the portal subdomain
(known only once the workforce exists), the IP allow list, the work teams,
then the workers, then their email subscriptions to the team's topic
(``plan/subscriptions.py``: ListSubscriptionsByTopic once per topic).

Reads, each once: ListWorkforces (the Region's one workforce, and the Ground
Truth preflight), DescribeUserPool (ownership tag, domain, username
attributes), DescribeUserPoolClient (OAuth settings), ListGroups,
ListWorkteams, and ListUsersInGroup per team with workers. Only without a
workforce: ListUserPools / ListUserPoolClients to find gtprov's by name, and
DescribeUserPoolDomain plus sts:GetCallerIdentity when a domain is to be made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtprov.aws.cognito import (
    INVITED_BY_ATTRIBUTE,
    CognitoIdp,
    UserPool,
)
from gtprov.aws.sagemaker import ACTIVE, SageMaker, WorkforceInfo, WorkteamInfo
from gtprov.aws.sns import Sns, Topic
from gtprov.errors import ConflictError, InputError, NotFoundError, OwnershipError
from gtprov.models.workforce import (
    MAX_TEAMS,
    WorkerSet,
    Workforce,
    Workteam,
    missing_client_settings,
)
from gtprov.ownership import is_managed, ownership_tags
from gtprov.plan import subscriptions as splan
from gtprov.plan import workers as wplan
from gtprov.plan.model import Action, Change, Plan, Ref
from gtprov.policy.document import document, equivalent, statement
from gtprov.validate import partition_for_region

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

Id = str | Ref
POOL, CLIENT, WORKFORCE, TOPIC = "user-pool", "app-client", "workforce", "topic"
TOPIC_SID = "gtprovSageMakerPublish"
GROUP_MARK = "(gtprov:managed-by=gtprov)"
"""Cognito groups carry no tags; gtprov marks its own in their description."""
PASSWORD_POLICY = {
    "MinimumLength": 12,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}
"""NIST-style length with Cognito's character classes; invitations stay
valid for Cognito's default seven days (``--resend`` renews them)."""


@dataclass
class Found:
    """What the planner learned; ids may be ``Ref`` to a planned change."""

    workforce: WorkforceInfo | None = None
    pool: UserPool | None = None
    pool_id: Id = ""
    client_id: Id = ""
    client: dict[str, Any] | None = None
    groups: set[str] = field(default_factory=set)
    teams: dict[str, WorkteamInfo] = field(default_factory=dict)
    topic_arn: str | None = None
    topic_planned: bool = False
    """The ``--create-topic`` topic is created by this plan."""

    @property
    def subdomain(self) -> Id:
        if self.workforce is None:
            return Ref(WORKFORCE, "subdomain")
        return self.workforce.subdomain


@dataclass(frozen=True)
class Readers:
    cognito: CognitoIdp
    sagemaker: SageMaker
    sns: Sns

    @classmethod
    def of(cls, aws: AwsSession) -> Readers:
        return cls(CognitoIdp(aws), SageMaker(aws), Sns(aws))


@dataclass(frozen=True)
class WorkforcePlan:
    """The plan plus what ``finish`` needs to report ARNs and counts."""

    plan: Plan
    found: Found


def plan_workforce(
    aws: AwsSession,
    spec: Workforce,
    workers: WorkerSet,
    *,
    resend: bool = False,
    rates: wplan.Rates | None = None,
    readers: Readers | None = None,
) -> WorkforcePlan:
    """The changes that make the Region's private workforce match ``spec``."""
    _check_topic_region(spec, aws.region)
    r = readers or Readers.of(aws)
    found = Found(workforce=_region_workforce(r.sagemaker, spec))
    steps = (
        _pool(r.cognito, spec, found),
        _client(r.cognito, spec, found),
        _domain(aws, r.cognito, spec, found),
        _groups(r, spec, found),
        _topic(aws, r.sns, spec, found),
        _workforce(spec, found),
        _portal_client(found),
        _cidrs(spec, found),
        _workteams(spec, found),
        _workers(r.cognito, spec, found, workers, resend, rates or wplan.Rates()),
        _subscriptions(aws, r.sns, spec, found, workers),
    )
    plan = sum(steps, Plan())
    return WorkforcePlan(Plan(plan.changes, plan.warnings, _resources(found)), found)


def _check_topic_region(spec: Workforce, region: str) -> None:
    """SageMaker publishes only to a topic in the work team's Region (and so
    its partition); checked before any AWS call."""
    partition = partition_for_region(region)
    for team in spec.teams:
        arn = team.notification_topic_arn
        if arn and arn.split(":")[3] != region:
            rule = f"the topic must be in the work team's Region, {region}"
            raise InputError("--notification-topic", rule, value=arn)
        if arn and arn.split(":")[1] != partition:
            rule = f"the topic must be in the {partition} partition"
            raise InputError("--notification-topic", rule, value=arn)


# -- workforce (read first: it says which pool and client are bound) --------


def _region_workforce(sm: SageMaker, spec: Workforce) -> WorkforceInfo | None:
    """The Region's workforce; a second one cannot exist, so refuse others."""
    workforce = next(iter(sm.list_workforces()), None)
    if workforce is None:
        return None
    if workforce.name != spec.name:
        raise ConflictError(
            f"This Region's private workforce is {workforce.name}, not {spec.name}; "
            "SageMaker allows one per Region",
            hint=f"Run again with --workforce-name {workforce.name}.",
        )
    if workforce.user_pool is None:
        raise ConflictError(
            f"Workforce {workforce.name} signs workers in with OIDC, not Cognito",
            hint="gtprov manages Cognito workforces only.",
        )
    return workforce


def _workforce(spec: Workforce, found: Found) -> Plan:
    workforce = found.workforce
    if workforce is None:
        return Plan((_create_workforce(spec, found),))
    if workforce.status == ACTIVE:
        return Plan((Change(Action.NOOP, "sagemaker-workforce", spec.name),))
    wait = Change(
        Action.UPDATE,
        "sagemaker-workforce",
        spec.name,
        "sagemaker.wait_workforce",
        {"name": spec.name},
        reason=f"status {workforce.status}; wait until Active",
    )
    return Plan((wait,))


def _create_workforce(spec: Workforce, found: Found) -> Change:
    return Change(
        Action.CREATE,
        "sagemaker-workforce",
        spec.name,
        "sagemaker.create_workforce",
        {
            "name": spec.name,
            "user_pool_id": found.pool_id,
            "client_id": found.client_id,
            "cidrs": list(spec.cidrs or ()),
            "tags": {**spec.tags, **ownership_tags("workforce")},
        },
        id=WORKFORCE,
        reason="then wait until it is Active",
    )


# -- user pool -------------------------------------------------------------


def _pool(cognito: CognitoIdp, spec: Workforce, found: Found) -> Plan:
    bound = found.workforce.user_pool if found.workforce else None
    given = spec.user_pool.existing_id
    if given is not None:
        if found.workforce is not None and bound != given:
            raise _rebind(found.workforce, given)
        return _given_pool(cognito, given, found)
    if found.workforce is not None and bound is not None:
        return _bound_pool(cognito, found.workforce, bound, found)
    return _named_pool(cognito, spec, found)


def _given_pool(cognito: CognitoIdp, pool_id: str, found: Found) -> Plan:
    pool = cognito.describe_user_pool(pool_id)
    if pool is None:
        raise NotFoundError(
            f"User pool {pool_id} does not exist in this Region",
            hint="Check --user-pool-id and --region.",
        )
    found.pool, found.pool_id = pool, pool.id
    reason = "gtprov's" if is_managed(pool.tags) else "yours: gtprov adds only what"
    if not is_managed(pool.tags):
        reason += " the workforce needs (app client, domain, groups)"
    return Plan((Change(Action.NOOP, "cognito-user-pool", pool_id, reason=reason),))


def _rebind(workforce: WorkforceInfo, wanted: str) -> ConflictError:
    return ConflictError(
        f"Workforce {workforce.name} is bound to user pool {workforce.user_pool}, "
        f"not {wanted}; SageMaker cannot rebind a workforce to another pool",
        hint=(
            f"Run with --user-pool-id {workforce.user_pool} to keep the current "
            "pool, or delete the workforce and its work teams first (it loses "
            "all its teams) and run again."
        ),
    )


def _bound_pool(
    cognito: CognitoIdp, workforce: WorkforceInfo, pool_id: str, found: Found
) -> Plan:
    pool = cognito.describe_user_pool(pool_id)
    if pool is None:
        raise ConflictError(
            f"The workforce's user pool {pool_id} no longer exists",
            hint="Delete the work teams and the workforce, then run again.",
        )
    if not is_managed(pool.tags):
        raise OwnershipError(
            f"Workforce {workforce.name} uses user pool {pool_id}, which gtprov "
            "did not create",
            hint=f"Run again with --user-pool-id {pool_id} to work in that pool.",
        )
    found.pool, found.pool_id = pool, pool.id
    warnings = _pool_warnings(pool)
    return Plan((Change(Action.NOOP, "cognito-user-pool", pool_id),), warnings)


def _named_pool(cognito: CognitoIdp, spec: Workforce, found: Found) -> Plan:
    """gtprov's pool by name (a run may have stopped before CreateWorkforce)."""
    pools = [
        cognito.describe_user_pool(i)
        for i in cognito.find_user_pools(spec.user_pool.name)
    ]
    ours = sorted(
        (p for p in pools if p and is_managed(p.tags)), key=lambda p: p.created
    )
    if not ours:
        found.pool_id = Ref(POOL, "user_pool_id")
        return Plan((_create_pool(spec),))
    found.pool, found.pool_id = ours[0], ours[0].id
    extra = tuple(
        f"user pool {p.id} is also named {p.name} and tagged as gtprov's (an "
        "interrupted earlier run?); gtprov uses the oldest. Delete the other "
        f"if it has no users: aws cognito-idp delete-user-pool --user-pool-id {p.id}"
        for p in ours[1:]
    )
    change = Change(Action.NOOP, "cognito-user-pool", f"{ours[0].name} ({ours[0].id})")
    return Plan((change,), extra + _pool_warnings(ours[0]))


def _pool_warnings(pool: UserPool) -> tuple[str, ...]:
    if pool.admin_create_only:
        return ()
    return (
        f"user pool {pool.id} lets anyone sign up; gtprov created it invite-only "
        "(AllowAdminCreateUserOnly) and does not change it back",
    )


def _create_pool(spec: Workforce) -> Change:
    return Change(
        Action.CREATE,
        "cognito-user-pool",
        spec.user_pool.name,
        "cognito.create_user_pool",
        {"request": user_pool_request(spec.user_pool.name, spec.tags)},
        id=POOL,
        reason="invite-only, email sign-in",
    )


def user_pool_request(name: str, tags: Mapping[str, str]) -> dict[str, Any]:
    """``CreateUserPool`` for a workforce: invite-only, email as user name.

    ``UsernameAttributes=["email"]`` makes the address the sign-in name
    (Cognito generates the internal user name) and ``CaseSensitive=False``
    makes ``A@x.com`` and ``a@x.com`` one user. The ``invited_by`` custom
    attribute lets ``remove-workers`` tell the users gtprov invited.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html
    """
    return {
        "PoolName": name,
        "UsernameAttributes": ["email"],
        "UsernameConfiguration": {"CaseSensitive": False},
        "AutoVerifiedAttributes": ["email"],
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
        "Policies": {"PasswordPolicy": PASSWORD_POLICY},
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
        },
        "Schema": [
            {
                "Name": INVITED_BY_ATTRIBUTE.removeprefix("custom:"),
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"},
            }
        ],
        "DeletionProtection": "ACTIVE",
        "UserPoolTags": {**tags, **ownership_tags("workforce-user-pool")},
    }


# -- app client --------------------------------------------------------------


def _client(cognito: CognitoIdp, spec: Workforce, found: Found) -> Plan:
    pool_id = found.pool_id
    if isinstance(pool_id, str) and found.workforce and found.workforce.client_id:
        return _existing_client(cognito, found, pool_id, found.workforce.client_id)
    if isinstance(pool_id, str):
        ids = cognito.find_clients(pool_id, spec.app_client.name)
        if ids:
            return _existing_client(cognito, found, pool_id, ids[0])
    found.client_id = Ref(CLIENT, "client_id")
    create = Change(
        Action.CREATE,
        "cognito-app-client",
        spec.app_client.name,
        "cognito.create_app_client",
        {"user_pool_id": found.pool_id, "name": spec.app_client.name},
        id=CLIENT,
        reason="with a client secret (never printed)",
    )
    return Plan((create,))


def _existing_client(
    cognito: CognitoIdp, found: Found, pool_id: str, client_id: str
) -> Plan:
    client = cognito.describe_client(pool_id, client_id)
    if client is None:
        raise ConflictError(
            f"App client {client_id} of user pool {pool_id} no longer exists",
            hint="Delete the work teams and the workforce, then run again.",
        )
    found.client_id, found.client = client_id, client
    return Plan(
        (Change(Action.NOOP, "cognito-app-client", f"{client.get('ClientName')}"),)
    )


# -- domain ------------------------------------------------------------------


def _domain(
    aws: AwsSession, cognito: CognitoIdp, spec: Workforce, found: Found
) -> Plan:
    wanted = spec.user_pool.domain_prefix
    current = found.pool.domain if found.pool else None
    if current is not None:
        if wanted is not None and wanted != current:
            raise ConflictError(
                f"User pool {found.pool_id} already has domain {current}; a pool "
                "has one prefix domain and gtprov does not replace it",
                hint=f"Drop --domain-prefix or pass --domain-prefix {current}.",
            )
        return Plan((Change(Action.NOOP, "cognito-domain", current),))
    prefix = wanted or default_domain_prefix(aws.account_id, aws.region, spec.name)
    return _new_domain(cognito, prefix, found)


def _new_domain(cognito: CognitoIdp, prefix: str, found: Found) -> Plan:
    owner = cognito.describe_domain(prefix)
    if owner is not None and owner.user_pool_id != found.pool_id:
        raise ConflictError(
            f"Domain prefix {prefix} belongs to user pool {owner.user_pool_id}",
            hint="Choose another with --domain-prefix.",
        )
    if owner is not None:
        return Plan((Change(Action.NOOP, "cognito-domain", prefix),))
    create = Change(
        Action.CREATE,
        "cognito-domain",
        prefix,
        "cognito.create_domain",
        {"user_pool_id": found.pool_id, "prefix": prefix},
        reason=f"{prefix}.auth.<region>.amazoncognito.com",
    )
    return Plan((create,))


def default_domain_prefix(account_id: str, region: str, workforce: str) -> str:
    """``gtprov-`` and 12 hex digits of a hash of account, Region and workforce.

    Prefixes are unique per Region across all AWS customers, so the default
    must not be a common word; it is stable so a re-run plans the same one.
    Hex digits cannot spell the words Cognito forbids (aws, amazon, cognito).
    """
    digest = hashlib.sha256(f"{account_id}:{region}:{workforce}".encode())
    return "gtprov-" + digest.hexdigest()[:12]


# -- groups ------------------------------------------------------------------


def _groups(r: Readers, spec: Workforce, found: Found) -> Plan:
    if found.workforce is not None:
        found.teams = {t.name: t for t in r.sagemaker.list_workteams()}
    if isinstance(found.pool_id, str):
        found.groups = r.cognito.list_groups(found.pool_id)
    needed = sorted({group for team in spec.teams for group in _groups_of(team, found)})
    changes = tuple(_group_change(group, found) for group in needed)
    return Plan(changes)


def _groups_of(team: Workteam, found: Found) -> tuple[str, ...]:
    existing = found.teams.get(team.name)
    return existing.groups if existing is not None else (team.group,)


def _group_change(group: str, found: Found) -> Change:
    if group in found.groups:
        return Change(Action.NOOP, "cognito-group", group)
    return Change(
        Action.CREATE,
        "cognito-group",
        group,
        "cognito.create_group",
        {
            "user_pool_id": found.pool_id,
            "group": group,
            "description": f"Ground Truth work team {group} {GROUP_MARK}",
        },
    )


# -- notification topic --------------------------------------------------------


def _topic(aws: AwsSession, sns: Sns, spec: Workforce, found: Found) -> Plan:
    if spec.create_topic is not None:
        arn = topic_arn(aws, spec.create_topic)
        found.topic_arn = arn
        plan = _own_topic(aws, sns, spec.create_topic, arn, spec.tags)
        found.topic_planned = plan.changes[0].handler == "sns.create_topic"
        return plan
    arns = {t.notification_topic_arn for t in spec.teams}
    return sum((_given_topic(sns, arn) for arn in sorted(a for a in arns if a)), Plan())


def topic_arn(aws: AwsSession, name: str) -> str:
    return f"arn:{aws.partition}:sns:{aws.region}:{aws.account_id}:{name}"


def topic_policy(aws: AwsSession, arn: str) -> dict[str, Any]:
    """Let SageMaker publish for this account's work teams only.

    The statement AWS documents, with ``aws:SourceArn`` on ``workteam/*`` and
    ``aws:SourceAccount`` against the confused deputy:
    https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-management-private-sns.html
    """
    account = aws.account_id
    source = f"arn:{aws.partition}:sagemaker:{aws.region}:{account}:workteam/*"
    return document(
        [
            statement(
                TOPIC_SID,
                ["sns:Publish"],
                [arn],
                principal={"Service": "sagemaker.amazonaws.com"},
                condition={
                    "ArnLike": {"aws:SourceArn": source},
                    "StringEquals": {"aws:SourceAccount": account},
                },
            )
        ]
    )


def _own_topic(
    aws: AwsSession, sns: Sns, name: str, arn: str, tags: Mapping[str, str]
) -> Plan:
    desired = topic_policy(aws, arn)
    topic = sns.get_topic(arn, with_tags=True)
    if topic is None:
        params = {
            "name": name,
            "policy": desired,
            "tags": {**tags, **ownership_tags("notification-topic")},
        }
        create = Change(Action.CREATE, "sns-topic", name, "sns.create_topic", params)
        return Plan((create,))
    if not is_managed(topic.tags):
        raise OwnershipError(
            f"SNS topic {arn} exists and gtprov did not create it",
            hint=f"Use it as it is with --notification-topic {arn}.",
        )
    return Plan((_topic_policy_change(name, topic, desired),))


def _topic_policy_change(name: str, topic: Topic, desired: dict[str, Any]) -> Change:
    ours = [s for s in topic.policy.get("Statement", []) if s.get("Sid") == TOPIC_SID]
    if len(ours) == 1 and equivalent(document(ours), desired):
        return Change(Action.NOOP, "sns-topic", name)
    merged = merge_topic_policy(topic.policy, desired)
    return Change(
        Action.UPDATE,
        "sns-topic",
        name,
        "sns.put_topic_policy",
        {"arn": topic.arn, "policy": merged},
        reason="let SageMaker publish",
    )


def merge_topic_policy(
    current: Mapping[str, Any], ours: Mapping[str, Any]
) -> dict[str, Any]:
    """``current`` with gtprov's statement replaced; others kept as they are."""
    others = [s for s in current.get("Statement", []) if s.get("Sid") != TOPIC_SID]
    return {**document(others), "Statement": others + list(ours["Statement"])}


def _given_topic(sns: Sns, arn: str) -> Plan:
    topic = sns.get_topic(arn, with_tags=False)
    if topic is None:
        raise NotFoundError(
            f"SNS topic {arn} does not exist",
            hint="Check --notification-topic, or let gtprov make one (--create-topic).",
        )
    warnings = (
        ()
        if _allows_sagemaker(topic.policy)
        else (
            f"topic {arn} has no statement letting sagemaker.amazonaws.com publish; "
            "workers will get no notifications until it does (or use --create-topic)",
        )
    )
    return Plan((Change(Action.NOOP, "sns-topic", arn, reason="yours"),), warnings)


def _allows_sagemaker(policy: Mapping[str, Any]) -> bool:
    return any(
        "sagemaker.amazonaws.com" in str(s.get("Principal"))
        and "Publish" in str(s.get("Action"))
        for s in policy.get("Statement", [])
        if s.get("Effect") == "Allow"
    )


# -- app client OAuth, IP allow list ---------------------------------------------


def _portal_client(found: Found) -> Plan:
    if found.client is not None and found.workforce is not None:
        changes = missing_client_settings(found.client, found.workforce.subdomain)
        if not changes:
            return Plan((Change(Action.NOOP, "app client sign-in", "portal URLs"),))
    reason = "callback and sign-out URLs on the labeling portal, OAuth code/implicit"
    update = Change(
        Action.UPDATE,
        "app client sign-in",
        "portal URLs",
        "cognito.configure_portal_client",
        {
            "user_pool_id": found.pool_id,
            "client_id": found.client_id,
            "subdomain": found.subdomain,
        },
        reason=reason,
    )
    return Plan((update,))


def _cidrs(spec: Workforce, found: Found) -> Plan:
    workforce = found.workforce
    if workforce is None or spec.cidrs is None:
        return Plan()
    if sorted(workforce.cidrs) == sorted(spec.cidrs):
        return Plan((Change(Action.NOOP, "IP allow list", spec.name),))
    update = Change(
        Action.UPDATE,
        "IP allow list",
        spec.name,
        "sagemaker.update_cidrs",
        {"name": spec.name, "cidrs": list(spec.cidrs)},
        diff="\n".join(
            [f"- {c}" for c in sorted(set(workforce.cidrs) - set(spec.cidrs))]
            + [f"+ {c}" for c in sorted(set(spec.cidrs) - set(workforce.cidrs))]
        ),
    )
    return Plan((update,))


# -- work teams --------------------------------------------------------------


def _workteams(spec: Workforce, found: Found) -> Plan:
    new = [t for t in spec.teams if t.name not in found.teams]
    if len(found.teams) + len(new) > MAX_TEAMS:
        raise ConflictError(
            f"This Region has {len(found.teams)} work teams; {len(new)} more would "
            f"pass SageMaker's limit of {MAX_TEAMS}",
            hint="Delete unused work teams, or give fewer --team.",
        )
    return Plan(tuple(_workteam(team, spec, found) for team in spec.teams))


def _workteam(team: Workteam, spec: Workforce, found: Found) -> Change:
    topic = found.topic_arn or team.notification_topic_arn
    existing = found.teams.get(team.name)
    if existing is None:
        return _create_workteam(team, spec, found, topic)
    _check_membership(existing, found)
    changes = _workteam_changes(existing, team.description, topic)
    if not changes:
        return Change(Action.NOOP, "sagemaker-workteam", team.name)
    return Change(
        Action.UPDATE,
        "sagemaker-workteam",
        team.name,
        "sagemaker.update_workteam",
        {"name": team.name, "changes": changes},
        reason=", ".join(sorted(changes)),
    )


def _workteam_changes(
    existing: WorkteamInfo, description: str | None, topic: str | None
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if description is not None and description != existing.description:
        changes["Description"] = description
    if topic is not None and topic != existing.topic_arn:
        changes["NotificationConfiguration"] = {"NotificationTopicArn": topic}
    return changes


def _check_membership(team: WorkteamInfo, found: Found) -> None:
    pairs = {(m.user_pool, m.client_id) for m in team.members}
    if pairs != {(found.pool_id, found.client_id)}:
        raise ConflictError(
            f"Work team {team.name} is not made of groups of user pool "
            f"{found.pool_id} with app client {found.client_id}",
            hint="Give the team another name, or manage it in the SageMaker console.",
        )


def _create_workteam(
    team: Workteam, spec: Workforce, found: Found, topic: str | None
) -> Change:
    request: dict[str, Any] = {
        "WorkteamName": team.name,
        "WorkforceName": spec.name,
        "Description": team.description or team.default_description,
        "Tags": {**spec.tags, **ownership_tags("workteam")},
    }
    if topic:
        request["NotificationConfiguration"] = {"NotificationTopicArn": topic}
    return Change(
        Action.CREATE,
        "sagemaker-workteam",
        team.name,
        "sagemaker.create_workteam",
        {
            "request": request,
            "user_pool_id": found.pool_id,
            "client_id": found.client_id,
            "group": team.group,
        },
        id=f"workteam:{team.name}",
    )


# -- workers -------------------------------------------------------------------


def _workers(
    cognito: CognitoIdp,
    spec: Workforce,
    found: Found,
    workers: WorkerSet,
    resend: bool,
    rates: wplan.Rates,
) -> Plan:
    if not workers.by_team:
        return Plan()
    target = _target(found)
    groups = {
        t.name: _groups_of(t, found)[0] for t in spec.teams if t.name in workers.by_team
    }
    listed = [g for g in groups.values() if g in found.groups]
    members = wplan.list_members(cognito, target, listed)
    known = wplan.known_users(members)
    changes = tuple(
        wplan.plan_invites(
            target,
            team,
            group,
            workers.by_team[team],
            members=members.get(group, []),
            known=known,
            resend=resend,
            rates=rates,
        )
        for team, group in groups.items()
    )
    warning = (
        (f"{workers.duplicates} repeated workers ignored",)
        if workers.duplicates
        else ()
    )
    return Plan(changes, warning)


def _subscriptions(
    aws: AwsSession, sns: Sns, spec: Workforce, found: Found, workers: WorkerSet
) -> Plan:
    """Subscribe each team's given workers to the team's topic (the one
    given now, else the one the team already has)."""
    topics = {t.name: _team_topic(t, found) for t in spec.teams}
    teams = [t for t, arn in topics.items() if arn and t in workers.by_team]
    if not teams:
        return Plan()
    account = found.workforce.arn.split(":")[4] if found.workforce else aws.account_id
    subscribers = splan.Subscribers(sns)
    return sum(
        (
            splan.plan_team_subscriptions(
                subscribers,
                team,
                str(topics[team]),
                workers.by_team[team],
                account=account,
                region=aws.region,
                new_topic=found.topic_planned and topics[team] == found.topic_arn,
            )
            for team in teams
        ),
        Plan(),
    )


def _team_topic(team: Workteam, found: Found) -> str | None:
    existing = found.teams.get(team.name)
    current = existing.topic_arn if existing is not None else None
    return found.topic_arn or team.notification_topic_arn or current


def _target(found: Found) -> wplan.PoolTarget:
    if found.pool is None:
        return wplan.PoolTarget(found.pool_id)
    return wplan.PoolTarget.of(found.pool)


def _resources(found: Found) -> dict[str, Any]:
    """Plain values known before applying (the JSON envelope's resources)."""
    out: dict[str, Any] = {}
    if isinstance(found.pool_id, str):
        out["user_pool_id"] = found.pool_id
    if isinstance(found.client_id, str):
        out["app_client_id"] = found.client_id
    if found.workforce is not None:
        out["portal_url"] = found.workforce.portal_url
        out["workforce_arn"] = found.workforce.arn
    return out
