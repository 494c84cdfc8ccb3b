"""Object-level authorisation (OWASP API1 BOLA): with user B's token, nothing of user A
can be read, changed or even confirmed to exist, by id, cursor or sync token.

Every route the app serves must be classified below, so a new route cannot ship
without a decision on how it is scoped (and a row in the matrix when it takes an id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from security_support import problem
from support import ApiClient, FakeClock, Reply
from taskcore.services import reminders
from taskcore.services.deps import Deps

# How each route decides whose data it touches.
PUBLIC = "public"  # no account data at all
CREDENTIALS = "credentials"  # scoped by the credentials in the body
SELF = "self"  # the caller's own account, from the token
COLLECTION = "collection"  # the caller's items, from the token; cursors are bound to it
OBJECT = "object"  # one item by id: the id is looked up under the caller only

ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/v1/health"): PUBLIC,
    ("GET", "/v1/ready"): PUBLIC,
    ("GET", "/v1/openapi.json"): PUBLIC,
    ("GET", "/v1/docs"): PUBLIC,
    ("GET", "/v1/docs/assets/{name}"): PUBLIC,
    ("GET", "/v1/problems/{code}"): PUBLIC,
    ("POST", "/v1/auth/register"): CREDENTIALS,
    ("POST", "/v1/auth/login"): CREDENTIALS,
    ("POST", "/v1/auth/refresh"): CREDENTIALS,
    ("POST", "/v1/auth/logout"): SELF,
    ("POST", "/v1/auth/password"): SELF,
    ("POST", "/v1/auth/password-reset"): CREDENTIALS,  # an address; the reply is always 202
    ("POST", "/v1/auth/password-reset/confirm"): CREDENTIALS,  # the e-mailed token's owner
    ("POST", "/v1/auth/verify-email"): CREDENTIALS,  # the e-mailed token's owner
    ("POST", "/v1/me/verification"): SELF,
    ("GET", "/v1/me"): SELF,
    ("PATCH", "/v1/me"): SELF,
    ("DELETE", "/v1/me"): SELF,
    ("GET", "/v1/tasks"): COLLECTION,
    ("POST", "/v1/tasks"): COLLECTION,
    ("GET", "/v1/sync"): COLLECTION,
    ("GET", "/v1/notifications"): COLLECTION,
    ("GET", "/v1/tasks/{task_id}"): OBJECT,
    ("PATCH", "/v1/tasks/{task_id}"): OBJECT,
    ("DELETE", "/v1/tasks/{task_id}"): OBJECT,
    ("POST", "/v1/tasks/{task_id}/complete"): OBJECT,
    ("POST", "/v1/tasks/{task_id}/reopen"): OBJECT,
    ("POST", "/v1/notifications/{notification_id}/read"): OBJECT,
    # v1.1: lists are the caller's like tasks; a task's move names ids of the caller only.
    ("GET", "/v1/lists"): COLLECTION,
    ("POST", "/v1/lists"): COLLECTION,
    ("GET", "/v1/lists/{list_id}"): OBJECT,
    ("PATCH", "/v1/lists/{list_id}"): OBJECT,
    ("DELETE", "/v1/lists/{list_id}"): OBJECT,
    ("POST", "/v1/lists/{list_id}/move"): OBJECT,
    ("POST", "/v1/tasks/{task_id}/move"): OBJECT,
}

SECRET_TITLE = "Alice private plans"


@dataclass
class Victim:
    """User A and handles on everything A owns."""

    token: str
    refresh_token: str
    task: dict[str, Any]
    list_id: str
    deleted_task_id: str
    task_cursor: str
    sync_since: str
    notification_id: str
    notification_cursor: str


def _json(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.body[:300])
    return reply.json


@pytest.fixture
def victim(api: ApiClient, deps: Deps, clock: FakeClock) -> Victim:
    session = api.register()
    token = session["access_token"]
    due = (clock() + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    secret_list = api.request("POST", "/v1/lists", {"name": SECRET_TITLE}, token=token).json
    task = api.create(
        token, title=SECRET_TITLE, description="alpha bravo", due_at=due, list_id=secret_list["id"]
    )
    api.create(token, title=f"{SECRET_TITLE} two", due_at=due)
    gone = api.create(token, title="to be deleted")
    assert api.request("DELETE", f"/v1/tasks/{gone['id']}", token=token).status == 204
    reminders.run_due_date_job(deps)  # both tasks are due within the hour: two notifications
    notifications = _json(api.request("GET", "/v1/notifications?limit=1", token=token))
    page = _json(api.request("GET", "/v1/tasks?limit=1", token=token))
    sync = _json(api.request("GET", "/v1/sync?limit=1", token=token))
    assert page["next_cursor"] and notifications["next_cursor"] and sync["has_more"]
    return Victim(
        token=token,
        refresh_token=session["refresh_token"],
        task=api.request("GET", f"/v1/tasks/{task['id']}", token=token).json,
        list_id=secret_list["id"],
        deleted_task_id=gone["id"],
        task_cursor=page["next_cursor"],
        sync_since=sync["next_since"],
        notification_id=notifications["items"][0]["id"],
        notification_cursor=notifications["next_cursor"],
    )


def test_every_route_is_classified() -> None:
    from app import app
    from chalicelib.fallbacks import FALLBACK_VIEWS

    served = {
        (m, path)
        for path, methods in app.routes.items()
        for m, entry in methods.items()
        # Every path's preflight and 405 answers: PUBLIC, they never read a request's data.
        if entry.view_name not in FALLBACK_VIEWS
    }
    assert served == set(ROUTES), "classify new routes in ROUTES (and cover OBJECT ones below)"


def _object_requests(victim: Victim) -> list[tuple[str, str, Any]]:
    task = f"/v1/tasks/{victim.task['id']}"
    deleted = f"/v1/tasks/{victim.deleted_task_id}"
    requests = [
        ("GET", task, None),
        ("PATCH", task, {"title": "stolen"}),
        ("DELETE", task, None),
        ("POST", f"{task}/complete", None),
        ("POST", f"{task}/reopen", None),
        ("GET", deleted, None),
        ("PATCH", deleted, {"title": "resurrected"}),
        ("POST", f"/v1/notifications/{victim.notification_id}/read", None),
        ("POST", f"{task}/move", {"after_id": None}),
        ("GET", f"/v1/lists/{victim.list_id}", None),
        ("PATCH", f"/v1/lists/{victim.list_id}", {"name": "stolen"}),
        ("DELETE", f"/v1/lists/{victim.list_id}", None),
        ("POST", f"/v1/lists/{victim.list_id}/move", {"after_id": None}),
    ]
    templates = {(m, p.replace(victim.task["id"], "{task_id}")) for m, p, _ in requests}
    templates = {(m, p.replace(victim.list_id, "{list_id}")) for m, p in templates}
    templates = {(m, p.replace(victim.notification_id, "{notification_id}")) for m, p in templates}
    objects = {key for key, kind in ROUTES.items() if kind == OBJECT}
    assert objects <= templates, "every OBJECT route needs a row here"
    return requests


def test_another_users_objects_are_404_and_reveal_nothing(api: ApiClient, victim: Victim) -> None:
    intruder = api.token()
    for method, path, body in _object_requests(victim):
        for headers in ({}, {"If-Match": '"1"'}, {"If-None-Match": '"1"'}):
            reply = api.request(method, path, body, token=intruder, headers=headers)
            detail = problem(reply, 404)["detail"]
            assert SECRET_TITLE not in reply.body.decode() and "ETag" not in reply.headers
            assert "not found" in detail.lower() or "no " in detail.lower()
    # A's task is untouched, and so is A's list and notification.
    after = _json(api.request("GET", f"/v1/tasks/{victim.task['id']}", token=victim.token))
    assert after == victim.task
    mine = _json(api.request("GET", f"/v1/lists/{victim.list_id}", token=victim.token))
    assert (mine["name"], mine["version"]) == (SECRET_TITLE, 1)
    unread = _json(api.request("GET", "/v1/notifications?unread=true", token=victim.token))
    assert victim.notification_id in {n["id"] for n in unread["items"]}


def test_collections_show_only_the_callers_items(api: ApiClient, victim: Victim) -> None:
    intruder = api.token()
    for path in (
        "/v1/tasks",
        "/v1/tasks?q=alice",
        "/v1/tasks?overdue=false&has_due=true",
        "/v1/notifications",
        "/v1/notifications?unread=true",
    ):
        page = _json(api.request("GET", path, token=intruder))
        assert page["items"] == [] and page["next_cursor"] is None
    [own_inbox] = _json(api.request("GET", "/v1/lists", token=intruder))["items"]
    assert own_inbox["is_inbox"] and SECRET_TITLE not in str(own_inbox)
    for path in (f"/v1/tasks?list_id={victim.list_id}", f"/v1/tasks?parent_id={victim.task['id']}"):
        assert SECRET_TITLE not in problem(api.request("GET", path, token=intruder), 404)["detail"]
    # Naming A's task or list in a body of B's is refused, revealing nothing.
    mine = api.create(intruder, title="mine")
    for body in (
        {"after_id": victim.task["id"]},
        {"parent_id": victim.task["id"]},
        {"list_id": victim.list_id},
    ):
        reply = api.request("POST", f"/v1/tasks/{mine['id']}/move", body, token=intruder)
        assert SECRET_TITLE not in problem(reply, 422)["detail"]
    changes = _json(api.request("GET", "/v1/sync", token=intruder))["changes"]
    assert SECRET_TITLE not in str(changes)  # only the intruder's own Inbox and task
    assert {c["id"] for c in changes} == {own_inbox["id"], mine["id"]}


def test_another_users_cursors_and_sync_tokens_are_400(api: ApiClient, victim: Victim) -> None:
    intruder = api.token()
    for path in (
        f"/v1/tasks?limit=1&cursor={victim.task_cursor}",
        f"/v1/notifications?limit=1&cursor={victim.notification_cursor}",
        f"/v1/sync?since={victim.sync_since}",
    ):
        reply = api.request("GET", path, token=intruder)
        problem(reply, 400)
        assert SECRET_TITLE not in reply.body.decode()
        # The owner can still use them.
        assert api.request("GET", path, token=victim.token).status == 200


@pytest.mark.parametrize("position", [0, 10, -2])
def test_tampered_cursors_are_400(api: ApiClient, victim: Victim, position: int) -> None:
    for name, value in (("cursor", victim.task_cursor), ("since", victim.sync_since)):
        i = position % len(value)
        flipped = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]
        path = "/v1/tasks?limit=1" if name == "cursor" else "/v1/sync?limit=1"
        problem(api.request("GET", f"{path}&{name}={flipped}", token=victim.token), 400)


def test_identity_comes_from_the_token_not_the_request(api: ApiClient, victim: Victim) -> None:
    intruder = api.register()
    token = intruder["access_token"]
    # /v1/me is always the caller; body fields naming another account are refused.
    assert _json(api.request("GET", "/v1/me", token=token))["id"] == intruder["user"]["id"]
    problem(api.request("PATCH", "/v1/me", {"id": "someone-else"}, token=token), 422)
    problem(api.request("POST", "/v1/tasks", {"title": "x", "user_id": "a"}, token=token), 422)
    # Logging out with A's refresh token ends B's session only.
    reply = api.request(
        "POST", "/v1/auth/logout", {"refresh_token": victim.refresh_token}, token=token
    )
    assert reply.status == 204
    assert api.request("GET", "/v1/me", token=victim.token).status == 200
    refreshed = api.request("POST", "/v1/auth/refresh", {"refresh_token": victim.refresh_token})
    assert refreshed.status == 200
