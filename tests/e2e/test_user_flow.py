"""A client's whole journey over HTTP through nginx and real workers (DESIGN §3)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from e2e_support import HttpApi

pytestmark = pytest.mark.e2e


def _problem(reply: Any, status: int) -> dict[str, Any]:
    assert reply.status == status, (reply.status, reply.body)
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.json
    assert body["status"] == status
    assert body["request_id"] == reply.header("X-Request-Id")
    return body


def test_register_login_tasks_logout(api: HttpApi) -> None:
    email = f"E2E-{uuid.uuid4().hex[:10]}@Example.com "
    password = "a long enough passphrase"

    registered = api.request(
        "POST", "/v1/auth/register", {"email": email, "password": password, "name": "Eve"}
    )
    assert registered.status == 201, registered.body
    session = registered.json
    assert session["token_type"] == "Bearer"
    assert session["access_token"] and session["refresh_token"]
    assert session["expires_in"] > 0
    assert session["user"]["email"] == email.strip().lower()
    _problem(api.request("POST", "/v1/auth/register", {"email": email, "password": password}), 409)

    wrong = api.request("POST", "/v1/auth/login", {"email": email, "password": "wrong password"})
    _problem(wrong, 401)
    assert (wrong.header("WWW-Authenticate") or "").startswith("Bearer")
    login = api.request("POST", "/v1/auth/login", {"email": email.upper(), "password": password})
    assert login.status == 200, login.body
    token = login.json["access_token"]
    refresh_token = login.json["refresh_token"]

    me = api.request("GET", "/v1/me", token=token)
    assert me.status == 200 and me.json["id"] == session["user"]["id"]

    created = api.request(
        "POST",
        "/v1/tasks",
        {"title": "  Buy groceries ", "description": "milk", "due_at": "2030-01-02T09:00:00+01:00"},
        token=token,
        headers={"Idempotency-Key": f"e2e-{uuid.uuid4().hex}"},
    )
    assert created.status == 201, created.body
    task = created.json
    path = f"/v1/tasks/{task['id']}"
    assert created.header("Location") == path
    assert created.header("ETag") == '"1"'
    assert task["title"] == "Buy groceries"
    assert task["due_at"] == "2030-01-02T08:00:00.000Z"
    assert task["completed"] is False and task["version"] == 1

    listed = api.request("GET", "/v1/tasks?completed=false&q=groc", token=token)
    assert listed.status == 200
    assert [t["id"] for t in listed.json["items"]] == [task["id"]]

    got = api.request("GET", path, token=token)
    assert got.status == 200 and got.json == task and got.header("ETag") == '"1"'
    assert api.request("GET", path, token=token, headers={"If-None-Match": '"1"'}).status == 304

    patched = api.request(
        "PATCH", path, {"title": "Buy food"}, token=token, headers={"If-Match": '"1"'}
    )
    assert patched.status == 200 and patched.json["title"] == "Buy food"
    assert patched.json["version"] == 2
    _problem(
        api.request("PATCH", path, {"title": "stale"}, token=token, headers={"If-Match": '"1"'}),
        412,
    )

    done = api.request("POST", f"{path}/complete", token=token)
    assert done.status == 200 and done.json["completed"] is True and done.json["completed_at"]
    assert api.request("POST", f"{path}/complete", token=token).json == done.json
    completed = api.request("GET", "/v1/tasks?completed=true", token=token).json["items"]
    assert [t["id"] for t in completed] == [task["id"]]

    reopened = api.request("POST", f"{path}/reopen", token=token)
    assert reopened.status == 200
    assert reopened.json["completed"] is False and reopened.json["completed_at"] is None

    assert api.request("DELETE", path, token=token).status == 204
    _problem(api.request("GET", path, token=token), 404)
    assert api.request("GET", "/v1/tasks", token=token).json["items"] == []

    logout = api.request("POST", "/v1/auth/logout", {"refresh_token": refresh_token}, token=token)
    assert logout.status == 204
    after = api.request("GET", "/v1/tasks", token=token)
    _problem(after, 401)
    assert (after.header("WWW-Authenticate") or "").startswith("Bearer")
    _problem(api.request("POST", "/v1/auth/refresh", {"refresh_token": refresh_token}), 401)


def test_refresh_rotates_the_token(api: HttpApi) -> None:
    session = api.register()
    rotated = api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert rotated.status == 200, rotated.body
    assert rotated.json["refresh_token"] != session["refresh_token"]
    assert api.request("GET", "/v1/me", token=rotated.json["access_token"]).status == 200
    # Presented again at once (a client resuming on two threads), the spent token gets the
    # same new session; after 30 s it would revoke the family (integration/test_accounts).
    again = api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert again.status == 200
    assert again.json["refresh_token"] == rotated.json["refresh_token"]
    # A token this service never issued is refused.
    forged = session["refresh_token"][:-4] + "AAAA"
    _problem(api.request("POST", "/v1/auth/refresh", {"refresh_token": forged}), 401)


def test_no_token_is_401(api: HttpApi) -> None:
    reply = api.request("GET", "/v1/tasks")
    _problem(reply, 401)
    assert (reply.header("WWW-Authenticate") or "").startswith("Bearer")


def test_ready_reports_dependencies(api: HttpApi) -> None:
    reply = api.request("GET", "/v1/ready")
    assert reply.status == 200
    assert reply.json["status"] == "ok"
    assert reply.json["redis"] in {"ok", "degraded"}


def test_openapi_document_is_served(api: HttpApi) -> None:
    reply = api.request("GET", "/v1/openapi.json")
    assert reply.status == 200
    assert reply.json["openapi"].startswith("3.1")


def test_lists_subtasks_and_manual_order(api: HttpApi) -> None:
    """v1.1: a client's journey through lists and subtasks, over HTTP through nginx."""
    session = api.register()
    token = session["access_token"]
    [inbox] = api.request("GET", "/v1/lists", token=token).json["items"]
    assert inbox["is_inbox"]
    key = {"Idempotency-Key": f"e2e-list-{uuid.uuid4().hex}"}
    created = api.request("POST", "/v1/lists", {"name": "Groceries"}, token=token, headers=key)
    assert created.status == 201, created.body
    groceries = created.json
    replay = api.request("POST", "/v1/lists", {"name": "Groceries"}, token=token, headers=key)
    assert replay.status == 201 and replay.json == groceries

    def add(title: str, **fields: Any) -> dict[str, Any]:
        reply = api.request("POST", "/v1/tasks", {"title": title, **fields}, token=token)
        assert reply.status == 201, reply.body
        task: dict[str, Any] = reply.json
        return task

    milk, bread = add("milk", list_id=groceries["id"]), add("bread", list_id=groceries["id"])
    oat = add("oat milk", parent_id=milk["id"])
    assert oat["list_id"] == groceries["id"] and oat["parent_id"] == milk["id"]
    moved = api.request(
        "POST", f"/v1/tasks/{bread['id']}/move", {"before_id": milk["id"]}, token=token
    )
    assert moved.status == 200 and moved.json["version"] == 2

    def titles(query: str) -> list[str]:
        reply = api.request("GET", f"/v1/tasks?{query}", token=token)
        assert reply.status == 200, reply.body
        return [t["title"] for t in reply.json["items"]]

    top = f"list_id={groceries['id']}&parent_id=none&sort=position"
    assert titles(top) == ["bread", "milk"]
    assert titles(f"parent_id={milk['id']}") == ["oat milk"]
    _problem(api.request("GET", "/v1/tasks?sort=position", token=token), 400)
    too_deep = add("alt", parent_id=oat["id"])
    _problem(
        api.request("POST", "/v1/tasks", {"title": "x", "parent_id": too_deep["id"]}, token=token),
        422,
    )
    # The list moves to the top, is renamed with If-Match, then goes with its tasks.
    path = f"/v1/lists/{groceries['id']}"
    first = api.request("POST", f"{path}/move", {"before_id": None}, token=token)
    assert first.status == 200
    names = [x["name"] for x in api.request("GET", "/v1/lists", token=token).json["items"]]
    assert names == ["Groceries", "Inbox"]
    renamed = api.request(
        "PATCH", path, {"name": "Shopping"}, token=token, headers={"If-Match": '"2"'}
    )
    assert renamed.status == 200 and renamed.json["name"] == "Shopping"
    _problem(api.request("DELETE", path, token=token), 409)
    assert api.request("DELETE", f"{path}?cascade=true", token=token).status == 204
    _problem(api.request("GET", f"/v1/tasks/{milk['id']}", token=token), 404)
    changes = api.request("GET", "/v1/sync?limit=100", token=token).json["changes"]
    assert [c["kind"] for c in changes] == ["list"]  # a first download: only the Inbox
