from __future__ import annotations

from gtprov.policy import console, workforce_admin
from gtprov.policy import document as d

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/GtRole"
SIX_LISTS = {
    "cognito-idp:ListGroups",
    "cognito-idp:ListIdentityProviders",
    "cognito-idp:ListUsers",
    "cognito-idp:ListUsersInGroup",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:ListUserPools",
}


def by_sid(doc: d.Document) -> dict[str, d.Statement]:
    return {s["Sid"]: s for s in doc["Statement"]}


def actions(doc: d.Document) -> set[str]:
    found: set[str] = set()
    for stmt in doc["Statement"]:
        found |= (
            {stmt["Action"]} if isinstance(stmt["Action"], str) else set(stmt["Action"])
        )
    return found


def test_console_pass_role_goes_only_to_sagemaker_on_the_accounts_roles() -> None:
    stmt = by_sid(console.console_policy(ACCOUNT, "aws-us-gov"))[
        "PassRoleForExecutionRoles"
    ]
    assert stmt["Resource"] == f"arn:aws-us-gov:iam::{ACCOUNT}:role/*"
    assert stmt["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


def test_console_pass_role_narrows_to_the_execution_roles_given() -> None:
    other = f"arn:aws:iam::{ACCOUNT}:role/Other"
    doc = console.console_policy(ACCOUNT, "aws", [ROLE, other])
    assert by_sid(doc)["PassRoleForExecutionRoles"]["Resource"] == sorted([other, ROLE])


def test_console_cannot_create_roles_once_pass_role_is_narrowed() -> None:
    assert "iam:CreateRole" in actions(console.console_policy(ACCOUNT, "aws"))
    narrowed = actions(console.console_policy(ACCOUNT, "aws", [ROLE]))
    assert not narrowed & {"iam:CreateRole", "iam:AttachRolePolicy", "iam:CreatePolicy"}
    assert "iam:ListRoles" in narrowed


def test_console_policy_drops_the_original_pages_wrong_actions() -> None:
    found = actions(console.console_policy(ACCOUNT, "aws"))
    assert not found & {
        "aws-marketplace:DescribeListings",
        "s3:SelectObjectContent",
        "cognito-idp:List",
    }
    assert {"s3:ListAllMyBuckets", "aws-marketplace:ViewSubscriptions"} <= found
    assert found >= SIX_LISTS


def test_console_policy_subscribes_to_vendors_only_when_asked() -> None:
    assert "aws-marketplace:Subscribe" not in actions(
        console.console_policy(ACCOUNT, "aws")
    )
    doc = console.console_policy(ACCOUNT, "aws", marketplace_subscribe=True)
    assert {"aws-marketplace:Subscribe", "aws-marketplace:Unsubscribe"} <= actions(doc)


def test_console_policy_names_every_statement_including_secrets_manager() -> None:
    sids = [s.get("Sid") for s in console.console_policy(ACCOUNT, "aws")["Statement"]]
    assert "SecretsManager" in sids
    assert all(sids)


def test_workforce_admin_lists_the_six_cognito_list_actions() -> None:
    found = actions(workforce_admin.workforce_admin_policy(ACCOUNT, "us-east-1", "aws"))
    assert found >= SIX_LISTS
    assert "cognito-idp:List" not in found


def test_workforce_admin_puts_only_pool_less_cognito_actions_on_star() -> None:
    doc = workforce_admin.workforce_admin_policy(ACCOUNT, "eu-west-1", "aws")
    stmts = by_sid(doc)
    assert stmts["CognitoCreateAndListPools"]["Resource"] == "*"
    assert set(stmts["CognitoCreateAndListPools"]["Action"]) == {
        "cognito-idp:CreateUserPool",
        "cognito-idp:ListUserPools",
    }
    assert stmts["CognitoUserPools"]["Resource"] == (
        f"arn:aws:cognito-idp:eu-west-1:{ACCOUNT}:userpool/*"
    )


def test_workforce_admin_manages_workforce_and_work_teams_in_the_region() -> None:
    stmts = by_sid(
        workforce_admin.workforce_admin_policy(ACCOUNT, "cn-north-1", "aws-cn")
    )
    sagemaker = f"arn:aws-cn:sagemaker:cn-north-1:{ACCOUNT}"
    assert stmts["SageMakerWorkforce"]["Resource"] == f"{sagemaker}:workforce/*"
    assert stmts["SageMakerWorkteams"]["Resource"] == f"{sagemaker}:workteam/*"
    assert "sagemaker:CreateWorkteam" in stmts["SageMakerWorkteams"]["Action"]
    assert set(stmts["SageMakerListWorkforces"]["Action"]) == {
        "sagemaker:ListWorkforces",
        "sagemaker:ListWorkteams",
    }


def test_workforce_admin_keeps_the_cognito_calls_create_workforce_makes() -> None:
    found = actions(workforce_admin.workforce_admin_policy(ACCOUNT, "us-east-1", "aws"))
    assert {
        "cognito-idp:DescribeUserPool",
        "cognito-idp:DescribeUserPoolClient",
        "cognito-idp:UpdateUserPool",
        "cognito-idp:UpdateUserPoolClient",
    } <= found
