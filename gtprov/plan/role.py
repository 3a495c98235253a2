"""Plan one execution role: the role, its trust policy, tags and policies.

Reads only; every write is a ``Change`` for ``execute/role.py``. The reads
of a re-run, each needed to see drift:

- ``GetRole``: trust policy, description, session duration, boundary, tags
  (tags are the ownership mark and the record of key-policy grants);
- ``ListRolePolicies`` and one ``GetRolePolicy`` per ``gtprov-*`` policy;
- ``ListAttachedRolePolicies``: gtprov's customer managed policies (path
  ``/gtprov/``), used when the inline policies would not fit, plus
  ``GetPolicy`` and ``GetPolicyVersion`` for each of those;
- ``GetAccountSummary`` only when a document is larger than IAM's documented
  default quota: quotas are only ever raised, so below the defaults the
  answer could not change the plan.

Tags gtprov manages: its own (``gtprov:*``) and those the user gives. A tag
the user gave on an earlier run and leaves out now is kept: gtprov cannot
tell it from a tag someone else added (remove it with ``aws iam untag-role``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gtprov.aws.iam import (
    DEFAULT_QUOTAS,
    AttachedPolicy,
    IamClient,
    IamQuotas,
    Role,
    policy_arn,
)
from gtprov.aws.kms import KmsClient
from gtprov.errors import ConflictError, OwnershipError, PolicySizeError
from gtprov.models.role import (
    KMS_GRANT_TAG,
    REMOVE_BOUNDARY,
    Account,
    ExecutionRole,
)
from gtprov.ownership import (
    INLINE_POLICY_PREFIX,
    TAG_KEY,
    is_managed,
    ownership_tags,
)
from gtprov.plan.kms import plan_keys
from gtprov.plan.model import Action, Change, Plan, Ref, policy_diff
from gtprov.policy.document import Document, equivalent, size, split
from gtprov.policy.execution import execution_policy
from gtprov.policy.trust import trust_policy

INLINE_POLICY = f"{INLINE_POLICY_PREFIX}execution"
MANAGED_PATH = "/gtprov/"
GTPROV_TAG_PREFIX = "gtprov:"
KIND_ROLE = "iam-role"
KIND_TRUST = "iam-role-trust-policy"
KIND_BOUNDARY = "iam-role-permissions-boundary"
KIND_TAGS = "iam-role-tags"
KIND_INLINE = "iam-role-policy"
KIND_MANAGED = "iam-policy"
MANAGED_COMPONENT = "execution-policy"


def plan_execution_role(
    iam: IamClient, kms: KmsClient, role: ExecutionRole, account: Account
) -> Plan:
    """The whole plan of ``create-execution-role``, changes in apply order.

    Order: the role (ownership tags first), gtprov's key, the role's
    policies, key-policy grants, then removals (old policies, statements of
    keys no longer wanted) and last the tags that recorded them.
    """
    actual = iam.get_role(role.name)
    if actual is not None:
        role = _existing(role, actual)
    keys = plan_keys(kms, role, account, _grant_records(actual))
    role = role.with_keys(keys.data_arns, keys.volume_arns)
    tags = {**role.desired_tags(keys.grants), **keys.kept_records}
    policies = plan_policies(iam, role, account, actual, keys.substitutions)
    changes = [
        *role_changes(iam, role, account, actual, tags),
        *keys.setup,
        *policies.puts,
        *keys.grant_changes,
        *policies.deletes,
        *keys.removals,
        *_untag(role.name, actual, tags),
    ]
    warnings = [*policies.warnings, *keys.warnings]
    # Text mode prints resources in this order: the role ARN comes last.
    resources = {"kms_keys": keys.key_arns, "role_arn": role.arn}
    return Plan(tuple(changes), tuple(warnings), resources)


def _grant_records(actual: Role | None) -> dict[str, str]:
    tags = actual.tags if actual is not None else {}
    return {k: v for k, v in tags.items() if k.startswith(KMS_GRANT_TAG)}


# Ownership and path ---------------------------------------------------------------


def _existing(role: ExecutionRole, actual: Role) -> ExecutionRole:
    """Refuse a role gtprov does not own (unless adopting) or cannot move."""
    if not is_managed(actual.tags) and not role.adopt:
        raise OwnershipError(
            f"role {actual.name} exists and gtprov did not create it (it has no "
            f"{TAG_KEY} tag); gtprov will not modify it",
            hint=f"To let gtprov manage it, run again with --adopt: gtprov then "
            f"tags it and manages only its own {INLINE_POLICY_PREFIX}* policies. "
            "Or choose another role name.",
        )
    if role.path is not None and role.path != actual.path:
        raise ConflictError(
            f"role {actual.name} exists at path {actual.path}, not {role.path}; "
            "IAM cannot move a role to another path",
            hint=f"Run with --path {actual.path} (or without --path), or delete "
            "the role first.",
        )
    return role.as_existing(actual.name, actual.path)


# The role itself --------------------------------------------------------------------


def desired_trust(role: ExecutionRole, account: Account) -> Document:
    source = account.account_id if role.trust.source_account else None
    return trust_policy(partition=account.partition, source_account=source)


def role_changes(
    iam: IamClient,
    role: ExecutionRole,
    account: Account,
    actual: Role | None,
    tags: Mapping[str, str],
) -> list[Change]:
    trust = desired_trust(role, account)
    check_trust_size(iam, trust)
    if actual is None:
        return [_create_role(role, trust, tags)]
    return [
        *_tag_changes(role, actual, tags),
        _trust_change(role, actual, trust),
        _update_role(role, actual),
        *_boundary_change(role, actual),
    ]


def check_trust_size(iam: IamClient, trust: Document) -> None:
    """The trust policy fits the account's quota (read only above 2,048)."""
    counted = size(trust)
    if counted <= DEFAULT_QUOTAS.assume_role_policy_size:
        return
    quota = iam.get_account_quotas().assume_role_policy_size
    if counted > quota:
        raise PolicySizeError("the trust policy", counted, quota, "role trust policy")


