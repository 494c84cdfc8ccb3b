"""Per-request metrics on the real adapters (moto, Redis): the process's own DynamoDB
counter, attached at bootstrap before any client exists as on a cold Lambda, reports the
figures the budgets of DESIGN.md section 4 assert, and cache hits come from Redis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import deps as app_deps
from chalicelib import observability
from observability_support import captured, metric_lines
from security_support import WsgiApiClient
from support import FakeClock
from taskcore.bootstrap import build
from taskcore.cache import Cache
from taskcore.config import Settings

NAMESPACE = "TaskAppIntegration"


@pytest.fixture
def metered(aws: Settings, clock: FakeClock, cache: Cache) -> Iterator[WsgiApiClient]:
    """The app through the WSGI gateway, bootstrapped as app_deps does with metrics on."""
    from app import app
    from wsgi import create_application

    observability.configure(
        observability.Config(metrics=True, service="taskapp-it", namespace=NAMESPACE)
    )
    runtime = build(aws, clock=clock, cache=cache, count_dynamodb_calls=True)
    app_deps.use(runtime.deps, runtime.usage)
    try:
        yield WsgiApiClient(create_application(app))
    finally:
        app_deps.use(None)
        observability.configure(observability.Config())


def measured(api: WsgiApiClient, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """The one request's metrics: {"DynamoDBCalls": n, ...}."""
    with captured() as lines:
        api.request(method, path, **kwargs)
    (request,) = [m for m in metric_lines(lines(), NAMESPACE) if "Requests" in m["metrics"]]
    return {name: values[0] for name, values in request["metrics"].items()}


def test_dynamodb_calls_and_cache_hits_per_request(metered: WsgiApiClient) -> None:
    token = metered.token()
    task = metered.create(token)
    metered.request("GET", "/v1/me", token=token)  # the session check is now cached in Redis
    path = f"/v1/tasks/{task['id']}"
    # The session check is a hit both times; the task misses, is read and stored, then hits.
    first = measured(metered, "GET", path, token=token)
    assert (first["DynamoDBCalls"], first["CacheHits"], first["CacheMisses"]) == (1, 1, 1)
    again = measured(metered, "GET", path, token=token)
    assert (again["DynamoDBCalls"], again["CacheHits"], again["CacheMisses"]) == (0, 2, 0)
    create = measured(metered, "POST", "/v1/tasks", body={"title": "t"}, token=token)
    assert create["DynamoDBCalls"] == 3  # the account, the end of the Inbox, a transaction
    assert measured(metered, "GET", "/v1/health")["DynamoDBCalls"] == 0
