"""Plan ``gtprov destroy``: what gtprov made, in the order AWS lets it go.

Reads only (``aws/inventory.py``); every write is a ``Change`` for
``execute/destroy.py``. Nothing without gtprov's mark is planned for a
write: roles, keys, pools, teams and topics need the ``gtprov:managed-by``
tag, inline policies the ``gtprov-`` prefix, managed policies the
``/gtprov/`` path, key-policy statements a ``gtprov`` Sid.

Order, each step tolerant of "already gone" so a stopped run finishes when
run again:

1. gtprov's statements out of key policies (one PutKeyPolicy per key),
   while the roles that record which keys hold them still exist;
2. each role: its ``gtprov-*`` inline policies, its ``/gtprov/`` managed
   policies, then the role (IAM refuses DeleteRole while policies remain);
   a role kept for the key-statement scope loses its grant records;
3. keys gtprov created: ScheduleKeyDeletion (7-30 days, never at once),
   then their alias, which frees the name at once;
4. the workforce: notification topics, work teams, the workforce (SageMaker
   refuses while teams remain), then per pool its domain (Cognito refuses
   DeleteUserPool while a domain exists), deletion protection off, and the
   pool, which takes its app client, groups and users with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gtprov.aws.iam import Role
from gtprov.aws.inventory import (
    Inventory,
    KeyInfo,
    ManagedRole,
    PoolContents,
    PoolInfo,
    Readers,
    TeamInfo,
    find_keys,
    find_roles,
    get_roles,
    key_aliases,
    with_policies,
    with_workforce,
)
from gtprov.errors import OwnershipError
from gtprov.models.role import KEY_ALIAS_TAG
from gtprov.models.workforce import NAME_PREFIX
from gtprov.ownership import KEY_POLICY_SID_PREFIX, TAG_KEY, is_managed
from gtprov.plan.model import Action, Change, Plan
from gtprov.plan.workforce import GROUP_MARK
from gtprov.policy.kms import (
    delegates_to_iam,
    gtprov_sid,
    gtprov_statements,
    statements_of,
)

DEFAULT_KEY_DAYS = 30
"""ScheduleKeyDeletion's default waiting period (7 to 30 days allowed)."""
SHOWN_USERS = 5


@dataclass(frozen=True)
class DestroyScope:
    """What the user asked to remove (validated by the CLI)."""

    roles: tuple[str, ...] = ()
    workforce: bool = False
    key_statements: bool = False
    everything: bool = False
    key_deletion_days: int = DEFAULT_KEY_DAYS
    force_users: bool = False

    @property
    def wants_workforce(self) -> bool:
        return self.workforce or self.everything

    @property
    def all_statements(self) -> bool:
        return self.key_statements or self.everything

    @property
    def all_roles(self) -> bool:
        return self.everything or self.key_statements


def plan_destroy(readers: Readers, region: str, scope: DestroyScope) -> Plan:
    """The destroy plan; ``OwnershipError`` for a named role not gtprov's."""
    named = get_roles(readers, scope.roles)
    roles = _merge(
        find_roles(readers) if scope.all_roles else [], _named(readers, named)
    )
    keys = find_keys(readers, region, roles, scan=scope.all_statements)
    inventory = Inventory(tuple(roles), keys)
    if scope.wants_workforce:
        inventory = with_workforce(readers, inventory)
    plan = _gone(named) + _roles_and_keys(readers, inventory, scope, region)
    if not scope.wants_workforce:
        return plan
    return plan + plan_workforce_teardown(readers, inventory, scope)


def _named(readers: Readers, found: Mapping[str, Role | None]) -> list[ManagedRole]:
    """The named roles that exist; one without gtprov's tag stops the plan."""
    roles = [role for role in found.values() if role is not None]
    for role in roles:
        if not is_managed(role.tags):
            raise _not_ours(role)
    return [with_policies(readers.iam, role) for role in roles]


def _gone(found: Mapping[str, Role | None]) -> Plan:
    changes = (
        Change(Action.NOOP, "iam-role", name, reason="not found: already gone")
        for name, role in found.items()
        if role is None
    )
    return Plan(tuple(changes))


