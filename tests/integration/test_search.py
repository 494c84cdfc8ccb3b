"""Keyword search through GET /v1/tasks?q=, and what it costs."""

from __future__ import annotations

from urllib.parse import quote

from seeding import seed_tasks
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


def test_long_descriptions_are_indexed_beyond_one_transaction(api) -> None:
    token = api.token()
    # ~300 distinct word starts: more entries than one transaction can hold.
    words = [f"{a}{b}{c}word" for a in "bcdfg" for b in "aeiou" for c in "klmnprstvz"][:300]
    task = api.create(token, title="Essay", description=" ".join(words))
    assert _titles(api, token, "q=bakw") == ["Essay"]
    api.request("PATCH", f"/v1/tasks/{task['id']}", {"description": "short now"}, token=token)
    assert _titles(api, token, "q=bakw") == []
    assert _titles(api, token, "q=short") == ["Essay"]


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
