"""Helpers for tests: a controllable clock and a small client for the HTTP API."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass
class FakeClock:
    """A clock that only moves when told to."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


@dataclass
class Reply:
    """An HTTP reply, whatever client produced it."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class ApiClient:
    """Calls the API through Chalice's in-process test client (subclasses send over HTTP)."""

    def __init__(self, http: Any) -> None:
        self._http = http

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> Reply:
        all_headers = {"Content-Type": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.send(method, path, all_headers, payload)

    def send(
        self, method: str, path: str, headers: dict[str, str], payload: bytes | str | None
    ) -> Reply:
        response = getattr(self._http, method.lower())(path, headers=headers, body=payload)
        return Reply(response.status_code, dict(response.headers), response.body or b"")

    def register(self, email: str | None = None, **extra: Any) -> dict[str, Any]:
        email = email or f"user-{uuid.uuid4().hex[:12]}@example.com"
        reply = self.request(
            "POST", "/v1/auth/register", {"email": email, "password": "correct horse", **extra}
        )
        assert reply.status == 201, reply.json
        session: dict[str, Any] = reply.json
        return session

    def token(self, **extra: Any) -> str:
        return str(self.register(**extra)["access_token"])

    def create(self, token: str, **fields: Any) -> dict[str, Any]:
        reply = self.request("POST", "/v1/tasks", {"title": "task", **fields}, token=token)
        assert reply.status == 201, reply.json
        task: dict[str, Any] = reply.json
        return task
