"""Password change and reset, address verification and the outbox, through the WSGI
gateway over moto and Redis, with a real SMTP server (aiosmtpd). Every token comes from
a message the SMTP server received."""

from __future__ import annotations

from typing import Any

from mail_support import SmtpServer
from security_support import WsgiApiClient, problem
from support import ApiClient, FakeClock, Reply
from taskcore.services import mail
from taskcore.services.deps import Deps
from taskcore.storage import OutboxModel, UserModel

PASSWORD = "correct horse"
NEW_PASSWORD = "a brand new passphrase"


def _register(api: ApiClient, email: str, **extra: Any) -> dict[str, Any]:
    reply = api.request(
        "POST", "/v1/auth/register", {"email": email, "password": PASSWORD, **extra}
    )
    assert reply.status == 201, reply.json
    session: dict[str, Any] = reply.json
    return session


def _send(deps: Deps) -> mail.SenderReport:
    """One run of the scheduled sender."""
    return mail.run_sender(deps)


def _reset(api: ApiClient, email: str) -> Reply:
    return api.request("POST", "/v1/auth/password-reset", {"email": email})


def _confirm(api: ApiClient, token: str, password: str = NEW_PASSWORD) -> Reply:
    body = {"token": token, "new_password": password}
    return api.request("POST", "/v1/auth/password-reset/confirm", body)


def _login(api: ApiClient, email: str, password: str) -> Reply:
    return api.request("POST", "/v1/auth/login", {"email": email, "password": password})


def _invalid_token(reply: Reply) -> None:
    body = problem(reply, 400)
    assert "invalid, already used or expired" in body["detail"]


def _ended(api: ApiClient, session: dict[str, Any]) -> None:
    assert api.request("GET", "/v1/me", token=session["access_token"]).status == 401
    refreshed = api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert refreshed.status == 401


def test_registration_mails_a_code_that_verifies_the_address(
    api: ApiClient, deps: Deps, smtp: SmtpServer
) -> None:
    session = _register(api, "ver-1@example.com", name="Vera")
    assert session["user"]["email_verified"] is False
    assert _send(deps).delivered == 1
    (message,) = smtp.messages("ver-1@example.com")
    assert message["Subject"] == "Confirm your e-mail address for Tasks"
    assert message["From"] == "Tasks <no-reply@localhost>"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "Vera" in html.get_content()
    token = smtp.token("ver-1@example.com", "Confirm")
    verified = api.request("POST", "/v1/auth/verify-email", {"token": token})
    assert verified.status == 200 and verified.json["email_verified"] is True
    me = api.request("GET", "/v1/me", token=session["access_token"]).json
    assert me["email_verified"] is True
    _invalid_token(api.request("POST", "/v1/auth/verify-email", {"token": token}))  # spent
    again = api.request("POST", "/v1/me/verification", token=session["access_token"])
    problem(again, 409)


def test_a_resent_code_replaces_the_first(api: ApiClient, deps: Deps, smtp: SmtpServer) -> None:
    session = _register(api, "ver-2@example.com")
    _send(deps)
    first = smtp.token("ver-2@example.com", "Confirm")
    resent = api.request("POST", "/v1/me/verification", token=session["access_token"])
    assert resent.status == 202 and resent.json == {"status": "accepted"}
    _send(deps)
    second = smtp.token("ver-2@example.com", "Confirm")
    assert first != second
    _invalid_token(api.request("POST", "/v1/auth/verify-email", {"token": first}))
    assert api.request("POST", "/v1/auth/verify-email", {"token": second}).status == 200


def test_accounts_from_before_verification_read_as_unverified(api: ApiClient) -> None:
    session = _register(api, "old-timer@example.com")
    user_id = session["user"]["id"]
    for pk in (f"USER#{user_id}", "EMAIL#old-timer@example.com"):
        UserModel(pk).update(actions=[UserModel.email_verified.remove()])
    assert UserModel.get(f"USER#{user_id}").email_verified is None
    me = api.request("GET", "/v1/me", token=session["access_token"]).json
    assert me["email_verified"] is False
    assert _login(api, "old-timer@example.com", PASSWORD).json["user"]["email_verified"] is False


def test_a_reset_through_the_mail_ends_every_earlier_session(
    api: ApiClient, deps: Deps, smtp: SmtpServer
) -> None:
    email = "reset-1@example.com"
    first = _register(api, email)
    second = _login(api, email, PASSWORD).json
    accepted = _reset(api, email)
    assert accepted.status == 202 and accepted.json == {"status": "accepted"}
    _send(deps)
    message = [m for m in smtp.messages(email) if "Reset" in str(m["Subject"])][-1]
    assert "30 minutes" in message.get_body(preferencelist=("plain",)).get_content()
    token = smtp.token(email, "Reset")
    confirmed = _confirm(api, token)
    assert confirmed.status == 200, confirmed.json
    session = confirmed.json
    assert session["user"]["id"] == first["user"]["id"] and session["user"]["email_verified"]
    for old in (first, second):
        _ended(api, old)
    assert api.request("GET", "/v1/me", token=session["access_token"]).status == 200
    assert _login(api, email, PASSWORD).status == 401
    assert _login(api, email, NEW_PASSWORD).status == 200
    _invalid_token(_confirm(api, token, "a third passphrase"))  # the token is spent
    assert _login(api, email, NEW_PASSWORD).status == 200


