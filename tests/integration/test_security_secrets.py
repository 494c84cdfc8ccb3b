"""No password, token or secret leaks into the logs or into a reply that should not carry
it (OWASP API3 excessive data exposure; DESIGN.md section 3, Operations)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib import observability
from support import ApiClient, Reply
from taskcore.logs import configure_logging
from taskcore.services.deps import Deps

PASSWORD = "Pa55word-that-must-not-leak"
NEW_PASSWORD_TRY = "Another-secret-guess-42"


@pytest.fixture(params=["json", "powertools"])
def json_logs(request: pytest.FixtureRequest) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The service's own JSON log lines (``configure_logging``, at DEBUG) of the test: the
    default formatter's, then Powertools' (as on AWS, chalicelib.observability)."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers = [h for h in root.handlers if not getattr(h, "_taskapp", False)]
    configure_logging("DEBUG")
    if request.param == "powertools":
        observability.configure(observability.Config(logs=True, log_level="DEBUG"))
    # The handler configure_logging installed writes to stdout; read it from a buffer.
    buffer = io.StringIO()
    for handler in root.handlers:
        if getattr(handler, "_taskapp", False):
            handler.setStream(buffer)  # type: ignore[attr-defined]

    def lines() -> list[dict[str, Any]]:
        found = [json.loads(line) for line in buffer.getvalue().splitlines()]
        # Powertools' lines name their service; the default formatter's do not.
        assert all(("service" in line) == (request.param == "powertools") for line in found)
        return found

    yield lines
    observability.configure(observability.Config())
    root.handlers, root.level = saved_handlers, saved_level


def test_a_full_session_leaks_no_secret(
    api: ApiClient, deps: Deps, json_logs: Callable[[], list[dict[str, Any]]], monkeypatch
) -> None:
    replies: list[tuple[str, Reply]] = []

    def call(method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
        reply = api.request(method, path, body, **kwargs)
        replies.append((f"{method} {path}", reply))
        return reply

    email = f"leak-check-{uuid.uuid4().hex[:8]}@example.com"  # once per kind of logs
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


def test_the_account_lifecycle_leaks_no_password_or_emailed_code(
    api: ApiClient, deps: Deps, smtp, clock, json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    from taskcore.services import mail

    email = f"lifecycle-leak-{uuid.uuid4().hex[:8]}@example.com"  # once per log format
    new_password = "Lifecycle-new-secret-77"
    replies: list[Reply] = []

    def call(method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
        reply = api.request(method, path, body, **kwargs)
        replies.append(reply)
        return reply

    session = call("POST", "/v1/auth/register", {"email": email, "password": PASSWORD}).json
    assert "access_token" in session, session
    token = session["access_token"]
    mail.run_sender(deps)
    verify = smtp.token(email, "Confirm")
    call("POST", "/v1/auth/verify-email", {"token": verify})
    call("POST", "/v1/auth/verify-email", {"token": verify})  # spent: 400
    wrong = {"current_password": NEW_PASSWORD_TRY, "new_password": new_password}
    call("POST", "/v1/auth/password", wrong, token=token)  # 401
    right = {"current_password": PASSWORD, "new_password": new_password}
    changed = call("POST", "/v1/auth/password", right, token=token).json
    call("POST", "/v1/auth/password-reset", {"email": email})
    call("POST", "/v1/auth/password-reset", {"email": "nobody-leak@example.com"})
    smtp.stop()
    mail.run_sender(deps)  # the SMTP server is down: the failure is logged
    smtp.start()
    clock.advance(minutes=5)  # past the retry's back-off
    mail.run_sender(deps)
    reset = smtp.token(email, "Reset")
    body = {"token": reset, "new_password": PASSWORD}
    call("POST", "/v1/auth/password-reset/confirm", body)
    call("POST", "/v1/auth/password-reset/confirm", body)  # spent: 400

    codes = {verify, reset}
    secrets = {PASSWORD, NEW_PASSWORD_TRY, new_password, *codes}
    logs = json_logs()
    assert any(line.get("logger") == "taskcore.services.mail" for line in logs)
    assert {line["status"] for line in logs if line.get("message") == "request"} >= {
        200,
        201,
        202,
        400,
        401,
    }
    log_text = "\n".join(json.dumps(line) for line in logs)
    for secret in secrets:
        assert secret not in log_text
    tokens = {session["refresh_token"], changed["refresh_token"], changed["access_token"]}
    for token_text in tokens:
        assert token_text not in log_text
    for reply in replies:  # no reply echoes a code or a password
        text = reply.body.decode() + json.dumps(reply.headers)
        for secret in secrets:
            assert secret not in text
