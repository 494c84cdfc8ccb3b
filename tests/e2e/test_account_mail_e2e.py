"""The account e-mails through the whole native stack: nginx, real workers, the stack's
own SMTP server and the scheduler's sender. Codes come from the SMTP server's Maildir."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import mailserver
import pytest
from e2e_support import HttpApi, run_scheduler_once, wait_until

from mail_support import code_in

pytestmark = pytest.mark.e2e


def _run_sender(stack: Any) -> dict[str, Any]:
    """One run of the scheduled sender, as the stack's scheduler runs it."""
    run = run_scheduler_once(stack.env, only="outbox_sender")
    assert [h["name"] for h in run["handlers"]] == ["outbox_sender"], run
    return run


def _code(maildir: Path, to: str, subject: str) -> str:
    def found() -> list[Any]:
        return [
            m
            for m in mailserver.messages(maildir)
            if m["To"] == to and subject in str(m["Subject"])
        ]

    assert wait_until(lambda: bool(found()), timeout=10), f"no {subject!r} mail to {to}"
    return code_in(found()[-1])


def test_register_verify_reset_and_log_in_through_the_mail(stack: Any, api: HttpApi) -> None:
    email = f"mail-{uuid.uuid4().hex[:10]}@example.com"
    password, new_password = "first passphrase", "second passphrase"
    session = api.request("POST", "/v1/auth/register", {"email": email, "password": password})
    assert session.status == 201, session.body
    assert session.json["user"]["email_verified"] is False

    _run_sender(stack)
    verify = _code(stack.maildir, email, "Confirm your e-mail address")
    message = [m for m in mailserver.messages(stack.maildir) if m["To"] == email][-1]
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f"{stack.url}/verify-email#token={verify}" in html  # the stack's own page
    verified = api.request("POST", "/v1/auth/verify-email", {"token": verify})
    assert verified.status == 200 and verified.json["email_verified"] is True

    requested = api.request("POST", "/v1/auth/password-reset", {"email": email})
    assert requested.status == 202, requested.body
    _run_sender(stack)
    reset = _code(stack.maildir, email, "Reset your")
    body = {"token": reset, "new_password": new_password}
    confirmed = api.request("POST", "/v1/auth/password-reset/confirm", body)
    assert confirmed.status == 200, confirmed.body
    # The session from registration ended with the reset; the old password is gone.
    assert api.request("GET", "/v1/me", token=session.json["access_token"]).status == 401
    old = api.request("POST", "/v1/auth/login", {"email": email, "password": password})
    assert old.status == 401
    login = api.request("POST", "/v1/auth/login", {"email": email, "password": new_password})
    assert login.status == 200, login.body
    me = api.request("GET", "/v1/me", token=login.json["access_token"])
    assert me.status == 200 and me.json["email_verified"] is True
    again = api.request("POST", "/v1/auth/password-reset/confirm", body)
    assert again.status == 400  # spent
