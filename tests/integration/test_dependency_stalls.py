"""A DynamoDB that does not answer (down, stalled, cutting connections) is a 503
problem+json with Retry-After on every route, never a 500.

botocore's connection and timeout errors are raised at its ``before-send`` hook, where
the real ones come from, so botocore's retries and PynamoDB's wrapping run as they do
against a stalled store. ``ReadTimeoutError`` and ``ConnectionClosedError`` carry
``response = None``, on which PynamoDB's ``cause_response_code`` breaks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from pynamodb.exceptions import GetError, PutError, TableDoesNotExist, UpdateError

from security_support import problem
from support import ApiClient
from taskcore.bootstrap import Runtime
from taskcore.errors import DependencyUnavailable
from taskcore.services.deps import Deps
from taskcore.storage import ALL_MODELS
from taskcore.storage.errors import (
    dynamo_unavailable_as_503,
    is_condition_failed,
    is_unavailable,
    response_code,
)
from taskcore.storage.models import (
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    RETRY_ATTEMPTS,
    WORST_CALL_SECONDS,
)

ENDPOINT = "http://127.0.0.1:8000"
NETWORK_ERRORS = {
    "read-timeout": lambda: ReadTimeoutError(endpoint_url=ENDPOINT),
    "connect-timeout": lambda: ConnectTimeoutError(endpoint_url=ENDPOINT),
    "refused": lambda: EndpointConnectionError(endpoint_url=ENDPOINT),
    "closed": lambda: ConnectionClosedError(endpoint_url=ENDPOINT),
}


class NetworkFaults:
    """Makes every DynamoDB request attempt fail with a botocore network error."""

    def __init__(self, runtime: Runtime) -> None:
        self.error: Any = None
        self.attempts: Counter[str] = Counter()
        clients = [m._get_connection().connection.client for m in ALL_MODELS]
        self._clients = list({id(c): c for c in [*clients, runtime.connection.client]}.values())
        for client in self._clients:
            client.meta.events.register_first("before-send.dynamodb", self._send)

    def detach(self) -> None:
        for client in self._clients:
            client.meta.events.unregister("before-send.dynamodb", self._send)

    def _send(self, request: Any, **_: Any) -> None:
        operation = str(request.headers.get("X-Amz-Target", b"").decode()).split(".")[-1]
        self.attempts[operation] += 1
        if self.error is not None:
            raise self.error()


@pytest.fixture
def faults(runtime: Runtime, deps: Deps, api: ApiClient) -> Iterator[NetworkFaults]:
    api.request("GET", "/v1/health")
    injected = NetworkFaults(runtime)
    yield injected
    injected.detach()


def _warm(api: ApiClient) -> tuple[str, dict[str, Any]]:
    token = api.token()
    task = api.create(token, title="stalled")
    assert api.request("GET", "/v1/me", token=token).status == 200
    return token, task


def test_the_budget_of_one_call_is_under_ten_seconds() -> None:
    assert CONNECT_TIMEOUT_SECONDS <= 1 and READ_TIMEOUT_SECONDS <= 2
    assert WORST_CALL_SECONDS < 10
    for model in ALL_MODELS:
        assert model.Meta.read_timeout_seconds == READ_TIMEOUT_SECONDS
        assert model.Meta.connect_timeout_seconds == CONNECT_TIMEOUT_SECONDS
        assert model.Meta.max_retry_attempts == RETRY_ATTEMPTS


def test_clients_are_built_with_the_budget(runtime: Runtime, api: ApiClient) -> None:
    api.request("GET", "/v1/health")
    for client in [runtime.connection.client, ALL_MODELS[0]._get_connection().connection.client]:
        config = client.meta.config
        assert config.connect_timeout == CONNECT_TIMEOUT_SECONDS
        assert config.read_timeout == READ_TIMEOUT_SECONDS
        assert config.retries["total_max_attempts"] == RETRY_ATTEMPTS + 1


@pytest.mark.parametrize("kind", sorted(NETWORK_ERRORS))
def test_no_answer_from_dynamodb_is_503_with_retry_after(
    api: ApiClient, faults: NetworkFaults, kind: str
) -> None:
    token, task = _warm(api)
    faults.error = NETWORK_ERRORS[kind]
    faults.attempts.clear()
    ready = api.request("GET", "/v1/ready")
    assert problem(ready, 503)["dynamodb"] == "unavailable"
    assert ready.json["redis"] == "ok" and ready.header("Retry-After") == "1"
    _as_documented(api, ready)
    assert faults.attempts["GetItem"] == RETRY_ATTEMPTS + 1  # retried, then given up
    for method, path, body in (
        ("POST", "/v1/tasks", {"title": "while stalled"}),
        ("GET", f"/v1/tasks/{task['id']}", None),
        ("GET", "/v1/tasks", None),
        ("POST", "/v1/auth/login", {"email": "x@example.com", "password": "correct horse"}),
    ):
        reply = api.request(method, path, body, token=token)
        doc = problem(reply, 503)
        assert int(reply.header("Retry-After") or "0") >= 1, path
        text = reply.body.decode()
        assert "Timeout" not in text and "8000" not in text and "Traceback" not in text
        assert doc["title"] == "Service unavailable"
    faults.error = None
    assert api.request("GET", "/v1/ready").status == 200


def test_every_route_answers_503_on_read_timeouts(api: ApiClient, faults: NetworkFaults) -> None:
    token, task = _warm(api)
    faults.error = NETWORK_ERRORS["read-timeout"]
    routes = [
        ("GET", "/v1/me", None),
        ("PATCH", "/v1/me", {"name": "n"}),
        ("PATCH", f"/v1/tasks/{task['id']}", {"title": "t2"}),
        ("POST", f"/v1/tasks/{task['id']}/complete", None),
        ("DELETE", f"/v1/tasks/{task['id']}", None),
        ("GET", "/v1/sync", None),
        ("GET", "/v1/notifications", None),
        ("POST", "/v1/notifications/n1/read", None),
        ("POST", "/v1/auth/refresh", {"refresh_token": "u.f.s"}),
        ("POST", "/v1/auth/register", {"email": "new@example.com", "password": "correct horse"}),
        ("POST", "/v1/auth/logout", None),
    ]
    statuses = {}
    for method, path, body in routes:
        reply = api.request(method, path, body, token=token)
        statuses[f"{method} {path}"] = reply.status
        if reply.status == 503:
            assert reply.header("Retry-After")
    assert set(statuses.values()) == {503}, statuses


# -- the mapping itself, on the exceptions PynamoDB and botocore raise ------------------


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "UpdateItem")


@pytest.mark.parametrize("kind", sorted(NETWORK_ERRORS))
def test_network_errors_bare_and_wrapped_are_unavailable(kind: str) -> None:
    error = NETWORK_ERRORS[kind]()
    for exc in (error, GetError("Failed to get item", error), PutError("x", error)):
        assert is_unavailable(exc)
        assert response_code(exc) is None
        assert not is_condition_failed(exc)  # no AttributeError on response=None
        with pytest.raises(DependencyUnavailable) as raised, dynamo_unavailable_as_503():
            raise exc
        assert raised.value.retry_after >= 1


def test_condition_failures_and_bugs_are_not_unavailable() -> None:
    failed = UpdateError("x", _client_error("ConditionalCheckFailedException"))
    assert is_condition_failed(failed) and not is_unavailable(failed)
    invalid = PutError("x", _client_error("ValidationException"))
    assert not is_unavailable(invalid)
    with pytest.raises(PutError), dynamo_unavailable_as_503():
        raise invalid
    for code in ("ProvisionedThroughputExceededException", "InternalServerError"):
        assert is_unavailable(GetError("x", _client_error(code)))
    # The table missing (a store restarted without data, its tables being created): 503.
    assert is_unavailable(GetError("x", _client_error("ResourceNotFoundException")))
    assert is_unavailable(TableDoesNotExist("taskapp-local-users"))
    assert is_condition_failed(_client_error("ConditionalCheckFailedException"))


def _as_documented(api: ApiClient, ready: Any) -> None:
    """The not-ready reply is what the OpenAPI document says a 503 of /v1/ready is."""
    import jsonschema

    spec = api.request("GET", "/v1/openapi.json").json
    documented = spec["paths"]["/v1/ready"]["get"]["responses"]["503"]
    ((media_type, media),) = documented["content"].items()
    assert ready.header("Content-Type") == media_type
    jsonschema.validate(ready.json, {**media["schema"], "components": spec["components"]})
    assert "Retry-After" in documented["headers"]
