"""The policy a person needs to create labeling jobs in the SageMaker console.

Pure: no AWS calls. AWS's current console-access page, corrected where the
original page was wrong (docs/policies.md, table "Corrections"):
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-security-permission-console-access.html
"""

from __future__ import annotations

from collections.abc import Sequence

from gtprov.policy.document import Document, Statement, document, statement
from gtprov.policy.trust import sagemaker_principal

PRIVATE_WORKFORCE_ACTIONS = (
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:CreateGroup",
    "cognito-idp:CreateUserPool",
    "cognito-idp:CreateUserPoolClient",
    "cognito-idp:CreateUserPoolDomain",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:DescribeUserPoolClient",
    # Six explicit List actions: "cognito-idp:List" (original page) is no action.
    "cognito-idp:ListGroups",
    "cognito-idp:ListIdentityProviders",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:ListUserPools",
    "cognito-idp:ListUsers",
    "cognito-idp:ListUsersInGroup",
    "cognito-idp:UpdateUserPool",
    "cognito-idp:UpdateUserPoolClient",
)
GROUND_TRUTH_CONSOLE_ACTIONS = (
    "groundtruthlabeling:*",
    "lambda:InvokeFunction",
    "lambda:ListFunctions",
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:GetBucketCors",
    "s3:PutBucketCors",
    "s3:ListAllMyBuckets",
)
CREATE_ROLE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:CreatePolicy",
    "iam:CreateRole",
    "iam:ListRoles",
)


def console_policy(
    account_id: str,
    partition: str,
    execution_role_arns: Sequence[str] = (),
    *,
    marketplace_subscribe: bool = False,
) -> Document:
    """The console user's policy.

    With ``execution_role_arns`` the user may pass only those roles, and may
    no longer create roles or attach policies: together with PassRole that
    would let them give any permission to a role they can pass. Without them
    PassRole covers the account's roles, as AWS's page does, but only towards
    SageMaker.
    """
    return document(
        [
            statement("SageMakerApis", ["sagemaker:*"], ["*"]),
            statement(
                "KmsKeysForCreateForms", ["kms:DescribeKey", "kms:ListAliases"], ["*"]
            ),
            _marketplace(marketplace_subscribe),
            statement("SecretsManager", _SECRETS, ["*"]),
            _roles(execution_role_arns),
            _pass_role(account_id, partition, execution_role_arns),
            statement(
                "GroundTruthConsole",
                (*GROUND_TRUTH_CONSOLE_ACTIONS, *PRIVATE_WORKFORCE_ACTIONS),
                ["*"],
            ),
        ]
    )


_SECRETS = (
    "secretsmanager:CreateSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:ListSecrets",
)


def _marketplace(subscribe: bool) -> Statement:
    """ViewSubscriptions; Subscribe/Unsubscribe only to use vendor work teams."""
    actions = ["aws-marketplace:ViewSubscriptions"]
    if subscribe:
        actions += ["aws-marketplace:Subscribe", "aws-marketplace:Unsubscribe"]
    return statement("AccessAwsMarketplaceSubscriptions", actions, ["*"])


def _roles(execution_role_arns: Sequence[str]) -> Statement:
    if execution_role_arns:
        return statement("ListExecutionRoles", ["iam:ListRoles"], ["*"])
    return statement("ListAndCreateExecutionRoles", CREATE_ROLE_ACTIONS, ["*"])


def _pass_role(
    account_id: str, partition: str, execution_role_arns: Sequence[str]
) -> Statement:
    roles = execution_role_arns or [f"arn:{partition}:iam::{account_id}:role/*"]
    service = sagemaker_principal(partition)
    condition = {"StringEquals": {"iam:PassedToService": service}}
    return statement(
        "PassRoleForExecutionRoles", ["iam:PassRole"], roles, condition=condition
    )
