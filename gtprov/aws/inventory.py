"""Find what gtprov manages in this account and Region, by its ownership marks.

Reads only. ``discover`` reuses the readers of ``iam``, ``kms``, ``cognito``,
``sagemaker`` and ``sns`` and adds here the few they lack. What each kind
costs, and why it is found that way:

- Roles: ``ListRoles`` (1,000 a page) does not return tags ("This
  operation does not return the following attributes ... Tags"), and the
  Resource Groups Tagging API does not cover IAM roles. gtprov's execution
  roles always trust ``sagemaker.amazonaws.com``, which ``ListRoles`` does
  return, so only roles whose trust policy names SageMaker, or whose
  description mentions gtprov, get a ``GetRole`` (tags and boundary in one
  call). Cost: one call per 1,000 roles plus one per SageMaker role. A
  gtprov role whose trust policy and description were both edited away is
  not found this way; naming it (``destroy --role NAME``) still works.
- Keys: gtprov's keys are found from the roles' grant records
  (``gtprov:kms-grant:<key id>`` tags) and from ``ListAliases`` (cheap, one
  call per 100 aliases, and it carries key ids), then one
  ``ListResourceTags`` per customer alias's key. A key gtprov created
  whose alias was deleted by hand and that no role records is not found.
- User pools: ``ListUserPools`` (60 a page) for pools named ``gtprov-*``,
  plus the workforce's pool; one ``DescribeUserPool`` each, which carries
  the tags (``UserPoolTags``), domain and deletion protection.
- Workforce and teams: one ``ListWorkforces``, one ``ListWorkteams`` per 100
  teams, one SageMaker ``ListTags`` per team.
- Topics: the notification topics of gtprov's teams only
  (``GetTopicAttributes`` + ``ListTagsForResource``); a topic gtprov made
  that no team names is not found (``ListTopics`` would cost a tag read for
  every topic in the Region).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from gtprov.aws.cognito import INVITED_BY_ATTRIBUTE, INVITED_BY_VALUE, CognitoIdp
from gtprov.aws.errors import (
    NOT_FOUND,
    aws_call,
    error_code,
    error_message,
    pages,
    translate,
)
from gtprov.aws.iam import AttachedPolicy, IamClient, Role
from gtprov.aws.kms import KmsClient, KmsKey
from gtprov.aws.sagemaker import SageMaker, WorkforceInfo, WorkteamInfo
from gtprov.aws.sns import Sns, Topic
from gtprov.errors import AccessDeniedError, AwsCallError
from gtprov.models.role import KEY_ALIAS_TAG, KMS_GRANT_TAG
from gtprov.ownership import (
    INLINE_POLICY_PREFIX,
    is_managed,
    tags_from_list,
)
from gtprov.policy.document import Document, parse

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

SAGEMAKER_SERVICE = "sagemaker.amazonaws.com"
GTPROV_NAME_PREFIX = "gtprov-"
"""gtprov names its user pools and app clients ``gtprov-<workforce>``."""
MANAGED_POLICY_PATH = ":policy/gtprov/"
AWS_ALIAS_PREFIX = "alias/aws/"
UNREADABLE = "the endpoint's answer could not be read; it may not implement the call"
ROLE_PAGE = 1000
COGNITO_PAGE = 60
UNTAGGABLE = "Invalid resource type"
"""SageMaker's answer to ListTags on a workforce (terraform-provider-aws#20065)."""


# What is found --------------------------------------------------------------------


@dataclass(frozen=True)
class ManagedRole:
    """A role carrying gtprov's tag, with the names of its policies."""

    role: Role
    inline: tuple[str, ...]
    attached: tuple[AttachedPolicy, ...]

    @property
    def name(self) -> str:
        return self.role.name

    @property
    def gtprov_inline(self) -> tuple[str, ...]:
        return tuple(p for p in self.inline if p.startswith(INLINE_POLICY_PREFIX))

    @property
    def foreign_inline(self) -> tuple[str, ...]:
        return tuple(p for p in self.inline if p not in self.gtprov_inline)

    @property
    def gtprov_attached(self) -> tuple[AttachedPolicy, ...]:
        return tuple(a for a in self.attached if MANAGED_POLICY_PATH in a.arn)

    @property
    def foreign_attached(self) -> tuple[AttachedPolicy, ...]:
        return tuple(a for a in self.attached if MANAGED_POLICY_PATH not in a.arn)

    @property
    def grants(self) -> dict[str, str]:
        """Grant records: tag key (``gtprov:kms-grant:<id>``) to key ARN."""
        tags = self.role.tags
        return {k: v for k, v in tags.items() if k.startswith(KMS_GRANT_TAG)}


