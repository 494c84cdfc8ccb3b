"""Password change and reset, address verification, on fakes. Tokens are read from the
letters the sender hands to the (fake) mail service, never from the stores."""

from __future__ import annotations

import re

import pytest

from fakes import register
from taskcore.domain.email import Letter
from taskcore.errors import BadRequest, Conflict, RateLimited, Unauthorized
from taskcore.services import accounts, credentials, mail
from taskcore.services.ports import TokenPurpose

PASSWORD = "correct horse"
NEW_PASSWORD = "a brand new passphrase"


def _claims(deps, session):
    return accounts.authenticate(deps, f"Bearer {session['access_token']}")


def _delivered(deps) -> list[Letter]:
    """Run the sender; the letters it delivered in this run."""
    before = len(deps.mailer.sent)
    mail.run_sender(deps)
    return deps.mailer.sent[before:]


def _token(letter: Letter) -> str:
    found = re.search(r"Or enter this code in the app:\n(\S+)", letter.text)
    assert found, letter.text
    return found.group(1)


def _only_token(deps, to: str, subject_part: str) -> str:
    (letter,) = [x for x in _delivered(deps) if x.recipient == to]
    assert subject_part in letter.subject
    return _token(letter)


def _login(deps, email: str, password: str):
    return accounts.login(deps, {"email": email, "password": password})


def _reset(deps, email: str, client: str | None = "198.51.100.7"):
    return credentials.request_password_reset(deps, {"email": email}, client)


def _confirm(deps, token: str, password: str = NEW_PASSWORD):
    return credentials.confirm_password_reset(deps, {"token": token, "new_password": password})


def _invalid(call) -> None:
    with pytest.raises(BadRequest) as refused:
        call()
    assert refused.value.code == "invalid_email_token"


# ------------------------------------------------------------------ verification


def test_registration_mails_a_verification_code_that_verifies_once(deps) -> None:
    session = register(deps, email="ann@example.com", name="Ann")
    assert session["user"]["email_verified"] is False
    token = _only_token(deps, "ann@example.com", "Confirm your e-mail address")
    user = credentials.verify_email(deps, {"token": token})
    assert user["email_verified"] is True and user["id"] == session["user"]["id"]
    assert accounts.get_profile(deps, _claims(deps, session))["email_verified"] is True
    _invalid(lambda: credentials.verify_email(deps, {"token": token}))  # spent
    # Verified: nothing more to send.
    with pytest.raises(Conflict):
        credentials.resend_verification(deps, _claims(deps, session))


def test_a_resent_code_replaces_the_earlier_one(deps) -> None:
    session = register(deps, email="bo@example.com")
    first = _only_token(deps, "bo@example.com", "Confirm")
    assert credentials.resend_verification(deps, _claims(deps, session)) == {"status": "accepted"}
    second = _only_token(deps, "bo@example.com", "Confirm")
    assert first != second
    _invalid(lambda: credentials.verify_email(deps, {"token": first}))
    assert credentials.verify_email(deps, {"token": second})["email_verified"] is True


def test_verification_codes_expire(deps, clock) -> None:
    register(deps, email="cy@example.com")
    token = _only_token(deps, "cy@example.com", "Confirm")
    clock.advance(hours=48)
    _invalid(lambda: credentials.verify_email(deps, {"token": token}))


def test_resending_is_limited_per_account(deps, clock) -> None:
    claims = _claims(deps, register(deps))
    for _ in range(deps.settings.verification_max_per_account):
        credentials.resend_verification(deps, claims)
    with pytest.raises(RateLimited) as limited:
        credentials.resend_verification(deps, claims)
    assert 0 < limited.value.retry_after <= 3600
    clock.advance(hours=1)
    credentials.resend_verification(deps, claims)


@pytest.mark.parametrize(
    "token", ["no-dot", ".secret-part-of-enough-length", "user.short", "us er.x" * 5]
)
def test_malformed_codes_are_invalid_without_a_read(deps, token) -> None:
    _invalid(lambda: credentials.verify_email(deps, {"token": token}))
    assert deps.credentials.reads == 0


def test_a_code_of_one_purpose_is_not_one_of_the_other(deps) -> None:
    register(deps, email="dee@example.com")
    verify = _only_token(deps, "dee@example.com", "Confirm")
    _invalid(lambda: _confirm(deps, verify))
    _reset(deps, "dee@example.com")
    reset = _only_token(deps, "dee@example.com", "Reset")
    _invalid(lambda: credentials.verify_email(deps, {"token": reset}))


# ------------------------------------------------------------------------- reset


