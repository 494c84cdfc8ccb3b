"""Incremental sync on fakes: commit order, once each, tombstones, token rules."""

from __future__ import annotations

import pytest

from fakes import new_user, register
from taskcore.domain.lists import inbox_id
from taskcore.errors import BadRequest, Gone
from taskcore.services import accounts, sync
from taskcore.services import tasks as task_service


@pytest.fixture
def user(deps) -> str:
    return new_user(deps)


def _sync(deps, user: str, since: str | None = None, limit: int | None = None) -> sync.SyncPage:
    raw = {}
    if since is not None:
        raw["since"] = since
    if limit is not None:
        raw["limit"] = str(limit)
    return sync.changes_since(deps, user, raw)


def _create(deps, user: str, title: str) -> str:
    return task_service.create_task(deps, user, {"title": title}).id


def _summary(page: sync.SyncPage) -> list[tuple[str, str]]:
    return [_described(c) for c in page.changes]


def _described(change: dict) -> tuple[str, str]:
    if change.get("deleted"):
        return ("deleted", change["id"])
    if change["kind"] == "list":
        return ("list " + change["name"], change["id"])
    return (change["title"], change["id"])


def test_the_first_sync_is_every_live_task_in_commit_order(deps, user) -> None:
    a, b, c = (_create(deps, user, t) for t in ("a", "b", "c"))
    task_service.update_task(deps, user, a, {"title": "a2"})
    task_service.delete_task(deps, user, b)
    page = _sync(deps, user)
    # No tombstone on a first download: the client never had the deleted task. The
    # Inbox, made with the account, comes first.
    assert _summary(page) == [("list Inbox", inbox_id(user)), ("c", c), ("a2", a)]
    assert {change["kind"] for change in page.changes} == {"list", "task"}
    assert not page.has_more
    assert _sync(deps, user, page.next_since).changes == []


def test_changes_come_in_commit_order_once_each_at_their_latest_state(deps, user) -> None:
    a, c = _create(deps, user, "a"), _create(deps, user, "c")
    since = _sync(deps, user).next_since
    task_service.update_task(deps, user, c, {"title": "c2"})
    d = _create(deps, user, "d")
    task_service.delete_task(deps, user, a)
    task_service.update_task(deps, user, c, {"title": "c3"})  # c changed twice
    page = _sync(deps, user, since)
    assert _summary(page) == [("d", d), ("deleted", a), ("c3", c)]
    [tombstone] = [change for change in page.changes if change.get("deleted")]
    assert tombstone == {
        "id": a,
        "deleted": True,
        "deleted_at": tombstone["deleted_at"],
        "kind": "task",
    }
    assert [change.get("version") for change in page.changes] == [1, None, 3]
    again = _sync(deps, user, page.next_since)
    assert again.changes == [] and not again.has_more
    # Replaying an old token gives the same answer: nothing is consumed by reading.
    assert _summary(_sync(deps, user, since)) == _summary(page)


def test_writes_that_change_nothing_visible_do_not_show(deps, clock) -> None:
    session = register(deps)
    user = session["user"]["id"]
    a = _create(deps, user, "a")
    since = _sync(deps, user).next_since
    task_service.update_task(deps, user, a, {"title": "a"})  # no-op: no write
    claims = deps.tokens.verify(session["access_token"], clock())
    accounts.update_profile(deps, claims, {"name": "Ada"})  # takes a number, no task
    assert _sync(deps, user, since).changes == []
    b = _create(deps, user, "b")  # the number after the profile's: still found
    assert _summary(_sync(deps, user, since)) == [("b", b)]


def test_paging_with_has_more_and_next_since(deps, user) -> None:
    ids = [_create(deps, user, f"t{i}") for i in range(5)]
    first = _sync(deps, user)
    got, since, pages = [], None, []
    while True:
        page = _sync(deps, user, since, limit=2)
        got += [change["id"] for change in page.changes]
        pages.append((len(page.changes), page.has_more))
        since = page.next_since
        if not page.has_more:
            break
    everything = [inbox_id(user), *ids]  # the Inbox was the account's first change
    assert got == everything and [c["id"] for c in first.changes] == everything
    assert pages == [(2, True), (2, True), (2, False)]
    later = _create(deps, user, "later")
    assert [c["id"] for c in _sync(deps, user, since, limit=2).changes] == [later]


def test_a_token_of_another_user_or_a_forged_one_is_400(deps, user) -> None:
    _create(deps, user, "mine")
    token = _sync(deps, user).next_since
    stranger = new_user(deps)
    with pytest.raises(BadRequest):
        _sync(deps, stranger, token)
    with pytest.raises(BadRequest):
        _sync(deps, user, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    list_cursor = deps.cursors.seal("notifications", {"u": user, "s": 0, "t": 0})
    with pytest.raises(BadRequest):  # sealed for another purpose
        _sync(deps, user, list_cursor)


def test_a_token_older_than_the_tombstone_horizon_is_410(deps, user, clock) -> None:
    _create(deps, user, "a")
    token = _sync(deps, user).next_since
    clock.advance(days=30)
    assert _sync(deps, user, token).changes == []  # 30 days exactly: still served
    clock.advance(seconds=1)
    with pytest.raises(Gone):
        _sync(deps, user, token)


def test_tombstones_reach_a_client_that_synced_before_the_delete(deps, user, clock) -> None:
    a = _create(deps, user, "a")
    token = _sync(deps, user).next_since
    clock.advance(days=29)
    task_service.delete_task(deps, user, a)
    page = _sync(deps, user, token)
    assert _summary(page) == [("deleted", a)]


def test_a_page_costs_one_query_of_at_most_limit_plus_one_items(deps, user) -> None:
    for i in range(10):
        _create(deps, user, f"t{i}")
    reads, items = deps.tasks.reads, deps.tasks.items_read
    page = _sync(deps, user, limit=3)
    assert page.has_more
    assert (deps.tasks.reads - reads, deps.tasks.items_read - items) == (1, 4)


def test_a_task_deleted_during_the_first_download_is_reported_deleted(deps, user) -> None:
    a, b, c = (_create(deps, user, t) for t in ("a", "b", "c"))
    page = _sync(deps, user, limit=2)
    on_client = {change["id"] for change in page.changes}
    assert on_client == {inbox_id(user), a} and page.has_more
    task_service.delete_task(deps, user, a)  # while the client is still paging
    while page.has_more:
        page = _sync(deps, user, page.next_since, limit=1)
        for change in page.changes:
            if change.get("deleted"):
                on_client.discard(change["id"])
            else:
                on_client.add(change["id"])
    later = _sync(deps, user, page.next_since)
    for change in later.changes:
        if change.get("deleted"):
            on_client.discard(change["id"])
    assert on_client == {inbox_id(user), b, c}


def test_a_token_accepted_at_the_horizon_still_gets_later_deletions(deps, user, clock) -> None:
    a = _create(deps, user, "a")
    token = _sync(deps, user).next_since
    task_service.delete_task(deps, user, a)  # at the instant the token was issued
    clock.advance(days=30)
    page = _sync(deps, user, token)  # not 410: exactly 30 days old
    assert _summary(page) == [("deleted", a)]
