"""Lists under load and over time (v1.1): concurrent moves into one gap, a cascade delete of
1,000 tasks (and an interrupted one), accounts from before lists, account deletion."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from security_support import problem
from seeding import seed_tasks
from taskcore.domain.due import parse_due
from taskcore.domain.listing import Segment
from taskcore.domain.lists import inbox_id
from taskcore.domain.task import TaskChanges, new_task
from taskcore.errors import DependencyUnavailable
from taskcore.repositories.tasks import to_item
from taskcore.repositories.users import user_key
from taskcore.services import accounts, lists, moves
from taskcore.services import tasks as task_service
from taskcore.storage.models import ListEntryModel, TaskModel, UserModel


def _user(deps) -> str:
    session = accounts.register(
        deps, {"email": f"scale-{deps.new_id()}@example.com", "password": "correct horse"}
    )
    return str(session["user"]["id"])


def _in_order(deps, user_id: str, list_id: str) -> list[Any]:
    segment = Segment("by_position", "position_key", list_id=list_id)
    return [
        t for t, _ in deps.tasks.query(user_id, segment, forward=True, start=None, page_size=None)
    ]


def test_twenty_concurrent_moves_into_one_gap(deps) -> None:
    user_id = _user(deps)
    work = lists.create_list(deps, user_id, "Work")
    first = task_service.create_task(deps, user_id, {"title": "first", "list_id": work.id})
    last = task_service.create_task(deps, user_id, {"title": "last", "list_id": work.id})
    movers = [
        task_service.create_task(deps, user_id, {"title": f"m{i}", "list_id": work.id})
        for i in range(20)
    ]
    start = threading.Barrier(20)

    def move(task_id: str) -> str:
        start.wait()  # all at once, from the same neighbours
        return moves.move_task(deps, user_id, task_id, {"after_id": first.id}).position or ""

    with ThreadPoolExecutor(max_workers=20) as pool:
        landed = list(pool.map(move, [t.id for t in movers]))
    ordered = _in_order(deps, user_id, work.id)
    positions = [t.position for t in ordered]
    assert len(set(landed)) == 20 and len(set(positions)) == 22  # no two equal
    assert len(ordered) == 22 and {t.id for t in ordered} >= {t.id for t in movers}  # none lost
    assert ordered[0].id == first.id and ordered[-1].id == last.id  # all into the one gap
    assert positions == sorted(positions)
    account = deps.users.get(user_id)
    assert account is not None and account.task_count == 22


def _synced(api, token: str, since: str | None) -> tuple[list[dict[str, Any]], str]:
    changes: list[dict[str, Any]] = []
    while True:
        query = f"&since={since}" if since else ""
        page = api.request("GET", f"/v1/sync?limit=500{query}", token=token).json
        changes += page["changes"]
        since = page["next_since"]
        if not page["has_more"]:
            return changes, since


def test_a_cascade_delete_of_a_thousand_tasks_in_bounded_batches(api, deps, calls) -> None:
    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    big = api.request("POST", "/v1/lists", {"name": "Big"}, token=token).json
    seeded = seed_tasks(deps, user_id, (TaskChanges(title=f"t{i}") for i in range(1000)), big["id"])
    keep = api.create(token, title="keep")
    since = _synced(api, token, None)[1]
    calls.reset()
    reply = api.request("DELETE", f"/v1/lists/{big['id']}?cascade=true", token=token)
    assert reply.status == 204
    writes = calls.calls["TransactWriteItems"]
    # Each task is its item, its tombstone, its entry and one search entry ("t<n>" is one
    # word): 4 actions, 24 per transaction with the account (at most 97 actions); then
    # the "being deleted" mark and the list itself. Work grows with the list's size.
    assert writes == -(-1000 // 24) + 2
    assert calls.items_written <= writes * 100
    assert calls.calls["Scan"] == 0 and calls.calls["Query"] <= 10
    problem(api.request("GET", f"/v1/lists/{big['id']}", token=token), 404)
    assert ListEntryModel.count(big["id"]) == 0
    account = deps.users.get(user_id)
    assert account is not None and (account.task_count, account.list_count) == (1, 1)
    changes = _synced(api, token, since)[0]
    tombstones = Counter(c["kind"] for c in changes if c.get("deleted"))
    assert tombstones == Counter({"task": 1000, "list": 1})
    assert {c["id"] for c in changes if c["kind"] == "task"} == {t.id for t in seeded}
    assert api.request("GET", f"/v1/tasks/{keep['id']}", token=token).status == 200


def test_an_interrupted_cascade_delete_leaves_the_list_and_a_repeat_finishes(
    api, deps, monkeypatch
) -> None:
    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    doomed = api.request("POST", "/v1/lists", {"name": "Doomed"}, token=token).json
    top = api.create(token, title="top", list_id=doomed["id"])
    child = api.create(token, title="child", parent_id=top["id"])
    seed_tasks(deps, user_id, (TaskChanges(title=f"t{i}") for i in range(60)), doomed["id"])
    real = deps.tasks.write_batch
    commits = []

    def failing(user, batch, now):
        if len(commits) == 2:
            raise DependencyUnavailable("the store went away")
        commits.append(batch)
        return real(user, batch, now)

    monkeypatch.setattr(deps.tasks, "write_batch", failing)
    path = f"/v1/lists/{doomed['id']}?cascade=true"
    assert problem(api.request("DELETE", path, token=token), 503)
    monkeypatch.setattr(deps.tasks, "write_batch", real)
    # The list is still there with the tasks not yet deleted: a valid tree (the subtask
    # went first), and it takes no new task.
    assert api.request("GET", f"/v1/lists/{doomed['id']}", token=token).status == 200
    left = _in_order(deps, user_id, doomed["id"])
    assert 0 < len(left) < 62 and child["id"] not in {t.id for t in left}
    assert all(t.parent_id is None or t.parent_id in {x.id for x in left} for t in left)
    body = {"title": "late", "list_id": doomed["id"]}
    assert problem(api.request("POST", "/v1/tasks", body, token=token), 409)
    assert api.request("DELETE", path, token=token).status == 204
    assert ListEntryModel.count(doomed["id"]) == 0
    assert deps.users.get(user_id).task_count == 0  # type: ignore[union-attr]


def _as_before_lists(deps, user_id: str, titles: list[str], due: str | None = None) -> list[str]:
    """Turn a fresh account into one stored before lists existed, with these tasks."""
    inbox = inbox_id(user_id)
    TaskModel(user_id, "L#" + inbox).delete()
    UserModel(user_key(user_id)).update(
        actions=[UserModel.lists_ready.remove(), UserModel.list_count.remove()]
    )
    user = deps.users.get(user_id)
    ids = []
    for n, title in enumerate(titles):
        moment = deps.clock() + timedelta(seconds=n)
        changes = TaskChanges(title=title, due=parse_due(due) if due else None)
        task = new_task(deps.new_id(), user_id, changes, moment)
        item = to_item(task, user, user.change_seq + n + 1, moment, deps.settings.due_index_shards)
        # v1.0 had none of these (a task followed its owner's zone)
        item.list_id = item.position = item.position_key = item.due_tz = None
        item.save()
        ids.append(task.id)
    UserModel(user_key(user_id)).update(
        actions=[
            UserModel.change_seq.set(user.change_seq + len(titles)),
            UserModel.task_count.set(len(titles)),
        ]
    )
    return ids


def test_an_account_from_before_lists_gets_its_inbox_on_first_use(api, deps, clock) -> None:
    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    ids = _as_before_lists(deps, user_id, [f"old {i}" for i in range(60)])
    # Read without any migration: in the Inbox, not yet placed.
    got = api.request("GET", f"/v1/tasks/{ids[0]}", token=token).json
    assert got["list_id"] == inbox_id(user_id) and got["position"] is None
    [inbox] = api.request("GET", "/v1/lists", token=token).json["items"]
    assert inbox["is_inbox"] and inbox["id"] == inbox_id(user_id)
    page = api.request(
        "GET", f"/v1/tasks?list_id={inbox['id']}&sort=position&limit=100", token=token
    ).json
    assert [t["id"] for t in page["items"]] == ids  # creation order
    account = deps.users.get(user_id)
    assert account is not None and account.lists_ready and account.list_count == 1
    assert account.task_count == 60
    new = api.create(token, title="new")
    assert new["position"] > page["items"][-1]["position"]


def test_bringing_an_old_account_up_to_date_resumes_after_an_interruption(
    api, deps, monkeypatch
) -> None:
    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    ids = _as_before_lists(deps, user_id, [f"old {i}" for i in range(120)])
    real = deps.tasks.write_batch
    commits = []

    def failing(user, batch, now):
        if len(commits) == 1:
            raise DependencyUnavailable("the store went away")
        commits.append(batch)
        return real(user, batch, now)

    monkeypatch.setattr(deps.tasks, "write_batch", failing)
    assert problem(api.request("POST", "/v1/tasks", {"title": "x"}, token=token), 503)
    monkeypatch.setattr(deps.tasks, "write_batch", real)
    half = deps.users.get(user_id)
    assert half is not None and not half.lists_ready
    assert ListEntryModel.count(inbox_id(user_id)) == 49  # one batch went in
    created = api.create(token, title="after")  # the next request finishes the work
    page = api.request(
        "GET", f"/v1/tasks?list_id={inbox_id(user_id)}&sort=position&limit=100", token=token
    ).json
    cursor = page["next_cursor"]
    rest = api.request(
        "GET",
        f"/v1/tasks?list_id={inbox_id(user_id)}&sort=position&limit=100&cursor={cursor}",
        token=token,
    ).json
    assert [t["id"] for t in page["items"] + rest["items"]] == [*ids, created["id"]]


def test_a_zone_change_half_way_up_to_date_keeps_the_placed_tasks_entries_equal(
    api, deps, monkeypatch
) -> None:
    """All-day tasks of an account from before lists, half of them placed when the owner
    changes zone: their list-index entries move with them (a list's due filter agrees)."""
    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    _as_before_lists(deps, user_id, [f"old {i}" for i in range(60)], due="2026-03-10")
    real = deps.tasks.write_batch

    def one_batch_then_gone(user, batch, now):
        monkeypatch.setattr(
            deps.tasks,
            "write_batch",
            lambda *_: (_ for _ in ()).throw(DependencyUnavailable("the store went away")),
        )
        return real(user, batch, now)

    monkeypatch.setattr(deps.tasks, "write_batch", one_batch_then_gone)
    assert problem(api.request("POST", "/v1/tasks", {"title": "x"}, token=token), 503)
    monkeypatch.setattr(deps.tasks, "write_batch", real)
    assert ListEntryModel.count(inbox_id(user_id)) == 49
    reply = api.request("PATCH", "/v1/me", {"timezone": "Pacific/Auckland"}, token=token)
    assert reply.status == 200
    stored = {t.sk: t for t in TaskModel.query(user_id, TaskModel.sk.startswith("T#"))}
    entries = list(ListEntryModel.query(inbox_id(user_id)))
    assert len(entries) == 49
    for entry in entries:
        item = stored[entry.sk].attribute_values
        copied = {k: v for k, v in entry.attribute_values.items() if k not in ("list_id", "sk")}
        assert copied == {k: item.get(k) for k in copied}, entry.sk


def test_deleting_the_account_deletes_its_lists_and_their_index(api, deps) -> None:
    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    work = api.request("POST", "/v1/lists", {"name": "Work"}, token=token).json
    api.create(token, title="w", list_id=work["id"])
    api.create(token, title="i")
    reply = api.request("DELETE", "/v1/me", {"password": "correct horse"}, token=token)
    assert reply.status == 204
    for list_id in (work["id"], inbox_id(user_id)):
        assert ListEntryModel.count(list_id) == 0
    assert TaskModel.count(user_id) == 0


@pytest.mark.parametrize("sort", ["position", "-created_at", "due_at", "-updated_at"])
def test_a_list_page_in_any_order_is_one_query(api, calls, sort: str) -> None:
    token = api.token()
    work = api.request("POST", "/v1/lists", {"name": "Work"}, token=token).json
    for i in range(7):
        api.create(token, title=f"t{i}", list_id=work["id"], due_at=f"2026-04-0{1 + i % 3}")
    api.request("GET", "/v1/me", token=token)
    calls.reset()
    first = api.request("GET", f"/v1/tasks?list_id={work['id']}&sort={sort}&limit=3", token=token)
    # The first page checks that the list is the caller's (GetItem), then one Query.
    assert calls.calls == Counter({"GetItem": 1, "Query": 1}) and calls.items_read <= 1 + 4
    calls.reset()
    cursor = first.json["next_cursor"]
    api.request(
        "GET", f"/v1/tasks?list_id={work['id']}&sort={sort}&limit=3&cursor={cursor}", token=token
    )
    assert calls.calls == Counter({"Query": 1})
