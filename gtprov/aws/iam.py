"""A thin typed client over IAM: roles, their policies, and account quotas.

Readers return dataclasses, or ``None`` when IAM answers ``NoSuchEntity``.
Writers translate a ``ClientError`` once (``aws_call``) into gtprov's error
tree. IAM returns policy documents URL-encoded (RFC 3986); botocore decodes
them into dicts, and ``_document`` also accepts the raw string form.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gtprov.aws.errors import ALREADY_EXISTS, NOT_FOUND, call, pages
from gtprov.ownership import tags_from_list, tags_to_list
from gtprov.policy.document import dumps, parse

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

Document = dict[str, Any]


@dataclass(frozen=True)
class Role:
    """What ``GetRole`` says about a role, policies decoded."""

    name: str
    arn: str
    path: str
    trust_policy: Document
    description: str
    max_session_duration: int
    permissions_boundary: str | None
    tags: Mapping[str, str]


@dataclass(frozen=True)
class AttachedPolicy:
    name: str
    arn: str


@dataclass(frozen=True)
class ManagedPolicy:
    """A customer managed policy (``GetPolicy``), without its document."""

    name: str
    arn: str
    path: str
    default_version_id: str
    tags: Mapping[str, str]


@dataclass(frozen=True)
class PolicyVersion:
    version_id: str
    is_default: bool
    created: str


@dataclass(frozen=True)
class IamQuotas:
    """The account's IAM size and count quotas (``GetAccountSummary``)."""

    role_policy_size: int
    assume_role_policy_size: int
    policy_size: int
    attached_policies_per_role: int
    versions_per_policy: int


DEFAULT_QUOTAS = IamQuotas(
    role_policy_size=10_240,
    assume_role_policy_size=2_048,
    policy_size=6_144,
    attached_policies_per_role=10,
    versions_per_policy=5,
)
"""IAM's documented defaults. Service Quotas only ever raises them, so a
document within these fits every account without reading the real ones.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"""


def role_arn(partition: str, account_id: str, path: str, name: str) -> str:
    """The ARN IAM gives a role: the path is part of the resource."""
    return f"arn:{partition}:iam::{account_id}:role{path}{name}"


