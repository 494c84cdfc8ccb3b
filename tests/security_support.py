"""Helpers of the security tests: problem checks, serving the app over chosen
dependencies, and a WSGI client.

:class:`WsgiApiClient` calls the app through the container's WSGI adapter
(``functions/wsgi.py``) in process. The Chalice test client always reports 127.0.0.1 as
the caller; this path lets a test choose the peer address and ``X-Forwarded-For`` the
way nginx passes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalice.test import Client as ChaliceClient
from werkzeug.test import Client

from chalicelib import deps as app_deps
from chalicelib.problem_docs import PROBLEMS
from support import ApiClient, FakeClock, Reply
from taskcore.bootstrap import bootstrap
from taskcore.cache import Cache
from taskcore.config import Settings
from taskcore.services.deps import Deps

# Nothing listens on port 1: connections are refused at once.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


def problem(reply: Reply, status: int) -> dict[str, Any]:
    """The problem document of ``reply``, checked to be one with ``status``."""
    assert reply.status == status, (reply.status, reply.body[:500])
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.json
    assert body["status"] == status and body["request_id"] == reply.header("X-Request-Id")
    # A stable code of the catalogue, for this status, and the type that names it.
    assert status in PROBLEMS[body["code"]].statuses, body
    assert body["type"] == f"/v1/problems/{body['code']}"
    return body


class WsgiApiClient(ApiClient):
    """:class:`support.ApiClient` through the WSGI adapter, from a chosen peer address."""

    def __init__(self, application: Any, remote_addr: str = "127.0.0.1") -> None:
        super().__init__(None)
        self._client = Client(application)
        self.remote_addr = remote_addr

    def send(
        self, method: str, path: str, headers: dict[str, str], payload: bytes | str | None
    ) -> Reply:
        """One request from :attr:`remote_addr`."""
        path, _, query = path.partition("?")
        response = self._client.open(
            path,
            method=method.upper(),
            query_string=query,
            headers=headers,
            data=payload.encode() if isinstance(payload, str) else payload,
            environ_overrides={"REMOTE_ADDR": self.remote_addr},
        )
        return Reply(response.status_code, dict(response.headers), response.get_data())


@contextmanager
def serving(settings: Settings, clock: FakeClock, cache: Cache) -> Iterator[tuple[ApiClient, Deps]]:
    """The app (Chalice test client) over dependencies built from these pieces."""
    built = bootstrap(settings, clock=clock, cache=cache)
    app_deps.use(built)
    from app import app

    try:
        with ChaliceClient(app) as client:
            yield ApiClient(client.http), built
    finally:
        app_deps.use(None)
