"""Exactly what gtprov itself needs to run, command by command.

Pure: no AWS calls. ``PERMISSIONS`` is the one table: each gtprov command
area maps to the grants (Sid, actions, resource patterns) its code calls.
Add a row when you add an AWS call; a grant whose Sid appears under several
commands must name the same resources, and the commands' actions are joined.
Patterns may use ``{partition}``, ``{region}`` and ``{account}``.

No iam:PassRole: gtprov never starts labeling jobs, it only creates roles.
Note the IAM grants are admin-like in effect (create a role, put any policy);
attach this policy only to the people or pipelines that provision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gtprov.policy.document import Document, Statement, document, statement

ROLES = "arn:{partition}:iam::{account}:role/*"
GTPROV_POLICIES = "arn:{partition}:iam::{account}:policy/gtprov/*"
KEYS = "arn:{partition}:kms:{region}:{account}:key/*"
ALIASES = "arn:{partition}:kms:{region}:{account}:alias/*"
USER_POOLS = "arn:{partition}:cognito-idp:{region}:{account}:userpool/*"
WORKFORCES = "arn:{partition}:sagemaker:{region}:{account}:workforce/*"
WORKTEAMS = "arn:{partition}:sagemaker:{region}:{account}:workteam/*"
TOPICS = "arn:{partition}:sns:{region}:{account}:*"
BUCKETS = "arn:{partition}:s3:::*"
USERS = "arn:{partition}:iam::{account}:user/*"
ANY = "*"


@dataclass(frozen=True)
class Grant:
    """Some actions on some resource patterns, under one Sid."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]


def _grant(sid: str, resources: str | tuple[str, ...], *actions: str) -> Grant:
    patterns = (resources,) if isinstance(resources, str) else resources
    return Grant(sid, actions, patterns)


_ROLE_READS = (
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
)
_ROLE_WRITES = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
)
_POLICY_WRITES = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:TagPolicy",
)
_POLICY_READS = ("iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions")
_KEY_ACTIONS = (
    "kms:DescribeKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
)
_POOL_ACTIONS = (
    "cognito-idp:CreateGroup",
    "cognito-idp:CreateUserPoolClient",
    "cognito-idp:CreateUserPoolDomain",
    "cognito-idp:DeleteUserPool",
    "cognito-idp:DeleteUserPoolDomain",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:GetGroup",
    "cognito-idp:ListGroups",
    "cognito-idp:ListTagsForResource",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:TagResource",
    "cognito-idp:UpdateUserPool",
    "cognito-idp:UpdateUserPoolClient",
)
_WORKER_ACTIONS = (
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:ListUsers",
    "cognito-idp:ListUsersInGroup",
)
_WORKFORCE_ACTIONS = (
    "sagemaker:CreateWorkforce",
    "sagemaker:DeleteWorkforce",
    "sagemaker:DescribeWorkforce",
    "sagemaker:UpdateWorkforce",
)
_WORKTEAM_ACTIONS = (
    "sagemaker:AddTags",
    "sagemaker:CreateWorkteam",
    "sagemaker:DeleteWorkteam",
    "sagemaker:DescribeWorkteam",
    "sagemaker:ListTags",
    "sagemaker:UpdateWorkteam",
)
_TOPIC_ACTIONS = (
    "sns:CreateTopic",
    "sns:DeleteTopic",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
    "sns:TagResource",
)
_LIST_WORKFORCES = ("sagemaker:ListWorkforces", "sagemaker:ListWorkteams")

