"""Functional tests run against the emulation server, started in this process.

``emulator`` (session): the server on a free port, driven through its
control endpoints (``gtprov.emulation.control.EmulatorControl``: ``calls()``,
``writes()``, ``set_faults(...)``, ``iam_enforcement(True)``,
``sagemaker(...)``, ``reset()``).

``aws_env`` (every test, autouse): a reset emulator and an environment in
which every AWS SDK call goes to it, with dummy credentials and empty AWS
config files, so no functional test can reach a real account.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.loaders
import botocore.session
import pytest

pytest.importorskip("moto", reason="functional tests need the sandbox extra")

from gtprov.emulation.control import SANDBOX_UNSET, EmulatorControl
from gtprov.emulation.server import make_app, serve
from gtprov.emulation.workforce import SageMakerSettings

TEST_SETTINGS = SageMakerSettings(activation_delay=0.0)
"""Workforces settle on the next call; tests of polling raise the delay."""


WARM_SERVICES = ("sagemaker", "cognito-idp", "iam", "sts", "sns", "kms", "s3")


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorControl]:
    handle = serve(port=0, app=make_app(TEST_SETTINGS))
    _load_models_once()
    try:
        yield EmulatorControl(handle.url)
    finally:
        handle.stop()


@pytest.fixture(autouse=True)
def aws_env(
    emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> EmulatorControl:
    emulator.reset()
    config, credentials = tmp_path / "aws-config", tmp_path / "aws-credentials"
    config.write_text("")
    credentials.write_text("")
    for name in [*SANDBOX_UNSET, *_endpoint_overrides()]:
        monkeypatch.delenv(name, raising=False)
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(botocore.session, "create_loader", _shared_models)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    return emulator


_MODELS = botocore.loaders.create_loader()


def _shared_models(search_paths_string: str | None = None) -> botocore.loaders.Loader:
    """The model loader of every botocore session made during a test.

    A new session otherwise reads each service model from disk again (0.2 s
    for SageMaker), and gtprov makes a session per command run. The models
    are static files, so sharing their cache changes nothing else.
    """
    return _MODELS


def _load_models_once() -> None:
    """Load the service models now and exempt them from garbage collection.

    They live for the whole run; without ``gc.freeze`` every full collection
    walks their millions of objects again, a third of this suite's time.
    """
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    for service in WARM_SERVICES:
        core.create_client(service, region_name="us-east-1")
    gc.freeze()


def _endpoint_overrides() -> list[str]:
    """Variables that would send a service elsewhere or ignore our endpoint."""
    names = [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]
    return [*names, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]
