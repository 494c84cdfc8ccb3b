"""Dependency failures: DynamoDB throttling and 5xx are retried with back-off, then
answered 503 with ``Retry-After``, never 500; without Redis everything still works.

Faults are injected at botocore's ``before-send`` hook, below PynamoDB and above the
network, so the real retry machinery (botocore "standard" mode, RETRY_ATTEMPTS) runs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries import standard

from security_support import problem
from support import ApiClient
from taskcore.bootstrap import Runtime
from taskcore.services.deps import Deps
from taskcore.storage import ALL_MODELS
from taskcore.storage.models import RETRY_ATTEMPTS

THROTTLED = (400, "ProvisionedThroughputExceededException")
INTERNAL = (500, "InternalServerError")


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


class DynamoFaults:
    """Answers the next ``failures`` DynamoDB requests with an error; counts attempts."""

    def __init__(self, runtime: Runtime) -> None:
        self.failures = 0
        self.error = THROTTLED
        self.only: str | None = None  # an operation name, or every operation
        self.attempts: Counter[str] = Counter()
        self._clients = {id(c): c for c in _clients(runtime)}.values()
        for client in self._clients:
            client.meta.events.register_first("before-send.dynamodb", self._send)

    def fail(
        self, failures: int, error: tuple[int, str] = THROTTLED, only: str | None = None
    ) -> None:
        """Fail the next ``failures`` requests (of operation ``only``) with ``error``."""
        self.failures, self.error, self.only = failures, error, only
        self.attempts.clear()

    def detach(self) -> None:
        for client in self._clients:
            client.meta.events.unregister("before-send.dynamodb", self._send)

    def _send(self, request: Any, **_: Any) -> AWSResponse | None:
        operation = str(request.headers.get("X-Amz-Target", b"").decode()).split(".")[-1]
        self.attempts[operation] += 1
        if self.failures <= 0 or (self.only and operation != self.only):
            return None  # on to moto
        self.failures -= 1
        status, code = self.error
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"}
        ).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}
        return AWSResponse(request.url, status, headers, _Body(body))


def _clients(runtime: Runtime) -> list[Any]:
    clients = [m._get_connection().connection.client for m in ALL_MODELS]
    return [*clients, runtime.connection.client]


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Back-off delays botocore chose; slept a hundredth as long to keep the tests short."""
    chosen: list[float] = []
    original = standard.ExponentialBackoff.delay_amount

    def scaled(self: standard.ExponentialBackoff, context: Any) -> float:
        delay = float(original(self, context))
        chosen.append(delay)
        return delay / 100

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", scaled)
    return chosen


@pytest.fixture
def faults(runtime: Runtime, deps: Deps, api: ApiClient) -> Iterator[DynamoFaults]:
    api.request("GET", "/v1/health")  # models bound, clients created
    injected = DynamoFaults(runtime)
    yield injected
    injected.detach()


def _warm(api: ApiClient) -> tuple[str, dict[str, Any]]:
    token = api.token()
    task = api.create(token, title="survives")
    assert api.request("GET", "/v1/me", token=token).status == 200  # session cached
    return token, task


@pytest.mark.parametrize(
    ("error", "base"), [(THROTTLED, 1.0), (INTERNAL, 0.025)], ids=["throttled", "internal"]
)
def test_transient_errors_are_retried_with_back_off_then_succeed(
    api: ApiClient, faults: DynamoFaults, delays: list[float], error: tuple[int, str], base: float
) -> None:
    token, task = _warm(api)
    faults.fail(RETRY_ATTEMPTS, error, only="GetItem")  # the last attempt gets through
    reply = api.request("GET", f"/v1/tasks/{task['id']}", token=token)
    assert reply.status == 200 and reply.json["title"] == "survives"
    assert faults.attempts["GetItem"] == RETRY_ATTEMPTS + 1
    # botocore's jittered exponential back-off: rand * base * 2**n (1 s base when
    # throttled, 25 ms for DynamoDB 5xx).
    assert len(delays) == RETRY_ATTEMPTS
    assert all(0 <= d <= base * 2**n for n, d in enumerate(delays))


