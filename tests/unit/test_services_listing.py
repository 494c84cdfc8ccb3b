"""Listing and search on fakes: FakeTasks.query honours every plan the service makes."""

from __future__ import annotations

import json

import pytest

from fakes import new_user
from taskcore.services import listing
from taskcore.services import tasks as task_service


@pytest.fixture
def user(deps) -> str:
    return new_user(deps)


@pytest.fixture
def board(deps, clock, user) -> dict[str, str]:
    """Six tasks created a second apart (ids sort by creation): title -> id."""
    specs = [
        ("a", {"due_at": "2026-03-03T09:00:00Z"}),
        ("b", {}),
        ("c", {"due_at": "2026-03-02T09:00:00Z", "completed": True}),
        ("d", {"due_at": "2026-03-01T10:00:00Z", "tags": ["home"]}),
        ("e", {}),
        ("f", {"due_at": "2026-03-05", "priority": "high"}),
    ]
    ids = {}
    for title, fields in specs:
        ids[title] = task_service.create_task(deps, user, {"title": title, **fields}).id
        clock.advance(seconds=1)
    return ids


def _all_pages(deps, user: str, limit: int = 2, **params: str) -> list[str]:
    titles: list[str] = []
    cursor = None
    for _ in range(20):
        raw = {"limit": str(limit), **params, **({"cursor": cursor} if cursor else {})}
        page = listing.list_tasks(deps, user, raw)
        titles += [task.title for task in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return titles
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "fedcba"),
        ({"sort": "created_at"}, "abcdef"),
        ({"completed": "false"}, "fedba"),
        ({"completed": "true"}, "c"),
        ({"sort": "due_at"}, "dcafbe"),  # undated last either way
        ({"sort": "-due_at"}, "facdeb"),
        ({"sort": "due_at", "completed": "false"}, "dafbe"),
        ({"has_due": "false"}, "eb"),
        ({"has_due": "true"}, "fdca"),  # read whole, then sorted by creation
        ({"due_from": "2026-03-02", "due_until": "2026-03-03", "sort": "due_at"}, "ca"),
        ({"overdue": "true"}, "d"),
        ({"overdue": "false", "sort": "created_at"}, "abcef"),
        ({"tag": "home"}, "d"),
        ({"priority": "high"}, "f"),
        ({"sort": "-updated_at"}, "fedcba"),
    ],
)
def test_every_list_shape_pages_through_the_fake_indexes(
    deps, clock, user, board, params, expected
) -> None:
    clock.now = clock.now.replace(hour=13)  # d (due 10:00) is overdue, nothing else
    assert "".join(_all_pages(deps, user, **params)) == expected
    assert "".join(_all_pages(deps, user, limit=100, **params)) == expected


def test_an_update_moves_a_task_in_the_updated_order(deps, clock, user, board) -> None:
    task_service.update_task(deps, user, board["b"], {"description": "touched"})
    assert "".join(_all_pages(deps, user, sort="-updated_at")) == "bfedca"


def test_a_page_reads_at_most_limit_plus_one_items(deps, user, board) -> None:
    items, reads = deps.tasks.items_read, deps.tasks.reads
    listing.list_tasks(deps, user, {"limit": "2"})
    assert (deps.tasks.reads - reads, deps.tasks.items_read - items) == (1, 3)


def test_search_follows_title_changes(deps, user) -> None:
    groceries = task_service.create_task(deps, user, {"title": "Groceries", "description": "milk"})
    task_service.create_task(deps, user, {"title": "Golf"})

    def found(q: str) -> list[str]:
        return [t.id for t in listing.list_tasks(deps, user, {"q": q}).items]

    assert found("groc") == [groceries.id] and found("MILK") == [groceries.id]
    assert found("roc") == []
    assert len(found("g")) == 2
    task_service.update_task(deps, user, groceries.id, {"title": "Shopping"})
    assert found("groc") == [] and found("shop milk") == [groceries.id]
    task_service.delete_task(deps, user, groceries.id)
    assert found("milk") == []


def test_a_cached_list_is_served_until_the_next_write(deps, user, board) -> None:
    reads = deps.tasks.reads
    first = listing.list_tasks_json(deps, user, {"limit": "3"})
    assert listing.list_tasks_json(deps, user, {"limit": "3"}) == first
    assert deps.tasks.reads - reads == 1 and deps.cache.hits == 1
    task_service.update_task(deps, user, board["f"], {"title": "f2"})
    body = json.loads(listing.list_tasks_json(deps, user, {"limit": "3"}))
    assert [t["title"] for t in body["items"]] == ["f2", "e", "d"]
    assert deps.tasks.reads - reads == 3  # load_for_write, then the list again
