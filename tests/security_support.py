"""Helpers of the security tests: problem checks and a WSGI client.

:class:`WsgiHttp` calls the app through the container's WSGI adapter
(``functions/wsgi.py``) in process. The Chalice test client always reports 127.0.0.1 as
the caller; this path lets a test choose the peer address and ``X-Forwarded-For`` the
way nginx passes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.test import Client

from support import Reply


def problem(reply: Reply, status: int) -> dict[str, Any]:
    """The problem document of ``reply``, checked to be one with ``status``."""
    assert reply.status == status, (reply.status, reply.body[:500])
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.json
    assert body["status"] == status and body["request_id"] == reply.header("X-Request-Id")
    return body


@dataclass
class WsgiResponse:
    """The subset of a Chalice test-client response that :class:`support.ApiClient` uses."""

    status_code: int
    headers: dict[str, str]
    body: bytes


class WsgiHttp:
    """``get``/``post``/... like Chalice's ``client.http``, through the WSGI adapter."""

    def __init__(self, application: Any, remote_addr: str = "127.0.0.1") -> None:
        self._client = Client(application)
        self.remote_addr = remote_addr

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> WsgiResponse:
        """One request from :attr:`remote_addr`."""
        path, _, query = path.partition("?")
        response = self._client.open(
            path,
            method=method.upper(),
            query_string=query,
            headers=headers or {},
            data=body.encode() if isinstance(body, str) else body,
            environ_overrides={"REMOTE_ADDR": self.remote_addr},
        )
        return WsgiResponse(response.status_code, dict(response.headers), response.get_data())

    def __getattr__(self, method: str) -> Any:
        if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
            raise AttributeError(method)
        return lambda path, **kwargs: self.request(method, path, **kwargs)
