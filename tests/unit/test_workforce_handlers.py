"""Workforce handlers after a lost response, against scripted fakes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from gtprov.errors import ConflictError
from gtprov.execute.executor import ExecContext
from gtprov.execute.workforce import configure_portal_client, create_domain

SUB = "abc.labeling.us-east-1.sagemaker.aws"
UPDATE_FIELDS = (
    "UserPoolId",
    "ClientId",
    "RefreshTokenValidity",
    "CallbackURLs",
    "LogoutURLs",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "SupportedIdentityProviders",
)


def invalid(message: str) -> ClientError:
    error = {"Code": "InvalidParameterException", "Message": message}
    return ClientError({"Error": error}, "CreateUserPoolDomain")


class FakeIdp:
    def __init__(self, domain_error: str = "", holder: str = "pool") -> None:
        self.domain_error = domain_error
        self.holder = holder
        self.client: dict[str, Any] = {
            "UserPoolId": "pool",
            "ClientId": "c",
            "ClientSecret": "s3cr3t",
            "RefreshTokenValidity": 10,
            "LogoutURLs": [f"https://{SUB}/logout"],
        }
        self.updates: list[dict[str, Any]] = []

    def create_user_pool_domain(self, **_: Any) -> dict[str, Any]:
        if self.domain_error:
            raise invalid(self.domain_error)
        return {}

    def describe_user_pool_domain(self, **params: Any) -> dict[str, Any]:
        desc = {
            "UserPoolId": self.holder,
            "Domain": params["Domain"],
            "Status": "ACTIVE",
        }
        return {"DomainDescription": desc}

    def describe_user_pool_client(self, **_: Any) -> dict[str, Any]:
        return {"UserPoolClient": dict(self.client)}

    def update_user_pool_client(self, **params: Any) -> dict[str, Any]:
        self.updates.append(params)
        return {}

    @property
    def meta(self) -> Any:
        """Just enough of botocore's client.meta: UpdateUserPoolClient's fields."""
        members = dict.fromkeys(UPDATE_FIELDS)
        shape = type("Shape", (), {"members": members})
        operation = type("Operation", (), {"input_shape": shape})
        model = type("Model", (), {"operation_model": lambda _self, _name: operation})
        return type("Meta", (), {"service_model": model()})


class FakeSession:
    def __init__(self, idp: FakeIdp) -> None:
        self.idp = idp

    def client(self, service: str, **_: Any) -> FakeIdp:
        return self.idp


def ctx(idp: FakeIdp) -> ExecContext:
    return ExecContext(aws=FakeSession(idp))


@pytest.mark.parametrize(
    "message",
    [
        "Domain already associated with another user pool.",
        "User pool already has a domain configured.",
    ],
)
def test_a_domain_our_pool_already_holds_is_done(message: str) -> None:
    idp = FakeIdp(domain_error=message, holder="pool")
    assert create_domain(ctx(idp), {"user_pool_id": "pool", "prefix": "p"}) == {}


def test_a_prefix_another_pool_holds_asks_for_another_prefix() -> None:
    idp = FakeIdp(domain_error="Domain already associated with another user pool.")
    idp.holder = "someone-else"
    with pytest.raises(ConflictError) as caught:
        create_domain(ctx(idp), {"user_pool_id": "pool", "prefix": "p"})
    assert caught.value.hint
    assert "--domain-prefix" in caught.value.hint


def test_the_client_update_sends_every_field_it_read_but_the_secret() -> None:
    idp = FakeIdp()
    params = {"user_pool_id": "pool", "client_id": "c", "subdomain": SUB}
    configure_portal_client(ctx(idp), params)
    (sent,) = idp.updates
    assert sent["RefreshTokenValidity"] == 10
    assert "ClientSecret" not in sent
    assert sent["LogoutURLs"] == [f"https://{SUB}/logout"]
    assert sent["CallbackURLs"] == [f"https://{SUB}/oauth2/idpresponse"]
    assert sent["AllowedOAuthFlowsUserPoolClient"] is True
