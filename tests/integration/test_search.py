"""Keyword search through GET /v1/tasks?q=, and what it costs."""

from __future__ import annotations

import string
from collections import Counter
from urllib.parse import quote

from seeding import seed_tasks
from taskcore.domain.search import MAX_INDEXED_STARTS
from taskcore.domain.task import TaskChanges
from taskcore.services import accounts, listing


def _titles(api, token: str, query: str) -> list[str]:
    reply = api.request("GET", f"/v1/tasks?{query}", token=token)
    assert reply.status == 200, reply.json
    return [t["title"] for t in reply.json["items"]]


def test_word_prefix_search(api) -> None:
    token = api.token()
    for title, description in (
        ("Groceries", ""),
        ("grocery: milk", "semi-skimmed"),
        ("Café visit", "with Ann"),
        ("Pay rent", "before the 5th"),
        ("Microscope", "not a grocery"),
    ):
        api.create(token, title=title, description=description)
    assert _titles(api, token, "q=groc&sort=created_at") == [
        "Groceries",
        "grocery: milk",
        "Microscope",
    ]
    assert _titles(api, token, "q=gro%20mil") == ["grocery: milk"]
    assert _titles(api, token, "q=roc") == []
    assert _titles(api, token, "q=cafe") == ["Café visit"]
    assert _titles(api, token, f"q={quote('CAFÉ ann')}") == ["Café visit"]
    assert _titles(api, token, "q=5th") == ["Pay rent"]
    assert _titles(api, token, "q=s") == ["grocery: milk"]  # "semi-skimmed", not "Microscope"


def test_search_follows_renames_and_deletes(api) -> None:
    token = api.token()
    task = api.create(token, title="Call the plumber")
    assert _titles(api, token, "q=plumb") == ["Call the plumber"]
    api.request("PATCH", f"/v1/tasks/{task['id']}", {"title": "Call the electrician"}, token=token)
    assert _titles(api, token, "q=plumb") == []
    assert _titles(api, token, "q=electr") == ["Call the electrician"]
    api.request("DELETE", f"/v1/tasks/{task['id']}", token=token)
    assert _titles(api, token, "q=electr") == []


def test_search_combines_with_filters_sort_and_pages(api) -> None:
    token = api.token()
    ids = []
    for i in range(9):
        task = api.create(
            token,
            title=f"report {i}",
            due_at=f"2026-03-{10 + i}",
            priority="high" if i % 2 else "low",
        )
        ids.append(task["id"])
        if i % 3 == 0:
            api.request("POST", f"/v1/tasks/{task['id']}/complete", token=token)
    api.create(token, title="unrelated", priority="high")
    seen, cursor = [], None
    for _ in range(10):
        path = "/v1/tasks?q=rep&priority=high&sort=-due_at&limit=2" + (
            f"&cursor={cursor}" if cursor else ""
        )
        page = api.request("GET", path, token=token).json
        seen += [t["title"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["report 7", "report 5", "report 3", "report 1"]
    assert _titles(api, token, "q=rep&completed=true&sort=created_at") == [
        "report 0",
        "report 3",
        "report 6",
    ]


def test_no_leak_across_users(api) -> None:
    mine, theirs = api.token(), api.token()
    api.create(mine, title="Secret plan")
    assert _titles(api, theirs, "q=secret") == []
    assert _titles(api, mine, "q=secret") == ["Secret plan"]


def test_a_long_description_indexes_its_first_word_starts(api) -> None:
    token = api.token()
    # 300 distinct word starts: only the first ones (title first) are indexed.
    words = [f"{a}{b}{c}word" for a in "bcdfg" for b in "aeiou" for c in "klmnprstvz"][:300]
    task = api.create(token, title="Essay", description=" ".join(words))
    assert _titles(api, token, "q=bakw") == ["Essay"]  # the description's first word
    assert _titles(api, token, "q=essay") == ["Essay"]
    assert _titles(api, token, f"q={words[MAX_INDEXED_STARTS - 2]}") == ["Essay"]
    assert _titles(api, token, f"q={words[MAX_INDEXED_STARTS - 1]}") == []  # past the cap
    assert _titles(api, token, f"q=essay+{words[-1]}") == []
    api.request("PATCH", f"/v1/tasks/{task['id']}", {"description": "short now"}, token=token)
    assert _titles(api, token, "q=bakw") == []
    assert _titles(api, token, "q=short") == ["Essay"]


def test_a_huge_description_is_one_bounded_transaction(api, calls) -> None:
    """Issue #13.3: 10,000 characters with 2,500 distinct word starts, or 5,000
    one-character CJK words, write one transaction of at most cap + 3 items."""
    token = api.token()
    api.request("GET", "/v1/me", token=token)  # the session check is cached from now on
    latin = " ".join(
        f"{a}{b}{c}" for a in string.ascii_lowercase for b in string.ascii_lowercase for c in "abcd"
    )[:10_000]
    cjk = " ".join(chr(0x4E00 + n) for n in range(5000))
    assert len(set(latin.split())) >= 2500
    for description in (latin, cjk):
        calls.reset()
        task = api.create(token, title="Huge", description=description)
        # v1.1: the Query finds the end of the Inbox.
        assert calls.calls == Counter({"GetItem": 1, "Query": 1, "TransactWriteItems": 1})
        # The index entries, the task, its list-index entry and the account.
        assert calls.items_written == MAX_INDEXED_STARTS + 3
        calls.reset()
        other = description[::-1]  # another 2,500 (5,000) starts, nothing kept: all change
        path = f"/v1/tasks/{task['id']}"
        reply = api.request("PATCH", path, {"title": "Big", "description": other}, token=token)
        assert reply.status == 200
        assert calls.calls == Counter({"TransactGetItems": 1, "TransactWriteItems": 1})
        # The whole index rewritten, the task, its list-index entry, the account.
        assert calls.items_written == 2 * MAX_INDEXED_STARTS + 3
        calls.reset()
        assert api.request("DELETE", path, token=token).status == 204
        # v1.1: the Query looks for subtasks (none).
        assert calls.calls == Counter({"TransactGetItems": 1, "Query": 1, "TransactWriteItems": 1})
        # Entries, task, tombstone, list-index entry, account.
        assert calls.items_written == MAX_INDEXED_STARTS + 4


def _seed(deps, user_id: str, total: int, matching: int) -> None:
    filler = ["alpha beta", "gamma delta", "epsilon zeta", "theta iota", "kappa lambda"]
    titles = [f"Quarterly zebra review {i}" for i in range(matching)]
    titles += [f"{filler[i % 5]} {i}" for i in range(total - matching)]
    seed_tasks(deps, user_id, (TaskChanges(title=t) for t in titles))


def _user(deps) -> str:
    session = accounts.register(
        deps, {"email": f"s-{deps.new_id()}@example.com", "password": "correct horse"}
    )
    return str(session["user"]["id"])


def test_search_cost_grows_with_matches_not_with_tasks(deps, calls) -> None:
    small, large = _user(deps), _user(deps)
    _seed(deps, small, 200, 5)
    _seed(deps, large, 2000, 5)
    reads = {}
    for user_id in (small, large):
        calls.reset()
        page = listing.list_tasks(deps, user_id, {"q": "zebra", "limit": "25"})
        assert len(page.items) == 5
        assert set(calls.calls) == {"Query", "BatchGetItem"}
        reads[user_id] = calls.items_read
    assert reads[small] == reads[large] == 5 + 5  # five index entries, five tasks
