"""The desired Ground Truth execution role, and the KMS keys it uses.

Pure: no AWS calls. ``build_execution_role`` turns plain values (as the CLI
or a future gtprov.toml loader holds them) into an ``ExecutionRole``,
raising ``InputError`` that names the field each bad value came from.
``RoleFields`` says what those fields are called: option names for the CLI,
key paths (``roles[0].path``) for a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from gtprov import validate
from gtprov.errors import InputError
from gtprov.ownership import ownership_tags
from gtprov.policy.execution import ExecutionPermissions
from gtprov.validate import KeyRef

ROLE_COMPONENT = "execution-role"
KEY_COMPONENT = "kms-key"
DEFAULT_DESCRIPTION = "Amazon SageMaker Ground Truth execution role (gtprov)"
KMS_GRANT_TAG = "gtprov:kms-grant:"
"""Role tag key prefix recording a key-policy grant: ``gtprov:kms-grant:<key
id>`` = key ARN. The role's tags are the ownership record: they say which
key policies hold gtprov's statement for this role, so a later run can
remove it when the key is no longer wanted."""
KEY_ALIAS_TAG = "gtprov:alias"
"""On a key gtprov created: the alias it was created for (finds an orphan
left by a lost CreateKey response)."""
MAX_ROLE_TAGS = 50
REMOVE_BOUNDARY = ""
"""``ExecutionRole.permissions_boundary`` value asking to remove the boundary
(``--permissions-boundary none``)."""
UNKNOWN_ACCOUNT = "000000000000"
"""Stands for the caller's account in the offline validation pass."""

KeyPurpose = Literal["data", "volume"]
_T = TypeVar("_T")


@dataclass(frozen=True)
class RoleFields:
    """The name each input had where the user wrote it, for error messages."""

    name: str = "NAME"
    path: str = "--path"
    description: str = "--description"
    permissions_boundary: str = "--permissions-boundary"
    max_session_duration: str = "--max-session-duration"
    tags: str = "--tag"
    buckets: str = "--bucket"
    input_uris: str = "--input-uri"
    output_uris: str = "--output-uri"
    lambdas: str = "--lambda"
    kms_keys: str = "--kms-key"
    volume_kms_keys: str = "--volume-kms-key"
    input_topics: str = "--input-topic"
    output_topics: str = "--output-topic"
    create_kms_key: str = "--create-kms-key"


CLI_FIELDS = RoleFields()


@dataclass(frozen=True)
class KeyUse:
    """A KMS key the role must use, as the user named it (resolved later)."""

    ref: KeyRef
    purpose: KeyPurpose
    field: str


@dataclass(frozen=True)
class KeyGrant:
    """gtprov's statement in one key's policy letting one role use the key."""

    key_arn: str
    key_id: str
    role_arn: str
    sid: str

    @property
    def tag_key(self) -> str:
        return KMS_GRANT_TAG + self.key_id


@dataclass(frozen=True)
class NewKmsKey:
    """A symmetric customer managed key gtprov creates, under ``alias``."""

    alias: str
    description: str

    @property
    def tags(self) -> dict[str, str]:
        return {**ownership_tags(KEY_COMPONENT), KEY_ALIAS_TAG: self.alias}


@dataclass(frozen=True)
class TrustOptions:
    """Opt-in confused-deputy hardening of the trust policy."""

    source_account: bool = False


@dataclass(frozen=True)
class ExecutionRole:
    """One execution role as the user wants it.

    ``path`` is ``None`` when the user gave none: ``/`` for a new role, and
    whatever an existing role has (IAM cannot move a role to another path).
    ``permissions_boundary`` is an ARN to set, ``REMOVE_BOUNDARY`` to remove
    one, or ``None`` to leave the role's as it is: a boundary is often an
    organisation's rule, so gtprov never drops one unless told to.
    ``permissions`` holds no KMS keys: they are named by ``keys`` and enter
    the policy as ARNs once ``DescribeKey`` has resolved them.
    """

    name: str
    path: str | None
    description: str
    permissions_boundary: str | None
    max_session_duration: int
    tags: Mapping[str, str]
    trust: TrustOptions
    permissions: ExecutionPermissions
    keys: tuple[KeyUse, ...] = ()
    grant_key_policy: bool = False
    new_key: NewKmsKey | None = None
    adopt: bool = False

    @property
    def create_path(self) -> str:
        return self.path or "/"

    @property
    def arn(self) -> str:
        return self.permissions.role_arn

    def as_existing(self, name: str, path: str) -> ExecutionRole:
        """The role as IAM has it: its path, and its name's case (IAM names
        are unique case-blind, but ARNs in policies match with case)."""
        perms = replace(self.permissions, role_name=name, role_path=path)
        return replace(self, name=name, path=path, permissions=perms)

    def with_keys(self, data: Sequence[str], volume: Sequence[str]) -> ExecutionRole:
        """The role with resolved key ARNs in its permissions."""
        perms = replace(
            self.permissions,
            kms_key_arns=tuple(data),
            volume_kms_key_arns=tuple(volume),
        )
        return replace(self, permissions=perms)

    def desired_tags(self, grants: Iterable[KeyGrant] = ()) -> dict[str, str]:
        """User tags, gtprov's ownership tags, and one record per key grant."""
        tags = {**self.tags, **ownership_tags(ROLE_COMPONENT)}
        tags.update({g.tag_key: g.key_arn for g in grants})
        return tags