def test_a_reset_sets_the_password_and_ends_every_earlier_session(deps) -> None:
    first = register(deps, email="eve@example.com")
    second = _login(deps, "eve@example.com", PASSWORD)
    assert _reset(deps, "eve@example.com") == {"status": "accepted"}
    letters = [x for x in _delivered(deps) if "Reset" in x.subject]
    (letter,) = letters
    assert "30 minutes" in letter.text and "30 minutes" in letter.html
    session = _confirm(deps, _token(letter))
    assert session["user"]["email_verified"] is True  # the mailbox is proven
    for old in (first, second):
        with pytest.raises(Unauthorized):
            _claims(deps, old)
        with pytest.raises(Unauthorized):
            accounts.refresh(deps, {"refresh_token": old["refresh_token"]})
    assert _claims(deps, session).user_id == first["user"]["id"]
    accounts.refresh(deps, {"refresh_token": session["refresh_token"]})
    with pytest.raises(Unauthorized):
        _login(deps, "eve@example.com", PASSWORD)
    assert _login(deps, "eve@example.com", NEW_PASSWORD)["user"]["id"] == first["user"]["id"]
    _invalid(lambda: _confirm(deps, _token(letter), "yet another passphrase"))  # spent


def test_a_second_request_kills_the_first_code(deps, clock) -> None:
    register(deps, email="fay@example.com")
    _delivered(deps)  # the verification mail
    _reset(deps, "fay@example.com")
    first = _only_token(deps, "fay@example.com", "Reset")
    clock.advance(seconds=1)
    _reset(deps, "fay@example.com")
    second = _only_token(deps, "fay@example.com", "Reset")
    _invalid(lambda: _confirm(deps, first))
    _confirm(deps, second)


def test_a_reset_code_dies_after_30_minutes(deps, clock) -> None:
    register(deps, email="gus@example.com")
    _delivered(deps)
    _reset(deps, "gus@example.com")
    token = _only_token(deps, "gus@example.com", "Reset")
    clock.advance(minutes=29, seconds=59)
    stored = deps.credentials.stored(
        TokenPurpose.PASSWORD_RESET, deps.users.get_by_email("gus@example.com").id
    )
    assert stored is not None and stored.digest not in token  # only a digest is kept
    clock.advance(seconds=1)
    _invalid(lambda: _confirm(deps, token))


def test_an_unknown_address_gets_the_same_answer_and_no_mail(deps) -> None:
    register(deps, email="hal@example.com")
    _delivered(deps)
    known = _reset(deps, "hal@example.com")
    unknown = _reset(deps, "nobody@example.com")
    assert known == unknown == {"status": "accepted"}
    assert deps.credentials.nothing_issued == 1  # the same kind of work, nothing queued
    assert [x.recipient for x in _delivered(deps)] == ["hal@example.com"]


def test_reset_requests_are_limited_per_account_and_per_client(deps, clock) -> None:
    settings = deps.settings
    for i in range(settings.password_reset_max_per_account):
        _reset(deps, "ivy@example.com", client=f"203.0.113.{i}")
    with pytest.raises(RateLimited):  # from a fresh address: the account's limit
        _reset(deps, "ivy@example.com", client="203.0.113.200")
    for i in range(settings.password_reset_max_per_client):
        _reset(deps, f"other{i}@example.com", client="192.0.2.9")
    with pytest.raises(RateLimited):  # one address spraying accounts: its own limit
        _reset(deps, "someone-else@example.com", client="192.0.2.9")
    clock.advance(hours=1)
    _reset(deps, "ivy@example.com", client="203.0.113.0")


def test_a_reset_retries_when_a_task_write_moves_the_account_on(deps) -> None:
    session = register(deps, email="jo@example.com")
    _delivered(deps)
    _reset(deps, "jo@example.com")
    token = _only_token(deps, "jo@example.com", "Reset")
    user = deps.users.stored(session["user"]["id"])
    deps.users.set_counters(user.id, user.change_seq + 1, user.task_count)  # a task write
    assert _confirm(deps, token)["user"]["id"] == user.id
    assert deps.hasher.verify(NEW_PASSWORD, deps.users.stored(user.id).password_hash)


# ----------------------------------------------------------------------- change


def test_changing_the_password_needs_the_current_one(deps) -> None:
    session = register(deps, email="kay@example.com")
    claims = _claims(deps, session)
    body = {"current_password": "not it at all", "new_password": NEW_PASSWORD}
    with pytest.raises(Unauthorized) as wrong:
        credentials.change_password(deps, claims, body, client="198.51.100.1")
    assert wrong.value.code == "invalid_credentials"
    assert _claims(deps, session).user_id == claims.user_id  # nothing ended
    for _ in range(deps.settings.login_max_failures_per_account - 1):
        with pytest.raises(Unauthorized):
            credentials.change_password(deps, claims, body, client="198.51.100.1")
    with pytest.raises(RateLimited):  # guesses count against the login limit
        credentials.change_password(
            deps, claims, {**body, "current_password": PASSWORD}, client="198.51.100.1"
        )


