"""The emulation server: every AWS service gtprov calls, at one local endpoint.

One WSGI application answers at ``AWS_ENDPOINT_URL``. A request signed for
service ``sagemaker`` whose ``X-Amz-Target`` names a workforce or work-team
operation (or a tag operation on a workforce/work-team ARN) goes to the
project's fake (``workforce.WorkforceBackend``); everything else goes to
moto's server application, exactly as ``moto_server`` would answer it.

Around both sit a call log and fault injection, and control endpoints under
``/_gtprov/`` (documented in docs/emulation.md):

=======  ===========================  ==========================================
POST     /_gtprov/reset               forget all resources, calls, faults, settings
GET      /_gtprov/health              ``{"service": "gtprov-sandbox", "pid": ...}``
GET      /_gtprov/calls               ``{"calls": [...]}`` every AWS request seen
DELETE   /_gtprov/calls               clear the call log
GET/POST /_gtprov/faults              read / replace the fault plan (faults.py)
DELETE   /_gtprov/faults              no faults
GET/POST /_gtprov/iam-enforcement     ``{"enabled": true}``: moto's IAM checks
GET/POST /_gtprov/sagemaker           settings of the fake (SageMakerSettings)
=======  ===========================  ==========================================

moto is reached only through ``moto_bridge``; this module imports werkzeug,
which moto's server extra brings along.
"""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import get_input_stream

from gtprov import __version__
from gtprov.emulation import faults, moto_bridge, protocol
from gtprov.emulation.protocol import AwsCall
from gtprov.emulation.workforce import (
    SageMakerError,
    SageMakerSettings,
    WorkforceBackend,
)

CONTROL_PREFIX = "/_gtprov/"
SERVICE_NAME = "gtprov-sandbox"
TAG_OPERATIONS = frozenset({"AddTags", "ListTags", "DeleteTags"})
_JSON_TYPE = "application/x-amz-json-1.1"
_COGNITO_ACTIONS = (
    "cognito-idp:DescribeUserPool",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:UpdateUserPool",
    "cognito-idp:UpdateUserPoolClient",
)
_FIELD_TYPES: dict[str, type] = {"float": float, "int": int, "bool": bool, "str": str}
Environ = dict[str, Any]
StartResponse = Callable[..., Any]
ControlHandler = Callable[[Request], Response]