def _create_role(
    role: ExecutionRole, trust: Document, tags: Mapping[str, str]
) -> Change:
    boundary = role.permissions_boundary or None
    return Change(
        Action.CREATE,
        KIND_ROLE,
        role.name,
        handler="iam.create_role",
        id="role",
        params={
            "name": role.name,
            "path": role.create_path,
            "trust_policy": trust,
            "description": role.description,
            "max_session_duration": role.max_session_duration,
            "permissions_boundary": boundary,
            "tags": dict(tags),
        },
        reason=f"at {role.create_path}, tagged {TAG_KEY}",
        diff=policy_diff(None, trust, "trust policy"),
    )


def _tag_changes(
    role: ExecutionRole, actual: Role, tags: Mapping[str, str]
) -> list[Change]:
    """Add or correct tags first: adopting marks the role before anything else."""
    wanted = {k: v for k, v in tags.items() if actual.tags.get(k) != v}
    if not wanted:
        return [Change(Action.NOOP, KIND_TAGS, role.name)]
    adopting = not is_managed(actual.tags)
    reason = "adopt: mark the role as gtprov's" if adopting else _tag_reason(wanted)
    return [
        Change(
            Action.UPDATE,
            KIND_TAGS,
            role.name,
            handler="iam.tag_role",
            params={"name": role.name, "tags": wanted},
            reason=reason,
        )
    ]


def _tag_reason(wanted: Mapping[str, str]) -> str:
    return "set " + ", ".join(sorted(wanted))


def _untag(name: str, actual: Role | None, tags: Mapping[str, str]) -> list[Change]:
    """Remove gtprov's own tags it no longer wants (grant records, mostly)."""
    if actual is None:
        return []
    stale = sorted(
        k for k in actual.tags if k.startswith(GTPROV_TAG_PREFIX) and k not in tags
    )
    if not stale:
        return []
    return [
        Change(
            Action.DELETE,
            KIND_TAGS,
            name,
            handler="iam.untag_role",
            params={"name": name, "keys": stale},
            reason="remove " + ", ".join(stale),
        )
    ]


def _trust_change(role: ExecutionRole, actual: Role, trust: Document) -> Change:
    if equivalent(actual.trust_policy, trust):
        return Change(Action.NOOP, KIND_TRUST, role.name)
    return Change(
        Action.UPDATE,
        KIND_TRUST,
        role.name,
        handler="iam.update_assume_role_policy",
        params={"name": role.name, "trust_policy": trust},
        reason="trust policy differs",
        diff=policy_diff(actual.trust_policy, trust, "trust policy"),
    )


def _update_role(role: ExecutionRole, actual: Role) -> Change:
    differs = [
        what
        for what, same in (
            ("description", actual.description == role.description),
            ("max session duration", _same_session(role, actual)),
        )
        if not same
    ]
    if not differs:
        return Change(Action.NOOP, KIND_ROLE, role.name)
    return Change(
        Action.UPDATE,
        KIND_ROLE,
        role.name,
        handler="iam.update_role",
        params={
            "name": role.name,
            "description": role.description,
            "max_session_duration": role.max_session_duration,
        },
        reason=" and ".join(differs) + " differ",
    )