def test_a_password_change_returns_a_session_and_ends_every_other(deps) -> None:
    session = register(deps, email="lee@example.com")
    other = _login(deps, "lee@example.com", PASSWORD)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    fresh = credentials.change_password(deps, _claims(deps, session), body)
    for old in (session, other):
        with pytest.raises(Unauthorized):
            _claims(deps, old)
        with pytest.raises(Unauthorized):
            accounts.refresh(deps, {"refresh_token": old["refresh_token"]})
    assert _claims(deps, fresh).user_id == session["user"]["id"]
    assert _login(deps, "lee@example.com", NEW_PASSWORD)
    with pytest.raises(Unauthorized):
        _login(deps, "lee@example.com", PASSWORD)


# ---------------------------------------------------------------- races and leftovers


def test_a_login_checking_the_old_password_during_a_reset_is_ended_by_it(deps, clock) -> None:
    """The intruder's login reads the old hash; the owner's reset lands during the bcrypt
    work: the session the login then starts is ended too."""
    register(deps, email="mia@example.com")
    _delivered(deps)
    _reset(deps, "mia@example.com")
    token = _only_token(deps, "mia@example.com", "Reset")
    verify = deps.hasher.verify
    owner: dict = {}

    def verify_while_the_owner_resets(password, stored):
        clock.advance(seconds=1)
        owner.update(_confirm(deps, token))
        clock.advance(seconds=1)
        return verify(password, stored)

    deps.hasher.verify = verify_while_the_owner_resets
    intruder = _login(deps, "mia@example.com", PASSWORD)
    deps.hasher.verify = verify
    with pytest.raises(Unauthorized):
        _claims(deps, intruder)
    with pytest.raises(Unauthorized):
        accounts.refresh(deps, {"refresh_token": intruder["refresh_token"]})
    assert _claims(deps, owner).user_id == owner["user"]["id"]


def test_a_change_racing_a_reset_never_undoes_it(deps, clock) -> None:
    """The intruder's change passed the old password; the owner's reset lands while the
    new one is hashed: the change is refused and the owner's password and session stand."""
    intruder = register(deps, email="ned@example.com")
    _delivered(deps)
    _reset(deps, "ned@example.com")
    token = _only_token(deps, "ned@example.com", "Reset")
    claims = _claims(deps, intruder)
    hash_password = deps.hasher.hash
    owner: dict = {}

    def hash_while_the_owner_resets(password):
        deps.hasher.hash = hash_password  # the owner's reset hashes normally
        clock.advance(seconds=1)
        owner.update(_confirm(deps, token))
        return hash_password(password)

    deps.hasher.hash = hash_while_the_owner_resets
    body = {"current_password": PASSWORD, "new_password": "the intruder's choice"}
    with pytest.raises(Unauthorized) as refused:
        credentials.change_password(deps, claims, body)
    assert refused.value.code == "invalid_credentials"
    assert _login(deps, "ned@example.com", NEW_PASSWORD)
    assert _claims(deps, owner).user_id == owner["user"]["id"]


def test_a_password_change_kills_a_reset_code_mailed_before_it(deps) -> None:
    session = register(deps, email="ora@example.com")
    _delivered(deps)
    _reset(deps, "ora@example.com")
    token = _only_token(deps, "ora@example.com", "Reset")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    credentials.change_password(deps, _claims(deps, session), body)
    _invalid(lambda: _confirm(deps, token, "the intruder's choice"))
    assert _login(deps, "ora@example.com", NEW_PASSWORD)


def test_a_session_ended_between_its_check_and_its_memo_is_not_remembered_live(deps) -> None:
    """The store says the session is live; all sessions end before the cache is told so:
    the memo made afterwards must not let the ended session's token in."""
    first = register(deps, email="pam@example.com")
    check = deps.sessions.is_family_revoked

    def check_then_end_all(user_id, family_id, now):
        revoked = check(user_id, family_id, now)
        deps.sessions.end_all(user_id, now)
        deps.cache.forget_sessions(user_id)
        return revoked

    deps.sessions.is_family_revoked = check_then_end_all
    _claims(deps, first)  # accepted: it was live when checked
    deps.sessions.is_family_revoked = check
    with pytest.raises(Unauthorized):
        _claims(deps, first)
