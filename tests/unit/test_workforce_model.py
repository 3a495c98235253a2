"""build_workforce's validation and the portal app-client settings."""

from __future__ import annotations

import pytest

from gtprov.errors import InputError
from gtprov.models.workforce import (
    Fields,
    build_workforce,
    missing_client_settings,
    portal_urls,
)

SUB = "abc123.labeling.us-east-1.sagemaker.aws"


def test_build_workforce_names_pool_and_client_after_the_workforce() -> None:
    wf = build_workforce(name="default", teams=["labelers", "labelers", "qa"])
    assert wf.user_pool.name == wf.app_client.name == "gtprov-default"
    assert [(t.name, t.group) for t in wf.teams] == [
        ("labelers", "labelers"),
        ("qa", "qa"),
    ]
    assert wf.cidrs is None


def test_build_workforce_keeps_cidrs_unique_and_sorted() -> None:
    wf = build_workforce(
        name="wf", teams=["t"], cidrs=["10.0.0.0/8", "192.0.2.0/24", "10.0.0.0/8"]
    )
    assert wf.cidrs == ("10.0.0.0/8", "192.0.2.0/24")


def test_more_than_ten_cidrs_are_refused() -> None:
    cidrs = [f"10.0.{i}.0/24" for i in range(11)]
    with pytest.raises(InputError) as caught:
        build_workforce(name="wf", teams=["t"], cidrs=cidrs)
    assert caught.value.field == "--cidr"


def test_more_than_25_teams_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        build_workforce(name="wf", teams=[f"t{i}" for i in range(26)])
    assert caught.value.field == "--team"


def test_a_team_name_with_an_outer_hyphen_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        build_workforce(name="wf", teams=["ok", "bad-"])
    assert caught.value.field == "--team"


def test_config_file_fields_name_the_key_path() -> None:
    fields = Fields(teams="workforce.teams", indexed=True)
    with pytest.raises(InputError) as caught:
        build_workforce(name="wf", teams=["ok", "-bad"], fields=fields)
    assert caught.value.field == "workforce.teams[1]"


def test_topic_options_are_exclusive() -> None:
    with pytest.raises(InputError) as caught:
        build_workforce(
            name="wf",
            teams=["t"],
            notification_topic="arn:aws:sns:us-east-1:123456789012:t",
            create_topic="t",
        )
    assert caught.value.field == "--create-topic"


def test_tags_may_not_use_gtprov_keys() -> None:
    with pytest.raises(InputError) as caught:
        build_workforce(name="wf", teams=["t"], tags=["gtprov:managed-by=me"])
    assert caught.value.field == "--tag"


def test_domain_prefix_rules_come_from_cognito() -> None:
    with pytest.raises(InputError) as caught:
        build_workforce(name="wf", teams=["t"], domain_prefix="my-aws-team")
    assert caught.value.field == "--domain-prefix"


def test_a_bare_client_gets_every_portal_setting() -> None:
    changes = missing_client_settings({"ClientId": "c"}, SUB)
    assert changes == {
        "AllowedOAuthFlows": ["code", "implicit"],
        "AllowedOAuthScopes": ["email", "openid", "profile"],
        "SupportedIdentityProviders": ["COGNITO"],
        "CallbackURLs": [portal_urls(SUB)["CallbackURLs"]],
        "LogoutURLs": [portal_urls(SUB)["LogoutURLs"]],
        "AllowedOAuthFlowsUserPoolClient": True,
    }


def test_settings_sagemaker_or_admins_added_are_not_drift() -> None:
    current = {
        "AllowedOAuthFlows": ["implicit", "code"],
        "AllowedOAuthScopes": ["profile", "openid", "email", "phone"],
        "SupportedIdentityProviders": ["COGNITO", "Google"],
        "CallbackURLs": ["https://extra.example", portal_urls(SUB)["CallbackURLs"]],
        "LogoutURLs": [portal_urls(SUB)["LogoutURLs"]],
        "AllowedOAuthFlowsUserPoolClient": True,
    }
    assert missing_client_settings(current, SUB) == {}


def test_a_missing_url_is_added_to_the_ones_there() -> None:
    current = {"CallbackURLs": ["https://127.0.0.1"]}
    changes = missing_client_settings(current, SUB)
    assert changes["CallbackURLs"] == [
        "https://127.0.0.1",
        portal_urls(SUB)["CallbackURLs"],
    ]
