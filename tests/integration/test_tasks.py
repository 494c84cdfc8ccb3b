"""Task routes through the HTTP API: the whole flow, conditional requests, errors, isolation."""

from __future__ import annotations

import pytest


def _problem(reply, status: int) -> dict:
    assert reply.status == status, (reply.status, reply.body)
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.json["status"] == status
    return reply.json


def test_whole_task_flow(api) -> None:
    token = api.token()
    created = api.request(
        "POST",
        "/v1/tasks",
        {
            "title": "Buy groceries",
            "description": "milk, eggs",
            "due_at": "2026-03-02T18:00:00+01:00",
            "priority": "high",
            "tags": ["Home", "errands"],
        },
        token=token,
    )
    assert created.status == 201
    task = created.json
    assert created.header("Location") == f"/v1/tasks/{task['id']}"
    assert created.header("ETag") == '"1"'
    assert task["due_at"] == "2026-03-02T17:00:00.000Z" and task["all_day"] is False
    assert task["tags"] == ["home", "errands"] and task["priority"] == "high"

    got = api.request("GET", f"/v1/tasks/{task['id']}", token=token)
    assert got.status == 200 and got.json == task

    patched = api.request(
        "PATCH",
        f"/v1/tasks/{task['id']}",
        {"title": "Buy food", "due_at": "2026-03-03"},
        token=token,
    )
    assert patched.status == 200
    assert patched.json["title"] == "Buy food" and patched.json["due_at"] == "2026-03-03"
    assert patched.json["all_day"] is True and patched.json["version"] == 2
    assert patched.json["description"] == "milk, eggs"

    done = api.request("POST", f"/v1/tasks/{task['id']}/complete", token=token)
    assert done.status == 200 and done.json["completed"] and done.json["completed_at"]
    again = api.request("POST", f"/v1/tasks/{task['id']}/complete", token=token)
    assert again.json == done.json  # idempotent: no new version

    reopened = api.request("POST", f"/v1/tasks/{task['id']}/reopen", token=token)
    assert reopened.json["completed"] is False and reopened.json["completed_at"] is None
    assert reopened.json["version"] == 4

    listed = api.request("GET", "/v1/tasks", token=token).json
    assert [t["id"] for t in listed["items"]] == [task["id"]] and listed["next_cursor"] is None

    assert api.request("DELETE", f"/v1/tasks/{task['id']}", token=token).status == 204
    _problem(api.request("GET", f"/v1/tasks/{task['id']}", token=token), 404)
    _problem(api.request("DELETE", f"/v1/tasks/{task['id']}", token=token), 404)
    assert api.request("GET", "/v1/tasks", token=token).json["items"] == []


def test_patch_can_clear_the_due_date_and_rejects_null_title(api) -> None:
    token = api.token()
    task = api.create(token, due_at="2026-03-05")
    cleared = api.request("PATCH", f"/v1/tasks/{task['id']}", {"due_at": None}, token=token)
    assert cleared.json["due_at"] is None and cleared.json["all_day"] is False
    body = _problem(
        api.request("PATCH", f"/v1/tasks/{task['id']}", {"title": None}, token=token), 422
    )
    assert body["errors"][0]["field"] == "title"


def test_conditional_get_and_update(api) -> None:
    token = api.token()
    task = api.create(token)
    path = f"/v1/tasks/{task['id']}"
    not_modified = api.request("GET", path, token=token, headers={"If-None-Match": '"1"'})
    assert not_modified.status == 304 and not_modified.body == b""
    ok = api.request("PATCH", path, {"title": "v2"}, token=token, headers={"If-Match": '"1"'})
    assert ok.status == 200 and ok.header("ETag") == '"2"'
    stale = api.request("PATCH", path, {"title": "lost"}, token=token, headers={"If-Match": '"1"'})
    _problem(stale, 412)
    assert api.request("GET", path, token=token).json["title"] == "v2"
    assert api.request("GET", path, token=token, headers={"If-None-Match": '"1"'}).status == 200
    _problem(api.request("DELETE", path, token=token, headers={"If-Match": '"1"'}), 412)
    assert api.request("DELETE", path, token=token, headers={"If-Match": '"2"'}).status == 204


def test_another_users_task_is_404_on_every_route(api) -> None:
    owner, intruder = api.token(), api.token()
    task = api.create(owner, title="private")
    path = f"/v1/tasks/{task['id']}"
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"title": "mine now"}),
        ("POST", "/complete", None),
        ("POST", "/reopen", None),
        ("DELETE", "", None),
    ):
        _problem(api.request(method, path + suffix, body, token=intruder), 404)
    assert api.request("GET", "/v1/tasks", token=intruder).json["items"] == []
    unchanged = api.request("GET", path, token=owner).json
    assert unchanged["title"] == "private" and unchanged["version"] == 1


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("", "application/json", 400),
        ('["a list"]', "application/json", 422),
        ('{"title": "x"}', "text/plain", 415),
        ("x" * (64 * 1024 + 1), "application/json", 413),
    ],
)
def test_bad_bodies(api, raw: str, content_type: str, status: int) -> None:
    token = api.token()
    reply = api.request(
        "POST", "/v1/tasks", raw=raw, token=token, headers={"Content-Type": content_type}
    )
    _problem(reply, status)


def test_validation_errors_name_each_field(api) -> None:
    token = api.token()
    reply = api.request(
        "POST",
        "/v1/tasks",
        {
            "title": "",
            "due_at": "2026-03-01T10:00:00",
            "priority": "urgent",
            "id": "mine",
            "completed_at": "x",
        },
        token=token,
    )
    body = _problem(reply, 422)
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "title": "String should have at least 1 character",
        "due_at": "a date-time needs a time zone offset, e.g. 2026-05-01T09:00:00Z",
        "priority": "Input should be 'low', 'normal' or 'high'",
        "id": "is read-only",
        "completed_at": "is read-only",
    }


def test_unknown_routes_and_methods(api) -> None:
    token = api.token()
    assert api.request("GET", "/v1/nothing-here", token=token).status in (403, 404)
    assert api.request("PUT", "/v1/tasks", {"title": "x"}, token=token).status == 405


def test_request_ids_are_echoed_or_generated(chalice_api) -> None:
    api = chalice_api
    mine = api.request("GET", "/v1/health", headers={"X-Request-Id": "abc-123"})
    assert mine.header("X-Request-Id") == "abc-123"
    generated = api.request("GET", "/v1/health")
    assert len(generated.header("X-Request-Id")) == 32
    hostile = api.request("GET", "/v1/health", headers={"X-Request-Id": "bad\nvalue" * 50})
    assert hostile.header("X-Request-Id") != "bad\nvalue" * 50


def test_the_task_quota_is_enforced(api, deps) -> None:
    deps.settings = deps.settings.model_copy(update={"max_tasks_per_user": 2})
    token = api.token()
    api.create(token)
    api.create(token)
    body = _problem(api.request("POST", "/v1/tasks", {"title": "third"}, token=token), 422)
    assert "at most 2 tasks" in body["errors"][0]["message"]


def test_health_ready_and_unexpected_errors(api, deps, monkeypatch) -> None:
    assert api.request("GET", "/v1/health").json == {"status": "ok"}
    ready = api.request("GET", "/v1/ready")
    assert ready.status == 200 and ready.json == {"status": "ok", "dynamodb": "ok", "redis": "ok"}

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(deps.tasks, "get", boom)
    token = api.token()
    reply = api.request("GET", "/v1/tasks/01ABC", token=token)
    body = _problem(reply, 500)
    assert "secret internals" not in reply.body.decode() and body["request_id"]