def policy_arn(partition: str, account_id: str, path: str, name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:policy{path}{name}"


class IamClient:
    """Reads and writes of one run; every call is logged by the session."""

    def __init__(self, session: AwsSession) -> None:
        self._iam = session.client("iam")

    # -- readers -------------------------------------------------------

    def get_role(self, name: str) -> Role | None:
        response = self._call(
            "GetRole", name, self._iam.get_role, NOT_FOUND, RoleName=name
        )
        return None if response is None else _role(response["Role"])

    def list_role_policy_names(self, role: str) -> list[str]:
        pages = self._pages("list_role_policies", "ListRolePolicies", RoleName=role)
        return [name for page in pages for name in page["PolicyNames"]]

    def get_role_policy(self, role: str, policy: str) -> Document | None:
        response = self._call(
            "GetRolePolicy",
            f"{role}/{policy}",
            self._iam.get_role_policy,
            NOT_FOUND,
            RoleName=role,
            PolicyName=policy,
        )
        return None if response is None else _document(response["PolicyDocument"])

    def list_attached_role_policies(self, role: str) -> list[AttachedPolicy]:
        pages = self._pages(
            "list_attached_role_policies", "ListAttachedRolePolicies", RoleName=role
        )
        items = (p for page in pages for p in page["AttachedPolicies"])
        return [AttachedPolicy(p["PolicyName"], p["PolicyArn"]) for p in items]

    def get_policy(self, arn: str) -> ManagedPolicy | None:
        response = self._call(
            "GetPolicy", arn, self._iam.get_policy, NOT_FOUND, PolicyArn=arn
        )
        return None if response is None else _managed_policy(response["Policy"])

    def get_policy_document(self, arn: str, version_id: str) -> Document | None:
        response = self._call(
            "GetPolicyVersion",
            arn,
            self._iam.get_policy_version,
            NOT_FOUND,
            PolicyArn=arn,
            VersionId=version_id,
        )
        return None if response is None else _version_document(response)

    def list_policy_versions(self, arn: str) -> list[PolicyVersion]:
        pages = self._pages("list_policy_versions", "ListPolicyVersions", PolicyArn=arn)
        return [_version(v) for page in pages for v in page["Versions"]]

    def get_account_quotas(self) -> IamQuotas:
        """One ``GetAccountSummary``; a key IAM omits keeps its default."""
        response = self._call("GetAccountSummary", None, self._iam.get_account_summary)
        return _quotas(response["SummaryMap"] if response else {})

    # -- role writers --------------------------------------------------

    def create_role(
        self,
        name: str,
        *,
        path: str,
        trust_policy: Document,
        description: str,
        max_session_duration: int,
        permissions_boundary: str | None,
        tags: Mapping[str, str],
    ) -> Role | None:
        """``CreateRole``; ``None`` when IAM answers ``EntityAlreadyExists``
        (the name is taken, case-insensitively, perhaps by our own lost call)."""
        params: dict[str, Any] = {
            "RoleName": name,
            "Path": path,
            "AssumeRolePolicyDocument": dumps(trust_policy),
            "Description": description,
            "MaxSessionDuration": max_session_duration,
            "Tags": tags_to_list(tags),
        }
        if permissions_boundary:
            params["PermissionsBoundary"] = permissions_boundary
        response = self._call(
            "CreateRole", name, self._iam.create_role, ALREADY_EXISTS, **params
        )
        return None if response is None else _role(response["Role"])

    def update_role(
        self, name: str, *, description: str, max_session_duration: int
    ) -> None:
        self._call(
            "UpdateRole",
            name,
            self._iam.update_role,
            RoleName=name,
            Description=description,
            MaxSessionDuration=max_session_duration,
        )

    def update_assume_role_policy(self, name: str, trust_policy: Document) -> None:
        self._call(
            "UpdateAssumeRolePolicy",
            name,
            self._iam.update_assume_role_policy,
            RoleName=name,
            PolicyDocument=dumps(trust_policy),
        )

    def put_role_permissions_boundary(self, name: str, boundary: str) -> None:
        self._call(
            "PutRolePermissionsBoundary",
            name,
            self._iam.put_role_permissions_boundary,
            RoleName=name,
            PermissionsBoundary=boundary,
        )

    def delete_role_permissions_boundary(self, name: str) -> None:
        self._call(
            "DeleteRolePermissionsBoundary",
            name,
            self._iam.delete_role_permissions_boundary,
            RoleName=name,
        )

    def tag_role(self, name: str, tags: Mapping[str, str]) -> None:
        self._call(
            "TagRole", name, self._iam.tag_role, RoleName=name, Tags=tags_to_list(tags)
        )

    def untag_role(self, name: str, keys: list[str]) -> None:
        self._call("UntagRole", name, self._iam.untag_role, RoleName=name, TagKeys=keys)

    def put_role_policy(self, role: str, policy: str, document: Document) -> None:
        self._call(
            "PutRolePolicy",
            f"{role}/{policy}",
            self._iam.put_role_policy,
            RoleName=role,
            PolicyName=policy,
            PolicyDocument=dumps(document),
        )

    def delete_role_policy(self, role: str, policy: str) -> None:
        """Delete an inline policy; already gone counts as done."""
        self._call(
            "DeleteRolePolicy",
            f"{role}/{policy}",
            self._iam.delete_role_policy,
            NOT_FOUND,
            RoleName=role,
            PolicyName=policy,
        )

    # -- managed policy writers ----------------------------------------

    def create_policy(
        self,
        name: str,
        *,
        path: str,
        document: Document,
        description: str,
        tags: Mapping[str, str],
    ) -> str | None:
        """``CreatePolicy``; the new ARN, or ``None`` when the name exists."""
        response = self._call(
            "CreatePolicy",
            name,
            self._iam.create_policy,
            ALREADY_EXISTS,
            PolicyName=name,
            Path=path,
            PolicyDocument=dumps(document),
            Description=description,
            Tags=tags_to_list(tags),
        )
        return None if response is None else str(response["Policy"]["Arn"])

    def create_policy_version(self, arn: str, document: Document) -> None:
        """A new default version; IAM answers ``LimitExceeded`` at five."""
        self._call(
            "CreatePolicyVersion",
            arn,
            self._iam.create_policy_version,
            PolicyArn=arn,
            PolicyDocument=dumps(document),
            SetAsDefault=True,
        )

    def delete_policy_version(self, arn: str, version_id: str) -> None:
        self._call(
            "DeletePolicyVersion",
            f"{arn} version {version_id}",
            self._iam.delete_policy_version,
            NOT_FOUND,
            PolicyArn=arn,
            VersionId=version_id,
        )

    def attach_role_policy(self, role: str, arn: str) -> None:
        self._call(
            "AttachRolePolicy",
            f"{role} {arn}",
            self._iam.attach_role_policy,
            RoleName=role,
            PolicyArn=arn,
        )

    def detach_role_policy(self, role: str, arn: str) -> None:
        self._call(
            "DetachRolePolicy",
            f"{role} {arn}",
            self._iam.detach_role_policy,
            NOT_FOUND,
            RoleName=role,
            PolicyArn=arn,
        )

    def delete_policy(self, arn: str) -> None:
        self._call(
            "DeletePolicy", arn, self._iam.delete_policy, NOT_FOUND, PolicyArn=arn
        )

    # -- plumbing ------------------------------------------------------

    def _call(
        self,
        operation: str,
        resource: str | None,
        method: Any,
        tolerate: frozenset[str] = frozenset(),
        **params: Any,
    ) -> dict[str, Any] | None:
        return call(operation, resource, method, tolerate, **params)

    def _pages(self, method: str, operation: str, **params: Any) -> list[Any]:
        resource = next(iter(params.values()), None)
        return pages(self._iam, method, operation, resource, **params)


def _quotas(summary: Mapping[str, int]) -> IamQuotas:
    d = DEFAULT_QUOTAS
    return IamQuotas(
        role_policy_size=summary.get("RolePolicySizeQuota", d.role_policy_size),
        assume_role_policy_size=summary.get(
            "AssumeRolePolicySizeQuota", d.assume_role_policy_size
        ),
        policy_size=summary.get("PolicySizeQuota", d.policy_size),
        attached_policies_per_role=summary.get(
            "AttachedPoliciesPerRoleQuota", d.attached_policies_per_role
        ),
        versions_per_policy=summary.get(
            "VersionsPerPolicyQuota", d.versions_per_policy
        ),
    )


def _document(value: str | Document) -> Document:
    return parse(value) if isinstance(value, str) else dict(value)


def _role(data: Mapping[str, Any]) -> Role:
    boundary = data.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    return Role(
        name=data["RoleName"],
        arn=data["Arn"],
        path=data["Path"],
        trust_policy=_document(data.get("AssumeRolePolicyDocument", "{}")),
        description=data.get("Description", ""),
        max_session_duration=int(data.get("MaxSessionDuration", 3600)),
        permissions_boundary=boundary,
        tags=tags_from_list(data.get("Tags", [])),
    )


def _managed_policy(data: Mapping[str, Any]) -> ManagedPolicy:
    return ManagedPolicy(
        name=data["PolicyName"],
        arn=data["Arn"],
        path=data["Path"],
        default_version_id=data["DefaultVersionId"],
        tags=tags_from_list(data.get("Tags", [])),
    )


def _version(data: Mapping[str, Any]) -> PolicyVersion:
    return PolicyVersion(
        version_id=data["VersionId"],
        is_default=bool(data["IsDefaultVersion"]),
        created=str(data.get("CreateDate", "")),
    )


def _version_document(response: Mapping[str, Any]) -> Document:
    return _document(response["PolicyVersion"]["Document"])
