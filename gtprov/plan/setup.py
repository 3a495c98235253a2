"""Plan a whole gtprov.toml: its roles, its workforce and, if asked, a prune.

Reads only; every write is a ``Change`` for the handlers the commands use.
One engine with the commands: each role is planned by
``plan.role.plan_execution_role`` and the workforce (teams and workers
included) by ``plan.workforce.plan_workforce``, so a file and the commands
given the same values plan the same changes. What this module adds:

- each role's change ids are prefixed (``roles[1]:kms-key``): every role
  plan names its changes ``role`` and ``kms-key``, while the executor keeps
  outputs by change id and ``Ref``s and the report read them from there, so
  ids must stay unique across the whole file's plan;
- with ``prune``, deletions of what gtprov manages and the file no longer
  declares, planned by ``plan.destroy`` and ``plan.workers``:

  * execution roles carrying gtprov's tag (with their gtprov policies, the
    statements gtprov put in key policies for them, and keys gtprov made
    that nothing else uses). IAM is account-wide: a role declared by the
    file of another Region is pruned too, so keep an account's roles in one
    file, or do not prune;
  * work teams carrying gtprov's tag in this Region (their Cognito groups
    and users stay in the pool);
  * workers of a team whose entry lists its workers, who are in the team's
    group but no longer listed.

Reads added by ``prune``: ListRoles and one GetRole (plus two policy lists)
per role that trusts SageMaker; SageMaker ListTags per team the file does
not declare; ListUsersInGroup per team that lists its workers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from gtprov.aws.iam import IamClient
from gtprov.aws.inventory import Readers, find_roles
from gtprov.aws.kms import KmsClient
from gtprov.errors import ConflictError
from gtprov.models.role import ROLE_COMPONENT, Account, ExecutionRole
from gtprov.ownership import COMPONENT_TAG, is_managed
from gtprov.plan import workers as wplan
from gtprov.plan.destroy import DestroyScope, plan_destroy
from gtprov.plan.model import Action, Change, Plan, Ref
from gtprov.plan.role import plan_execution_role
from gtprov.plan.workforce import WorkforcePlan, plan_workforce

if TYPE_CHECKING:
    from gtprov.aws.inventory import ManagedRole
    from gtprov.aws.sagemaker import WorkteamInfo
    from gtprov.aws.session import AwsSession
    from gtprov.config import SetupFile

PRUNE_PREFIX = "prune:"


@dataclass(frozen=True)
class SetupPlan:
    """The plan, and what reporting its result needs."""

    plan: Plan
    account: Account
    workforce: WorkforcePlan | None = None


def plan_setup(
    aws: AwsSession,
    setup: SetupFile,
    *,
    prune: bool = False,
    rates: wplan.Rates | None = None,
) -> SetupPlan:
    """Every change that makes this account and Region match ``setup``."""
    account = file_account(aws, setup)
    roles = setup.execution_roles(account.account_id)
    role_plans = _role_plans(aws, roles, account)
    workforce = _workforce_plan(aws, setup, rates)
    plan = role_plans + (workforce.plan if workforce else Plan())
    if prune:
        plan = plan + plan_prune(aws, setup, roles, workforce)
    return SetupPlan(plan, account, workforce)


def file_account(aws: AwsSession, setup: SetupFile) -> Account:
    """The caller's account in the file's Region; refuse another account's."""
    if aws.region != setup.region:
        raise ConflictError(
            f"{setup.path} is for Region {setup.region}; the session is in "
            f"{aws.region}",
            hint=f"Run with --region {setup.region}, or leave --region out.",
        )
    if setup.account_id is not None and aws.account_id != setup.account_id:
        raise ConflictError(
            f"{setup.path} is for account {setup.account_id}; the credentials "
            f"are for account {aws.account_id}",
            hint=f"Run with the --profile of account {setup.account_id}.",
        )
    return setup.account(aws.account_id)


# -- roles --------------------------------------------------------------------


def _role_plans(
    aws: AwsSession, roles: Sequence[ExecutionRole], account: Account
) -> Plan:
    iam, kms = IamClient(aws), KmsClient(aws)
    plans = [
        scoped(plan_execution_role(iam, kms, role, account), f"roles[{index}]:")
        for index, role in enumerate(roles)
    ]
    resources: dict[str, Any] = {}
    if roles:
        resources["roles"] = {role.name: role.arn for role in roles}
    keys = [key for plan in plans for key in plan.resources.get("kms_keys", [])]
    if keys:
        resources["kms_keys"] = list(dict.fromkeys(keys))
    total = sum((replace(p, resources={}) for p in plans), Plan())
    return replace(total, resources=resources)


