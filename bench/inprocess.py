"""In-process measurements: moto's DynamoDB (``mock_aws``), the real Redis, the core and
the Chalice app wired like tests/integration/conftest.py does, and a DynamoDB call counter.

moto answers a ``Query`` by walking and sorting every item of the table, and copies each
table a transaction touches (to undo it on failure), so its time grows with the table
size where DynamoDB's does not. The figures that matter here are the requests and items
read; latencies are split into the time spent inside the emulator and the rest.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import LOCALHOST, add_import_paths

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    """A clock that only moves when told to."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


@dataclass
class EmulatorTimer:
    """Time spent inside moto's DynamoDB handler (wall clock, this process)."""

    seconds: float = 0.0
    requests: int = 0
    _original: Any = field(default=None, repr=False)

    def install(self) -> None:
        """Wrap moto's handler (after dynamodb_emulator's serialisation)."""
        from moto.dynamodb.responses import DynamoHandler

        original = DynamoHandler.call_action
        timer = self

        def call_action(handler: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(handler)
            finally:
                timer.seconds += time.perf_counter() - began
                timer.requests += 1

        self._original = original
        DynamoHandler.call_action = call_action  # type: ignore[method-assign]

    def uninstall(self) -> None:
        """Put moto's handler back."""
        if self._original is not None:
            from moto.dynamodb.responses import DynamoHandler

            DynamoHandler.call_action = self._original  # type: ignore[method-assign]
            self._original = None


@contextmanager
def moto() -> Iterator[EmulatorTimer]:
    """moto's DynamoDB in this process, one request at a time (as local/ serves it)."""
    add_import_paths()
    os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from moto import mock_aws

    try:  # one request at a time, as local/ serves it (the benchmarks use one thread)
        from local.dynamodb_emulator import serialise_dynamodb_requests
    except ImportError:
        pass
    else:
        serialise_dynamodb_requests()
    timer = EmulatorTimer()
    timer.install()
    try:
        with mock_aws():
            yield timer
    finally:
        timer.uninstall()


@contextmanager
def deps(
    name: str,
    redis_port: int | None,
    clock: Clock | None = None,
    *,
    endpoint: str | None = None,
    settings: dict[str, Any] | None = None,
) -> Iterator[Any]:
    """Fresh tables and a :class:`taskcore.services.deps.Deps` over them, served by the
    Chalice app too. ``redis_port=None``: no cache (every read goes to DynamoDB);
    ``endpoint``: a DynamoDB server instead of moto in process; ``settings``: other
    settings by variable name (``{"DUE_INDEX_SHARDS": 256}``)."""
    from chalicelib import deps as app_deps
    from taskcore.bootstrap import build
    from taskcore.cache import Cache
    from taskcore.config import Settings
    from taskcore.storage import create_tables

    tag = f"{name}-{uuid.uuid4().hex[:6]}"
    configured = Settings(
        TASKAPP_STAGE="test",
        TABLE_PREFIX=f"bench-{tag}-",
        DYNAMODB_ENDPOINT_URL=endpoint,
        AWS_DEFAULT_REGION="us-east-1",
        BCRYPT_COST=4,
        LOG_LEVEL="WARNING",
        **(settings or {}),
    )
    create_tables(configured)
    url = f"redis://{LOCALHOST}:{redis_port}/0" if redis_port else None
    cache = Cache(url, prefix=f"bench:{tag}:", timeout_seconds=0.2)
    runtime = build(configured, clock=clock or Clock(), cache=cache)
    built = runtime.deps
    _CONNECTIONS[id(built)] = runtime.connection
    app_deps.use(built)
    try:
        yield built
    finally:
        app_deps.use(None)
        _CONNECTIONS.pop(id(built), None)


# The DynamoDB connection under each Deps built here (services never see it; counters do).
_CONNECTIONS: dict[int, Any] = {}


def connection_of(built: Any) -> Any:
    """The DynamoDB connection the repositories of ``built`` use."""
    return _CONNECTIONS[id(built)]


@contextmanager
def counting(built: Any, *, units: bool = False) -> Iterator[Any]:
    """A :class:`taskcore.storage.DynamoCallCounter` on every table of ``built``;
    ``units``: charging capacity units too (it reads every written item twice more)."""
    from taskcore.storage import ALL_MODELS, DynamoCallCounter
    from taskcore.storage.metering import image_reader
    from taskcore.storage.models import LOGICAL_NAMES
    from taskcore.storage.units import table_shapes

    counter = DynamoCallCounter()
    if units:
        settings = built.settings
        reader = image_reader(settings.aws_region, settings.dynamodb_endpoint_url)
        counter.measure_units(table_shapes(ALL_MODELS, LOGICAL_NAMES), reader)
    counter.attach(ALL_MODELS, connection_of(built))
    try:
        yield counter
    finally:
        counter.detach()


def register_user(built: Any) -> str:
    """A new account's id, made through the accounts service."""
    from taskcore.services import accounts

    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    session = accounts.register(built, {"email": email, "password": "correct horse battery"})
    return str(session["user"]["id"])


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``action`` took, and what it returned."""
    began = time.perf_counter()
    value = action()
    return time.perf_counter() - began, value
