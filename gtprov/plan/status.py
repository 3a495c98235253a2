"""``gtprov status``: what gtprov manages here, and whether it has drifted.

Reads only. ``read_status`` gathers facts through ``aws/inventory.py`` and a
few extra reads (listed on each function); the ``judge_*`` functions are
pure and turn facts into ``Row``s: in sync, or drifted and how.

Execution roles: the inputs a role was made from (buckets, Lambdas, topics)
are not recorded on it, so its permission policy cannot be compared with a
desired one here (``create-execution-role NAME ... --dry-run`` with the same
inputs does that). What can be checked from the role alone is: the trust
policy is gtprov's (SageMaker may assume it), a ``gtprov-*`` permission
policy is present, and every key-policy grant the role's tags record is in
that key's policy, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gtprov.aws.inventory import (
    Inventory,
    KeyInfo,
    ManagedRole,
    PoolInfo,
    Readers,
    TeamInfo,
    Want,
    WorkforceFound,
    discover,
)
from gtprov.aws.sns import Topic
from gtprov.models.workforce import missing_client_settings
from gtprov.plan.workforce import TOPIC_SID
from gtprov.policy.document import equivalent
from gtprov.policy.kms import (
    delegates_to_iam,
    gtprov_sid,
    gtprov_statements,
    key_policy_statement,
    statements_of,
)
from gtprov.policy.trust import trust_policy

IN_SYNC, DRIFTED = "in sync", "drifted"
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Row:
    """One managed resource: what it is, what was seen, how it drifted."""

    kind: str
    name: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    drift: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        return DRIFTED if self.drift else IN_SYNC

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "state": self.state,
            "drift": list(self.drift),
            **dict(self.facts),
        }


@dataclass(frozen=True)
class Where:
    account: str
    region: str
    partition: str


def read_status(readers: Readers, where: Where) -> list[Row]:
    """Every row, in the order a reader wants them: IAM, KMS, workforce."""
    inventory = discover(readers, where.region, Want())
    rows = [judge_role(r, inventory.keys, where) for r in inventory.roles]
    rows += judge_statements(inventory.roles, inventory.keys.values())
    managed = [k for k in inventory.keys.values() if k.managed]
    rows += [judge_key(k, _rotation(readers, k)) for k in managed]
    return rows + _workforce_rows(readers, inventory)


# Roles ----------------------------------------------------------------------------


def judge_role(role: ManagedRole, keys: Mapping[str, KeyInfo], where: Where) -> Row:
    drift = [*_trust_drift(role, where), *_policy_drift(role)]
    drift += [d for arn in role.grants.values() for d in _grant_drift(arn, keys, where)]
    facts = {
        "arn": role.role.arn,
        "policies": [*role.gtprov_inline, *(a.arn for a in role.gtprov_attached)],
        "other_policies": [
            *role.foreign_inline,
            *(a.arn for a in role.foreign_attached),
        ],
        "kms_keys": sorted(role.grants.values()),
        "policy_contents": "not checked: the role's inputs are not recorded",
    }
    return Row("execution-role", role.name, facts, tuple(drift))


def _trust_drift(role: ManagedRole, where: Where) -> list[str]:
    plain = trust_policy(partition=where.partition)
    hardened = trust_policy(partition=where.partition, source_account=where.account)
    actual = role.role.trust_policy
    if equivalent(actual, plain) or equivalent(actual, hardened):
        return []
    return ["trust policy is not gtprov's (SageMaker sts:AssumeRole)"]


def _policy_drift(role: ManagedRole) -> list[str]:
    if role.gtprov_inline and role.gtprov_attached:
        return ["has both gtprov inline and gtprov managed policies"]
    if not role.gtprov_inline and not role.gtprov_attached:
        return ["gtprov's permission policy (gtprov-execution) is missing"]
    return []


def _grant_drift(arn: str, keys: Mapping[str, KeyInfo], where: Where) -> list[str]:
    """A recorded grant whose key or statement is not as gtprov left it."""
    if f":kms:{where.region}:" not in arn:
        return []
    key = keys.get(arn)
    if key is None:
        return [f"recorded KMS key {arn} no longer exists"]
    if key.key.state != "Enabled":
        return [f"KMS key {key.label} is {key.key.state}"]
    return []


def judge_statements(
    roles: Sequence[ManagedRole], keys: Iterable[KeyInfo]
) -> list[Row]:
    """One row per gtprov statement there is, or that a role records."""
    by_sid = {gtprov_sid(r.name): r for r in roles}
    rows = []
    for key in keys:
        recorded = [r for r in roles if key.key.arn in r.grants.values()]
        rows += [_recorded_statement(key, r) for r in recorded]
        present = {str(s["Sid"]) for s in gtprov_statements(key.policy or {})}
        wanted = {gtprov_sid(r.name) for r in recorded}
        rows += [_orphan(key, sid, by_sid.get(sid)) for sid in sorted(present - wanted)]
    return rows


def _recorded_statement(key: KeyInfo, role: ManagedRole) -> Row:
    sid = gtprov_sid(role.name)
    desired = key_policy_statement(role.role.arn, sid)
    found = [s for s in statements_of(key.policy or {}) if s.get("Sid") == sid]
    drift: tuple[str, ...] = ()
    if key.policy is None:
        drift = ("the key policy could not be read",)
    elif not found:
        drift = (f"statement {sid} is missing; the role cannot use the key",)
    elif not equivalent({"Statement": found}, {"Statement": [desired]}):
        drift = (f"statement {sid} was changed",)
    facts = {"key_arn": key.key.arn, "sid": sid, "role": role.name}
    return Row("kms-key-policy", f"{key.label} {sid}", facts, drift)


def _orphan(key: KeyInfo, sid: str, role: ManagedRole | None) -> Row:
    reason = (
        "the role does not record this grant"
        if role
        else "no gtprov role records this grant (its role is gone?)"
    )
    facts = {"key_arn": key.key.arn, "sid": sid, "role": "-"}
    fix = f"{reason}; gtprov destroy --key-statements removes it"
    return Row("kms-key-policy", f"{key.label} {sid}", facts, (fix,))


def judge_key(key: KeyInfo, rotation: bool | None = None) -> Row:
    """A key gtprov created: usable, delegating to IAM, rotating."""
    drift = []
    if key.key.state != "Enabled":
        drift.append(f"key state is {key.key.state}")
    if key.policy is not None and not delegates_to_iam(key.policy, key.key.account):
        drift.append("the key policy no longer delegates to IAM (account root)")
    if rotation is False:
        drift.append("automatic rotation is off")
    facts = {
        "arn": key.key.arn,
        "aliases": list(key.aliases),
        "state": key.key.state,
        "rotation": rotation,
    }
    return Row("kms-key", key.label, facts, tuple(drift))


def _rotation(readers: Readers, key: KeyInfo) -> bool | None:
    """``GetKeyRotationStatus`` of an enabled key gtprov created (one read)."""
    if key.key.state != "Enabled":
        return None
    return readers.kms.get_key_rotation_status(key.key.arn)


# Workforce ------------------------------------------------------------------------


def _workforce_rows(readers: Readers, inventory: Inventory) -> list[Row]:
    rows = []
    found = inventory.workforce
    groups: dict[str, set[str]] = {}
    if found is not None and found.managed:
        rows.append(_workforce_row(readers, found, inventory.pools))
    for pool in inventory.pools:
        if pool.managed:
            groups[pool.id] = readers.cognito.list_groups(pool.id)
            rows.append(_pool_row(readers, pool, found))
    rows += [_team_row(readers, t, found, groups) for t in inventory.managed_teams]
    return rows + [judge_topic(t) for t in inventory.topics]


def _workforce_row(
    readers: Readers, found: WorkforceFound, pools: Sequence[PoolInfo]
) -> Row:
    """One ``DescribeUserPoolClient``: the portal's sign-in settings."""
    wf = found.workforce
    drift = [] if wf.status == "Active" else [f"status is {wf.status}"]
    if wf.user_pool and wf.client_id:
        client = readers.cognito.describe_client(wf.user_pool, wf.client_id)
        drift += judge_client(client, wf.subdomain)
    facts = {
        "arn": wf.arn,
        "status": wf.status,
        "user_pool": wf.user_pool,
        "app_client": wf.client_id,
        "portal_url": wf.portal_url,
        "ownership": found.evidence,
    }
    return Row("sagemaker-workforce", wf.name, facts, tuple(drift))