def scoped(plan: Plan, prefix: str) -> Plan:
    """``plan`` with its change ids, and the ``Ref``s to them, prefixed."""
    ids = {change.id for change in plan.changes if change.id}
    changes = tuple(
        replace(
            change,
            id=prefix + change.id if change.id else "",
            params=_rescoped(change.params, ids, prefix),
        )
        for change in plan.changes
    )
    return replace(plan, changes=changes)


def _rescoped(value: Any, ids: set[str], prefix: str) -> Any:
    if isinstance(value, Ref) and value.change_id in ids:
        return Ref(prefix + value.change_id, value.key)
    if isinstance(value, Mapping):
        return {k: _rescoped(v, ids, prefix) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rescoped(v, ids, prefix) for v in value]
    return value


# -- workforce ----------------------------------------------------------------


def _workforce_plan(
    aws: AwsSession, setup: SetupFile, rates: wplan.Rates | None
) -> WorkforcePlan | None:
    if setup.workforce is None:
        return None
    return plan_workforce(aws, setup.workforce, setup.workers, rates=rates)


# -- prune --------------------------------------------------------------------


def plan_prune(
    aws: AwsSession,
    setup: SetupFile,
    roles: Sequence[ExecutionRole],
    workforce: WorkforcePlan | None,
) -> Plan:
    """Deletions of what gtprov manages and ``setup`` no longer declares."""
    readers = Readers(aws)
    return (
        _prune_workers(readers, setup, workforce)
        + _prune_teams(readers, setup)
        + _prune_roles(readers, setup.region, roles)
    )


def _prune_roles(
    readers: Readers, region: str, declared: Sequence[ExecutionRole]
) -> Plan:
    names = {role.name.lower() for role in declared}
    found = [
        r
        for r in find_roles(readers)
        if r.name.lower() not in names
        and r.role.tags.get(COMPONENT_TAG) == ROLE_COMPONENT
    ]
    doomed = tuple(r.name for r in found if not _foreign_policies(r))
    kept = Plan(warnings=tuple(_kept_role(r) for r in found if _foreign_policies(r)))
    if not doomed:
        return kept
    scope = DestroyScope(roles=doomed)
    return scoped(plan_destroy(readers, region, scope), PRUNE_PREFIX) + kept


def _foreign_policies(role: ManagedRole) -> bool:
    return bool(role.foreign_inline or role.foreign_attached)


def _kept_role(role: ManagedRole) -> str:
    return (
        f"role {role.name} is gtprov's and not in the file, but it has policies "
        "gtprov did not make; not pruned (remove them, or gtprov destroy "
        f"--role {role.name} says how)"
    )


def _prune_teams(readers: Readers, setup: SetupFile) -> Plan:
    workforce = setup.workforce
    declared = {t.name for t in workforce.teams} if workforce else set()
    teams = [t for t in readers.sagemaker.list_workteams() if t.name not in declared]
    doomed = [t for t in teams if is_managed(readers.sagemaker_tags(t.arn) or {})]
    return Plan(tuple(_delete_team(team) for team in doomed))


def _delete_team(team: WorkteamInfo) -> Change:
    groups = ", ".join(team.groups) or "none"
    return Change(
        Action.DELETE,
        "sagemaker-workteam",
        team.name,
        handler="destroy.delete_workteam",
        params={"name": team.name},
        reason=f"not in the file; its Cognito groups ({groups}) and users stay",
    )


def _prune_workers(
    readers: Readers, setup: SetupFile, workforce: WorkforcePlan | None
) -> Plan:
    pool = workforce.found.pool if workforce else None
    if workforce is None or pool is None:
        return Plan()
    found = workforce.found
    target = wplan.PoolTarget.of(pool)
    plans = [
        _prune_team_workers(readers, setup, target, found.teams[team])
        for team in sorted(setup.membership_teams)
        if team in found.teams
    ]
    return sum(plans, Plan())


def _prune_team_workers(
    readers: Readers,
    setup: SetupFile,
    target: wplan.PoolTarget,
    team: WorkteamInfo,
) -> Plan:
    """Members of the team's group the file no longer lists."""
    if len(team.groups) != 1 or isinstance(target.pool_id, Ref):
        return Plan()
    group = team.groups[0]
    members = readers.cognito.list_users_in_group(target.pool_id, group)
    listed = set(setup.workers.by_team.get(team.name, ()))
    extra = sorted(u.email for u in members if u.email not in listed)
    if not extra:
        return Plan()
    rates = wplan.Rates()
    removal = wplan.plan_removals(target, team.name, group, extra, members, rates)
    return scoped(removal, PRUNE_PREFIX)
