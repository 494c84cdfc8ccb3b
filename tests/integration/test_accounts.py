"""Accounts and sessions through the HTTP API (Chalice test client, moto, real Redis)."""

from __future__ import annotations

PASSWORD = "correct horse"


def _problem(reply, status: int) -> dict:
    assert reply.status == status, (reply.status, reply.body)
    assert reply.header("Content-Type") == "application/problem+json"
    body = reply.json
    assert body["status"] == status and body["request_id"] == reply.header("X-Request-Id")
    return body


def test_register_returns_a_session(api) -> None:
    reply = api.request(
        "POST",
        "/v1/auth/register",
        {
            "email": " Ann@Example.com ",
            "password": PASSWORD,
            "name": "Ann",
            "timezone": "Europe/Paris",
        },
    )
    assert reply.status == 201
    session = reply.json
    assert session["token_type"] == "Bearer" and session["expires_in"] == 900
    assert session["user"]["email"] == "ann@example.com"
    assert session["user"]["timezone"] == "Europe/Paris"
    assert session["user"]["reminder_lead_minutes"] == 60
    assert set(session["user"]) == {
        "id",
        "email",
        "name",
        "timezone",
        "reminder_lead_minutes",
        "email_verified",
        "created_at",
    }
    assert session["user"]["email_verified"] is False  # until the mailed code comes back
    assert "password" not in reply.body.decode().lower()


def test_email_is_unique_case_insensitively(api) -> None:
    api.register(email="bob@example.com")
    reply = api.request(
        "POST", "/v1/auth/register", {"email": "BOB@example.com", "password": PASSWORD}
    )
    _problem(reply, 409)


def test_register_validation(api) -> None:
    reply = api.request(
        "POST", "/v1/auth/register", {"email": "x", "password": "short", "admin": True}
    )
    body = _problem(reply, 422)
    assert {e["field"] for e in body["errors"]} == {"email", "password", "admin"}


def test_login_refuses_unknown_email_and_wrong_password_alike(api) -> None:
    api.register(email="carol@example.com")
    wrong = api.request(
        "POST", "/v1/auth/login", {"email": "carol@example.com", "password": "nope-nope"}
    )
    unknown = api.request(
        "POST", "/v1/auth/login", {"email": "nobody@example.com", "password": PASSWORD}
    )
    first, second = _problem(wrong, 401), _problem(unknown, 401)
    assert first["detail"] == second["detail"]
    assert wrong.header("WWW-Authenticate") and unknown.header("WWW-Authenticate")
    ok = api.request("POST", "/v1/auth/login", {"email": "CAROL@example.com", "password": PASSWORD})
    assert ok.status == 200 and ok.json["user"]["email"] == "carol@example.com"


def test_long_passwords_count_every_character(api) -> None:
    long = "p" * 100
    reply = api.request(
        "POST", "/v1/auth/register", {"email": "dave@example.com", "password": long + "1"}
    )
    assert reply.status == 201
    bad = api.request(
        "POST", "/v1/auth/login", {"email": "dave@example.com", "password": long + "2"}
    )
    _problem(bad, 401)


def test_refresh_rotates_and_reuse_revokes_the_family(api, clock) -> None:
    session = api.register()
    first = api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert first.status == 200
    rotated = first.json
    assert rotated["refresh_token"] != session["refresh_token"]
    assert api.request("GET", "/v1/me", token=rotated["access_token"]).status == 200
    clock.advance(seconds=31)  # past the grace for a client's own concurrent refreshes
    # The spent token comes back: someone else has a copy. The whole family is revoked.
    reuse = api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    _problem(reuse, 401)
    _problem(
        api.request("POST", "/v1/auth/refresh", {"refresh_token": rotated["refresh_token"]}), 401
    )
    _problem(api.request("GET", "/v1/me", token=rotated["access_token"]), 401)
    _problem(api.request("GET", "/v1/me", token=session["access_token"]), 401)


def test_refresh_with_garbage_is_401(api) -> None:
    for token in ("garbage", "a.b.c", "x" * 300):
        _problem(api.request("POST", "/v1/auth/refresh", {"refresh_token": token}), 401)


def test_logout_stops_the_access_token_and_its_refresh_family(api) -> None:
    session = api.register()
    other = api.request(
        "POST", "/v1/auth/login", {"email": session["user"]["email"], "password": PASSWORD}
    ).json
    token = session["access_token"]
    assert api.request("POST", "/v1/auth/logout", token=token).status == 204
    _problem(api.request("GET", "/v1/me", token=token), 401)
    _problem(
        api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]}), 401
    )
    # Another device's session is untouched.
    assert api.request("GET", "/v1/me", token=other["access_token"]).status == 200


def test_logout_with_a_refresh_token_of_another_family_revokes_it_too(api) -> None:
    session = api.register()
    other = api.request(
        "POST", "/v1/auth/login", {"email": session["user"]["email"], "password": PASSWORD}
    ).json
    reply = api.request(
        "POST",
        "/v1/auth/logout",
        {"refresh_token": other["refresh_token"]},
        token=session["access_token"],
    )
    assert reply.status == 204
    _problem(api.request("GET", "/v1/me", token=other["access_token"]), 401)