def _same_session(role: ExecutionRole, actual: Role) -> bool:
    return actual.max_session_duration == role.max_session_duration


def _boundary_change(role: ExecutionRole, actual: Role) -> list[Change]:
    wanted, current = role.permissions_boundary, actual.permissions_boundary
    if wanted is None or wanted == (current or REMOVE_BOUNDARY):
        return []
    if wanted == REMOVE_BOUNDARY:
        return [
            Change(
                Action.DELETE,
                KIND_BOUNDARY,
                role.name,
                handler="iam.delete_role_permissions_boundary",
                params={"name": role.name},
                reason=f"remove {current}",
            )
        ]
    return [
        Change(
            Action.UPDATE if current else Action.CREATE,
            KIND_BOUNDARY,
            role.name,
            handler="iam.put_role_permissions_boundary",
            params={"name": role.name, "boundary": wanted},
            reason=f"{current or 'none'} -> {wanted}",
        )
    ]


# Permission policies --------------------------------------------------------------


@dataclass
class PolicyPlan:
    puts: list[Change] = field(default_factory=list)
    deletes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Actual:
    """The role's permission policies as IAM has them (empty for a new role)."""

    inline: Mapping[str, Document | None]
    foreign_inline: Sequence[str]
    attached: Sequence[AttachedPolicy]

    @property
    def gtprov_attached(self) -> list[AttachedPolicy]:
        return [a for a in self.attached if _is_gtprov_path(a.arn)]

    @property
    def foreign_attached(self) -> list[AttachedPolicy]:
        return [a for a in self.attached if not _is_gtprov_path(a.arn)]


def _is_gtprov_path(arn: str) -> bool:
    return f":policy{MANAGED_PATH}" in arn


@dataclass(frozen=True)
class _Policies:
    """What planning the role's policies needs, read once."""

    iam: IamClient
    role: ExecutionRole
    account: Account
    current: _Actual
    quotas: IamQuotas
    substitute: Mapping[str, Ref]


def plan_policies(
    iam: IamClient,
    role: ExecutionRole,
    account: Account,
    actual: Role | None,
    substitutions: Mapping[str, Ref],
) -> PolicyPlan:
    """Inline ``gtprov-execution`` while it fits, else managed policies.

    ``substitutions`` map placeholders in the document (the ARN of a key not
    created yet) to the ``Ref`` the handler puts in their place.
    """
    doc = execution_policy(role.permissions)
    current = _read_policies(iam, role.name) if actual else _Actual({}, [], [])
    plan = PolicyPlan(warnings=_foreign_warnings(role.name, current))
    aggregate = size(doc) + _foreign_inline_size(iam, role.name, current)
    quotas = _quotas(iam, aggregate)
    ctx = _Policies(iam, role, account, current, quotas, dict(substitutions))
    if aggregate <= quotas.role_policy_size:
        _inline(plan, ctx, doc)
        _drop_managed(plan, role.name, current.gtprov_attached)
    else:
        _managed(plan, ctx, doc)
        _drop_inline(plan, role.name, current.inline)
    return plan


def _read_policies(iam: IamClient, name: str) -> _Actual:
    names = iam.list_role_policy_names(name)
    ours = [n for n in names if n.startswith(INLINE_POLICY_PREFIX)]
    inline = {n: iam.get_role_policy(name, n) for n in ours}
    foreign = [n for n in names if n not in inline]
    return _Actual(inline, foreign, iam.list_attached_role_policies(name))


def _foreign_warnings(name: str, current: _Actual) -> list[str]:
    found = [
        *(f"inline policy {p}" for p in current.foreign_inline),
        *(f"managed policy {a.arn}" for a in current.foreign_attached),
    ]
    return [
        f"role {name} has {what}, which gtprov did not make; left alone"
        for what in found
    ]


def _foreign_inline_size(iam: IamClient, name: str, current: _Actual) -> int:
    """Other inline policies count against the same aggregate quota."""
    docs = (iam.get_role_policy(name, p) for p in current.foreign_inline)
    return sum(size(d) for d in docs if d is not None)


def _quotas(iam: IamClient, inline_size: int) -> IamQuotas:
    if inline_size <= DEFAULT_QUOTAS.role_policy_size:
        return DEFAULT_QUOTAS
    return iam.get_account_quotas()


def _inline(plan: PolicyPlan, ctx: _Policies, doc: Document) -> None:
    plan.puts.append(_inline_change(ctx, doc))
    for name in sorted(ctx.current.inline):
        if name != INLINE_POLICY:
            plan.deletes.append(_delete_inline(ctx.role.name, name))