def _not_ours(role: Role) -> OwnershipError:
    return OwnershipError(
        f"role {role.name} is not gtprov's (it has no {TAG_KEY} tag); "
        "gtprov destroys only what it created",
        hint=f"Delete it yourself if you mean to: aws iam delete-role "
        f"--role-name {role.name} (after removing its policies).",
    )


def _merge(*groups: Iterable[ManagedRole]) -> list[ManagedRole]:
    by_name = {r.name: r for group in groups for r in group}
    return [by_name[name] for name in sorted(by_name)]


# Roles and keys -------------------------------------------------------------------


@dataclass
class _RolePlan:
    """Decisions about roles and keys, before they become changes."""

    deleted: list[ManagedRole] = field(default_factory=list)
    kept: list[ManagedRole] = field(default_factory=list)
    untouched: list[ManagedRole] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _roles_and_keys(
    readers: Readers, inventory: Inventory, scope: DestroyScope, region: str
) -> Plan:
    decided = _decide_roles(inventory.roles, scope, {n.lower() for n in scope.roles})
    doomed = _doomed_keys(inventory.keys, decided, scope)
    changes = [
        *_statement_changes(inventory.keys, decided, scope, doomed),
        *(c for role in decided.deleted for c in role_changes(role)),
        *_untag_changes(decided, scope, region),
        *(c for k in doomed for c in key_changes(readers, inventory.keys[k], scope)),
    ]
    keys = inventory.keys.values()
    warnings = [
        *decided.warnings,
        *_kept_key_warnings(keys, doomed, decided, scope),
        *_other_region_warnings(decided.deleted, region),
    ]
    return Plan(tuple(changes), tuple(warnings))


def _decide_roles(
    roles: Sequence[ManagedRole], scope: DestroyScope, named: set[str]
) -> _RolePlan:
    decided = _RolePlan()
    for role in roles:
        explicit = role.name.lower() in named
        if not explicit and not scope.everything:
            decided.untouched.append(role)
        elif role.foreign_inline or role.foreign_attached:
            _keep_role(decided, role, explicitly=explicit)
        else:
            decided.deleted.append(role)
    return decided


def _keep_role(decided: _RolePlan, role: ManagedRole, *, explicitly: bool) -> None:
    foreign = [*role.foreign_inline, *(a.arn for a in role.foreign_attached)]
    message = (
        f"role {role.name} also has policies gtprov did not make "
        f"({', '.join(foreign)}); IAM cannot delete a role that has policies"
    )
    hint = (
        f"Remove them (aws iam delete-role-policy / detach-role-policy "
        f"--role-name {role.name}), then run gtprov destroy again."
    )
    if explicitly:
        raise OwnershipError(message, hint=hint)
    decided.kept.append(role)
    decided.warnings.append(f"{message}; the role is kept. {hint}")


def _sids(roles: Iterable[ManagedRole]) -> set[str]:
    return {gtprov_sid(r.name) for r in roles}


def _doomed_keys(
    keys: Mapping[str, KeyInfo], decided: _RolePlan, scope: DestroyScope
) -> list[str]:
    """Keys gtprov created whose every statement goes with this destroy."""
    allowed = None if scope.everything else _sids(decided.deleted)
    candidates = keys.values() if scope.everything else _recorded(keys, decided.deleted)
    return sorted(
        k.key.arn for k in candidates if k.managed and _disposable(k, allowed, decided)
    )


def _recorded(
    keys: Mapping[str, KeyInfo], roles: Sequence[ManagedRole]
) -> list[KeyInfo]:
    arns = {arn for role in roles for arn in role.grants.values()}
    return [k for k in keys.values() if k.key.arn in arns]


def _disposable(key: KeyInfo, allowed: set[str] | None, decided: _RolePlan) -> bool:
    """No foreign statement; no gtprov statement of a role that stays."""
    if key.key.state == "PendingDeletion":
        return True
    if key.policy is None or foreign_statements(key.policy):
        return False
    ours = {str(s.get("Sid")) for s in gtprov_statements(key.policy)}
    staying = _sids(decided.kept) | _sids(decided.untouched)
    if allowed is not None:
        return ours <= allowed
    return not ours & staying