@dataclass(frozen=True)
class Account:
    """Where the role lives: the caller's account, Region and partition."""

    account_id: str
    region: str
    partition: str


@dataclass(frozen=True)
class RoleValues:
    """Plain values, as a CLI or a file gives them; strings unvalidated."""

    name: str
    path: str | None = None
    description: str | None = None
    permissions_boundary: str | None = None
    max_session_duration: int | str = validate.MIN_SESSION
    tags: Sequence[str] | Mapping[str, str] = ()
    source_account: bool = False
    buckets: Sequence[str] = ()
    input_uris: Sequence[str] = ()
    output_uris: Sequence[str] = ()
    lambdas: Sequence[str] = ()
    kms_keys: Sequence[str] = ()
    volume_kms_keys: Sequence[str] = ()
    automated_labeling: bool = False
    input_topics: Sequence[str] = ()
    output_topics: Sequence[str] = ()
    tagged_object_read: bool = False
    grant_key_policy: bool = False
    create_kms_key: str | None = None
    adopt: bool = False
    fields: RoleFields = field(default_factory=RoleFields)


def build_execution_role(values: RoleValues, account: Account) -> ExecutionRole:
    """Validate ``values`` into an ``ExecutionRole``; ``InputError`` if bad.

    With ``account.account_id == UNKNOWN_ACCOUNT`` this is the offline pass
    made before any AWS call: every rule is checked except those that need
    the caller's account (a Lambda function in another account). Run it
    again with the real account after ``GetCallerIdentity``.
    """
    f = values.fields
    name = validate.role_name(values.name, f.name)
    path = _optional(values.path, f.path, validate.role_path)
    return ExecutionRole(
        name=name,
        path=path,
        description=_description(values.description, f.description),
        permissions_boundary=_boundary(values, account.partition),
        max_session_duration=validate.max_session_duration(
            values.max_session_duration, f.max_session_duration
        ),
        tags=_tags(values.tags, f.tags),
        trust=TrustOptions(source_account=values.source_account),
        permissions=_permissions(values, account, name, path or "/"),
        keys=_keys(values, account),
        grant_key_policy=values.grant_key_policy,
        new_key=_new_key(values.create_kms_key, f.create_kms_key, name),
        adopt=values.adopt,
    )


def _optional(
    value: str | None, field_name: str, check: Callable[[str, str], str]
) -> str | None:
    return None if value is None else check(value, field_name)


def _description(value: str | None, field_name: str) -> str:
    if value is None:
        return DEFAULT_DESCRIPTION
    return validate.description(value, field_name)


def _boundary(values: RoleValues, partition: str) -> str | None:
    """An ARN to set, ``REMOVE_BOUNDARY`` to remove, ``None`` to keep."""
    if values.permissions_boundary is None:
        return None
    if values.permissions_boundary.strip().lower() == "none":
        return REMOVE_BOUNDARY
    return validate.iam_policy_arn(
        values.permissions_boundary,
        values.fields.permissions_boundary,
        partition=partition,
    )


def _tags(given: Sequence[str] | Mapping[str, str], field_name: str) -> dict[str, str]:
    """User tags; keys under ``gtprov:`` are gtprov's own and refused."""
    texts = (
        [f"{k}={v}" for k, v in given.items()]
        if isinstance(given, Mapping)
        else list(given)
    )
    tags = dict(validate.tag(text, field_name) for text in texts)
    for key in tags:
        if key.lower().startswith("gtprov:"):
            raise InputError(field_name, "tag keys starting gtprov: are gtprov's own")
    if len(tags) > MAX_ROLE_TAGS - len(ownership_tags(ROLE_COMPONENT)):
        raise InputError(field_name, "IAM allows 50 tags per role, 2 are gtprov's")
    return tags