class CallLog:
    """Every AWS request the server received, oldest first. Thread-safe.

    ``echo``, if given, receives one line per call (``iam:CreateRole 200``).
    """

    def __init__(self, echo: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._calls: list[dict[str, Any]] = []
        self._echo = echo

    def record(self, call: AwsCall, status: int, fault: str | None) -> None:
        entry = {
            "service": call.service,
            "operation": call.operation,
            "is_write": call.is_write,
            "timestamp": time.time(),
            "region": call.region,
            "protocol": call.protocol,
            "invocation_id": call.invocation_id,
            "attempt": call.attempt,
            "status": status,
            "fault": fault,
        }
        with self._lock:
            self._calls.append(entry)
        if self._echo is not None:
            shown = f" [{fault}]" if fault else ""
            self._echo(f"{call.key} {status}{shown}")

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


class Emulator:
    """The WSGI application. ``settings`` are the fake's defaults after a reset;
    ``echo`` receives a line per AWS call."""

    def __init__(
        self,
        settings: SageMakerSettings | None = None,
        *,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.defaults = replace(settings or SageMakerSettings())
        self.sagemaker = WorkforceBackend(
            replace(self.defaults), cognito=moto_bridge.MotoCognito()
        )
        self.moto = moto_bridge.moto_app()
        self.calls = CallLog(echo)
        self.faults = faults.FaultPlan()
        # moto's backends are not thread-safe (concurrent AdminCreateUser
        # calls mutate one OrderedDict while another iterates it), while AWS
        # serves concurrent calls. One request reaches the backends at a time;
        # added latency is slept outside the lock, so clients still overlap.
        self._backend_lock = threading.Lock()
        self._controls: dict[tuple[str, str], ControlHandler] = {
            ("GET", "health"): self._health,
            ("POST", "reset"): self._reset,
            ("GET", "calls"): self._get_calls,
            ("DELETE", "calls"): self._clear_calls,
            ("GET", "faults"): self._get_faults,
            ("POST", "faults"): self._set_faults,
            ("DELETE", "faults"): self._clear_faults,
            ("GET", "iam-enforcement"): self._get_enforcement,
            ("POST", "iam-enforcement"): self._set_enforcement,
            ("GET", "sagemaker"): self._get_sagemaker,
            ("POST", "sagemaker"): self._set_sagemaker,
        }

    def __call__(
        self, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(Request(environ))(environ, start_response)
        return self._aws(environ, start_response)

    def reset(self) -> None:
        moto_bridge.reset_moto()
        moto_bridge.set_iam_enforcement(False)
        self.sagemaker.reset(self.defaults)
        self.calls.clear()
        self.faults = faults.FaultPlan()

    # -- AWS calls ----------------------------------------------------------

    def _aws(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        body = _buffer_body(environ)
        call = protocol.classify(
            request.method,
            request.path,
            environ.get("QUERY_STRING", ""),
            _headers(request),
            body,
        )
        plan = self.faults
        if plan.latency_ms:
            time.sleep(plan.latency_ms / 1000)
        mode = plan.decide(call)
        capture = _StatusCapture(start_response)
        try:
            with self._backend_lock:
                return list(self._answer(call, mode, request, body, environ, capture))
        finally:
            self.calls.record(call, capture.status, mode)

    def _answer(
        self,
        call: AwsCall,
        mode: str | None,
        request: Request,
        body: bytes,
        environ: Environ,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        if mode == faults.LOST_RESPONSE:
            _discard(self._backend(call, request, body), environ)
            mode = faults.SERVER_ERROR
        if mode is not None:
            return self._fault(call, mode, request)(environ, start_response)
        return self._backend(call, request, body)(environ, start_response)

    def _backend(
        self, call: AwsCall, request: Request, body: bytes
    ) -> moto_bridge.WsgiApp:
        if _for_fake(call, self.sagemaker.operations):
            return self._sagemaker_reply(call, request, body)
        return self.moto

    def _fault(self, call: AwsCall, mode: str, request: Request) -> Response:
        if mode == faults.THROTTLE:
            code, message, status = protocol.throttle_error(call)
        elif mode == faults.ACCESS_DENIED:
            account = moto_bridge.account_id_for(call.access_key, _headers(request))
            code, message, status = protocol.denied_error(call, account)
        else:
            code, message, status = protocol.failure_error(call)
        return _error_response(call, code, message, status)

    def _sagemaker_reply(
        self, call: AwsCall, request: Request, body: bytes
    ) -> Response:
        account = moto_bridge.account_id_for(call.access_key, _headers(request))
        denial = self._authorize(call, request, body, account)
        if denial is not None:
            return _error_response(call, denial.code, denial.message, 400)
        try:
            result = self.sagemaker.handle(
                call.operation, call.params, account_id=account, region=call.region
            )
        except SageMakerError as exc:
            return _error_response(call, exc.code, exc.message, exc.status)
        return _json_response(result)

    def _authorize(
        self, call: AwsCall, request: Request, body: bytes, account: str
    ) -> moto_bridge.Denial | None:
        """With IAM enforcement on, check the caller may make this call.

        Real SageMaker also needs the caller's Cognito permissions for
        CreateWorkforce and CreateWorkteam (its API permission reference), so
        those are checked too, on the user pool's ARN.
        """
        if not moto_bridge.iam_enforcement_enabled():
            return None
        signed = moto_bridge.SignedRequest(
            request.method,
            request.path,
            _headers(request),
            body,
            call.access_key,
            call.region,
        )
        return moto_bridge.authorize(signed, account, _required_actions(call, account))

    # -- control endpoints ----------------------------------------------------

    def _control(self, request: Request) -> Response:
        name = request.path[len(CONTROL_PREFIX) :].strip("/")
        handler = self._controls.get((request.method, name))
        if handler is None:
            return _control_json({"error": f"no {request.method} /_gtprov/{name}"}, 404)
        try:
            return handler(request)
        except ValueError as exc:
            return _control_json({"error": str(exc)}, 400)

    def _health(self, _: Request) -> Response:
        return _control_json(
            {"service": SERVICE_NAME, "pid": os.getpid(), "version": __version__}
        )

    def _reset(self, _: Request) -> Response:
        self.reset()
        return _control_json({"status": "ok"})

    def _get_calls(self, _: Request) -> Response:
        return _control_json({"calls": self.calls.snapshot()})

    def _clear_calls(self, _: Request) -> Response:
        self.calls.clear()
        return _control_json({"status": "ok"})

    def _get_faults(self, _: Request) -> Response:
        return _control_json(self.faults.to_json())

    def _set_faults(self, request: Request) -> Response:
        self.faults = faults.FaultPlan.from_json(_json_body(request))
        return _control_json(self.faults.to_json())

    def _clear_faults(self, _: Request) -> Response:
        self.faults = faults.FaultPlan()
        return _control_json(self.faults.to_json())

    def _get_enforcement(self, _: Request) -> Response:
        return _control_json({"enabled": moto_bridge.iam_enforcement_enabled()})

    def _set_enforcement(self, request: Request) -> Response:
        enabled = _json_body(request).get("enabled")
        if not isinstance(enabled, bool):
            raise ValueError("'enabled' must be true or false")
        moto_bridge.set_iam_enforcement(enabled)
        return self._get_enforcement(request)

    def _get_sagemaker(self, _: Request) -> Response:
        return _control_json(asdict(self.sagemaker.settings))

    def _set_sagemaker(self, request: Request) -> Response:
        self.sagemaker.settings = _updated_settings(
            self.sagemaker.settings, _json_body(request)
        )
        return _control_json(asdict(self.sagemaker.settings))


def make_app(
    settings: SageMakerSettings | None = None,
    *,
    echo: Callable[[str], None] | None = None,
) -> Emulator:
    """The emulation server's WSGI application, with the fake's default settings."""
    return Emulator(settings, echo=echo)


@dataclass
class ServerHandle:
    """A server running in a background thread of this process."""

    url: str
    app: Emulator
    _server: BaseWSGIServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    app: Emulator | None = None,
) -> ServerHandle:
    """Start serving in a daemon thread; ``port=0`` picks a free port."""
    app = app or make_app()
    server = _make_server(host, port, app)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=SERVICE_NAME,
        daemon=True,
    )
    thread.start()
    return ServerHandle(_url(host, server.server_port), app, server, thread)


def run(
    host: str,
    port: int,
    *,
    app: Emulator | None = None,
    echo: Callable[[str], None] | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in this thread until Ctrl-C or SIGTERM; ``echo`` each AWS call."""
    server = _make_server(host, port, app or make_app(echo=echo))
    if on_ready is not None:
        on_ready(_url(host, server.server_port))
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _make_server(host: str, port: int, app: Emulator) -> BaseWSGIServer:
    handler = moto_bridge.request_handler()
    return make_server(host, port, app, threaded=True, request_handler=handler)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


# -- helpers ---------------------------------------------------------------


class _StatusCapture:
    """Passes ``start_response`` through and keeps the HTTP status code."""

    def __init__(self, start_response: StartResponse) -> None:
        self._start_response = start_response
        self.status = 0

    def __call__(self, status: str, headers: Any, exc_info: Any = None) -> Any:
        self.status = int(status.split(" ", 1)[0])
        return self._start_response(status, headers, exc_info)


def _headers(request: Request) -> protocol.HeaderMap:
    return protocol.HeaderMap(request.headers.items())


def _buffer_body(environ: Environ) -> bytes:
    """Read the request body and put it back, for the backend to read again."""
    body = get_input_stream(environ).read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def _discard(app: moto_bridge.WsgiApp, environ: Environ) -> None:
    """Run a request to completion and drop its response (a lost response)."""
    chunks = app(environ, lambda *_: lambda _: None)
    try:
        for _ in chunks:
            pass
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _for_fake(call: AwsCall, operations: frozenset[str]) -> bool:
    if call.service != "sagemaker" or call.protocol != protocol.JSON:
        return False
    if call.operation in TAG_OPERATIONS:
        arn = str(call.params.get("ResourceArn", ""))
        return ":workforce/" in arn or ":workteam/" in arn
    return call.operation in operations


def _required_actions(call: AwsCall, account: str) -> list[tuple[str, str]]:
    actions = [(f"sagemaker:{call.operation}", _sagemaker_resource(call, account))]
    pool = _cognito_pool(call)
    if pool is not None:
        pool_arn = f"arn:aws:cognito-idp:{call.region}:{account}:userpool/{pool}"
        actions += [(action, pool_arn) for action in _COGNITO_ACTIONS]
    return actions


def _sagemaker_resource(call: AwsCall, account: str) -> str:
    prefix = f"arn:aws:sagemaker:{call.region}:{account}"
    p = call.params
    if call.operation in TAG_OPERATIONS:
        return str(p.get("ResourceArn", "*"))
    if "WorkteamName" in p:
        return f"{prefix}:workteam/private-crowd/{p['WorkteamName']}"
    if "WorkforceName" in p:
        return f"{prefix}:workforce/{p['WorkforceName']}"
    return "*"


def _cognito_pool(call: AwsCall) -> str | None:
    """The user pool SageMaker reads and edits on the caller's behalf, if any."""
    if call.operation == "CreateWorkforce":
        return _text((call.params.get("CognitoConfig") or {}).get("UserPool"))
    if call.operation == "CreateWorkteam":
        members = call.params.get("MemberDefinitions") or [{}]
        cognito = members[0].get("CognitoMemberDefinition") or {}
        return _text(cognito.get("UserPool"))
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _json_body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data() or b"{}")
    except ValueError as exc:
        raise ValueError(f"the body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _updated_settings(
    current: SageMakerSettings, data: dict[str, Any]
) -> SageMakerSettings:
    """``current`` with the given fields changed; types must match."""
    known = {f.name: _FIELD_TYPES[str(f.type)] for f in fields(current)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"unknown sagemaker settings: {', '.join(unknown)}")
    for name, value in data.items():
        if not _fits(value, known[name]):
            raise ValueError(f"'{name}' must be a {known[name].__name__}")
    return replace(current, **data)


def _fits(value: object, kind: type) -> bool:
    if kind is float:
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and value >= 0
        )
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return isinstance(value, kind)


def _json_response(result: dict[str, Any]) -> Response:
    response = Response(json.dumps(result), 200, content_type=_JSON_TYPE)
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def _error_response(call: AwsCall, code: str, message: str, status: int) -> Response:
    reply = protocol.error_reply(call, code, message, status)
    response = Response(reply.body, reply.status, content_type=reply.content_type)
    response.headers["x-amzn-RequestId"] = reply.request_id
    if call.service == "s3":
        response.headers["x-amz-request-id"] = reply.request_id
    return response


def _control_json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(data, default=str), status, content_type="application/json"
    )