def _inline_change(ctx: _Policies, doc: Document) -> Change:
    role = ctx.role.name
    current = ctx.current.inline.get(INLINE_POLICY)
    name = f"{role}/{INLINE_POLICY}"
    if current is not None and equivalent(current, doc):
        return Change(Action.NOOP, KIND_INLINE, name)
    params = {
        "role": role,
        "policy": INLINE_POLICY,
        "document": doc,
        "substitute": dict(ctx.substitute),
    }
    return Change(
        Action.UPDATE if current is not None else Action.CREATE,
        KIND_INLINE,
        name,
        handler="iam.put_role_policy",
        params=params,
        reason="policy differs" if current is not None else "the role's permissions",
        diff=policy_diff(current, doc, INLINE_POLICY),
    )


def _delete_inline(role: str, name: str) -> Change:
    return Change(
        Action.DELETE,
        KIND_INLINE,
        f"{role}/{name}",
        handler="iam.delete_role_policy",
        params={"role": role, "policy": name},
        reason="no longer wanted",
    )


def _drop_inline(
    plan: PolicyPlan, role: str, inline: Mapping[str, Document | None]
) -> None:
    plan.deletes.extend(_delete_inline(role, name) for name in sorted(inline))


def _managed(plan: PolicyPlan, ctx: _Policies, doc: Document) -> None:
    """Customer managed policies under /gtprov/, each within PolicySizeQuota."""
    parts = split(doc["Statement"], ctx.quotas.policy_size)
    _check_attach_quota(ctx.role.name, ctx.current, len(parts), ctx.quotas)
    wanted: list[str] = []
    for number, part in enumerate(parts, start=1):
        name = managed_policy_name(ctx.role.name, number)
        account = ctx.account
        arn = policy_arn(account.partition, account.account_id, MANAGED_PATH, name)
        wanted.append(arn)
        plan.puts.append(_managed_change(ctx, name, arn, part))
    stale = [a for a in ctx.current.gtprov_attached if a.arn not in wanted]
    _drop_managed(plan, ctx.role.name, stale)


def managed_policy_name(role: str, number: int) -> str:
    return f"{INLINE_POLICY_PREFIX}{role}-execution-{number}"


def _check_attach_quota(
    role: str, current: _Actual, parts: int, quotas: IamQuotas
) -> None:
    total = len(current.foreign_attached) + parts
    if total > quotas.attached_policies_per_role:
        raise ConflictError(
            f"role {role} would need {total} attached managed policies; the "
            f"account allows {quotas.attached_policies_per_role} per role",
            hint="Give fewer or broader resources, detach policies you do not "
            "need, or raise the quota in Service Quotas.",
        )


def _managed_change(ctx: _Policies, name: str, arn: str, doc: Document) -> Change:
    attached = any(a.arn == arn for a in ctx.current.gtprov_attached)
    actual_doc = _managed_document(ctx.iam, arn) if attached else None
    if actual_doc is not None and equivalent(actual_doc, doc):
        return Change(Action.NOOP, KIND_MANAGED, arn)
    role = ctx.role.name
    params: dict[str, Any] = {
        "role": role,
        "name": name,
        "path": MANAGED_PATH,
        "arn": arn,
        "attached": attached,
        "document": doc,
        "substitute": dict(ctx.substitute),
        "versions_quota": ctx.quotas.versions_per_policy,
        "tags": {**ownership_tags(MANAGED_COMPONENT), "gtprov:role": role},
        "description": f"Ground Truth execution role {role} (gtprov)",
    }
    return Change(
        Action.UPDATE if attached else Action.CREATE,
        KIND_MANAGED,
        arn,
        handler="iam.put_managed_policy",
        params=params,
        reason="policy differs" if attached else "inline policies would not fit",
        diff=policy_diff(actual_doc, doc, name),
    )


def _managed_document(iam: IamClient, arn: str) -> Document | None:
    policy = iam.get_policy(arn)
    if policy is None:
        return None
    if not is_managed(policy.tags):
        raise OwnershipError(
            f"policy {arn} is attached under gtprov's path but has no {TAG_KEY} "
            "tag; gtprov will not modify it",
            hint="Detach or rename that policy, then run again.",
        )
    return iam.get_policy_document(arn, policy.default_version_id)


def _drop_managed(
    plan: PolicyPlan, role: str, attached: Sequence[AttachedPolicy]
) -> None:
    for policy in attached:
        plan.deletes.append(
            Change(
                Action.DELETE,
                KIND_MANAGED,
                policy.arn,
                handler="iam.delete_managed_policy",
                params={"role": role, "arn": policy.arn},
                reason="no longer wanted",
            )
        )