def judge_client(client: Mapping[str, Any] | None, subdomain: str) -> list[str]:
    if client is None:
        return ["its app client no longer exists"]
    missing = missing_client_settings(client, subdomain) if subdomain else {}
    if not missing:
        return []
    return [
        f"app client lacks the portal sign-in settings: {', '.join(sorted(missing))}"
    ]


def _pool_row(readers: Readers, pool: PoolInfo, found: WorkforceFound | None) -> Row:
    """One ``DescribeUserPoolDomain`` for the domain's status."""
    domain = readers.cognito.describe_domain(pool.domain) if pool.domain else None
    bound = found is not None and found.workforce.user_pool == pool.id
    drift = judge_pool(pool, domain.status if domain else None, bound=bound)
    facts = {
        "id": pool.id,
        "domain": pool.domain,
        "users": pool.estimated_users,
        "deletion_protection": pool.deletion_protection,
    }
    return Row("cognito-user-pool", pool.name, facts, tuple(drift))


def judge_pool(pool: PoolInfo, domain_status: str | None, *, bound: bool) -> list[str]:
    drift = []
    if not bound:
        drift.append(
            "no workforce uses it (a run stopped halfway?); gtprov destroy "
            "--workforce removes it"
        )
    if pool.domain is None:
        drift.append("it has no domain; the workforce needs one")
    elif domain_status not in (ACTIVE, None):
        drift.append(f"domain {pool.domain} is {domain_status}")
    if not pool.admin_create_only:
        drift.append("anyone may sign up (AllowAdminCreateUserOnly is off)")
    if not pool.deletion_protection:
        drift.append("deletion protection is off")
    return drift