PERMISSIONS: Mapping[str, tuple[Grant, ...]] = {
    # Every command: who am I, and (for large policies) the account's quotas.
    "common": (
        _grant(
            "AccountAndValidation",
            ANY,
            "sts:GetCallerIdentity",
            "iam:GetAccountSummary",
        ),
    ),
    "execution-role": (
        _grant("IamRoles", ROLES, *_ROLE_READS, *_ROLE_WRITES),
        _grant("IamGtprovPolicies", GTPROV_POLICIES, *_POLICY_READS, *_POLICY_WRITES),
    ),
    "kms-key": (
        _grant("KmsKeys", KEYS, *_KEY_ACTIONS),
        _grant("KmsAliases", (ALIASES, KEYS), "kms:CreateAlias", "kms:DeleteAlias"),
        # CreateKey and ListAliases have no resource type: "*" only.
        _grant("KmsCreateAndList", ANY, "kms:CreateKey", "kms:ListAliases"),
    ),
    "workforce": (
        # CreateUserPool, ListUserPools and DescribeUserPoolDomain (it takes a
        # domain, not a pool) have no resource type: "*" only.
        _grant(
            "CognitoAccount",
            ANY,
            "cognito-idp:CreateUserPool",
            "cognito-idp:DescribeUserPoolDomain",
            "cognito-idp:ListUserPools",
        ),
        _grant("CognitoUserPools", USER_POOLS, *_POOL_ACTIONS),
        _grant("SageMakerList", ANY, *_LIST_WORKFORCES),
        _grant("SageMakerWorkforce", WORKFORCES, *_WORKFORCE_ACTIONS),
        _grant("SageMakerWorkteams", WORKTEAMS, *_WORKTEAM_ACTIONS),
    ),
    "workers": (
        _grant("CognitoUserPools", USER_POOLS, *_WORKER_ACTIONS),
        _grant("SageMakerList", ANY, *_LIST_WORKFORCES),
        _grant("SageMakerWorkforce", WORKFORCES, "sagemaker:DescribeWorkforce"),
    ),
    "notifications": (_grant("SnsTopics", TOPICS, *_TOPIC_ACTIONS),),
    # add-workers subscribes the workers it adds to the team's topic.
    "subscriptions": (
        _grant("SnsTopics", TOPICS, "sns:ListSubscriptionsByTopic", "sns:Subscribe"),
    ),
    # status and destroy find what gtprov made by its tags: ListRoles and
    # ListAliases have no resource type; workforce tags are
    # read only when the workforce's pool is not gtprov's.
    "inventory": (
        _grant("Inventory", ANY, "iam:ListRoles"),
        _grant("KmsCreateAndList", ANY, "kms:ListAliases"),
        _grant("CognitoAccount", ANY, "cognito-idp:ListUserPools"),
        _grant("SageMakerList", ANY, *_LIST_WORKFORCES),
        _grant("SageMakerWorkforceTags", ANY, "sagemaker:ListTags"),
    ),
    "doctor": (
        _grant("IamRoles", ROLES, *_ROLE_READS),
        _grant("KmsKeys", KEYS, "kms:DescribeKey", "kms:GetKeyPolicy"),
        _grant("S3Buckets", BUCKETS, "s3:GetBucketLocation"),
        # doctor simulates the caller: an IAM user, or the role of a session.
        _grant("IamSimulateCaller", (ROLES, USERS), "iam:SimulatePrincipalPolicy"),
        _grant("SageMakerList", ANY, *_LIST_WORKFORCES),
        _grant("SageMakerWorkforce", WORKFORCES, "sagemaker:DescribeWorkforce"),
        _grant("SageMakerWorkteams", WORKTEAMS, "sagemaker:DescribeWorkteam"),
    ),
}
STAR_EXCEPTIONS: Mapping[str, str] = {
    "sagemaker:ListTags": (
        "the service authorization reference lists no workforce resource type "
        "for ListTags, so a workforce ARN pattern would match nothing; "
        "read-only"
    ),
}
"""Actions granted on "*" although they have resource types, and why."""

COMMANDS = tuple(name for name in PERMISSIONS if name != "common")
"""Permission areas, each a part of what some gtprov commands call."""

COMMAND_AREAS: Mapping[str, tuple[str, ...]] = {
    "create-execution-role": ("execution-role", "kms-key"),
    "setup-workforce": ("workforce", "workers", "notifications"),
    "add-workers": ("workers", "subscriptions"),
    "remove-workers": ("workers",),
    "status": ("inventory", "execution-role", "kms-key", "workforce", "notifications"),
    "destroy": (
        "inventory",
        "execution-role",
        "kms-key",
        "workforce",
        "workers",
        "notifications",
    ),
    "doctor": ("doctor",),
    "plan": COMMANDS,
    "apply": COMMANDS,
}
"""The areas each gtprov command needs; ``--command`` takes either name."""


def areas_for(name: str) -> tuple[str, ...]:
    """The areas behind a command or area name; ValueError for neither."""
    if name in COMMANDS:
        return (name,)
    if name in COMMAND_AREAS:
        return COMMAND_AREAS[name]
    known = ", ".join((*COMMAND_AREAS, *COMMANDS))
    raise ValueError(f"must be a gtprov command or area: {known}")


def provisioner_policy(
    account_id: str,
    region: str,
    partition: str,
    commands: Iterable[str] | None = None,
) -> Document:
    """The caller policy for ``commands`` (default: all of them).

    Raises ValueError for a command name not in ``COMMANDS``.
    """
    chosen = ["common", *_known(commands)]
    grants = merged_grants(g for name in chosen for g in PERMISSIONS[name])
    values = {"partition": partition, "region": region, "account": account_id}
    return document(_statement(grant, values) for grant in grants)


def _known(commands: Iterable[str] | None) -> list[str]:
    selected = list(COMMANDS if commands is None else commands)
    unknown = sorted(set(selected) - set(COMMANDS))
    if unknown:
        raise ValueError(f"unknown gtprov command area(s): {', '.join(unknown)}")
    return [name for name in COMMANDS if name in selected]


def merged_grants(grants: Iterable[Grant]) -> list[Grant]:
    """One grant per Sid, actions joined, in first-seen order."""
    merged: dict[str, Grant] = {}
    for grant in grants:
        seen = merged.get(grant.sid)
        if seen is not None and seen.resources != grant.resources:
            raise ValueError(f"grant {grant.sid} names different resources")
        actions = (*seen.actions, *grant.actions) if seen else grant.actions
        merged[grant.sid] = Grant(grant.sid, actions, grant.resources)
    return list(merged.values())


def _statement(grant: Grant, values: Mapping[str, str]) -> Statement:
    resources = [pattern.format(**values) for pattern in grant.resources]
    return statement(grant.sid, grant.actions, resources)