@dataclass(frozen=True)
class KeyInfo:
    """A key gtprov created or granted, its tags, aliases and policy."""

    key: KmsKey
    tags: Mapping[str, str]
    aliases: tuple[str, ...]
    policy: Document | None

    @property
    def managed(self) -> bool:
        return is_managed(self.tags)

    @property
    def label(self) -> str:
        return self.tags.get(KEY_ALIAS_TAG) or next(iter(self.aliases), self.key.arn)


@dataclass(frozen=True)
class PoolInfo:
    """What ``DescribeUserPool`` says that status and destroy need."""

    id: str
    name: str
    arn: str
    tags: Mapping[str, str]
    domain: str | None
    custom_domain: str | None
    deletion_protection: bool
    estimated_users: int
    admin_create_only: bool

    @property
    def managed(self) -> bool:
        return is_managed(self.tags)


@dataclass(frozen=True)
class TeamInfo:
    team: WorkteamInfo
    tags: Mapping[str, str]

    @property
    def managed(self) -> bool:
        return is_managed(self.tags)

    @property
    def name(self) -> str:
        return self.team.name


@dataclass(frozen=True)
class WorkforceFound:
    """The Region's workforce and why gtprov counts it as its own, or not."""

    workforce: WorkforceInfo
    managed: bool
    evidence: str


@dataclass(frozen=True)
class PoolContents:
    """Who else uses a pool: its clients, groups and users, by name."""

    clients: tuple[str, ...]
    groups: Mapping[str, str]
    users: Mapping[str, bool]
    """User name to whether gtprov invited it (``custom:invited_by``)."""


@dataclass(frozen=True)
class Inventory:
    roles: tuple[ManagedRole, ...] = ()
    keys: Mapping[str, KeyInfo] = field(default_factory=dict)
    workforce: WorkforceFound | None = None
    pools: tuple[PoolInfo, ...] = ()
    teams: tuple[TeamInfo, ...] = ()
    topics: tuple[Topic, ...] = ()

    @property
    def managed_teams(self) -> tuple[TeamInfo, ...]:
        return tuple(t for t in self.teams if t.managed)


# Readers the service clients lack -------------------------------------------------


@dataclass(frozen=True)
class RoleSummary:
    """A role as ``ListRoles`` lists it: no tags, but the trust policy."""

    name: str
    trust_policy: Document
    description: str

    @property
    def looks_like_gtprov(self) -> bool:
        """Trusts SageMaker or says gtprov: worth a ``GetRole`` for its tags."""
        return SAGEMAKER_SERVICE in str(self.trust_policy) or (
            "gtprov" in self.description.lower()
        )


