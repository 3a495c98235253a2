"""A client for the emulation server's ``/_gtprov/`` control endpoints.

Standard library only (no moto, no boto3), so test fixtures, benchmarks and
the ``gtprov sandbox`` command can drive a server in this or another process.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

SANDBOX_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}
"""Environment for clients of the sandbox, besides ``AWS_ENDPOINT_URL``."""

SANDBOX_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN")
"""Variables that must not be set: a profile or session token of a real account."""


class ControlError(Exception):
    """The control endpoint refused the request or did not answer."""


class EmulatorControl:
    """Drives one emulation server by URL (``http://127.0.0.1:5055``)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {url}")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def reset(self) -> None:
        self._call("POST", "reset")

    def calls(self) -> list[dict[str, Any]]:
        """Every AWS request the server received since the last reset/clear."""
        return list(self._call("GET", "calls")["calls"])

    def writes(self) -> list[dict[str, Any]]:
        return [c for c in self.calls() if c["is_write"]]

    def clear_calls(self) -> None:
        self._call("DELETE", "calls")

    def set_faults(
        self,
        rules: Sequence[Mapping[str, Any]] = (),
        *,
        throttle_rate: float = 0.0,
        seed: int | None = None,
        latency_ms: int = 0,
    ) -> dict[str, Any]:
        """Replace the fault plan (see ``gtprov.emulation.faults``)."""
        plan = {
            "rules": [dict(r) for r in rules],
            "throttle_rate": throttle_rate,
            "seed": seed,
            "latency_ms": latency_ms,
        }
        return self.set_fault_plan(plan)

    def set_fault_plan(self, plan: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the fault plan with ``plan``, the JSON document as given."""
        return self._call("POST", "faults", plan)

    def faults(self) -> dict[str, Any]:
        return self._call("GET", "faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def iam_enforcement(self, enabled: bool) -> None:
        self._call("POST", "iam-enforcement", {"enabled": enabled})

    def sagemaker(self, **settings: Any) -> dict[str, Any]:
        """Change settings of the SageMaker fake; with none, read them."""
        if not settings:
            return self._call("GET", "sagemaker")
        return self._call("POST", "sagemaker", settings)

    def env(self) -> dict[str, str]:
        """The environment that points AWS SDKs and the CLI at this server."""
        return {"AWS_ENDPOINT_URL": self.url, **SANDBOX_ENV}

    def _call(
        self, method: str, name: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            f"{self.url}/_gtprov/{name}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310 - as above
                return dict(json.load(reply))
        except urllib.error.HTTPError as exc:
            raise ControlError(
                f"{method} /_gtprov/{name}: {exc.read().decode()}"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ControlError(f"{method} /_gtprov/{name}: {exc}") from exc