@pytest.mark.parametrize("error", [THROTTLED, INTERNAL], ids=["throttled", "internal"])
def test_giving_up_is_503_with_retry_after(
    api: ApiClient, faults: DynamoFaults, delays: list[float], error: tuple[int, str]
) -> None:
    token, task = _warm(api)
    faults.fail(10**6, error, only="GetItem")
    reply = api.request("GET", f"/v1/tasks/{task['id']}", token=token)
    body = problem(reply, 503)
    assert int(reply.header("Retry-After")) >= 1
    assert "injected" not in reply.body.decode() and "Traceback" not in body["detail"]
    assert faults.attempts["GetItem"] == RETRY_ATTEMPTS + 1


# Every route that touches DynamoDB, with DynamoDB failing every request.
ROUTES = [
    ("POST", "/v1/auth/register", {"email": "new@example.com", "password": "correct horse"}),
    ("POST", "/v1/auth/login", {"email": "x@example.com", "password": "correct horse"}),
    ("POST", "/v1/auth/refresh", {"refresh_token": "u.f.s"}),
    ("GET", "/v1/me", None),
    ("PATCH", "/v1/me", {"name": "n"}),
    ("POST", "/v1/tasks", {"title": "t"}),
    ("GET", "/v1/tasks", None),
    ("GET", "/v1/tasks?q=surv", None),
    ("GET", "/v1/tasks?completed=false&sort=due_at", None),
    ("GET", "/v1/tasks/{task}", None),
    ("PATCH", "/v1/tasks/{task}", {"title": "t2"}),
    ("POST", "/v1/tasks/{task}/complete", None),
    ("POST", "/v1/tasks/{task}/reopen", None),
    ("DELETE", "/v1/tasks/{task}", None),
    ("GET", "/v1/sync", None),
    ("GET", "/v1/notifications", None),
    ("POST", "/v1/notifications/n1/read", None),
    ("POST", "/v1/auth/logout", None),
    ("DELETE", "/v1/me", None),
]


def test_no_route_answers_500_while_dynamodb_fails(
    api: ApiClient, faults: DynamoFaults, delays: list[float]
) -> None:
    token, task = _warm(api)
    faults.fail(10**6, INTERNAL)
    statuses = {}
    for method, path, body in ROUTES:
        path = path.replace("{task}", task["id"])
        # A fresh Idempotency-Key exercises that path too.
        headers = {"Idempotency-Key": "fault-1"} if path == "/v1/tasks" and body else {}
        reply = api.request(method, path, body, token=token, headers=headers)
        statuses[f"{method} {path}"] = reply.status
        if reply.status == 503:
            assert reply.header("Retry-After") and problem(reply, 503)
    assert set(statuses.values()) == {503}, statuses
    ready = api.request("GET", "/v1/ready")
    assert ready.status == 503 and ready.json["dynamodb"] == "unavailable"
    faults.fail(0)
    assert api.request("GET", f"/v1/tasks/{task['id']}", token=token).status == 200


def test_without_redis_every_operation_still_succeeds(api_without_redis) -> None:
    api, _ = api_without_redis
    session = api.register()
    token = session["access_token"]
    task = api.create(token, title="no cache")
    path = f"/v1/tasks/{task['id']}"
    assert api.request("GET", path, token=token).json["title"] == "no cache"
    assert api.request("PATCH", path, {"title": "still"}, token=token).status == 200
    # Read-your-writes holds without the cache.
    assert api.request("GET", path, token=token).json["title"] == "still"
    assert [t["title"] for t in api.request("GET", "/v1/tasks", token=token).json["items"]] == [
        "still"
    ]
    login = api.request(
        "POST", "/v1/auth/login", {"email": session["user"]["email"], "password": "correct horse"}
    )
    assert login.status == 200
    assert api.request("POST", "/v1/auth/logout", token=token).status == 204
    problem(api.request("GET", "/v1/me", token=token), 401)  # revocation without the cache
    ready = api.request("GET", "/v1/ready").json
    assert ready == {"status": "ok", "dynamodb": "ok", "redis": "degraded"}