def _team_row(
    readers: Readers,
    team: TeamInfo,
    found: WorkforceFound | None,
    groups: Mapping[str, set[str]],
) -> Row:
    """One ``ListUsersInGroup`` per 60 members of each of the team's groups."""
    members = {
        m.group: len(readers.cognito.list_users_in_group(m.user_pool, m.group))
        for m in team.team.members
        if m.group in groups.get(m.user_pool, set())
    }
    facts = {
        "arn": team.team.arn,
        "groups": list(team.team.groups),
        "members": sum(members.values()),
        "notification_topic": team.team.topic_arn,
    }
    drift = judge_team(team, found, groups)
    return Row("sagemaker-workteam", team.name, facts, tuple(drift))


def judge_team(
    team: TeamInfo, found: WorkforceFound | None, groups: Mapping[str, set[str]]
) -> list[str]:
    drift = []
    bound = (found.workforce.user_pool, found.workforce.client_id) if found else None
    for member in team.team.members:
        if (member.user_pool, member.client_id) != bound:
            drift.append(f"group {member.group} is not of the workforce's pool/client")
        elif member.group not in groups.get(member.user_pool, set()):
            drift.append(f"Cognito group {member.group} no longer exists")
    return drift


def judge_topic(topic: Topic) -> Row:
    ours = [s for s in statements_of(topic.policy) if s.get("Sid") == TOPIC_SID]
    drift = () if ours else ("SageMaker may not publish to it (statement missing)",)
    return Row("sns-topic", topic.arn, {"arn": topic.arn}, drift)


# Output ---------------------------------------------------------------------------


RESOURCE_KEYS = {
    "execution-role": "execution_roles",
    "kms-key-policy": "key_statements",
    "kms-key": "kms_keys",
    "sagemaker-workforce": "workforce",
    "cognito-user-pool": "user_pools",
    "sagemaker-workteam": "workteams",
    "sns-topic": "notification_topics",
}


def resources(rows: Iterable[Row]) -> dict[str, list[dict[str, Any]]]:
    """The JSON envelope's ``resources``: rows grouped by kind."""
    out: dict[str, list[dict[str, Any]]] = {key: [] for key in RESOURCE_KEYS.values()}
    for row in rows:
        out[RESOURCE_KEYS[row.kind]].append(row.to_dict())
    return out
