"""Integration fixtures: moto's DynamoDB in process, the real Redis, the Chalice app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dynamodb_emulator import serialise_dynamodb_requests
from moto import mock_aws

from chalicelib import deps as app_deps
from mail_support import SmtpServer
from security_support import DEAD_REDIS_URL, WsgiApiClient, serving
from support import ApiClient, FakeClock
from taskcore.bootstrap import Runtime, build, mailer
from taskcore.cache import Cache
from taskcore.config import Settings
from taskcore.services.deps import Deps
from taskcore.storage import ALL_MODELS, DynamoCallCounter, create_tables

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="package")
def moto_dynamodb() -> Iterator[None]:
    """moto's DynamoDB, in process, for the whole package, patched as the local stack's
    emulator is: one request at a time, transactions undone from an undo log, queries
    answered from sorted indexes (plain serialised moto on an untested moto version)."""
    serialise_dynamodb_requests()
    with mock_aws():
        yield


# The due-time index's shards here: every test of the due-date job runs over a sharded
# index, at a sixteenth of the production default's Queries per run (tests that need more
# shards set their own).
DUE_INDEX_SHARDS = 4


@pytest.fixture(scope="module")
def aws(moto_dynamodb: None) -> Settings:
    """Fresh tables for each test module, so that no module sees another's items."""
    settings = Settings(
        TABLE_PREFIX=f"it-{uuid.uuid4().hex[:6]}-", DUE_INDEX_SHARDS=DUE_INDEX_SHARDS
    )
    create_tables(settings)
    return settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache() -> Cache:
    """The real Redis, isolated by a key prefix unique to the test."""
    return Cache(REDIS_URL, prefix=f"test:{uuid.uuid4().hex[:8]}:", timeout_seconds=0.2)


@pytest.fixture
def runtime(aws: Settings, clock: FakeClock, cache: Cache) -> Runtime:
    """The real adapters on moto and Redis, with the test's clock."""
    return build(aws, clock=clock, cache=cache)


@pytest.fixture
def deps(runtime: Runtime) -> Iterator[Deps]:
    app_deps.use(runtime.deps)
    yield runtime.deps
    app_deps.use(None)


@pytest.fixture
def api(deps: Deps) -> ApiClient:
    """The app through the WSGI gateway the containers run (``api_without_redis`` goes
    through Chalice's own test client, so both paths stay covered)."""
    from app import app
    from wsgi import create_application

    return WsgiApiClient(create_application(app))


@pytest.fixture
def chalice_api(deps: Deps) -> Iterator[ApiClient]:
    """The app through Chalice's in-process test client, which (unlike a real HTTP
    server) passes any header value through: for tests of hostile header values."""
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield ApiClient(client.http)


@pytest.fixture
def calls(deps: Deps, runtime: Runtime) -> Iterator[DynamoCallCounter]:
    """Counts DynamoDB requests (by operation and table) made during the test."""
    counter = DynamoCallCounter()
    counter.attach(ALL_MODELS, runtime.connection)
    yield counter
    counter.detach()


@pytest.fixture
def api_without_redis(aws: Settings, clock: FakeClock) -> Iterator[tuple[ApiClient, Deps]]:
    """The app with Redis unreachable."""
    dead = Cache(DEAD_REDIS_URL, prefix="down:", timeout_seconds=0.05)
    with serving(aws, clock, dead) as served:
        yield served


@pytest.fixture
def smtp(deps: Deps, tmp_path: Path) -> Iterator[SmtpServer]:
    """A real SMTP server (local/mailserver.py) on a free port, which the app's mail
    transport delivers to; tests read e-mailed tokens from its Maildir."""
    server = SmtpServer(tmp_path / "mail").start()
    deps.mailer = mailer(deps.settings.model_copy(update={"smtp_port": server.port}))
    yield server
    server.stop()
