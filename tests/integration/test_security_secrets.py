"""No password, token or secret leaks into the logs or into a reply that should not carry
it (OWASP API3 excessive data exposure; DESIGN.md section 3, Operations)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support import ApiClient, Reply
from taskcore.logs import configure_logging
from taskcore.services.deps import Deps

PASSWORD = "Pa55word-that-must-not-leak"
NEW_PASSWORD_TRY = "Another-secret-guess-42"


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The service's own JSON log lines (``configure_logging``, at DEBUG) of the test."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = [h for h in root.handlers if not getattr(h, "_taskapp", False)]
    configure_logging("DEBUG")
    # The handler configure_logging installed writes to stdout; read it from a buffer.
    buffer = io.StringIO()
    for handler in root.handlers:
        if getattr(handler, "_taskapp", False):
            handler.setStream(buffer)  # type: ignore[attr-defined]

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    root.handlers, root.level = saved_handlers, saved_level


def test_a_full_session_leaks_no_secret(
    api: ApiClient, deps: Deps, json_logs: Callable[[], list[dict[str, Any]]], monkeypatch
) -> None:
    replies: list[tuple[str, Reply]] = []

    def call(method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
        reply = api.request(method, path, body, **kwargs)
        replies.append((f"{method} {path}", reply))
        return reply

    email = "leak-check@example.com"
    session = call("POST", "/v1/auth/register", {"email": email, "password": PASSWORD}).json
    call("POST", "/v1/auth/register", {"email": email, "password": PASSWORD})  # 409
    call("POST", "/v1/auth/register", {"email": "x@example.com", "password": "short"})  # 422
    call("POST", "/v1/auth/login", {"email": email, "password": NEW_PASSWORD_TRY})  # 401
    login = call("POST", "/v1/auth/login", {"email": email, "password": PASSWORD}).json
    refreshed = call("POST", "/v1/auth/refresh", {"refresh_token": login["refresh_token"]}).json
    call("POST", "/v1/auth/refresh", {"refresh_token": login["refresh_token"]})  # reuse: 401
    token = session["access_token"]
    task = call(
        "POST", "/v1/tasks", {"title": "t"}, token=token, headers={"Idempotency-Key": "leak-key"}
    ).json
    call("POST", "/v1/tasks", {"title": "t"}, token=token, headers={"Idempotency-Key": "leak-key"})
    call("GET", f"/v1/tasks/{task['id']}", token=token)
    call("PATCH", f"/v1/tasks/{task['id']}", {"title": "t", "password": PASSWORD}, token=token)
    call("GET", "/v1/me", token=token)
    call("GET", "/v1/me", token=token + "x")  # a bad signature: 401
    call("GET", "/v1/me", headers={"Authorization": f"Bearer {PASSWORD}"})

    def boom(*_: Any, **__: Any) -> None:
        raise RuntimeError("unexpected failure")

    monkeypatch.setattr(deps.users, "get", boom)
    assert call("GET", "/v1/me", token=token).status == 500
    monkeypatch.undo()
    call("POST", "/v1/auth/logout", {"refresh_token": refreshed["refresh_token"]}, token=token)
    call("GET", "/v1/me", token=token)  # revoked: 401

    user = deps.users.get_by_email(email)
    assert user is not None
    tokens = {
        session["access_token"],
        session["refresh_token"],
        login["access_token"],
        login["refresh_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
    }
    never = {
        PASSWORD,
        NEW_PASSWORD_TRY,
        user.password_hash,
        deps.settings.jwt_secret.get_secret_value(),
    }

    logs = json_logs()
    requests = [line for line in logs if line.get("message") == "request"]
    assert len(requests) == len(replies)  # one access line per request: the capture works
    assert {line["status"] for line in requests} >= {200, 201, 401, 409, 422, 500}
    assert any(line.get("user_id") == session["user"]["id"] for line in requests)
    log_text = "\n".join(json.dumps(line) for line in logs)
    for secret in never | tokens:
        assert secret not in log_text

    issuing = {"POST /v1/auth/register", "POST /v1/auth/login", "POST /v1/auth/refresh"}
    for what, reply in replies:
        text = reply.body.decode() + json.dumps(reply.headers)
        for secret in never:
            assert secret not in text, what
        if what not in issuing or reply.status >= 400:
            for secret in tokens:
                assert secret not in text, what