class Readers:
    """The discovery reads; one instance per run, every call logged."""

    def __init__(self, session: AwsSession) -> None:
        self.session = session
        self.iam = IamClient(session)
        self.kms = KmsClient(session)
        self.cognito = CognitoIdp(session)
        self.sagemaker = SageMaker(session)
        self.sns = Sns(session)
        self._raw_iam = session.client("iam")
        self._raw_kms = session.client("kms")
        self._raw_idp = session.client("cognito-idp")
        self._raw_sm = session.client("sagemaker")

    # IAM

    def list_roles(self) -> list[RoleSummary]:
        pages = _pages(
            self._raw_iam, "list_roles", "ListRoles", None, PaginationConfig=_PAGE
        )
        return [_role_summary(r) for page in pages for r in page["Roles"]]

    # KMS

    def list_aliases(self, key_id: str | None = None) -> list[tuple[str, str]]:
        """(alias name, target key id) of customer aliases, or one key's."""
        params = {"KeyId": key_id} if key_id else {}
        pages = _pages(self._raw_kms, "list_aliases", "ListAliases", key_id, **params)
        items = (a for page in pages for a in page.get("Aliases", []))
        return [
            (a["AliasName"], a["TargetKeyId"])
            for a in items
            if a.get("TargetKeyId") and not a["AliasName"].startswith(AWS_ALIAS_PREFIX)
        ]

    # Cognito

    def pool_ids_named(self, prefix: str) -> list[str]:
        pages = _pages(
            self._raw_idp,
            "list_user_pools",
            "ListUserPools",
            None,
            MaxResults=COGNITO_PAGE,
        )
        pools = (p for page in pages for p in page.get("UserPools", []))
        return [p["Id"] for p in pools if str(p.get("Name", "")).startswith(prefix)]

    def describe_pool(self, pool_id: str) -> PoolInfo | None:
        raw = self.describe_pool_raw(pool_id)
        return None if raw is None else _pool_info(raw)

    def describe_pool_raw(self, pool_id: str) -> dict[str, Any] | None:
        try:
            response = self._raw_idp.describe_user_pool(UserPoolId=pool_id)
        except ClientError as exc:
            if error_code(exc) in NOT_FOUND:
                return None
            raise translate(exc, "DescribeUserPool", pool_id) from exc
        return dict(response["UserPool"])

    def pool_contents(self, pool_id: str) -> PoolContents:
        """Clients, groups and users: one call per 60 of each."""
        return PoolContents(
            clients=tuple(self._client_names(pool_id)),
            groups=self._groups(pool_id),
            users=self._users(pool_id),
        )

    def _client_names(self, pool_id: str) -> list[str]:
        pages = _pages(
            self._raw_idp,
            "list_user_pool_clients",
            "ListUserPoolClients",
            pool_id,
            UserPoolId=pool_id,
            MaxResults=COGNITO_PAGE,
        )
        return [c["ClientName"] for p in pages for c in p.get("UserPoolClients", [])]

    def _groups(self, pool_id: str) -> dict[str, str]:
        pages = _pages(
            self._raw_idp,
            "list_groups",
            "ListGroups",
            pool_id,
            UserPoolId=pool_id,
            Limit=COGNITO_PAGE,
        )
        groups = (g for page in pages for g in page.get("Groups", []))
        return {g["GroupName"]: str(g.get("Description", "")) for g in groups}

    def _users(self, pool_id: str) -> dict[str, bool]:
        pages = _pages(
            self._raw_idp,
            "list_users",
            "ListUsers",
            pool_id,
            UserPoolId=pool_id,
            Limit=COGNITO_PAGE,
        )
        users = (u for page in pages for u in page.get("Users", []))
        return {u["Username"]: _invited_by_gtprov(u) for u in users}

    # SageMaker

    def sagemaker_tags(self, arn: str) -> dict[str, str] | None:
        """The resource's tags; ``None`` where SageMaker cannot tag it.

        SageMaker answered ListTags on a workforce with "ValidationException:
        Invalid resource type: workforce" (2021, quoted in
        hashicorp/terraform-provider-aws#20065); that is not an error here.
        """
        try:
            pages = list(
                self._raw_sm.get_paginator("list_tags").paginate(ResourceArn=arn)
            )
        except ClientError as exc:
            if UNTAGGABLE in error_message(exc):
                return None
            raise translate(exc, "ListTags", arn) from exc
        return tags_from_list(t for page in pages for t in page.get("Tags", []))


_PAGE = {"PageSize": ROLE_PAGE}


_pages = pages


def _role_summary(data: Mapping[str, Any]) -> RoleSummary:
    trust = data.get("AssumeRolePolicyDocument") or {}
    return RoleSummary(
        name=data["RoleName"],
        trust_policy=parse(trust) if isinstance(trust, str) else dict(trust),
        description=str(data.get("Description", "")),
    )


def _pool_info(data: Mapping[str, Any]) -> PoolInfo:
    admin = data.get("AdminCreateUserConfig") or {}
    return PoolInfo(
        id=data["Id"],
        name=str(data.get("Name", "")),
        arn=str(data.get("Arn", "")),
        tags=dict(data.get("UserPoolTags") or {}),
        domain=data.get("Domain") or None,
        custom_domain=data.get("CustomDomain") or None,
        deletion_protection=data.get("DeletionProtection") == "ACTIVE",
        estimated_users=int(data.get("EstimatedNumberOfUsers", 0)),
        admin_create_only=bool(admin.get("AllowAdminCreateUserOnly", False)),
    )


def _invited_by_gtprov(user: Mapping[str, Any]) -> bool:
    attributes = {a["Name"]: a.get("Value") for a in user.get("Attributes", [])}
    return attributes.get(INVITED_BY_ATTRIBUTE) == INVITED_BY_VALUE


# Discovery ------------------------------------------------------------------------


@dataclass(frozen=True)
class Want:
    """What a command needs found. ``role_names`` None means every role."""

    roles: bool = True
    role_names: tuple[str, ...] | None = None
    scan_keys: bool = True
    workforce: bool = True


def discover(readers: Readers, region: str, want: Want) -> Inventory:
    """Read what ``want`` asks for; nothing gtprov does not mark is returned
    except the workforce, its pool and the Region's teams (marked or not),
    which status and destroy must see to decide what to keep."""
    roles = find_roles(readers, want.role_names) if want.roles else []
    keys = find_keys(readers, region, roles, scan=want.scan_keys)
    if not want.workforce:
        return Inventory(roles=tuple(roles), keys=keys)
    return with_workforce(readers, Inventory(roles=tuple(roles), keys=keys))