def test_two_resets_in_a_row_the_first_code_dies(
    api: ApiClient, deps: Deps, smtp: SmtpServer, clock: FakeClock
) -> None:
    email = "reset-2@example.com"
    _register(api, email)
    _reset(api, email)
    _send(deps)
    first = smtp.token(email, "Reset")
    clock.advance(seconds=5)
    _reset(api, email)
    _send(deps)
    second = smtp.token(email, "Reset")
    assert first != second
    _invalid_token(_confirm(api, first))
    assert _confirm(api, second).status == 200


def test_reset_codes_expire_after_30_minutes(
    api: ApiClient, deps: Deps, smtp: SmtpServer, clock: FakeClock
) -> None:
    email = "reset-3@example.com"
    _register(api, email)
    _reset(api, email)
    _send(deps)
    token = smtp.token(email, "Reset")
    clock.advance(minutes=30)
    _invalid_token(_confirm(api, token))
    assert _login(api, email, PASSWORD).status == 200  # nothing changed


def test_an_unknown_address_gets_the_same_reply_and_no_mail(
    api: ApiClient, deps: Deps, smtp: SmtpServer
) -> None:
    _register(api, "known-1@example.com")
    known = _reset(api, "known-1@example.com")
    unknown = _reset(api, "unknown-1@example.com")
    assert (known.status, known.body) == (unknown.status, unknown.body) == (202, known.body)
    _send(deps)
    assert smtp.messages("unknown-1@example.com") == []
    assert sorted(str(m["Subject"]) for m in smtp.messages("known-1@example.com")) == [
        "Confirm your e-mail address for Tasks",
        "Reset your Tasks password",
    ]


def test_garbage_codes_are_400(api: ApiClient) -> None:
    for token in ("x", "01ABC.not-a-real-token-at-all", "../../etc", "a" * 256):
        _invalid_token(_confirm(api, token))
        _invalid_token(api.request("POST", "/v1/auth/verify-email", {"token": token}))
    problem(_confirm(api, "x" * 257), 422)
    problem(api.request("POST", "/v1/auth/password-reset/confirm", {"token": "x.y"}), 422)


def test_reset_requests_are_limited_per_account_and_per_client_address(deps: Deps) -> None:
    from app import app
    from wsgi import create_application

    def client(address: str) -> ApiClient:
        return WsgiApiClient(create_application(app), remote_addr=address)

    settings = deps.settings
    victim = "flooded@example.com"
    for n in range(settings.password_reset_max_per_account):
        assert _reset(client(f"198.51.100.{n + 1}"), victim).status == 202
    limited = _reset(client("198.51.100.99"), victim)
    problem(limited, 429)
    assert 1 <= int(limited.header("Retry-After") or 0) <= settings.password_reset_window_seconds
    sprayer = client("203.0.113.50")
    statuses = [
        _reset(sprayer, f"target-{n}@example.com").status
        for n in range(settings.password_reset_max_per_client + 1)
    ]
    assert statuses == [202] * settings.password_reset_max_per_client + [429]


def test_a_password_change_needs_the_current_password_and_ends_other_sessions(
    api: ApiClient,
) -> None:
    email = "change-1@example.com"
    session = _register(api, email)
    other = _login(api, email, PASSWORD).json
    path = "/v1/auth/password"
    wrong = api.request(
        "POST",
        path,
        {"current_password": "nope nope", "new_password": NEW_PASSWORD},
        token=session["access_token"],
    )
    problem(wrong, 401)
    assert api.request("GET", "/v1/me", token=other["access_token"]).status == 200
    changed = api.request(
        "POST",
        path,
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        token=session["access_token"],
    )
    assert changed.status == 200, changed.json
    for old in (session, other):
        _ended(api, old)
    fresh = changed.json
    assert api.request("GET", "/v1/me", token=fresh["access_token"]).status == 200
    refreshed = api.request("POST", "/v1/auth/refresh", {"refresh_token": fresh["refresh_token"]})
    assert refreshed.status == 200
    assert _login(api, email, NEW_PASSWORD).status == 200
    assert _login(api, email, PASSWORD).status == 401
    unauthenticated = api.request(
        "POST", path, {"current_password": NEW_PASSWORD, "new_password": PASSWORD}
    )
    problem(unauthenticated, 401)


def test_the_sender_keeps_mail_queued_while_the_smtp_server_is_down(
    api: ApiClient, deps: Deps, smtp: SmtpServer, clock: FakeClock
) -> None:
    while _send(deps).delivered:  # other tests' messages: out of the way
        pass
    smtp.stop()
    _register(api, "queued-1@example.com")
    _register(api, "queued-2@example.com")
    report = _send(deps)
    assert (report.delivered, report.retried, report.mail_unavailable) == (0, 1, True)
    pending = _queued(("queued-1@example.com", "queued-2@example.com"))
    assert len(pending) == 2 and sorted(int(m.attempts) for m in pending) == [0, 1]
    assert smtp.messages("queued-1@example.com") == smtp.messages("queued-2@example.com") == []
    clock.advance(minutes=1)
    assert _send(deps).mail_unavailable  # still down: still queued
    smtp.start()
    clock.advance(minutes=2)
    assert _send(deps).delivered == 2
    for to in ("queued-1@example.com", "queued-2@example.com"):
        assert len(smtp.messages(to)) == 1
    assert _queued(("queued-1@example.com", "queued-2@example.com")) == []
    assert _send(deps).delivered == 0  # delivered once, gone from the queue


def _queued(recipients: tuple[str, ...]) -> list[OutboxModel]:
    """The outbox items still waiting for these recipients (a test-only Scan)."""
    return [
        m for m in OutboxModel.scan() if m.pending_shard is not None and m.recipient in recipients
    ]
