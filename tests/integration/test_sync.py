"""Incremental sync: every change once, in order, even with concurrent writers."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from taskcore.errors import NotFound
from taskcore.services import accounts, sync
from taskcore.services import tasks as task_service


def _sync_all(api, token: str, since: str | None, limit: int = 50) -> tuple[list[dict], str]:
    changes: list[dict] = []
    for _ in range(1000):
        path = f"/v1/sync?limit={limit}" + (f"&since={quote(since)}" if since else "")
        reply = api.request("GET", path, token=token)
        assert reply.status == 200, reply.json
        changes += reply.json["changes"]
        since = reply.json["next_since"]
        if not reply.json["has_more"]:
            return changes, since
    raise AssertionError("sync did not settle")


def _replay(state: dict[str, dict], changes: list[dict]) -> None:
    """The client's copy of the tasks (lists are left aside here)."""
    for change in changes:
        if change["kind"] == "list":
            continue
        if change.get("deleted"):
            state.pop(change["id"], None)
        else:
            state[change["id"]] = {k: v for k, v in change.items() if k != "kind"}


def _tasks_only(changes: list[dict]) -> list[dict]:
    return [change for change in changes if change["kind"] == "task"]


def test_first_sync_is_every_live_task_then_only_changes(api) -> None:
    token = api.token()
    a, b, c = (api.create(token, title=t) for t in ("a", "b", "c"))
    api.request("DELETE", f"/v1/tasks/{c['id']}", token=token)
    first, since = _sync_all(api, token, None, limit=1)
    inbox = first[0]  # made with the account: its first change
    assert (inbox["kind"], inbox["is_inbox"], inbox["id"]) == ("list", True, a["list_id"])
    assert [t["id"] for t in first[1:]] == [a["id"], b["id"]]  # the deleted one is not sent

    renamed = api.request("PATCH", f"/v1/tasks/{a['id']}", {"title": "a2"}, token=token).json
    api.request("PATCH", f"/v1/tasks/{a['id']}", {"title": "a3"}, token=token)
    done = api.request("POST", f"/v1/tasks/{b['id']}/complete", token=token).json
    api.request("DELETE", f"/v1/tasks/{done['id']}", token=token)
    d = api.create(token, title="d")
    later, since = _sync_all(api, token, since)
    assert renamed["version"] == 2 and {c["kind"] for c in later} == {"task"}
    assert [(c["id"], c.get("title"), c.get("deleted")) for c in later] == [
        (a["id"], "a3", None),  # changed twice: once, latest state
        (b["id"], None, True),
        (d["id"], "d", None),
    ]
    assert later[1]["deleted_at"]
    nothing, _ = _sync_all(api, token, since)
    assert nothing == []


def test_another_user_sees_nothing_and_cannot_use_my_token(api) -> None:
    mine, theirs = api.token(), api.token()
    api.create(mine, title="secret")
    _, since = _sync_all(api, mine, None)
    [their_inbox] = _sync_all(api, theirs, None)[0]  # only their own Inbox
    assert their_inbox["kind"] == "list" and their_inbox["is_inbox"]
    reply = api.request("GET", f"/v1/sync?since={quote(since)}", token=theirs)
    assert reply.status == 400
    assert api.request("GET", "/v1/sync?since=forged", token=mine).status == 400
    assert api.request("GET", "/v1/sync?limit=0", token=mine).status == 400


def test_a_since_older_than_the_tombstone_horizon_is_410(api, deps, clock) -> None:
    token = api.token()
    api.create(token)
    _, since = _sync_all(api, token, None)
    claims = deps.tokens.verify(token, clock.now)
    clock.advance(days=31)
    # The old access token expired with the clock; a client would have refreshed it.
    fresh = deps.tokens.issue(claims.user_id, claims.family_id, clock.now)
    reply = api.request("GET", f"/v1/sync?since={quote(since)}", token=fresh)
    assert reply.status == 410 and reply.header("Content-Type") == "application/problem+json"
    assert api.request("GET", "/v1/sync", token=fresh).status == 200


def test_concurrent_writers_and_a_syncing_reader_end_equal(deps) -> None:
    session = accounts.register(
        deps, {"email": f"sync-{deps.new_id()}@example.com", "password": "correct horse"}
    )
    user_id = session["user"]["id"]
    ids: list[str] = []
    ids_lock = threading.Lock()
    stop = threading.Event()

    def writer(seed: int) -> None:
        _random_writes(deps, user_id, ids, ids_lock, seed)

    state: dict[str, dict] = {}
    since: list[str | None] = [None]

    def read_once() -> None:
        for _ in range(100):
            params = {"limit": "7"} | ({"since": since[0]} if since[0] else {})
            page = sync.changes_since(deps, user_id, params)
            _replay(state, page.changes)
            since[0] = page.next_since
            if not page.has_more:
                return

    def reader() -> None:
        while not stop.is_set():
            read_once()

    reading = threading.Thread(target=reader)
    reading.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(writer, range(4)))
    stop.set()
    reading.join()
    read_once()

    server = {t["id"]: t for t in _all_tasks(deps, user_id)}
    assert state == server
    assert len(server) > 10


def _all_tasks(deps, user_id: str) -> list[dict]:
    from taskcore.services import listing

    items, cursor = [], None
    while True:
        page = listing.list_tasks(
            deps, user_id, {"limit": "100"} | ({"cursor": cursor} if cursor else {})
        )
        items += [t.to_public() for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return items


def _random_writes(deps, user_id: str, ids: list[str], ids_lock: threading.Lock, seed: int) -> None:
    """25 random creates, renames, completes and deletes."""
    rng = random.Random(seed)
    for n in range(25):
        with ids_lock:
            known = list(ids)
        action = rng.random()
        try:
            if action < 0.45 or not known:
                task = task_service.create_task(deps, user_id, {"title": f"w{seed}-{n}"})
                with ids_lock:
                    ids.append(task.id)
            elif action < 0.75:
                task_service.update_task(
                    deps, user_id, rng.choice(known), {"title": f"r{seed}-{n}"}
                )
            elif action < 0.9:
                task_service.set_completed(deps, user_id, rng.choice(known), completed=True)
            else:
                task_service.delete_task(deps, user_id, rng.choice(known))
        except NotFound:
            pass  # another writer deleted it first