def find_roles(
    readers: Readers, names: Sequence[str] | None = None
) -> list[ManagedRole]:
    """gtprov's roles: the named ones, or every likely one (see module doc)."""
    if names is None:
        names = [r.name for r in readers.list_roles() if r.looks_like_gtprov]
    found = (readers.iam.get_role(name) for name in names)
    return [with_policies(readers.iam, r) for r in found if r and is_managed(r.tags)]


def get_roles(readers: Readers, names: Iterable[str]) -> dict[str, Role | None]:
    """``GetRole`` of each name, managed or not (destroy names roles)."""
    return {name: readers.iam.get_role(name) for name in names}


def with_policies(iam: IamClient, role: Role) -> ManagedRole:
    """The role with its policy names (two reads)."""
    inline = tuple(iam.list_role_policy_names(role.name))
    return ManagedRole(role, inline, tuple(iam.list_attached_role_policies(role.name)))


def find_keys(
    readers: Readers, region: str, roles: Sequence[ManagedRole], *, scan: bool
) -> dict[str, KeyInfo]:
    """Keys recorded on ``roles`` in this Region, plus (``scan``) every key
    gtprov created that still has an alias. Keys gone are left out."""
    aliases = readers.list_aliases() if scan else []
    tagged = _tagged_alias_keys(readers.kms, aliases) if scan else {}
    recorded = {
        _key_id(arn) for r in roles for arn in r.grants.values() if _in(arn, region)
    }
    ids = {*recorded, *(k for k, tags in tagged.items() if is_managed(tags))}
    keys = (_key_info(readers, key_id, tagged, aliases) for key_id in sorted(ids))
    return {info.key.arn: info for info in keys if info is not None}


def _in(key_arn: str, region: str) -> bool:
    return f":kms:{region}:" in key_arn


def _key_id(key_arn: str) -> str:
    return key_arn.rsplit("/", 1)[-1]


def _tagged_alias_keys(
    kms: KmsClient, aliases: Sequence[tuple[str, str]]
) -> dict[str, dict[str, str]]:
    """Tags of each key a customer alias names (one read per key)."""
    key_ids = sorted({key_id for _, key_id in aliases})
    return {key_id: _tags_or_empty(kms, key_id) for key_id in key_ids}


def _tags_or_empty(kms: KmsClient, key_id: str) -> dict[str, str]:
    """A key that is gone, or that the caller may not read, has no tags for us."""
    try:
        return kms.list_resource_tags(key_id) or {}
    except AccessDeniedError:
        return {}


def _key_info(
    readers: Readers,
    key_id: str,
    tagged: Mapping[str, Mapping[str, str]],
    aliases: Sequence[tuple[str, str]],
) -> KeyInfo | None:
    key = readers.kms.describe_key(key_id)
    if key is None:
        return None
    tags = tagged.get(key.key_id)
    if tags is None:
        tags = _tags_or_empty(readers.kms, key.arn)
    names = tuple(a for a, target in aliases if target == key.key_id)
    return KeyInfo(key, dict(tags), names, readers.kms.get_key_policy(key.arn))


def key_aliases(readers: Readers, info: KeyInfo) -> KeyInfo:
    """``info`` with its aliases read, when no alias scan supplied them."""
    if info.aliases:
        return info
    names = tuple(name for name, _ in readers.list_aliases(info.key.key_id))
    return KeyInfo(info.key, info.tags, names, info.policy)


# The workforce --------------------------------------------------------------------


def with_workforce(readers: Readers, inventory: Inventory) -> Inventory:
    """``inventory`` plus the workforce, its pools, the teams and topics."""
    workforce = next(iter(readers.sagemaker.list_workforces()), None)
    teams = tuple(_team(readers, t) for t in readers.sagemaker.list_workteams())
    pools = _pools(readers, workforce)
    found = _ownership(readers, workforce, pools) if workforce else None
    topics = _topics(readers.sns, teams)
    return Inventory(
        inventory.roles, inventory.keys, found, tuple(pools), teams, topics
    )


def _team(readers: Readers, team: WorkteamInfo) -> TeamInfo:
    return TeamInfo(team, readers.sagemaker_tags(team.arn) or {})


