"""Listing, filtering, sorting and paging, against moto."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest

from support import FakeClock


def _all_pages(api, token: str, query: str, limit: int = 25) -> list[dict]:
    items: list[dict] = []
    cursor = None
    for _ in range(1000):
        sep = "&" if query else ""
        path = f"/v1/tasks?{query}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        reply = api.request("GET", path, token=token)
        assert reply.status == 200, reply.json
        page = reply.json
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


@pytest.fixture(scope="module")
def seeded(aws):
    """A user with 240 tasks: mixed due dates (some all-day), priorities, tags, states.

    Built once for the module through the service layer (the HTTP path is what the tests
    then exercise).
    """
    from taskcore.bootstrap import bootstrap
    from taskcore.cache import Cache
    from taskcore.services import accounts
    from taskcore.services import tasks as task_service

    clock = FakeClock(now=FakeClock().now - timedelta(hours=1))
    deps = bootstrap(aws, clock=clock, cache=Cache(None))
    session = accounts.register(
        deps,
        {
            "email": f"big-{uuid.uuid4().hex[:8]}@example.com",
            "password": "correct horse",
            "timezone": "America/New_York",
        },
    )
    user_id = session["user"]["id"]
    rng = random.Random(7)
    tasks = []
    for i in range(240):
        clock.advance(seconds=1)
        fields: dict = {"title": f"task {i}", "priority": rng.choice(["low", "normal", "high"])}
        kind = i % 4
        if kind == 1:
            fields["due_at"] = f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:30:00Z"
        elif kind == 2:
            fields["due_at"] = f"2026-03-{1 + i % 28:02d}"
        if i % 5 == 0:
            fields["tags"] = ["work"]
        task = task_service.create_task(deps, user_id, fields)
        if i % 3 == 0:
            task = task_service.set_completed(deps, user_id, task.id, completed=True)
        tasks.append(task.to_public())
    return session["user"]["email"], tasks


@pytest.fixture
def big_list(api, seeded):
    email, tasks = seeded
    login = api.request("POST", "/v1/auth/login", {"email": email, "password": "correct horse"})
    return login.json["access_token"], tasks


def test_every_page_no_duplicates_no_gaps(api, big_list) -> None:
    token, tasks = big_list
    for limit in (7, 100):
        items = _all_pages(api, token, "", limit)
        assert [t["id"] for t in items] == [t["id"] for t in reversed(tasks)]


def test_created_ascending(api, big_list) -> None:
    token, tasks = big_list
    items = _all_pages(api, token, "sort=created_at", 50)
    assert [t["id"] for t in items] == [t["id"] for t in tasks]


def test_status_filter(api, big_list) -> None:
    token, tasks = big_list
    done = _all_pages(api, token, "completed=true", 30)
    assert {t["id"] for t in done} == {t["id"] for t in tasks if t["completed"]}
    assert all(t["completed"] for t in done)
    open_ = _all_pages(api, token, "completed=false&sort=created_at", 30)
    assert [t["id"] for t in open_] == [t["id"] for t in tasks if not t["completed"]]


def _deadline(task: dict, tz: str = "America/New_York") -> str:
    from taskcore.domain.due import Due

    return Due(task["due_at"], task["all_day"]).sort_key(tz)


def test_due_sort_puts_undated_last_both_ways(api, big_list) -> None:
    token, tasks = big_list
    dated = [t for t in tasks if t["due_at"]]
    undated = [t for t in tasks if not t["due_at"]]
    ascending = _all_pages(api, token, "sort=due_at", 40)
    assert [t["id"] for t in ascending[: len(dated)]] == [
        t["id"] for t in sorted(dated, key=lambda t: (_deadline(t), t["id"]))
    ]
    assert {t["id"] for t in ascending[len(dated) :]} == {t["id"] for t in undated}
    descending = _all_pages(api, token, "sort=-due_at", 40)
    assert [t["id"] for t in descending[: len(dated)]] == [
        t["id"] for t in sorted(dated, key=lambda t: (_deadline(t), t["id"]), reverse=True)
    ]
    assert {t["id"] for t in descending[len(dated) :]} == {t["id"] for t in undated}


def test_due_range_in_the_users_time_zone(api, big_list) -> None:
    token, tasks = big_list
    # 2026-03-10 in New York runs 05:00Z (EDT starts on the 8th: 04:00Z) ... next day 04:00Z.
    items = _all_pages(api, token, "due_from=2026-03-10&due_until=2026-03-10&sort=due_at", 10)
    low, high = "2026-03-10T04:00:00.000Z", "2026-03-11T03:59:59.999Z"
    expected = [t for t in tasks if t["due_at"] and low <= _deadline(t) <= high]
    assert expected and [t["id"] for t in items] == [
        t["id"] for t in sorted(expected, key=lambda t: (_deadline(t), t["id"]))
    ]


def test_due_range_sorted_by_creation(api, big_list) -> None:
    token, tasks = big_list
    query = "due_from=2026-03-05T00:00:00Z&due_until=2026-03-20T00:00:00Z&completed=false"
    items = _all_pages(api, token, query, 6)
    expected = [
        t
        for t in reversed(tasks)
        if t["due_at"]
        and not t["completed"]
        and "2026-03-05T00:00:00.000Z" <= _deadline(t) <= "2026-03-20T00:00:00.000Z"
    ]
    assert expected and [t["id"] for t in items] == [t["id"] for t in expected]


def test_overdue(api, seeded, clock) -> None:
    email, tasks = seeded
    clock.advance(days=10)
    token = api.request(
        "POST", "/v1/auth/login", {"email": email, "password": "correct horse"}
    ).json["access_token"]
    now_key = clock.now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    items = _all_pages(api, token, "overdue=true&sort=due_at", 9)
    expected = [t for t in tasks if t["due_at"] and not t["completed"] and _deadline(t) < now_key]
    assert expected and [t["id"] for t in items] == [
        t["id"] for t in sorted(expected, key=lambda t: (_deadline(t), t["id"]))
    ]


def test_has_due_tag_priority_and_combinations(api, big_list) -> None:
    token, tasks = big_list
    undated = _all_pages(api, token, "has_due=false", 50)
    assert {t["id"] for t in undated} == {t["id"] for t in tasks if not t["due_at"]}
    work_high = _all_pages(api, token, "tag=work&priority=high", 4)
    assert [t["id"] for t in work_high] == [
        t["id"] for t in reversed(tasks) if "work" in t["tags"] and t["priority"] == "high"
    ]
    combo = _all_pages(api, token, "has_due=true&completed=true&sort=-updated_at", 11)
    expected = [t for t in tasks if t["due_at"] and t["completed"]]
    assert [t["id"] for t in combo] == [
        t["id"] for t in sorted(expected, key=lambda t: (t["updated_at"], t["id"]), reverse=True)
    ]


def test_cursor_is_bound_to_user_and_query(api, big_list) -> None:
    token, _ = big_list
    cursor = api.request("GET", "/v1/tasks?limit=5", token=token).json["next_cursor"]
    assert api.request("GET", f"/v1/tasks?limit=5&cursor={cursor}", token=token).status == 200
    other = api.token()
    assert api.request("GET", f"/v1/tasks?limit=5&cursor={cursor}", token=other).status == 400
    assert (
        api.request("GET", f"/v1/tasks?completed=true&cursor={cursor}", token=token).status == 400
    )
    assert api.request("GET", "/v1/tasks?cursor=forged", token=token).status == 400


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=x",
        "sort=title",
        "completed=maybe",
        "due_from=tomorrow",
        "due_from=2026-03-05T10:00:00",
        "due_from=2026-03-06&due_until=2026-03-05",
        "colour=red",
    ],
)
def test_bad_query_parameters(api, query: str) -> None:
    reply = api.request("GET", f"/v1/tasks?{query}", token=api.token())
    assert reply.status == 400 and reply.header("Content-Type") == "application/problem+json"


def test_all_day_tasks_follow_the_users_time_zone(api, clock) -> None:
    token = api.token(timezone="Pacific/Auckland")
    # 2026-03-01 ends in Auckland (UTC+13) at 2026-03-01T10:59:59.999Z; the clock says 12:00Z.
    task = api.create(token, due_at="2026-03-01")
    assert [
        t["id"] for t in api.request("GET", "/v1/tasks?overdue=true", token=token).json["items"]
    ] == [task["id"]]
    la = api.token(timezone="America/Los_Angeles")
    api.create(la, due_at="2026-03-01")
    assert api.request("GET", "/v1/tasks?overdue=true", token=la).json["items"] == []


def test_a_repeated_tag_means_every_one_of_them(api) -> None:
    token = api.token()
    api.create(token, title="both", tags=["Home", "errands"])
    api.create(token, title="home only", tags=["home"])
    api.create(token, title="unicode", tags=["Straße", "仕事"])

    def titles(query: str) -> set[str]:
        reply = api.request("GET", f"/v1/tasks?{query}", token=token)
        assert reply.status == 200, reply.json
        return {t["title"] for t in reply.json["items"]}

    assert titles("tag=home") == {"both", "home only"}
    assert titles("tag=home&tag=errands") == {"both"}
    assert titles("tag=errands&tag=HOME&limit=5") == {"both"}
    assert titles("tag=home&tag=nothing") == set()
    assert titles("tag=stra%C3%9Fe&tag=%E4%BB%95%E4%BA%8B") == {"unicode"}
    # The cursor is bound to the set of tags, not to their order.
    first = api.request("GET", "/v1/tasks?tag=home&tag=errands&limit=1", token=token).json
    assert first["next_cursor"] is None


def test_an_offset_plus_must_be_encoded(api) -> None:
    token = api.token()
    api.create(token, title="due", due_at="2026-03-01T10:00:00+01:00")
    bare = api.request("GET", "/v1/tasks?due_from=2026-03-01T00:00:00+01:00", token=token)
    assert bare.status == 400 and bare.json["code"] == "invalid_query"
    assert "%2B" in bare.json["detail"]
    encoded = api.request("GET", "/v1/tasks?due_from=2026-03-01T00:00:00%2B01:00", token=token)
    assert encoded.status == 200 and [t["title"] for t in encoded.json["items"]] == ["due"]


def test_all_day_tasks_follow_their_own_time_zone(api, clock) -> None:
    # 2026-03-29 ends at 10:59:59.999Z in Auckland (+13:00), at 03:59:59.999Z on the 30th
    # in New York (-04:00); the clock says 2026-03-29T12:00Z.
    clock.now = clock.now.replace(day=29)
    token = api.token(timezone="America/New_York")
    auckland = api.create(token, title="nz", due_at="2026-03-29", due_tz="Pacific/Auckland")
    new_york = api.create(token, title="ny", due_at="2026-03-29")
    assert (auckland["due_tz"], new_york["due_tz"]) == ("Pacific/Auckland", "America/New_York")
    overdue = api.request("GET", "/v1/tasks?overdue=true", token=token).json["items"]
    assert [t["id"] for t in overdue] == [auckland["id"]]
    # Date bounds stay days in the user's zone (New York): the 28th there runs until
    # 03:59:59.999Z on the 29th, before either deadline; the 29th holds both.
    day = api.request("GET", "/v1/tasks?due_from=2026-03-29&due_until=2026-03-29", token=token)
    assert {t["id"] for t in day.json["items"]} == {auckland["id"], new_york["id"]}
    before = api.request("GET", "/v1/tasks?due_until=2026-03-28", token=token).json["items"]
    assert before == []
    in_range = api.request(
        "GET", "/v1/tasks?due_until=2026-03-29T11:00:00Z&sort=due_at", token=token
    ).json["items"]
    assert [t["title"] for t in in_range] == ["nz"]
