"""The SageMaker workforce fake, through real boto3 clients and the local endpoint.

Each test states one rule of the real service (see the docstrings in
``gtprov/emulation/workforce.py`` for where each comes from) and asserts on
AWS error codes and state, not on prose, except where AWS signals a state
only in the message ("No workforce", "The work team", "Cannot create more
than one workforce").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from gtprov.emulation.control import EmulatorControl


@dataclass(frozen=True)
class Pool:
    id: str
    client_id: str
    region: str


def make_pool(
    region: str = "us-east-1",
    groups: tuple[str, ...] = ("labelers",),
    *,
    domain: bool = True,
) -> Pool:
    cognito = boto3.client("cognito-idp", region_name=region)
    pool = cognito.create_user_pool(PoolName="workers")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="portal", GenerateSecret=True
    )["UserPoolClient"]["ClientId"]
    if domain:
        cognito.create_user_pool_domain(UserPoolId=pool, Domain=f"w{pool[-12:]}")
    for group in groups:
        cognito.create_group(UserPoolId=pool, GroupName=group)
    return Pool(pool, client, region)


def cognito_config(pool: Pool) -> dict[str, str]:
    return {"UserPool": pool.id, "ClientId": pool.client_id}


def member(pool: Pool, group: str = "labelers") -> dict[str, Any]:
    return {"CognitoMemberDefinition": {**cognito_config(pool), "UserGroup": group}}


def oidc_config() -> dict[str, str]:
    base = "https://idp.example.com"
    return {
        "ClientId": "client",
        "ClientSecret": "secret",
        "Issuer": base,
        "AuthorizationEndpoint": f"{base}/authorize",
        "TokenEndpoint": f"{base}/token",
        "UserInfoEndpoint": f"{base}/userinfo",
        "LogoutEndpoint": f"{base}/logout",
        "JwksUri": f"{base}/jwks",
    }


def sagemaker(region: str = "us-east-1", *, validate: bool = True) -> Any:
    """A client; ``validate=False`` lets invalid input reach the service."""
    config = Config(parameter_validation=validate, retries={"total_max_attempts": 1})
    return boto3.client("sagemaker", region_name=region, config=config)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def pool() -> Pool:
    return make_pool()


@pytest.fixture
def workforce(pool: Pool) -> str:
    sagemaker().create_workforce(
        WorkforceName="crowd", CognitoConfig=cognito_config(pool)
    )
    return "crowd"


def create_team(pool: Pool, name: str = "team", **extra: Any) -> str:
    response = sagemaker().create_workteam(
        WorkteamName=name,
        Description="Labelers",
        MemberDefinitions=[member(pool)],
        **extra,
    )
    return str(response["WorkteamArn"])


# -- workforces -------------------------------------------------------------


def test_create_workforce_is_described_with_cognito_config_and_portal(
    pool: Pool,
) -> None:
    arn = sagemaker().create_workforce(
        WorkforceName="crowd", CognitoConfig=cognito_config(pool)
    )["WorkforceArn"]
    described = sagemaker().describe_workforce(WorkforceName="crowd")["Workforce"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:workforce/crowd"
    assert described["WorkforceArn"] == arn
    assert described["CognitoConfig"] == cognito_config(pool)
    assert described["SubDomain"].endswith(".labeling.us-east-1.sagemaker.aws")
    assert described["Status"] == "Active"


def test_second_workforce_in_a_region_is_refused(pool: Pool, workforce: str) -> None:
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workforce(
            WorkforceName="another", CognitoConfig=cognito_config(pool)
        )
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert message.startswith("Cannot create more than one workforce")


def test_workforces_in_two_regions_are_independent(workforce: str) -> None:
    other = make_pool("eu-west-1")
    sagemaker("eu-west-1").create_workforce(
        WorkforceName="crowd", CognitoConfig=cognito_config(other)
    )
    west = sagemaker("eu-west-1").list_workforces()["Workforces"]
    east = sagemaker().list_workforces()["Workforces"]
    assert [w["WorkforceArn"].split(":")[3] for w in west + east] == [
        "eu-west-1",
        "us-east-1",
    ]


@pytest.mark.parametrize("name", ["-crowd", "crowd_1", "c" * 64, "crowd.team"])
def test_workforce_name_outside_the_pattern_is_refused(pool: Pool, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workforce(
            WorkforceName=name, CognitoConfig=cognito_config(pool)
        )
    assert error_of(exc)[0] == "ValidationException"
    assert sagemaker().list_workforces()["Workforces"] == []


def test_workforce_name_may_end_with_a_hyphen_unlike_a_team_name(pool: Pool) -> None:
    sagemaker().create_workforce(
        WorkforceName="crowd-", CognitoConfig=cognito_config(pool)
    )
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workteam(
            WorkteamName="team-", Description="d", MemberDefinitions=[member(pool)]
        )
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert "workteamName" in message


def test_workforce_needs_exactly_one_identity_provider(pool: Pool) -> None:
    client = sagemaker()
    with pytest.raises(ClientError) as both:
        client.create_workforce(
            WorkforceName="crowd",
            CognitoConfig=cognito_config(pool),
            OidcConfig=oidc_config(),
        )
    with pytest.raises(ClientError) as neither:
        client.create_workforce(WorkforceName="crowd")
    assert error_of(both)[0] == error_of(neither)[0] == "ValidationException"


@pytest.mark.parametrize(
    "cidrs",
    [
        [f"10.0.{i}.0/24" for i in range(11)],
        ["10.0.0.0"],
        ["300.0.0.0/8"],
        ["10.0.0.0/33"],
    ],
)
def test_source_ip_config_takes_at_most_ten_valid_cidrs(
    pool: Pool, cidrs: list[str]
) -> None:
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workforce(
            WorkforceName="crowd",
            CognitoConfig=cognito_config(pool),
            SourceIpConfig={"Cidrs": cidrs},
        )
    assert error_of(exc)[0] == "ValidationException"


def test_source_ip_config_accepts_ipv4_and_ipv6_cidrs(pool: Pool) -> None:
    cidrs = ["10.0.0.0/16", "2001:db8:1234:1a00::/56"]
    sagemaker().create_workforce(
        WorkforceName="crowd",
        CognitoConfig=cognito_config(pool),
        SourceIpConfig={"Cidrs": cidrs},
    )
    described = sagemaker().describe_workforce(WorkforceName="crowd")["Workforce"]
    assert described["SourceIpConfig"]["Cidrs"] == cidrs


@pytest.mark.parametrize("missing", ["pool", "client", "domain"])
def test_workforce_needs_an_existing_pool_client_and_domain(missing: str) -> None:
    pool = make_pool(domain=missing != "domain")
    config = cognito_config(pool)
    if missing == "pool":
        config["UserPool"] = "us-east-1_doesnotexist"
    if missing == "client":
        config["ClientId"] = "doesnotexist"
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workforce(WorkforceName="crowd", CognitoConfig=config)
    assert error_of(exc)[0] == "ValidationException"


def test_creating_a_workforce_points_the_app_client_at_the_portal(
    pool: Pool, workforce: str
) -> None:
    subdomain = sagemaker().describe_workforce(WorkforceName=workforce)["Workforce"][
        "SubDomain"
    ]
    client = boto3.client("cognito-idp").describe_user_pool_client(
        UserPoolId=pool.id, ClientId=pool.client_id
    )["UserPoolClient"]
    assert client["CallbackURLs"] == [f"https://{subdomain}/oauth2/idpresponse"]
    assert client["LogoutURLs"] == [f"https://{subdomain}/logout"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(client["AllowedOAuthScopes"]) == {"email", "openid", "profile"}


def test_workforce_initializes_before_it_is_active(
    aws_env: EmulatorControl, pool: Pool
) -> None:
    aws_env.sagemaker(activation_delay=0.3)
    sagemaker().create_workforce(
        WorkforceName="crowd", CognitoConfig=cognito_config(pool)
    )
    statuses = [_poll_status("crowd")]
    while statuses[-1] != "Active" and len(statuses) < 40:
        time.sleep(0.05)
        statuses.append(_poll_status("crowd"))
    assert statuses[0] == "Initializing"
    assert statuses[-1] == "Active"


def _poll_status(name: str) -> str:
    return str(
        sagemaker().describe_workforce(WorkforceName=name)["Workforce"]["Status"]
    )


def test_updating_a_workforce_that_is_not_active_is_a_conflict(
    aws_env: EmulatorControl, pool: Pool
) -> None:
    aws_env.sagemaker(activation_delay=30.0)
    sagemaker().create_workforce(
        WorkforceName="crowd", CognitoConfig=cognito_config(pool)
    )
    with pytest.raises(ClientError) as exc:
        sagemaker().update_workforce(
            WorkforceName="crowd", SourceIpConfig={"Cidrs": ["10.0.0.0/8"]}
        )
    assert error_of(exc)[0] == "ConflictException"


def test_update_workforce_changes_the_allow_list_and_passes_through_updating(
    workforce: str,
) -> None:
    updated = sagemaker().update_workforce(
        WorkforceName=workforce, SourceIpConfig={"Cidrs": ["192.0.2.0/24"]}
    )["Workforce"]
    described = sagemaker().describe_workforce(WorkforceName=workforce)["Workforce"]
    assert updated["Status"] == "Updating"
    assert described["Status"] == "Active"
    assert described["SourceIpConfig"]["Cidrs"] == ["192.0.2.0/24"]
    assert "LastUpdatedDate" in described


def test_an_empty_allow_list_lifts_the_restriction(pool: Pool) -> None:
    client = sagemaker()
    client.create_workforce(
        WorkforceName="crowd",
        CognitoConfig=cognito_config(pool),
        SourceIpConfig={"Cidrs": ["192.0.2.0/24"]},
    )
    client.update_workforce(WorkforceName="crowd", SourceIpConfig={"Cidrs": []})
    described = client.describe_workforce(WorkforceName="crowd")["Workforce"]
    assert described["SourceIpConfig"] == {"Cidrs": []}


def test_oidc_settings_of_a_cognito_workforce_cannot_be_updated(workforce: str) -> None:
    with pytest.raises(ClientError) as exc:
        sagemaker().update_workforce(WorkforceName=workforce, OidcConfig=oidc_config())
    assert error_of(exc)[0] == "ValidationException"


def test_oidc_settings_change_only_while_the_workforce_has_no_teams() -> None:
    client = sagemaker()
    client.create_workforce(WorkforceName="oidc", OidcConfig=oidc_config())
    client.update_workforce(WorkforceName="oidc", OidcConfig=oidc_config())
    client.create_workteam(
        WorkteamName="team",
        Description="d",
        MemberDefinitions=[{"OidcMemberDefinition": {"Groups": ["labelers"]}}],
    )
    with pytest.raises(ClientError) as exc:
        client.update_workforce(WorkforceName="oidc", OidcConfig=oidc_config())
    assert error_of(exc)[0] == "ValidationException"
    described = client.describe_workforce(WorkforceName="oidc")["Workforce"]
    assert "ClientSecret" not in described["OidcConfig"]


@pytest.mark.parametrize(
    "call", ["describe_workforce", "delete_workforce", "update_workforce"]
)
def test_a_missing_workforce_is_a_validation_exception_naming_no_workforce(
    call: str,
) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(sagemaker(), call)(WorkforceName="crowd")
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert message.startswith("No workforce")


def test_a_workforce_with_teams_cannot_be_deleted(pool: Pool, workforce: str) -> None:
    create_team(pool)
    with pytest.raises(ClientError) as exc:
        sagemaker().delete_workforce(WorkforceName=workforce)
    assert error_of(exc)[0] == "ResourceInUse"
    sagemaker().delete_workteam(WorkteamName="team")
    sagemaker().delete_workforce(WorkforceName=workforce)
    assert sagemaker().list_workforces()["Workforces"] == []


def test_a_deleting_workforce_blocks_a_new_one_until_it_is_gone(
    aws_env: EmulatorControl, pool: Pool, workforce: str
) -> None:
    aws_env.sagemaker(activation_delay=30.0)
    sagemaker().delete_workforce(WorkforceName=workforce)
    described = sagemaker().describe_workforce(WorkforceName=workforce)["Workforce"]
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workforce(
            WorkforceName="next", CognitoConfig=cognito_config(pool)
        )
    assert described["Status"] == "Deleting"
    assert error_of(exc)[1].startswith("Cannot create more than one workforce")


def test_list_workforces_filters_by_name(workforce: str) -> None:
    found = sagemaker().list_workforces(NameContains="cro")["Workforces"]
    missed = sagemaker().list_workforces(NameContains="zzz")["Workforces"]
    assert [w["WorkforceName"] for w in found] == [workforce]
    assert missed == []


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException"])
def test_an_account_closed_to_ground_truth_cannot_create(
    aws_env: EmulatorControl, pool: Pool, code: str
) -> None:
    aws_env.sagemaker(closed_to_new_customers=True, closed_error_code=code)
    with pytest.raises(ClientError) as workforce_exc:
        sagemaker().create_workforce(
            WorkforceName="crowd", CognitoConfig=cognito_config(pool)
        )
    with pytest.raises(ClientError) as team_exc:
        create_team(pool)
    assert error_of(workforce_exc)[0] == error_of(team_exc)[0] == code
    assert sagemaker().list_workteams()["Workteams"] == []


def test_an_account_with_a_workforce_counts_as_an_existing_customer(
    aws_env: EmulatorControl, pool: Pool, workforce: str
) -> None:
    aws_env.sagemaker(closed_to_new_customers=True)
    assert create_team(pool).endswith(":workteam/private-crowd/team")


# -- work teams --------------------------------------------------------------


def test_first_team_without_a_workforce_creates_the_default_workforce(
    pool: Pool,
) -> None:
    arn = create_team(pool)
    workforces = sagemaker().list_workforces()["Workforces"]
    team = sagemaker().describe_workteam(WorkteamName="team")["Workteam"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team"
    assert [w["WorkforceName"] for w in workforces] == ["default"]
    assert workforces[0]["CognitoConfig"] == cognito_config(pool)
    assert team["WorkforceArn"] == workforces[0]["WorkforceArn"]
    assert team["SubDomain"] == workforces[0]["SubDomain"]


def test_team_naming_a_missing_workforce_is_refused_and_creates_nothing(
    pool: Pool,
) -> None:
    with pytest.raises(ClientError) as exc:
        create_team(pool, WorkforceName="absent")
    assert error_of(exc)[1].startswith("No workforce")
    assert sagemaker().list_workforces()["Workforces"] == []


@pytest.mark.parametrize("description", [None, "", "x" * 201])
def test_team_description_is_required_and_at_most_200_characters(
    pool: Pool, workforce: str, description: str | None
) -> None:
    params: dict[str, Any] = {
        "WorkteamName": "team",
        "MemberDefinitions": [member(pool)],
    }
    if description is not None:
        params["Description"] = description
    with pytest.raises(ClientError) as exc:
        sagemaker(validate=False).create_workteam(**params)
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert "'description'" in message


def test_team_members_must_use_the_workforce_pool_and_client(
    pool: Pool, workforce: str
) -> None:
    other = make_pool()
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workteam(
            WorkteamName="team", Description="d", MemberDefinitions=[member(other)]
        )
    assert error_of(exc)[0] == "ValidationException"


def test_all_members_of_a_team_must_share_one_pool_and_client(
    pool: Pool, workforce: str
) -> None:
    stray = member(pool)
    stray["CognitoMemberDefinition"]["ClientId"] = "another-client"
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workteam(
            WorkteamName="team",
            Description="d",
            MemberDefinitions=[member(pool), stray],
        )
    assert error_of(exc)[0] == "ValidationException"


def test_a_team_has_one_to_ten_member_definitions(pool: Pool, workforce: str) -> None:
    members = [member(pool) for _ in range(11)]
    with pytest.raises(ClientError) as too_many:
        sagemaker().create_workteam(
            WorkteamName="team", Description="d", MemberDefinitions=members
        )
    with pytest.raises(ClientError) as none:
        sagemaker(validate=False).create_workteam(
            WorkteamName="team", Description="d", MemberDefinitions=[]
        )
    assert error_of(too_many)[0] == error_of(none)[0] == "ValidationException"


def test_a_team_group_must_exist_in_the_pool(pool: Pool, workforce: str) -> None:
    with pytest.raises(ClientError) as exc:
        sagemaker().create_workteam(
            WorkteamName="team",
            Description="d",
            MemberDefinitions=[member(pool, "no-such-group")],
        )
    assert error_of(exc)[0] == "ValidationException"


def test_a_duplicate_team_name_is_resource_in_use(pool: Pool, workforce: str) -> None:
    create_team(pool)
    with pytest.raises(ClientError) as exc:
        create_team(pool)
    assert error_of(exc)[0] == "ResourceInUse"


def test_the_twenty_sixth_team_exceeds_the_limit(pool: Pool, workforce: str) -> None:
    for i in range(25):
        create_team(pool, f"team{i}")
    with pytest.raises(ClientError) as exc:
        create_team(pool, "team25")
    assert error_of(exc)[0] == "ResourceLimitExceeded"
    assert len(sagemaker().list_workteams(MaxResults=100)["Workteams"]) == 25


@pytest.mark.parametrize(
    "call", ["describe_workteam", "delete_workteam", "update_workteam"]
)
def test_a_missing_team_is_a_validation_exception_naming_the_work_team(
    call: str,
) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(sagemaker(), call)(WorkteamName="team")
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert message.startswith("The work team")


def test_update_team_replaces_description_members_and_notification(
    pool: Pool, workforce: str
) -> None:
    boto3.client("cognito-idp").create_group(UserPoolId=pool.id, GroupName="reviewers")
    topic = boto3.client("sns").create_topic(Name="work")["TopicArn"]
    create_team(pool)
    updated = sagemaker().update_workteam(
        WorkteamName="team",
        Description="Reviewers",
        MemberDefinitions=[member(pool, "reviewers")],
        NotificationConfiguration={"NotificationTopicArn": topic},
    )["Workteam"]
    assert updated["Description"] == "Reviewers"
    assert updated["MemberDefinitions"] == [member(pool, "reviewers")]
    assert updated["NotificationConfiguration"]["NotificationTopicArn"] == topic


def test_a_team_notification_topic_must_be_an_sns_arn(
    pool: Pool, workforce: str
) -> None:
    with pytest.raises(ClientError) as exc:
        create_team(
            pool,
            NotificationConfiguration={
                "NotificationTopicArn": "arn:aws:sqs:us-east-1:123456789012:queue"
            },
        )
    assert error_of(exc)[0] == "ValidationException"


def test_creating_a_team_rewrites_the_app_client_urls(
    pool: Pool, workforce: str
) -> None:
    cognito = boto3.client("cognito-idp")
    cognito.update_user_pool_client(
        UserPoolId=pool.id, ClientId=pool.client_id, CallbackURLs=["https://127.0.0.1"]
    )
    create_team(pool)
    client = cognito.describe_user_pool_client(
        UserPoolId=pool.id, ClientId=pool.client_id
    )["UserPoolClient"]
    assert client["CallbackURLs"][0].endswith("/oauth2/idpresponse")


def test_list_workteams_sorts_by_name_and_pages(pool: Pool, workforce: str) -> None:
    for name in ("charlie", "alpha", "bravo"):
        create_team(pool, name)
    first = sagemaker().list_workteams(SortBy="Name", MaxResults=2)
    second = sagemaker().list_workteams(
        SortBy="Name", MaxResults=2, NextToken=first["NextToken"]
    )
    names = [t["WorkteamName"] for t in first["Workteams"] + second["Workteams"]]
    assert names == ["alpha", "bravo", "charlie"]
    assert "NextToken" not in second


def test_delete_workteam_answers_success_and_forgets_the_team(
    pool: Pool, workforce: str
) -> None:
    create_team(pool)
    assert sagemaker().delete_workteam(WorkteamName="team")["Success"] is True
    assert sagemaker().list_workteams()["Workteams"] == []


def test_oidc_workforce_takes_only_oidc_members(pool: Pool) -> None:
    sagemaker().create_workforce(WorkforceName="oidc", OidcConfig=oidc_config())
    with pytest.raises(ClientError) as exc:
        create_team(pool)
    assert error_of(exc)[0] == "ValidationException"


# -- tags --------------------------------------------------------------------


def test_team_tags_are_set_on_create_and_changed_by_the_tag_api(
    pool: Pool, workforce: str
) -> None:
    arn = create_team(pool, Tags=[{"Key": "gtprov:managed-by", "Value": "gtprov"}])
    client = sagemaker()
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}])
    client.delete_tags(ResourceArn=arn, TagKeys=["team"])
    tags = client.list_tags(ResourceArn=arn)["Tags"]
    assert tags == [{"Key": "gtprov:managed-by", "Value": "gtprov"}]


def test_workforce_tags_cannot_be_listed_by_default(
    aws_env: EmulatorControl, workforce: str
) -> None:
    arn = sagemaker().describe_workforce(WorkforceName=workforce)["Workforce"][
        "WorkforceArn"
    ]
    with pytest.raises(ClientError) as exc:
        sagemaker().list_tags(ResourceArn=arn)
    aws_env.sagemaker(workforce_tagging=True)
    sagemaker().add_tags(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    assert error_of(exc) == ("ValidationException", "Invalid resource type: workforce")
    assert sagemaker().list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "k", "Value": "v"}
    ]


def test_reserved_and_excess_tags_are_refused(pool: Pool, workforce: str) -> None:
    arn = create_team(pool)
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    with pytest.raises(ClientError) as reserved:
        sagemaker().add_tags(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "v"}])
    with pytest.raises(ClientError) as excess:
        sagemaker().add_tags(ResourceArn=arn, Tags=many)
    assert error_of(reserved)[0] == error_of(excess)[0] == "ValidationException"


def test_tags_of_a_missing_team_are_a_validation_exception() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/gone"
    with pytest.raises(ClientError) as exc:
        sagemaker().list_tags(ResourceArn=arn)
    assert error_of(exc)[0] == "ValidationException"