def _pools(readers: Readers, workforce: WorkforceInfo | None) -> list[PoolInfo]:
    """The workforce's pool and every pool named ``gtprov-*``, described once."""
    ids = readers.pool_ids_named(GTPROV_NAME_PREFIX)
    bound = workforce.user_pool if workforce else None
    ordered = list(dict.fromkeys([*([bound] if bound else []), *ids]))
    described = (readers.describe_pool(pool_id) for pool_id in ordered)
    return [p for p in described if p is not None]


def _ownership(
    readers: Readers, workforce: WorkforceInfo, pools: Sequence[PoolInfo]
) -> WorkforceFound:
    """Tags say so where SageMaker keeps them; else gtprov's pool does."""
    pool = next((p for p in pools if p.id == workforce.user_pool), None)
    if pool is not None and pool.managed:
        return WorkforceFound(workforce, True, f"bound to gtprov's user pool {pool.id}")
    tags = readers.sagemaker_tags(workforce.arn)
    if tags is not None and is_managed(tags):
        return WorkforceFound(workforce, True, "tagged gtprov:managed-by=gtprov")
    why = "its tags cannot be read" if tags is None else "it has no gtprov tag"
    return WorkforceFound(workforce, False, f"{why} and its user pool is not gtprov's")


def _topics(sns: Sns, teams: Sequence[TeamInfo]) -> tuple[Topic, ...]:
    arns = sorted({t.team.topic_arn for t in teams if t.managed and t.team.topic_arn})
    found = (sns.get_topic(arn, with_tags=True) for arn in arns)
    return tuple(t for t in found if t is not None and is_managed(t.tags))


# Doctor's reads -------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str


class DoctorReaders:
    """Reads only ``doctor`` makes: identity, simulation, buckets, quotas."""

    def __init__(self, session: AwsSession) -> None:
        self.session = session
        self.iam = IamClient(session)
        self.kms = KmsClient(session)
        self.sagemaker = SageMaker(session)
        # One retry only: a simulation that fails is reported, not waited for.
        self._sim = session.client("iam", max_attempts=2)

    def identity(self) -> Identity:
        """``GetCallerIdentity``; credentials problems become AwsCallError."""
        try:
            with aws_call("GetCallerIdentity"):
                data = self.session.client("sts").get_caller_identity()
        except BotoCoreError as exc:
            raise AwsCallError(
                "GetCallerIdentity", type(exc).__name__, str(exc)
            ) from exc
        return Identity(str(data["Account"]), str(data["Arn"]))

    def simulate(
        self, source_arn: str, actions: Sequence[str], resources: Sequence[str]
    ) -> dict[tuple[str, str], str]:
        """``SimulatePrincipalPolicy``: (action, resource) to its decision."""
        params: dict[str, Any] = {
            "PolicySourceArn": source_arn,
            "ActionNames": list(actions),
        }
        if list(resources) != ["*"]:
            params["ResourceArns"] = list(resources)
        pages = self._simulation_pages(source_arn, params)
        results = (r for page in pages for r in page.get("EvaluationResults", []))
        return {_decision_key(r): str(r["EvalDecision"]) for r in results}

    def _simulation_pages(
        self, source_arn: str, params: Mapping[str, Any]
    ) -> list[Any]:
        paginator = self._sim.get_paginator("simulate_principal_policy")
        try:
            with aws_call("SimulatePrincipalPolicy", source_arn):
                return list(paginator.paginate(**params))
        except ResponseParserError as exc:
            # An endpoint that lacks the call (moto) answers what botocore
            # cannot parse; the caller reports "could not tell".
            raise AwsCallError(
                "SimulatePrincipalPolicy", "UnreadableResponse", UNREADABLE
            ) from exc
        except BotoCoreError as exc:
            raise AwsCallError(
                "SimulatePrincipalPolicy", type(exc).__name__, str(exc)
            ) from exc

    def account_summary(self) -> dict[str, int]:
        with aws_call("GetAccountSummary"):
            summary = self.session.client("iam").get_account_summary()
        return dict(summary["SummaryMap"])

    def bucket_region(self, bucket: str) -> str | None:
        """The bucket's Region (``GetBucketLocation``); ``None`` if no bucket.

        S3 answers ``null`` for us-east-1 and ``EU`` for eu-west-1 (legacy).
        """
        try:
            data = self.session.client("s3").get_bucket_location(Bucket=bucket)
        except ClientError as exc:
            if error_code(exc) in NOT_FOUND:
                return None
            raise translate(exc, "GetBucketLocation", bucket) from exc
        location = data.get("LocationConstraint") or "us-east-1"
        return "eu-west-1" if location == "EU" else str(location)


def _decision_key(result: Mapping[str, Any]) -> tuple[str, str]:
    return str(result["EvalActionName"]), str(result.get("EvalResourceName", "*"))
