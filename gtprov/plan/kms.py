"""Plan the KMS side of an execution role: resolve keys, grant, create.

Reads only (DescribeKey, GetKeyPolicy, ListResourceTags,
GetKeyRotationStatus); every write is a ``Change`` for ``execute/kms.py``.

- Keys named by ``--kms-key``/``--volume-kms-key`` are resolved with one
  ``DescribeKey`` each and refused (exit 1, reason given) when missing,
  disabled, pending deletion, not symmetric encryption, AWS managed, or in
  another Region.
- Each usable key's policy is read once (``GetKeyPolicy``): to grant, or to
  suggest ``--grant-key-policy`` when the policy does not delegate to IAM.
- Grants gtprov made are recorded on the role as tags
  (``models.role.KMS_GRANT_TAG``); a recorded key no longer wanted gets its
  gtprov statement removed, then its record untagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gtprov.aws.kms import KmsClient, KmsKey
from gtprov.errors import ConflictError, NotFoundError
from gtprov.models.role import (
    KEY_ALIAS_TAG,
    Account,
    ExecutionRole,
    KeyGrant,
    KeyUse,
    NewKmsKey,
)
from gtprov.ownership import is_managed
from gtprov.plan.model import Action, Change, Ref, policy_diff
from gtprov.policy.document import Document, equivalent
from gtprov.policy.kms import (
    delegates_to_iam,
    gtprov_sid,
    key_policy_statement,
    new_key_policy,
    statements_of,
)

NEW_KEY_ID = "kms-key"
"""``Change.id`` of the key gtprov creates; its outputs are ``arn``, ``key_id``."""
NEW_KEY_ID_PLACEHOLDER = str(Ref(NEW_KEY_ID, "key_id"))
KIND_KEY = "kms-key"
KIND_ALIAS = "kms-alias"
KIND_ROTATION = "kms-key-rotation"
KIND_KEY_POLICY = "kms-key-policy"


@dataclass(frozen=True)
class ResolvedKey:
    """A key the role uses, with its policy when gtprov may read it."""

    key: KmsKey
    uses: tuple[KeyUse, ...]
    label: str
    policy: Document | None = None

    @property
    def purposes(self) -> set[str]:
        return {use.purpose for use in self.uses}


@dataclass
class KeyPlan:
    """What the role planner needs from KMS, and the KMS changes in order.

    ``setup`` creates or repairs the key gtprov owns (before the role's
    policies, which name it); ``grants`` add statements (after);
    ``removals`` take statements out of keys no longer wanted, before the
    role's ``stale_records`` tags are removed.
    """

    data_arns: list[str] = field(default_factory=list)
    volume_arns: list[str] = field(default_factory=list)
    substitutions: dict[str, Ref] = field(default_factory=dict)
    grants: list[KeyGrant] = field(default_factory=list)
    kept_records: dict[str, str] = field(default_factory=dict)
    stale_records: list[str] = field(default_factory=list)
    setup: list[Change] = field(default_factory=list)
    grant_changes: list[Change] = field(default_factory=list)
    removals: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    key_arns: list[str] = field(default_factory=list)


def plan_keys(
    kms: KmsClient,
    role: ExecutionRole,
    account: Account,
    recorded: Mapping[str, str],
) -> KeyPlan:
    """Resolve, create and grant the role's keys; sweep recorded grants.

    ``recorded`` are the role's grant-record tags (key → key ARN), empty for
    a new role. ``role`` must carry its final path (its ARN is granted).
    """
    plan = KeyPlan()
    resolved = [_with_policy(kms, r, account) for r in resolve_keys(kms, role, account)]
    for item in resolved:
        _use_key(plan, role, account, item)
    if role.new_key is not None:
        _plan_new_key(kms, plan, role, account, recorded)
    _sweep(kms, plan, role, account, recorded)
    return plan


# Resolution ---------------------------------------------------------------------


def resolve_keys(
    kms: KmsClient, role: ExecutionRole, account: Account
) -> list[ResolvedKey]:
    """One ``DescribeKey`` per distinct name; uses of one key merged."""
    by_arn: dict[str, ResolvedKey] = {}
    for use in role.keys:
        key = resolve_key(kms, use, account)
        seen = by_arn.get(key.arn)
        uses = (*seen.uses, use) if seen else (use,)
        by_arn[key.arn] = ResolvedKey(key, uses, seen.label if seen else _label(use))
    return list(by_arn.values())


def resolve_key(kms: KmsClient, use: KeyUse, account: Account) -> KmsKey:
    """The key ``use`` names, or the reason Ground Truth cannot use it."""
    ref = use.ref
    if ref.region is not None and ref.region != account.region:
        raise _other_region(use, ref.region, account.region)
    key = kms.describe_key(ref.value)
    if key is None:
        raise NotFoundError(
            f"{use.field} {ref.value}: no such KMS key in {account.region} "
            f"(account {account.account_id})",
            hint="Check the key ID or alias: aws kms describe-key --key-id "
            f"{ref.value} --region {account.region}",
        )
    check_usable(key, f"{use.field} {ref.value}", account)
    return key


def check_usable(key: KmsKey, what: str, account: Account) -> None:
    """Refuse a key Ground Truth cannot encrypt with, saying why."""
    if key.region != account.region:
        raise ConflictError(
            f"{what}: the key is in {key.region}, not {account.region}",
            hint=f"Ground Truth needs a key in the job's Region; run with "
            f"--region {key.region} or give a key in {account.region}.",
        )
    if not key.customer_managed:
        raise ConflictError(
            f"{what}: {key.arn} is an AWS managed key",
            hint="Give a customer managed key, or create one with "
            "--create-kms-key ALIAS.",
        )
    _check_state(key, what)
    _check_spec(key, what)


_WAIT_HINT = "Wait until the key is Enabled, or give another key."


def _check_state(key: KmsKey, what: str) -> None:
    hints = {
        "Disabled": f"Enable it (aws kms enable-key --key-id {key.key_id}) "
        "or give another key.",
        "PendingDeletion": "Cancel the deletion (aws kms cancel-key-deletion "
        f"--key-id {key.key_id}), enable the key, or give another key.",
    }
    if key.state != "Enabled":
        raise ConflictError(
            f"{what}: key {key.arn} is {key.state}, not Enabled",
            hint=hints.get(key.state, _WAIT_HINT),
        )


def _check_spec(key: KmsKey, what: str) -> None:
    # S3 SSE-KMS and SageMaker volumes take symmetric encryption keys only.
    if key.spec != "SYMMETRIC_DEFAULT" or key.usage != "ENCRYPT_DECRYPT":
        raise ConflictError(
            f"{what}: key {key.arn} is {key.spec}/{key.usage}, not a symmetric "
            "encryption key (SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT)",
            hint="Give a symmetric encryption key.",
        )


def _other_region(use: KeyUse, key_region: str, region: str) -> ConflictError:
    return ConflictError(
        f"{use.field} {use.ref.value}: the key is in {key_region}, not {region}",
        hint=f"Ground Truth needs a key in the job's Region; run with --region "
        f"{key_region} or give a key in {region}.",
    )


def _label(use: KeyUse) -> str:
    return use.ref.value


def _with_policy(kms: KmsClient, item: ResolvedKey, account: Account) -> ResolvedKey:
    """Read the key policy of a key in the caller's account.

    GetKeyPolicy does not work across accounts (KMS API reference: "Cross-
    account use: No"), so another account's key keeps ``policy=None``.
    """
    if item.key.account != account.account_id:
        return item
    policy = kms.get_key_policy(item.key.arn)
    return ResolvedKey(item.key, item.uses, item.label, policy)


# Grants on named keys --------------------------------------------------------------


def _use_key(
    plan: KeyPlan, role: ExecutionRole, account: Account, item: ResolvedKey
) -> None:
    arn = item.key.arn
    _add_arn(plan, item)
    if item.policy is None:
        _foreign_key(plan, role, item)
        return
    sid = gtprov_sid(role.name)
    if role.grant_key_policy:
        grant = KeyGrant(arn, item.key.key_id, role.arn, sid)
        plan.grants.append(grant)
        plan.grant_changes.append(grant_change(grant, item.policy, item.label))
        return
    _unwanted_statement(plan, item.key, item.policy, sid, item.label)
    if not delegates_to_iam(item.policy, account.account_id):
        plan.warnings.append(_suggest_grant(item.label))


def _add_arn(plan: KeyPlan, item: ResolvedKey) -> None:
    plan.key_arns.append(item.key.arn)
    if "data" in item.purposes:
        plan.data_arns.append(item.key.arn)
    if "volume" in item.purposes:
        plan.volume_arns.append(item.key.arn)


def _foreign_key(plan: KeyPlan, role: ExecutionRole, item: ResolvedKey) -> None:
    if role.grant_key_policy:
        raise ConflictError(
            f"{item.label}: the key belongs to account {item.key.account}; "
            "gtprov can edit key policies only in the caller's account",
            hint=f"Ask the key's owner to allow {role.arn} in its key policy, "
            "and run without --grant-key-policy.",
        )
    plan.warnings.append(
        f"{item.label} belongs to account {item.key.account}: its key policy "
        f"must allow {role.arn}; gtprov cannot read or change it"
    )


def _suggest_grant(label: str) -> str:
    return (
        f"the key policy of {label} does not delegate to IAM, so the role's "
        "own KMS statements do not take effect; run again with "
        "--grant-key-policy to add gtprov's statement to the key policy"
    )


def grant_change(grant: KeyGrant, policy: Document | None, label: str) -> Change:
    """Put gtprov's statement for the role, or no-op when it is there."""
    desired = key_policy_statement(grant.role_arn, grant.sid)
    current = _statement(policy or {}, grant.sid)
    name = f"{label} ({grant.sid})"
    if current is not None and _same_statement(current, desired):
        return Change(Action.NOOP, KIND_KEY_POLICY, name)
    return Change(
        Action.UPDATE if current else Action.CREATE,
        KIND_KEY_POLICY,
        name,
        handler="kms.put_key_policy_statement",
        params={"key_arn": grant.key_arn, "statement": desired},
        reason="statement differs" if current else "let the role use the key",
        diff=policy_diff(current, desired, f"{label} statement {grant.sid}"),
    )


def _unwanted_statement(
    plan: KeyPlan, key: KmsKey, policy: Document | None, sid: str, label: str
) -> None:
    """The role's gtprov statement on a key used without --grant-key-policy."""
    current = None if policy is None else _statement(policy, sid)
    if current is not None:
        plan.removals.append(_removal(key.arn, sid, label, current))


def _removal(key_arn: str, sid: str, label: str, current: Document) -> Change:
    return Change(
        Action.DELETE,
        KIND_KEY_POLICY,
        f"{label} ({sid})",
        handler="kms.remove_key_policy_statement",
        params={"key_arn": key_arn, "sid": sid},
        reason="the grant is no longer wanted",
        diff=policy_diff(current, None, f"{label} statement {sid}"),
    )


def _statement(policy: Document, sid: str) -> Document | None:
    found = [s for s in statements_of(policy) if s.get("Sid") == sid]
    return found[0] if found else None


def _same_statement(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return equivalent({"Statement": [a]}, {"Statement": [b]})


# The key gtprov creates ------------------------------------------------------------


def _plan_new_key(
    kms: KmsClient,
    plan: KeyPlan,
    role: ExecutionRole,
    account: Account,
    recorded: Mapping[str, str],
) -> None:
    """Create the key, or reuse the one gtprov made for this alias.

    Without the alias, a key recorded on the role and tagged with this
    alias is one a failed run created but did not alias yet: reuse it.
    """
    new = role.new_key
    assert new is not None  # the caller checked
    key = kms.describe_key(new.alias)
    if key is not None:
        _check_owned(kms.list_resource_tags(key.arn), key, new.alias)
        _reuse_key(kms, plan, role, account, key)
        return
    key = _recorded_key(kms, plan, new.alias, recorded)
    if key is None:
        _create_key(plan, role, account, new)
        return
    plan.setup.append(_alias_change(new.alias, key.arn))
    _reuse_key(kms, plan, role, account, key)


def _recorded_key(
    kms: KmsClient, plan: KeyPlan, alias: str, recorded: Mapping[str, str]
) -> KmsKey | None:
    """One ListResourceTags per recorded key not named otherwise."""
    for key_arn in recorded.values():
        if key_arn in plan.key_arns:
            continue
        tags = kms.list_resource_tags(key_arn)
        if tags is None or not is_managed(tags) or tags.get(KEY_ALIAS_TAG) != alias:
            continue
        key = kms.describe_key(key_arn)
        if key is not None and key.state == "Enabled":
            return key
    return None


def _create_key(
    plan: KeyPlan, role: ExecutionRole, account: Account, new: NewKmsKey
) -> None:
    """CreateKey (recorded on the role at once), CreateAlias, rotation.

    The key's ARN is known only once it exists: the role's policy names it
    through ``substitutions`` (placeholder → ``Ref``).
    """
    arn = (
        f"arn:{account.partition}:kms:{account.region}:{account.account_id}"
        f":key/{NEW_KEY_ID_PLACEHOLDER}"
    )
    plan.substitutions[NEW_KEY_ID_PLACEHOLDER] = Ref(NEW_KEY_ID, "key_id")
    plan.data_arns.append(arn)
    plan.key_arns.append(new.alias)
    policy = new_key_policy(account.account_id, account.partition, [role.arn])
    key_arn = Ref(NEW_KEY_ID, "arn")
    plan.setup.extend(
        [
            _create_key_change(role, new, policy),
            _alias_change(new.alias, key_arn),
            _rotation_change(Action.CREATE, new.alias, key_arn, "yearly rotation"),
        ]
    )


def _create_key_change(role: ExecutionRole, new: NewKmsKey, policy: Document) -> Change:
    return Change(
        Action.CREATE,
        KIND_KEY,
        new.alias,
        handler="kms.create_key",
        id=NEW_KEY_ID,
        params={
            "description": new.description,
            "tags": new.tags,
            "policy": policy,
            "role_name": role.name,
        },
        reason="symmetric encryption key; root administers, the role uses",
        diff=policy_diff(None, policy, f"{new.alias} key policy"),
    )


def _alias_change(alias: str, key_arn: str | Ref) -> Change:
    return Change(
        Action.CREATE,
        KIND_ALIAS,
        alias,
        handler="kms.create_alias",
        params={"alias": alias, "key_arn": key_arn},
    )


def _rotation_change(
    action: Action, alias: str, key_arn: str | Ref, reason: str
) -> Change:
    return Change(
        action,
        KIND_ROTATION,
        alias,
        handler="kms.enable_key_rotation",
        params={"key_arn": key_arn},
        reason=reason,
    )


def _reuse_key(
    kms: KmsClient,
    plan: KeyPlan,
    role: ExecutionRole,
    account: Account,
    key: KmsKey,
) -> None:
    """gtprov's key: use it, repair its statement for the role and rotation."""
    new = role.new_key
    assert new is not None
    check_usable(key, f"--create-kms-key {new.alias}", account)
    plan.data_arns.append(key.arn)
    plan.key_arns.append(key.arn)
    grant = KeyGrant(key.arn, key.key_id, role.arn, gtprov_sid(role.name))
    plan.grants.append(grant)
    policy = kms.get_key_policy(key.arn)
    plan.setup.append(grant_change(grant, policy, new.alias))
    plan.setup.append(_rotation(kms, key, new.alias))


def _check_owned(tags: Mapping[str, str] | None, key: KmsKey, alias: str) -> None:
    if not key.customer_managed or not is_managed(tags or {}):
        raise ConflictError(
            f"--create-kms-key {alias}: the alias already names key {key.arn}, "
            "which gtprov did not create",
            hint=f"To use that key, pass --kms-key {alias} instead; to create a "
            "new key, choose another alias.",
        )


def _rotation(kms: KmsClient, key: KmsKey, alias: str) -> Change:
    if kms.get_key_rotation_status(key.arn):
        return Change(Action.NOOP, KIND_ROTATION, alias)
    return _rotation_change(Action.UPDATE, alias, key.arn, "rotation was off")


# Sweeping recorded grants ------------------------------------------------------


def _sweep(
    kms: KmsClient,
    plan: KeyPlan,
    role: ExecutionRole,
    account: Account,
    recorded: Mapping[str, str],
) -> None:
    """Remove gtprov's statement from recorded keys no longer granted.

    A record of a key in another Region is kept (this run's KMS client cannot
    reach it) and reported; run in that Region to clean it up.
    """
    granted = {g.tag_key for g in plan.grants}
    for tag_key, key_arn in sorted(recorded.items()):
        if tag_key in granted:
            continue
        if f":kms:{account.region}:" not in key_arn:
            plan.kept_records[tag_key] = key_arn
            plan.warnings.append(_other_region_record(key_arn, account.region))
            continue
        _sweep_one(kms, plan, role, tag_key, key_arn)


def _sweep_one(
    kms: KmsClient, plan: KeyPlan, role: ExecutionRole, tag_key: str, key_arn: str
) -> None:
    """One ``GetKeyPolicy``; a key already deleted needs no statement removed.

    A key still named without ``--grant-key-policy`` was handled with the
    named keys; only its record goes.
    """
    if key_arn not in plan.key_arns:
        policy = kms.get_key_policy(key_arn)
        current = None if policy is None else _statement(policy, gtprov_sid(role.name))
        if current is not None:
            plan.removals.append(
                _removal(key_arn, gtprov_sid(role.name), key_arn, current)
            )
    plan.stale_records.append(tag_key)


def _other_region_record(key_arn: str, region: str) -> str:
    return (
        f"gtprov granted this role use of {key_arn} from another Region; it is "
        f"kept (this run is in {region}); run there to remove it"
    )
