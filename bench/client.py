"""A small JSON client for the set-up requests of the HTTP benchmarks (not for load)."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from typing import Any

from bench.common import LOCALHOST

PASSWORD = "correct horse battery"  # noqa: S105 - a benchmark account's password


def call(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    timeout: float = 30.0,
) -> tuple[int, Any]:
    """One request; the status and the decoded JSON reply (None when empty)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = json.dumps(body).encode() if body is not None else None
    conn = http.client.HTTPConnection(LOCALHOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    return response.status, json.loads(raw) if raw else None


def register(port: int, *, attempts: int = 20) -> dict[str, Any]:
    """A new account's session. A 429 (nginx's or the app's rate limit on /v1/auth/) is
    waited out for its Retry-After, a bounded number of times."""
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    body = {"email": email, "password": PASSWORD}
    for _ in range(attempts):
        status, reply = call(port, "POST", "/v1/auth/register", body)
        if status == 201:
            session: dict[str, Any] = reply
            return session
        if status != 429:
            raise RuntimeError(f"register answered {status}: {reply}")
        time.sleep(1.0)
    raise RuntimeError(f"register still rate limited after {attempts} attempts")


def create_task(port: int, token: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create a task; its JSON."""
    status, reply = call(port, "POST", "/v1/tasks", fields, token=token)
    if status != 201:
        raise RuntimeError(f"create answered {status}: {reply}")
    task: dict[str, Any] = reply
    return task
