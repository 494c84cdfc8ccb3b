"""Accounts and sessions on fakes: register, log in, refresh, log out, profile."""

from __future__ import annotations

import pytest

from fakes import new_user, register
from taskcore.errors import (
    Conflict,
    DependencyUnavailable,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from taskcore.services import accounts, reminders
from taskcore.services import tasks as task_service

PASSWORD = "correct horse"


def _bearer(session) -> str:
    return f"Bearer {session['access_token']}"


def _claims(deps, session):
    return accounts.authenticate(deps, _bearer(session))


def _login(deps, email: str, password: str = PASSWORD, client: str | None = None):
    return accounts.login(deps, {"email": email, "password": password}, client)


def _refresh(deps, token: str):
    return accounts.refresh(deps, {"refresh_token": token})


def test_register_starts_a_session(deps) -> None:
    session = register(deps, email="Ada@Example.com", name="Ada", timezone="Europe/Paris")
    user = session["user"]
    assert user["email"] == "ada@example.com" and user["timezone"] == "Europe/Paris"
    assert session["token_type"] == "Bearer" and session["expires_in"] == 900
    claims = _claims(deps, session)
    assert claims.user_id == user["id"]
    assert accounts.get_profile(deps, claims) == user
    assert deps.hasher.verify(PASSWORD, deps.users.stored(user["id"]).password_hash)


def test_an_email_is_one_account_whatever_its_case(deps) -> None:
    register(deps, email="bob@example.com")
    with pytest.raises(Conflict):
        register(deps, email="BOB@example.com")


def test_login_refuses_unknown_email_and_wrong_password_alike(deps) -> None:
    register(deps, email="cy@example.com")
    with pytest.raises(Unauthorized) as wrong:
        _login(deps, "cy@example.com", "wrong password")
    with pytest.raises(Unauthorized) as unknown:
        _login(deps, "nobody@example.com")
    assert wrong.value.detail == unknown.value.detail
    session = _login(deps, "CY@example.com")
    assert _claims(deps, session).user_id == session["user"]["id"]


def test_login_failures_per_account_are_limited_until_a_success(deps, clock) -> None:
    register(deps, email="dee@example.com")
    for _ in range(deps.settings.login_max_failures_per_account - 1):
        with pytest.raises(Unauthorized):
            _login(deps, "dee@example.com", "wrong password")
    _login(deps, "dee@example.com")  # the 10th attempt succeeds and starts the count over
    for _ in range(deps.settings.login_max_failures_per_account):
        with pytest.raises(Unauthorized):
            _login(deps, "dee@example.com", "wrong password")
    with pytest.raises(RateLimited) as limited:  # even the right password now
        _login(deps, "dee@example.com")
    assert 1 <= limited.value.retry_after <= deps.settings.login_account_window_seconds
    clock.advance(seconds=deps.settings.login_account_window_seconds)
    _login(deps, "dee@example.com")


def test_registrations_per_client_address_are_limited(deps) -> None:
    for _ in range(deps.settings.register_max_per_client):
        accounts.register(
            deps, {"email": f"{deps.new_id()}@example.com", "password": PASSWORD}, "10.0.0.1"
        )
    with pytest.raises(RateLimited):
        accounts.register(deps, {"email": "late@example.com", "password": PASSWORD}, "10.0.0.1")
    accounts.register(deps, {"email": "other@example.com", "password": PASSWORD}, "10.0.0.2")


def test_refresh_rotates_and_reuse_revokes_the_family(deps, clock) -> None:
    first = register(deps)
    second = _refresh(deps, first["refresh_token"])
    third = _refresh(deps, second["refresh_token"])
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    family = _claims(deps, third).family_id
    assert family == _claims(deps, first).family_id  # one family throughout

    clock.advance(seconds=31)  # past the grace for a client's own twin request
    with pytest.raises(Unauthorized, match="already used"):
        _refresh(deps, first["refresh_token"])  # a leaked token comes back
    # Whoever holds any token of the family is logged out.
    with pytest.raises(Unauthorized):
        _refresh(deps, third["refresh_token"])
    with pytest.raises(Unauthorized, match="revoked"):
        _claims(deps, third)
    assert deps.sessions.families_of(third["user"]["id"]) == {family: True}


def test_a_token_presented_twice_within_30_seconds_gets_the_same_successor(deps, clock) -> None:
    session = register(deps)
    one = _refresh(deps, session["refresh_token"])
    clock.advance(seconds=30)
    twin = _refresh(deps, session["refresh_token"])  # a second thread resuming at once
    assert twin["refresh_token"] == one["refresh_token"]
    _claims(deps, twin)
    clock.advance(microseconds=1)
    with pytest.raises(Unauthorized, match="already used"):
        _refresh(deps, session["refresh_token"])
    with pytest.raises(Unauthorized):
        _refresh(deps, one["refresh_token"])  # the family is revoked for everyone


def test_a_session_check_is_remembered_for_a_few_seconds(deps, clock) -> None:
    session = register(deps)
    reads = deps.sessions.reads
    for _ in range(3):
        _claims(deps, session)
    assert deps.sessions.reads - reads == 1
    clock.advance(seconds=30)
    _claims(deps, session)
    assert deps.sessions.reads - reads == 2
    deps.cache.online = False  # without Redis, every request checks the store
    _claims(deps, session)
    _claims(deps, session)
    assert deps.sessions.reads - reads == 4


def test_refresh_tokens_and_access_tokens_expire(deps, clock) -> None:
    session = register(deps)
    clock.advance(minutes=16)
    with pytest.raises(Unauthorized, match="expired"):
        _claims(deps, session)
    renewed = _refresh(deps, session["refresh_token"])
    _claims(deps, renewed)
    clock.advance(days=30)
    with pytest.raises(Unauthorized):
        _refresh(deps, renewed["refresh_token"])


def test_garbage_refresh_tokens_are_401(deps) -> None:
    session = register(deps)
    user_id = session["user"]["id"]
    for token in ("garbage", f"{user_id}.nofamily.x", "a.b.c"):
        with pytest.raises(Unauthorized):
            _refresh(deps, token)
    # A real token presented as another user's is unknown too.
    _, family, secret = session["refresh_token"].split(".")
    with pytest.raises(Unauthorized):
        _refresh(deps, f"{new_user(deps)}.{family}.{secret}")


def test_logout_ends_the_access_token_and_its_refresh_family(deps) -> None:
    session = register(deps)
    _claims(deps, session)  # remembered as live in the cache
    accounts.logout(deps, _bearer(session), None)
    with pytest.raises(Unauthorized):
        _claims(deps, session)
    with pytest.raises(Unauthorized):
        _refresh(deps, session["refresh_token"])


def test_logout_with_a_refresh_token_of_another_family_revokes_it_too(deps) -> None:
    phone = register(deps, email="eve@example.com")
    laptop = _login(deps, "eve@example.com")
    stranger = register(deps)
    accounts.logout(deps, _bearer(phone), {"refresh_token": laptop["refresh_token"]})
    with pytest.raises(Unauthorized):
        _claims(deps, laptop)
    # With an access token too, another user's refresh token in the body is ignored.
    other = _login(deps, "eve@example.com")
    accounts.logout(deps, _bearer(other), {"refresh_token": stranger["refresh_token"]})
    _claims(deps, stranger)
    _refresh(deps, stranger["refresh_token"])


def test_logout_with_the_refresh_token_alone(deps, clock) -> None:
    session = register(deps)
    clock.advance(minutes=16)  # the access token has expired
    with pytest.raises(Unauthorized):
        accounts.logout(deps, _bearer(session), None)
    accounts.logout(deps, None, {"refresh_token": session["refresh_token"]})
    with pytest.raises(Unauthorized):
        _refresh(deps, session["refresh_token"])
    user_id, family, _ = session["refresh_token"].split(".")
    assert deps.sessions.families_of(user_id) == {family: True}
    for forged in (f"{user_id}.{family}.guessed", "garbage"):
        with pytest.raises(Unauthorized):
            accounts.logout(deps, None, {"refresh_token": forged})
    with pytest.raises(Unauthorized):  # neither credential
        accounts.logout(deps, None, None)


def test_delete_account_needs_the_password(deps) -> None:
    session = register(deps, email="kim@example.com")
    claims = _claims(deps, session)
    for body in (None, {}, {"password": "wrong password"}):
        with pytest.raises(Unauthorized):
            accounts.delete_account(deps, claims, body)
    with pytest.raises(ValidationFailed):  # as the document says: a string
        accounts.delete_account(deps, claims, {"password": 12345678})
    assert deps.users.stored(claims.user_id) is not None
    _claims(deps, session)
    # Guesses count against the account's login limit (3 so far, 10 allowed).
    for _ in range(7):
        with pytest.raises(Unauthorized):
            accounts.delete_account(deps, claims, {"password": "wrong password"})
    with pytest.raises(RateLimited):
        accounts.delete_account(deps, claims, {"password": PASSWORD})
    assert deps.users.stored(claims.user_id) is not None


def test_delete_account_ends_the_session_and_removes_everything(deps, clock) -> None:
    session = register(deps, email="fay@example.com")
    user_id = session["user"]["id"]
    claims = _claims(deps, session)
    task = task_service.create_task(deps, user_id, {"title": "x", "due_at": "2026-03-01T12:30:00Z"})
    reminders.run_due_date_job(deps)
    assert len(deps.notifications.stored(user_id)) == 1

    accounts.delete_account(deps, claims, {"password": PASSWORD})
    with pytest.raises(Unauthorized):
        _claims(deps, session)
    with pytest.raises(Unauthorized):
        _refresh(deps, session["refresh_token"])
    with pytest.raises(Unauthorized):
        _login(deps, "fay@example.com")
    assert deps.users.stored(user_id) is None
    assert deps.tasks.get(user_id, task.id) is None and deps.tasks.tombstones(user_id) == []
    assert deps.tasks.search_keys(user_id) == set()
    assert deps.notifications.stored(user_id) == []
    assert register(deps, email="fay@example.com")["user"]["id"] != user_id


def test_delete_account_ends_every_session_of_the_account(deps) -> None:
    phone = register(deps, email="gus@example.com")
    laptop = _login(deps, "gus@example.com")
    _claims(deps, laptop)  # remembered as live in the cache
    claims = _claims(deps, phone)
    reads = deps.sessions.reads
    accounts.delete_account(deps, claims, {"password": PASSWORD})
    with pytest.raises(Unauthorized, match="revoked"):
        _claims(deps, laptop)
    assert deps.sessions.reads - reads == 1  # the cache mark was dropped: checked again
    with pytest.raises(Unauthorized):
        _refresh(deps, laptop["refresh_token"])


def test_update_profile(deps, clock) -> None:
    session = register(deps, name="Hal")
    claims = _claims(deps, session)
    user_id = claims.user_id
    seq, bumps = deps.users.stored(user_id).change_seq, deps.cache.bumps
    clock.advance(minutes=1)
    profile = accounts.update_profile(deps, claims, {"name": "  Hal 9000 "})
    assert profile["name"] == "Hal 9000"
    stored = deps.users.stored(user_id)
    assert stored.name == "Hal 9000" and stored.change_seq == seq + 1
    assert deps.cache.bumps == bumps + 1
    assert _login(deps, session["user"]["email"])["user"]["name"] == "Hal 9000"
    writes = deps.users.profile_writes
    assert accounts.update_profile(deps, claims, {}) == profile  # nothing to change
    assert deps.users.profile_writes == writes


def test_a_new_time_zone_moves_all_day_deadlines_and_reminders(deps, clock) -> None:
    session = register(deps)  # UTC
    claims = _claims(deps, session)
    user_id = claims.user_id
    task = task_service.create_task(deps, user_id, {"title": "taxes", "due_at": "2026-03-02"})
    deps.tasks.forget_zone(user_id, task.id, clock())  # as stored before v1.1: no due_tz
    pinned = task_service.create_task(deps, user_id, {"title": "rent", "due_at": "2026-03-02"})
    assert pinned.due_tz == "UTC"  # since v1.1 the zone is the task's own
    assert task_service.get_task(deps, user_id, task.id).deadline_key == "2026-03-02T23:59:59.999Z"
    seq = deps.tasks.item(user_id, task.id).seq
    accounts.update_profile(deps, claims, {"timezone": "Asia/Tokyo", "reminder_lead_minutes": 120})
    moved = task_service.get_task(deps, user_id, task.id)  # the cache was bumped
    assert moved.deadline_key == "2026-03-02T14:59:59.999Z"
    item = deps.tasks.item(user_id, task.id)
    assert item.notify_at.startswith("2026-03-02T12:59:59.999Z|")  # two hours before
    assert item.seq == seq  # a re-key is not a change of the task for sync
    kept = deps.tasks.item(user_id, pinned.id)
    assert kept.task.deadline_key == "2026-03-02T23:59:59.999Z"  # still UTC's day
    assert kept.notify_at.startswith("2026-03-02T21:59:59.999Z|")  # the new lead time


def test_a_profile_update_that_loses_a_race_is_retried(deps) -> None:
    session = register(deps)
    claims = _claims(deps, session)
    # A task write commits between the read and the write of the profile.
    deps.users.before_update.append(
        lambda: task_service.create_task(deps, claims.user_id, {"title": "meanwhile"})
    )
    assert accounts.update_profile(deps, claims, {"name": "Ivy"})["name"] == "Ivy"
    assert deps.users.profile_writes == 2
    stored = deps.users.stored(claims.user_id)
    assert (stored.name, stored.task_count) == ("Ivy", 1)  # the task count survived


def test_a_profile_update_gives_up_after_five_lost_races(deps) -> None:
    session = register(deps)
    claims = _claims(deps, session)
    deps.users.before_update.extend(
        (lambda: task_service.create_task(deps, claims.user_id, {"title": "busy"}))
        for _ in range(5)
    )
    with pytest.raises(DependencyUnavailable):
        accounts.update_profile(deps, claims, {"name": "Jo"})
    assert deps.users.stored(claims.user_id).name == ""
