"""Fixtures for the state-backend tests: a mocked AWS account (moto) and recorded calls."""

from __future__ import annotations

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from backend.bootstrap import BackendSpec, Clients, make_clients
from environments.codemate.project import PROJECT
from tests.backend.helpers import Calls

REGION = PROJECT.region
CREDENTIAL_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture(scope="session", autouse=True)
def shared_botocore_data():
    """Every boto3 session of a test run shares one botocore data loader.

    Each ``boto3.Session`` (the bootstrap makes one per run) otherwise parses the S3 and
    DynamoDB service models and the endpoint rules again: most of these tests' time.
    The files are read-only data; the code under test still builds its own sessions.
    """
    original = botocore.session.create_loader
    loaders: dict[str | None, botocore.loaders.Loader] = {}

    def shared(search_path_string=None):
        if search_path_string not in loaders:
            loaders[search_path_string] = original(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared
    yield
    botocore.session.create_loader = original


@pytest.fixture
def fake_credentials(monkeypatch, tmp_path):
    """Fake keys only: nothing from the developer's ~/.aws can reach a test."""
    for variable in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws(fake_credentials):
    """A fresh, empty mocked AWS account."""
    with mock_aws():
        yield


@pytest.fixture
def spec() -> BackendSpec:
    """The backend every stack names (environments/codemate/project.py)."""
    return BackendSpec.from_project(PROJECT)


@pytest.fixture
def clients(aws) -> Clients:
    return make_clients(region=REGION)


@pytest.fixture
def s3(aws):
    """A client of the test itself (to break things behind the bootstrap's back)."""
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def dynamodb(aws):
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def calls(clients) -> Calls:
    recorded = Calls()

    def record(model, params, **_):
        recorded.made.append((model.name, params))

    for client in (clients.s3, clients.dynamodb):
        client.meta.events.register("before-parameter-build", record)
    return recorded