def _permissions(
    values: RoleValues, account: Account, name: str, path: str
) -> ExecutionPermissions:
    f = values.fields
    if not (values.buckets or values.input_uris or values.output_uris):
        # Ground Truth always reads its input manifest and writes its output.
        rule = f"give at least one {f.buckets}, {f.input_uris} or {f.output_uris}"
        raise InputError(f.buckets, rule)
    return ExecutionPermissions(
        role_name=name,
        account_id=account.account_id,
        region=account.region,
        partition=account.partition,
        role_path=path,
        buckets=_each(values.buckets, f.buckets, validate.bucket_name),
        input_locations=_each(values.input_uris, f.input_uris, validate.s3_uri),
        output_locations=_each(values.output_uris, f.output_uris, validate.s3_uri),
        lambda_arns=_lambdas(values.lambdas, f.lambdas, account),
        automated_labeling=values.automated_labeling,
        input_topic_arns=_topics(values.input_topics, f.input_topics, account),
        output_topic_arns=_topics(values.output_topics, f.output_topics, account),
        tagged_object_read=values.tagged_object_read,
    )


def _each(
    values: Sequence[str], field_name: str, check: Callable[[str, str], _T]
) -> tuple[_T, ...]:
    """Each value checked, duplicates dropped, order kept."""
    return tuple(dict.fromkeys(check(v, field_name) for v in values))


def _lambdas(
    values: Sequence[str], field_name: str, account: Account
) -> tuple[str, ...]:
    return _each(values, field_name, lambda v, f: _lambda(v, f, account))


def _lambda(value: str, field_name: str, account: Account) -> str:
    """The function ARN; offline, a function of another account is let by."""
    owner = account.account_id
    if owner == UNKNOWN_ACCOUNT:
        owner = _stated_account(value) or owner
    return validate.lambda_ref(
        value,
        field_name,
        region=account.region,
        account_id=owner,
        partition=account.partition,
    )


def _stated_account(value: str) -> str | None:
    parts = value.strip().split(":")
    if value.startswith("arn:") and len(parts) > 4:
        return parts[4]
    return parts[0] if len(parts) > 2 and parts[1] == "function" else None


def _topics(
    values: Sequence[str], field_name: str, account: Account
) -> tuple[str, ...]:
    """SNS topics in the role's Region: Ground Truth requires the same Region."""

    def check(value: str, name: str) -> str:
        return validate.sns_topic_arn(
            value, name, region=account.region, partition=account.partition
        )

    return _each(values, field_name, check)


def _keys(values: RoleValues, account: Account) -> tuple[KeyUse, ...]:
    f = values.fields
    data = _key_uses(values.kms_keys, "data", f.kms_keys, account)
    volume = _key_uses(values.volume_kms_keys, "volume", f.volume_kms_keys, account)
    return tuple(dict.fromkeys([*data, *volume]))


def _key_uses(
    values: Sequence[str], purpose: KeyPurpose, field_name: str, account: Account
) -> list[KeyUse]:
    return [
        KeyUse(_key_ref(v, field_name, account), purpose, field_name) for v in values
    ]


def _key_ref(value: str, field_name: str, account: Account) -> validate.KeyRef:
    """A key reference; an ARN must name the role's Region and partition.

    SageMaker uses the key in the labeling job's Region, so a key ARN of
    another Region or partition is bad input, refused before any AWS call.
    """
    ref = validate.kms_key_ref(value, field_name)
    if ref.region and ref.region != account.region:
        rule = f"must be a key in the role's Region {account.region}"
        raise InputError(field_name, rule, value=value)
    if ref.partition and ref.partition != account.partition:
        rule = f"must be a key in the {account.partition} partition"
        raise InputError(field_name, rule, value=value)
    return ref


def _new_key(alias: str | None, field_name: str, role: str) -> NewKmsKey | None:
    if alias is None:
        return None
    name = alias if alias.startswith("alias/") else f"alias/{alias}"
    ref = validate.kms_key_ref(name, field_name)
    if ref.kind != "alias-name":
        raise InputError(field_name, "must be an alias name like alias/labeling")
    return NewKmsKey(ref.value, f"Ground Truth data key for role {role} (gtprov)")
