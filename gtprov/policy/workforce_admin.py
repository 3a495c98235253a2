"""The policy of an administrator who runs a private (Cognito) workforce.

Pure: no AWS calls. The Cognito part is the original page's "Grant
permissions for private workforce creation" snippet, corrected: the six real
List actions instead of ``cognito-idp:List``, real resources instead of
``""``, and a complete document. The SageMaker part is what creating and
keeping a workforce and its work teams takes; note that CreateWorkforce and
CreateWorkteam also use the caller's cognito-idp Describe/Update permissions
on the pool and client (SageMaker API permissions reference).
"""

from __future__ import annotations

from gtprov.policy.console import PRIVATE_WORKFORCE_ACTIONS
from gtprov.policy.document import Document, document, statement

WORKFORCE_ACTIONS = (
    "sagemaker:CreateWorkforce",
    "sagemaker:DeleteWorkforce",
    "sagemaker:DescribeWorkforce",
    "sagemaker:UpdateWorkforce",
)
WORKTEAM_ACTIONS = (
    "sagemaker:AddTags",
    "sagemaker:CreateWorkteam",
    "sagemaker:DeleteTags",
    "sagemaker:DeleteWorkteam",
    "sagemaker:DescribeWorkteam",
    "sagemaker:ListTags",
    "sagemaker:UpdateWorkteam",
)
LIST_ACTIONS = ("sagemaker:ListWorkforces", "sagemaker:ListWorkteams")
ACCOUNT_LEVEL_COGNITO = ("cognito-idp:CreateUserPool", "cognito-idp:ListUserPools")
"""The two Cognito actions with no resource type: ``*`` only."""


POOL_LEVEL_ACTIONS = tuple(
    a for a in PRIVATE_WORKFORCE_ACTIONS if a not in ACCOUNT_LEVEL_COGNITO
)


def workforce_admin_policy(account_id: str, region: str, partition: str) -> Document:
    """Cognito and SageMaker, scoped to the account's resources in the Region.

    AWS's snippet puts all Cognito actions on ``*``; only CreateUserPool and
    ListUserPools need that (no resource type), the rest act on a user pool
    and are scoped to ``userpool/*``. Tag actions are on work teams only:
    the service authorization reference lists no workforce resource for
    AddTags/ListTags/DeleteTags (a workforce takes its tags at creation).
    """
    arn = f"arn:{partition}:{{}}:{region}:{account_id}:{{}}"
    return document(
        [
            statement("CognitoCreateAndListPools", ACCOUNT_LEVEL_COGNITO, ["*"]),
            statement(
                "CognitoUserPools",
                POOL_LEVEL_ACTIONS,
                [arn.format("cognito-idp", "userpool/*")],
            ),
            statement("SageMakerListWorkforces", LIST_ACTIONS, ["*"]),
            statement(
                "SageMakerWorkforce",
                WORKFORCE_ACTIONS,
                [arn.format("sagemaker", "workforce/*")],
            ),
            statement(
                "SageMakerWorkteams",
                WORKTEAM_ACTIONS,
                [arn.format("sagemaker", "workteam/*")],
            ),
        ]
    )