def foreign_statements(policy: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Statements neither gtprov's (Sid) nor the account's root delegation."""
    return [
        s
        for s in statements_of(policy)
        if not str(s.get("Sid", "")).startswith(KEY_POLICY_SID_PREFIX)
        and not delegates_to_iam({"Statement": [s]})
    ]


def _statement_changes(
    keys: Mapping[str, KeyInfo],
    decided: _RolePlan,
    scope: DestroyScope,
    doomed: Sequence[str],
) -> list[Change]:
    """One PutKeyPolicy per key that keeps living but loses statements."""
    wanted = _removable_sids(keys, decided, scope)
    changes = []
    for arn, sids in sorted(wanted.items()):
        key = keys[arn]
        if arn in doomed or key.key.state == "PendingDeletion" or not sids:
            continue
        changes.append(_remove_statements(key, sorted(sids)))
    return changes


def _removable_sids(
    keys: Mapping[str, KeyInfo], decided: _RolePlan, scope: DestroyScope
) -> dict[str, set[str]]:
    kept = _sids(decided.kept)
    present = {
        arn: {str(s["Sid"]) for s in gtprov_statements(k.policy or {})}
        for arn, k in keys.items()
    }
    if scope.all_statements:
        return {arn: sids - kept for arn, sids in present.items()}
    out: dict[str, set[str]] = {}
    for role in decided.deleted:
        for arn in role.grants.values():
            if arn in present and gtprov_sid(role.name) in present[arn]:
                out.setdefault(arn, set()).add(gtprov_sid(role.name))
    return out


def _remove_statements(key: KeyInfo, sids: list[str]) -> Change:
    return Change(
        Action.DELETE,
        "kms-key-policy",
        f"{key.label} ({', '.join(sids)})",
        handler="destroy.remove_key_statements",
        params={"key_arn": key.key.arn, "sids": sids},
        reason="gtprov's statements only; every other statement stays",
    )


def role_changes(role: ManagedRole) -> list[Change]:
    """gtprov's policies, then the role itself."""
    inline = [_delete_inline(role.name, name) for name in role.gtprov_inline]
    managed = [_delete_managed(role.name, p.arn) for p in role.gtprov_attached]
    delete = Change(
        Action.DELETE,
        "iam-role",
        role.name,
        handler="destroy.delete_role",
        params={"name": role.name},
    )
    return [*inline, *managed, delete]


def _delete_inline(role: str, policy: str) -> Change:
    return Change(
        Action.DELETE,
        "iam-role-policy",
        f"{role}/{policy}",
        handler="iam.delete_role_policy",
        params={"role": role, "policy": policy},
    )


def _delete_managed(role: str, arn: str) -> Change:
    return Change(
        Action.DELETE,
        "iam-policy",
        arn,
        handler="iam.delete_managed_policy",
        params={"role": role, "arn": arn},
        reason="detach, delete its versions, delete",
    )


def _untag_changes(
    decided: _RolePlan, scope: DestroyScope, region: str
) -> list[Change]:
    """Roles that stay lose the records of this Region's grants, removed."""
    if not scope.all_statements:
        return []
    changes = []
    for role in decided.untouched:
        records = sorted(
            k for k, arn in role.grants.items() if f":kms:{region}:" in arn
        )
        if records:
            changes.append(_untag(role.name, records))
    return changes


def _untag(name: str, records: list[str]) -> Change:
    return Change(
        Action.DELETE,
        "iam-role-tags",
        name,
        handler="iam.untag_role",
        params={"name": name, "keys": records},
        reason="the key-policy grants they record are removed",
    )


def key_changes(readers: Readers, info: KeyInfo, scope: DestroyScope) -> list[Change]:
    """Schedule the key's deletion (unless done), then drop gtprov's alias."""
    changes = []
    if info.key.state != "PendingDeletion":
        changes.append(_schedule(info, scope.key_deletion_days))
    alias = info.tags.get(KEY_ALIAS_TAG)
    if alias and alias in key_aliases(readers, info).aliases:
        changes.append(_delete_alias(alias, info.key.arn))
    return changes


def _schedule(info: KeyInfo, days: int) -> Change:
    return Change(
        Action.DELETE,
        "kms-key",
        f"{info.label} ({info.key.key_id}) after {days} days",
        handler="destroy.schedule_key_deletion",
        params={"key_id": info.key.key_id, "days": days},
        reason=(
            "ScheduleKeyDeletion; until then aws kms cancel-key-deletion "
            f"--key-id {info.key.key_id} undoes it"
        ),
    )


def _delete_alias(alias: str, key_arn: str) -> Change:
    return Change(
        Action.DELETE,
        "kms-alias",
        alias,
        handler="destroy.delete_alias",
        params={"alias": alias, "key_arn": key_arn},
        reason="frees the name at once",
    )


def _kept_key_warnings(
    keys: Iterable[KeyInfo],
    doomed: Sequence[str],
    decided: _RolePlan,
    scope: DestroyScope,
) -> list[str]:
    involved = {a for r in decided.deleted for a in r.grants.values()}
    return [
        f"KMS key {k.label} was created by gtprov but is kept: its key policy "
        "holds statements of principals gtprov is not removing"
        for k in keys
        if k.managed
        and k.key.arn not in doomed
        and (scope.everything or k.key.arn in involved)
    ]


def _other_region_warnings(roles: Iterable[ManagedRole], region: str) -> list[str]:
    """Grants in another Region's keys: this run cannot reach those keys, and
    the record of them goes with the role."""
    return [
        f"role {role.name} holds a gtprov statement in {arn}, another Region's "
        f"key; run gtprov destroy --key-statements --region {arn.split(':')[3]} "
        "first, or remove that statement by hand"
        for role in roles
        for arn in role.grants.values()
        if f":kms:{region}:" not in arn
    ]


# The workforce --------------------------------------------------------------------


def plan_workforce_teardown(
    readers: Readers, inventory: Inventory, scope: DestroyScope
) -> Plan:
    """Topics, teams, workforce, then each pool gtprov made (see module doc)."""
    ours = inventory.managed_teams
    foreign = [t for t in inventory.teams if not t.managed]
    topics = _topic_changes(inventory, foreign)
    teams = [_delete_team(t) for t in ours]
    workforce, removing = _workforce_change(inventory, foreign)
    plans = [
        Plan(tuple(topics.changes), tuple(topics.warnings)),
        Plan(tuple(teams)),
        workforce,
    ]
    plans += [_pool(readers, inventory, p, removing, scope) for p in inventory.pools]
    return sum(plans, Plan())


@dataclass
class _Changes:
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _topic_changes(inventory: Inventory, foreign: Sequence[TeamInfo]) -> _Changes:
    """Topics before teams: a re-run finds a topic only through a team."""
    out = _Changes()
    shared = {t.team.topic_arn for t in foreign}
    for topic in inventory.topics:
        if topic.arn in shared:
            out.warnings.append(
                f"SNS topic {topic.arn} is gtprov's but a work team gtprov did "
                "not create uses it; kept"
            )
            continue
        out.changes.append(
            Change(
                Action.DELETE,
                "sns-topic",
                topic.arn,
                handler="destroy.delete_topic",
                params={"arn": topic.arn},
                reason="and its subscriptions",
            )
        )
    return out


def _delete_team(team: TeamInfo) -> Change:
    return Change(
        Action.DELETE,
        "sagemaker-workteam",
        team.name,
        handler="destroy.delete_workteam",
        params={"name": team.name},
    )


def _workforce_change(
    inventory: Inventory, foreign: Sequence[TeamInfo]
) -> tuple[Plan, bool]:
    """The workforce goes when gtprov made it and no other team remains."""
    found = inventory.workforce
    if found is None:
        return Plan(), False
    name = found.workforce.name
    if not found.managed:
        return _keep(
            "sagemaker-workforce", name, f"not gtprov's: {found.evidence}"
        ), False
    if foreign:
        teams = ", ".join(t.name for t in foreign)
        reason = f"work teams gtprov did not create remain ({teams})"
        return _keep("sagemaker-workforce", name, reason, warn=True), False
    change = Change(
        Action.DELETE,
        "sagemaker-workforce",
        name,
        handler="destroy.delete_workforce",
        params={"name": name},
        reason="then wait until SageMaker has removed it",
    )
    return Plan((change,)), True


def _keep(kind: str, name: str, reason: str, *, warn: bool = False) -> Plan:
    change = Change(Action.NOOP, kind, name, reason=f"kept: {reason}")
    warnings = (f"{kind} {name} is kept: {reason}",) if warn else ()
    return Plan((change,), warnings)


def _pool(
    readers: Readers,
    inventory: Inventory,
    pool: PoolInfo,
    workforce_removed: bool,
    scope: DestroyScope,
) -> Plan:
    label = f"{pool.name} ({pool.id})"
    if not pool.managed:
        return _keep("cognito-user-pool", label, f"not gtprov's (no {TAG_KEY} tag)")
    found = inventory.workforce
    if found and found.workforce.user_pool == pool.id and not workforce_removed:
        return _keep(
            "cognito-user-pool", label, "the workforce that uses it stays", warn=True
        )
    contents = readers.pool_contents(pool.id)
    blocker = _pool_blocker(pool, contents, scope)
    if blocker:
        return _keep("cognito-user-pool", label, blocker, warn=True)
    return Plan(tuple(pool_changes(pool, contents)))


def _pool_blocker(pool: PoolInfo, contents: PoolContents, scope: DestroyScope) -> str:
    """Why the pool must stay, or ``""``: other apps, groups or users."""
    clients = [c for c in contents.clients if not c.startswith(NAME_PREFIX)]
    groups = [g for g, text in contents.groups.items() if GROUP_MARK not in text]
    users = sorted(u for u, invited in contents.users.items() if not invited)
    if pool.custom_domain:
        return f"it has custom domain {pool.custom_domain}, which gtprov never makes"
    if clients:
        return f"app clients gtprov did not create use it ({', '.join(clients)})"
    if groups:
        return f"it holds groups gtprov did not create ({', '.join(groups)})"
    if users and not scope.force_users:
        return (
            f"it holds {len(users)} users gtprov did not invite "
            f"({_some(users)}); run with --force-users to delete them with it"
        )
    return ""


def _some(names: Sequence[str]) -> str:
    more = len(names) - SHOWN_USERS
    return ", ".join(names[:SHOWN_USERS]) + (f" and {more} more" if more > 0 else "")


def pool_changes(pool: PoolInfo, contents: PoolContents) -> list[Change]:
    """Domain, deletion protection, pool: in the order Cognito requires."""
    domain = [_delete_domain(pool, pool.domain)] if pool.domain else []
    unprotect = [_unprotect(pool)] if pool.deletion_protection else []
    return [*domain, *unprotect, _delete_pool(pool, contents)]


def _delete_domain(pool: PoolInfo, domain: str) -> Change:
    return Change(
        Action.DELETE,
        "cognito-domain",
        domain,
        handler="destroy.delete_domain",
        params={"user_pool_id": pool.id, "domain": domain},
        reason="Cognito refuses to delete a pool that has a domain",
    )


def _unprotect(pool: PoolInfo) -> Change:
    return Change(
        Action.UPDATE,
        "cognito-user-pool",
        f"{pool.name} ({pool.id})",
        handler="destroy.disable_deletion_protection",
        params={"user_pool_id": pool.id},
        reason="deletion protection off, every other setting kept",
    )


def _delete_pool(pool: PoolInfo, contents: PoolContents) -> Change:
    parts = [
        f"app client {', '.join(contents.clients)}" if contents.clients else "",
        f"groups {', '.join(sorted(contents.groups))}" if contents.groups else "",
        f"{len(contents.users)} users" if contents.users else "",
    ]
    with_it = ", ".join(p for p in parts if p)
    return Change(
        Action.DELETE,
        "cognito-user-pool",
        f"{pool.name} ({pool.id})",
        handler="destroy.delete_user_pool",
        params={"user_pool_id": pool.id},
        reason=f"with its {with_it}" if with_it else "",
    )