def test_missing_and_malformed_credentials_are_401(api) -> None:
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not.a.jwt"},
    ):
        reply = api.request("GET", "/v1/me", headers=headers)
        _problem(reply, 401)
        assert reply.header("WWW-Authenticate").startswith("Bearer")


def test_profile_update(api) -> None:
    token = api.token()
    reply = api.request(
        "PATCH",
        "/v1/me",
        {"name": "Zed", "timezone": "Asia/Tokyo", "reminder_lead_minutes": 15},
        token=token,
    )
    assert reply.status == 200
    assert (reply.json["name"], reply.json["timezone"], reply.json["reminder_lead_minutes"]) == (
        "Zed",
        "Asia/Tokyo",
        15,
    )
    assert api.request("GET", "/v1/me", token=token).json["timezone"] == "Asia/Tokyo"
    body = _problem(
        api.request(
            "PATCH", "/v1/me", {"reminder_lead_minutes": 10081, "email": "x@y.z"}, token=token
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"reminder_lead_minutes", "email"}


def test_profile_change_is_visible_to_login(api) -> None:
    session = api.register()
    api.request("PATCH", "/v1/me", {"name": "New"}, token=session["access_token"])
    login = api.request(
        "POST", "/v1/auth/login", {"email": session["user"]["email"], "password": PASSWORD}
    )
    assert login.json["user"]["name"] == "New"


def test_delete_account_removes_user_and_tasks(api) -> None:
    session = api.register()
    token = session["access_token"]
    task = api.create(token, title="to go")
    assert api.request("DELETE", "/v1/me", {"password": PASSWORD}, token=token).status == 204
    _problem(api.request("GET", "/v1/me", token=token), 401)
    _problem(api.request("GET", f"/v1/tasks/{task['id']}", token=token), 401)
    login = api.request(
        "POST", "/v1/auth/login", {"email": session["user"]["email"], "password": PASSWORD}
    )
    _problem(login, 401)
    # The address is free again.
    assert (
        api.request(
            "POST", "/v1/auth/register", {"email": session["user"]["email"], "password": PASSWORD}
        ).status
        == 201
    )


def test_expired_access_token_is_401(api, clock) -> None:
    token = api.token()
    clock.advance(minutes=16)
    body = _problem(api.request("GET", "/v1/me", token=token), 401)
    assert "expired" in body["detail"]


def test_refresh_tokens_expire(api, clock) -> None:
    session = api.register()
    clock.advance(days=31)
    _problem(
        api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]}), 401
    )


def test_deleting_the_account_ends_every_session_at_once(api) -> None:
    session = api.register()
    email = session["user"]["email"]
    other = api.request("POST", "/v1/auth/login", {"email": email, "password": PASSWORD}).json
    for token in (session["access_token"], other["access_token"]):  # both warm in the cache
        assert api.request("GET", "/v1/tasks", token=token).status == 200
    deleted = api.request("DELETE", "/v1/me", {"password": PASSWORD}, token=session["access_token"])
    assert deleted.status == 204
    # The other session is refused on every route at once, the list included.
    for path in ("/v1/tasks", "/v1/me", "/v1/sync", "/v1/notifications"):
        _problem(api.request("GET", path, token=other["access_token"]), 401)
    refreshed = api.request("POST", "/v1/auth/refresh", {"refresh_token": other["refresh_token"]})
    _problem(refreshed, 401)


def test_deleting_the_account_needs_its_password(api) -> None:
    session = api.register()
    token = session["access_token"]
    for body in (None, {}, {"password": "not the password"}):
        _problem(api.request("DELETE", "/v1/me", body, token=token), 401)
    assert api.request("GET", "/v1/me", token=token).status == 200  # nothing was deleted


def test_logout_with_the_refresh_token_alone(api) -> None:
    session = api.register()
    reply = api.request("POST", "/v1/auth/logout", {"refresh_token": session["refresh_token"]})
    assert reply.status == 204
    _problem(api.request("GET", "/v1/me", token=session["access_token"]), 401)
    again = api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    _problem(again, 401)
    forged = session["refresh_token"][:-4] + "AAAA"
    _problem(api.request("POST", "/v1/auth/logout", {"refresh_token": forged}), 401)
    _problem(api.request("POST", "/v1/auth/logout"), 401)  # neither credential


def test_two_refreshes_with_one_token_within_30_s_get_the_same_session(api, clock) -> None:
    # A mobile app resuming on two threads presents the same refresh token twice.
    session = api.register()
    body = {"refresh_token": session["refresh_token"]}
    first = api.request("POST", "/v1/auth/refresh", body)
    clock.advance(seconds=29)
    second = api.request("POST", "/v1/auth/refresh", body)
    assert first.status == second.status == 200
    assert first.json["refresh_token"] == second.json["refresh_token"]
    for reply in (first, second):
        assert api.request("GET", "/v1/me", token=reply.json["access_token"]).status == 200
    # The shared successor works once, like any refresh token.
    successor = {"refresh_token": first.json["refresh_token"]}
    assert api.request("POST", "/v1/auth/refresh", successor).status == 200
    clock.advance(seconds=2)  # 31 s after the first use: a reuse now revokes the family
    _problem(api.request("POST", "/v1/auth/refresh", body), 401)
    _problem(api.request("GET", "/v1/me", token=second.json["access_token"]), 401)
