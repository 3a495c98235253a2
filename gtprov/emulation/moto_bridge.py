"""The one module of gtprov that imports moto (the optional ``sandbox`` extra).

Each function wraps one thing moto offers, as moto's own server does it
(``moto.server``, ``ThreadedMotoServer``, ``/moto-api/reset``,
``/moto-api/reset-auth``), so the rest of the emulation depends on small,
typed seams instead of moto's internals.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

from werkzeug.serving import WSGIRequestHandler

from gtprov.emulation.workforce import partition_of


class WsgiApp(Protocol):
    def __call__(
        self, environ: dict[str, Any], start_response: Any
    ) -> Iterable[bytes]: ...


def moto_app() -> WsgiApp:
    """moto's server application: every service moto emulates, by request."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )

    _parse_cognito_signing_key_once()
    return DomainDispatcherApplication(create_backend_app)


def _parse_cognito_signing_key_once() -> None:
    """Give every moto user pool the same parsed signing key.

    moto signs tokens of every user pool with one static RSA key
    (``cognitoidp/resources/jwks-private.json``) but parses it again for each
    new pool, 0.14 s of CPU each: most of the time of a functional test that
    makes a pool. The key and the tokens stay exactly what moto makes.
    """
    from joserfc import jwk
    from moto.cognitoidp import models
    from moto.utilities.utils import load_resource

    if isinstance(vars(models).get("jwk"), SimpleNamespace):
        return
    key = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    parsed_once = SimpleNamespace(import_key=lambda _data: key)
    setattr(models, "jwk", SimpleNamespace(RSAKey=parsed_once))  # noqa: B010 - replaces the module name moto's pools read; a plain assignment mistypes it


def request_handler() -> type[WSGIRequestHandler]:
    """moto's request handler (it keeps S3 metadata headers with underscores),
    without werkzeug's access log: the server logs AWS calls itself."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """No ``POST / 200`` lines; see ``Emulator.calls``."""

    return QuietHandler


def reset_moto() -> None:
    """Forget every resource in every moto backend (``POST /moto-api/reset``)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def set_iam_enforcement(enabled: bool) -> None:
    """Make moto check each call against the caller's IAM policies, or stop.

    moto authorizes a request once ``ActionAuthenticatorMixin.request_count``
    reaches ``settings.INITIAL_NO_AUTH_ACTION_COUNT`` (infinite by default);
    this is what ``set_initial_no_auth_action_count`` and
    ``/moto-api/reset-auth`` change. Calls must then be signed with an access
    key moto's IAM issued; ``testing`` credentials are refused.
    """
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if enabled else float("inf")
    ActionAuthenticatorMixin.request_count = 0


def iam_enforcement_enabled() -> bool:
    from moto import settings

    return bool(settings.INITIAL_NO_AUTH_ACTION_COUNT == 0)


def account_id_for(access_key: str, headers: Mapping[str, str]) -> str:
    """The account a request acts in, found the way moto finds it."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if headers.get("x-moto-account-id"):
        return headers["x-moto-account-id"]
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(access_key))


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    access_key: str
    region: str


@dataclass(frozen=True)
class Denial:
    code: str
    message: str


def authorize(
    request: SignedRequest, account_id: str, actions: Sequence[tuple[str, str]]
) -> Denial | None:
    """Check the signature and that the caller may do each ``(action, resource)``.

    moto's own check for the services it emulates, applied to calls it does
    not see. Errors carry the JSON-protocol codes SageMaker uses.
    """
    if "Authorization" not in request.headers:
        return Denial(
            "MissingAuthenticationTokenException", "Missing Authentication Token"
        )
    denial = _check_signature(request, account_id, actions[0][0])
    if denial is not None:
        return denial
    key = _access_key(request, account_id)
    for action, resource in actions:
        if not _permitted(key, action, resource):
            return Denial("AccessDeniedException", _denied(key, action, resource))
    return None


def _check_signature(
    request: SignedRequest, account_id: str, action: str
) -> Denial | None:
    from moto.core.exceptions import (
        InvalidClientTokenIdError,
        SignatureDoesNotMatchError,
    )
    from moto.iam.access_control import IAMRequest

    try:
        IAMRequest(
            account_id=account_id,
            method=request.method,
            path=request.path,
            data={},
            body=request.body,
            headers=request.headers,  # type: ignore[arg-type]  # moto wants a dict; a case-insensitive Mapping reads the same
            action=action.partition(":")[2],
        ).check_signature()
    except InvalidClientTokenIdError:
        message = "The security token included in the request is invalid."
        return Denial("UnrecognizedClientException", message)
    except SignatureDoesNotMatchError:
        message = (
            "The request signature we calculated does not match the signature "
            "you provided."
        )
        return Denial("InvalidSignatureException", message)
    return None


def _access_key(request: SignedRequest, account_id: str) -> Any:
    from moto.iam.access_control import create_access_key

    return create_access_key(
        account_id=account_id,
        partition=partition_of(request.region),
        access_key_id=request.access_key,
        headers=request.headers,  # type: ignore[arg-type]  # as in _check_signature
    )


def _permitted(key: Any, action: str, resource: str) -> bool:
    """IAM's evaluation as moto does it: an explicit Deny wins, else any Allow."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    allowed = False
    for policy in key.collect_policies():
        result = IAMPolicy(policy).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return False
        allowed = allowed or result == PermissionResult.PERMITTED
    return allowed


def _denied(key: Any, action: str, resource: str) -> str:
    return (
        f"User: {key.arn} is not authorized to perform: {action} on resource: "
        f"{resource} because no identity-based policy allows the {action} action"
    )


class MotoCognito:
    """The fake SageMaker's view of Cognito: moto's cognito-idp backend, in-process."""

    def user_pool_exists(self, account_id: str, region: str, user_pool: str) -> bool:
        return self._pool(account_id, region, user_pool) is not None

    def user_pool_has_domain(
        self, account_id: str, region: str, user_pool: str
    ) -> bool:
        pool = self._pool(account_id, region, user_pool)
        return pool is not None and pool.domain is not None

    def client_exists(
        self, account_id: str, region: str, user_pool: str, client_id: str
    ) -> bool:
        pool = self._pool(account_id, region, user_pool)
        return pool is not None and client_id in pool.clients

    def group_exists(
        self, account_id: str, region: str, user_pool: str, group: str
    ) -> bool:
        pool = self._pool(account_id, region, user_pool)
        return pool is not None and group in pool.groups

    def update_client(
        self,
        account_id: str,
        region: str,
        user_pool: str,
        client_id: str,
        settings: Mapping[str, Any],
    ) -> None:
        backend = self._backend(account_id, region)
        backend.update_user_pool_client(user_pool, client_id, dict(settings))

    def _pool(self, account_id: str, region: str, user_pool: str) -> Any:
        return self._backend(account_id, region).user_pools.get(user_pool)

    def _backend(self, account_id: str, region: str) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        return cognitoidp_backends[account_id][region]
