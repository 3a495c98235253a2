from __future__ import annotations

import fnmatch
import json
from functools import cache
from pathlib import Path

import parliament
import pytest

from gtprov.policy import document as d
from gtprov.policy import provisioner as p

ACCOUNT = "123456789012"
REGION = "us-east-1"

REQUIRED = """
sts:GetCallerIdentity iam:ListRoles
iam:GetRole iam:CreateRole iam:UpdateRole iam:UpdateAssumeRolePolicy iam:TagRole
iam:UntagRole iam:PutRolePolicy iam:GetRolePolicy iam:DeleteRolePolicy
iam:ListRolePolicies iam:ListAttachedRolePolicies iam:PutRolePermissionsBoundary
iam:DeleteRolePermissionsBoundary iam:CreatePolicy iam:CreatePolicyVersion
iam:DeletePolicyVersion iam:ListPolicyVersions iam:GetPolicy iam:GetPolicyVersion
iam:TagPolicy iam:AttachRolePolicy iam:DetachRolePolicy iam:DeletePolicy iam:DeleteRole
iam:GetAccountSummary iam:SimulatePrincipalPolicy
kms:DescribeKey kms:GetKeyPolicy kms:PutKeyPolicy kms:CreateKey kms:CreateAlias
kms:EnableKeyRotation kms:GetKeyRotationStatus kms:TagResource kms:ListResourceTags
kms:ListAliases kms:ScheduleKeyDeletion kms:DeleteAlias
cognito-idp:CreateUserPool cognito-idp:DescribeUserPool cognito-idp:UpdateUserPool
cognito-idp:DeleteUserPool cognito-idp:ListUserPools cognito-idp:TagResource
cognito-idp:ListTagsForResource cognito-idp:CreateUserPoolClient
cognito-idp:DescribeUserPoolClient cognito-idp:UpdateUserPoolClient
cognito-idp:ListUserPoolClients
cognito-idp:CreateUserPoolDomain cognito-idp:DescribeUserPoolDomain
cognito-idp:DeleteUserPoolDomain cognito-idp:CreateGroup cognito-idp:GetGroup
cognito-idp:ListGroups  cognito-idp:AdminCreateUser
cognito-idp:AdminAddUserToGroup
cognito-idp:AdminRemoveUserFromGroup cognito-idp:AdminDeleteUser cognito-idp:ListUsers
cognito-idp:ListUsersInGroup cognito-idp:AdminListGroupsForUser
sagemaker:ListWorkforces sagemaker:DescribeWorkforce sagemaker:CreateWorkforce
sagemaker:UpdateWorkforce sagemaker:DeleteWorkforce sagemaker:ListWorkteams
sagemaker:DescribeWorkteam sagemaker:CreateWorkteam sagemaker:UpdateWorkteam
sagemaker:DeleteWorkteam sagemaker:AddTags sagemaker:ListTags
sns:CreateTopic sns:GetTopicAttributes sns:SetTopicAttributes sns:TagResource
sns:ListTagsForResource sns:Subscribe sns:ListSubscriptionsByTopic sns:DeleteTopic
s3:GetBucketLocation
""".split()  # noqa: SIM905 - the list as the issue gives it, readable as prose


def granted(doc: d.Document) -> set[str]:
    found: set[str] = set()
    for stmt in doc["Statement"]:
        found |= (
            {stmt["Action"]} if isinstance(stmt["Action"], str) else set(stmt["Action"])
        )
    return found


def test_provisioner_policy_grants_every_action_gtprov_calls() -> None:
    doc = p.provisioner_policy(ACCOUNT, REGION, "aws")
    assert set(REQUIRED) <= granted(doc)
    assert granted(doc) <= set(REQUIRED)


def test_provisioner_policy_never_grants_pass_role() -> None:
    assert "iam:PassRole" not in granted(p.provisioner_policy(ACCOUNT, REGION, "aws"))


