"""Concurrent edits never silently overwrite each other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from taskcore.errors import PreconditionFailed
from taskcore.services import tasks as task_service


def _user(deps) -> str:
    from taskcore.services import accounts

    session = accounts.register(
        deps, {"email": f"c-{id(deps)}-{deps.new_id()}@example.com", "password": "correct horse"}
    )
    return str(session["user"]["id"])


def test_if_match_race_has_exactly_one_winner(deps) -> None:
    user_id = _user(deps)
    task = task_service.create_task(deps, user_id, {"title": "start"})

    def attempt(n: int) -> str:
        try:
            task_service.update_task(
                deps, user_id, task.id, {"title": f"writer {n}"}, expected_version=1
            )
            return f"writer {n}"
        except PreconditionFailed:
            return "412"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(16)))
    winners = [r for r in results if r != "412"]
    assert len(winners) == 1 and results.count("412") == 15
    final = task_service.get_task(deps, user_id, task.id)
    assert final.title == winners[0] and final.version == 2


def test_partial_updates_of_different_fields_all_land(deps) -> None:
    user_id = _user(deps)
    task = task_service.create_task(deps, user_id, {"title": "start"})
    edits = [
        {"title": "new title"},
        {"description": "new description"},
        {"priority": "high"},
        {"tags": ["x"]},
        {"due_at": "2026-04-01"},
        {"completed": True},
    ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda body: task_service.update_task(deps, user_id, task.id, body), edits))
    final = task_service.get_task(deps, user_id, task.id)
    assert (final.title, final.description, final.priority.value, final.tags, final.completed) == (
        "new title",
        "new description",
        "high",
        ("x",),
        True,
    )
    assert final.due is not None and final.due.value == "2026-04-01"
    assert final.version == 1 + len(edits)


def test_concurrent_creates_keep_the_task_count_exact(deps) -> None:
    user_id = _user(deps)
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(
            pool.map(
                lambda i: task_service.create_task(deps, user_id, {"title": f"t{i}"}), range(24)
            )
        )
    assert len({t.id for t in created}) == 24
    user = deps.users.get(user_id)
    # The Inbox, made with the account, took change number 1.
    assert user is not None and user.task_count == 24 and user.change_seq == 25