def test_create_workforce_callers_get_the_cognito_calls_sagemaker_makes() -> None:
    found = granted(p.provisioner_policy(ACCOUNT, REGION, "aws", ["workforce"]))
    assert {
        "sagemaker:CreateWorkforce",
        "sagemaker:CreateWorkteam",
        "cognito-idp:DescribeUserPool",
        "cognito-idp:DescribeUserPoolClient",
        "cognito-idp:UpdateUserPool",
        "cognito-idp:UpdateUserPoolClient",
    } <= found


@pytest.mark.parametrize("command", p.COMMANDS)
def test_each_command_area_gets_the_common_grants_and_its_own(command: str) -> None:
    doc = p.provisioner_policy(ACCOUNT, REGION, "aws", [command])
    own = {a for grant in p.PERMISSIONS[command] for a in grant.actions}
    assert own | {"sts:GetCallerIdentity", "iam:GetAccountSummary"} <= granted(doc)


def test_provisioner_policy_for_workers_grants_no_iam_writes() -> None:
    found = granted(p.provisioner_policy(ACCOUNT, REGION, "aws", ["workers"]))
    assert not {a for a in found if a.startswith(("iam:Create", "iam:Put", "kms:"))}


def test_provisioner_policy_refuses_an_unknown_command_area() -> None:
    with pytest.raises(ValueError, match="unknown"):
        p.provisioner_policy(ACCOUNT, REGION, "aws", ["execution-role", "nope"])


def test_grants_sharing_a_sid_name_the_same_resources() -> None:
    grants = [g for area in p.PERMISSIONS.values() for g in area]
    merged = p.merged_grants(grants)
    assert len({g.sid for g in merged}) == len(merged)


def test_merged_grants_refuses_one_sid_with_two_resource_sets() -> None:
    with pytest.raises(ValueError, match="different resources"):
        p.merged_grants(
            [p.Grant("S", ("a:B",), ("x",)), p.Grant("S", ("a:C",), ("y",))]
        )


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
    ],
)
def test_provisioner_policy_fills_partition_region_and_account(
    region: str, partition: str
) -> None:
    doc = p.provisioner_policy(ACCOUNT, region, partition)
    arns = [a for s in doc["Statement"] for a in _values(s["Resource"]) if a != "*"]
    assert all(a.startswith(f"arn:{partition}:") and "{" not in a for a in arns)
    assert all(region in a for a in arns if ":s3:" not in a and ":iam:" not in a)


def test_provisioner_policy_fits_one_managed_policy() -> None:
    assert d.size(p.provisioner_policy(ACCOUNT, REGION, "aws")) <= 6144


# Every grant scoped to a resource type the action supports, "*" only when none -----


@cache
def _resource_types() -> dict[str, list[str]]:
    path = Path(parliament.__file__).with_name("iam_definition.json")
    found: dict[str, list[str]] = {}
    for service in json.loads(path.read_text()):
        arns = {r["resource"]: r["arn"] for r in service["resources"]}
        for privilege in service["privileges"]:
            action = f"{service['prefix']}:{privilege['privilege']}".lower()
            types = [
                t["resource_type"].rstrip("*") for t in privilege["resource_types"]
            ]
            found.setdefault(action, []).extend(arns[t] for t in types if t in arns)
    return found


def _matches(pattern: str, template: str) -> bool:
    """Whether a grant pattern names resources of an ARN template's type."""
    glob = template
    for variable in ("${Partition}", "${Region}", "${Account}"):
        glob = glob.replace(variable, "*")
    glob = glob.split("${", 1)[0] + "*"
    concrete = pattern.format(partition="aws", region=REGION, account=ACCOUNT)
    return fnmatch.fnmatchcase(concrete.replace("*", "x"), glob)


@pytest.mark.parametrize(
    "grant",
    [g for area in p.PERMISSIONS.values() for g in area],
    ids=lambda g: g.sid,
)
def test_each_grant_uses_star_exactly_for_actions_without_a_resource_type(
    grant: p.Grant,
) -> None:
    for action in grant.actions:
        templates = _resource_types()[action.lower()]
        if grant.resources == (p.ANY,):
            assert not templates or action in p.STAR_EXCEPTIONS, action
            continue
        for pattern in grant.resources:
            assert any(_matches(pattern, t) for t in templates), (action, pattern)


def _values(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value
