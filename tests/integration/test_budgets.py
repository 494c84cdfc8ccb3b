"""DynamoDB requests per operation (DESIGN.md section 4), counted through botocore events."""

from __future__ import annotations

from collections import Counter

PASSWORD = "correct horse"


def _count(calls, action) -> Counter:
    calls.reset()
    action()
    assert "Scan" not in calls.calls
    return Counter(calls.calls)


def test_register_is_one_transaction_plus_the_session(api, calls) -> None:
    counts = _count(calls, lambda: api.register())
    # The account: one TransactWriteItems (user + e-mail claim). The session: one more write.
    assert calls.on_table("users") == Counter({"TransactWriteItems": 1})
    assert counts == Counter({"TransactWriteItems": 2})


def test_login_is_one_read_plus_the_refresh_token_write(api, calls) -> None:
    email = api.register()["user"]["email"]
    counts = _count(
        calls, lambda: api.request("POST", "/v1/auth/login", {"email": email, "password": PASSWORD})
    )
    assert counts == Counter({"GetItem": 1, "TransactWriteItems": 1})


def test_get_is_one_get_item_and_zero_when_cached(api, calls) -> None:
    token = api.token()
    task = api.create(token)
    api.request("GET", "/v1/me", token=token)  # the session check is now cached in Redis
    path = f"/v1/tasks/{task['id']}"
    assert _count(calls, lambda: api.request("GET", path, token=token)) == Counter({"GetItem": 1})
    assert _count(calls, lambda: api.request("GET", path, token=token)) == Counter()


def test_writes_are_one_read_and_one_transaction(api, calls) -> None:
    token = api.token()
    api.request("GET", "/v1/me", token=token)
    create = _count(calls, lambda: api.create(token))
    assert create == Counter({"GetItem": 1, "TransactWriteItems": 1})
    path = f"/v1/tasks/{api.create(token)['id']}"
    for method, suffix, body in (
        ("PATCH", "", {"title": "renamed"}),
        ("POST", "/complete", None),
        ("POST", "/reopen", None),
        ("DELETE", "", None),
    ):
        counts = _count(
            calls, lambda m=method, p=path + suffix, b=body: api.request(m, p, b, token=token)
        )
        assert counts == Counter({"TransactGetItems": 1, "TransactWriteItems": 1}), method + suffix


def test_idempotent_complete_writes_nothing(api, calls) -> None:
    token = api.token()
    api.request("GET", "/v1/me", token=token)
    path = f"/v1/tasks/{api.create(token)['id']}/complete"
    api.request("POST", path, token=token)
    assert _count(calls, lambda: api.request("POST", path, token=token)) == Counter(
        {"TransactGetItems": 1}
    )


def test_every_list_shape_is_one_query_per_page(api, calls) -> None:
    token = api.token()
    for i in range(12):
        task = api.create(
            token, title=f"t{i}", due_at=f"2026-02-{10 + i:02d}T10:00:00Z" if i % 2 else None
        )
        if i % 3 == 0:
            api.request("POST", f"/v1/tasks/{task['id']}/complete", token=token)
    api.request("GET", "/v1/me", token=token)
    for query in (
        "",
        "completed=false",
        "completed=true&sort=created_at",
        "sort=due_at",
        "sort=-due_at&completed=false",
        "overdue=true",
        "has_due=false",
        "due_from=2026-02-12T00:00:00Z&due_until=2026-02-20T00:00:00Z&sort=due_at",
        "due_from=2026-02-12T00:00:00Z&completed=false",
        "sort=-updated_at",
    ):
        cursor = None
        pages = 0
        calls.reset()
        for _ in range(20):
            path = f"/v1/tasks?limit=4&{query}" + (f"&cursor={cursor}" if cursor else "")
            reply = api.request("GET", path, token=token)
            assert reply.status == 200, (query, reply.json)
            pages += 1
            cursor = reply.json["next_cursor"]
            if cursor is None:
                break
        assert "Scan" not in calls.calls
        # sort=due_at spans two key ranges (dated, then undated): the page that crosses
        # from one to the other costs one extra Query.
        extra = 1 if "due_at" in query and "due_from" not in query else 0
        assert pages <= calls.calls["Query"] <= pages + extra, (query, calls.calls, pages)
        assert set(calls.calls) == {"Query"}, (query, calls.calls)


def test_a_due_range_reads_only_matching_items(api, calls) -> None:
    token = api.token()
    for i in range(30):
        api.create(token, title=f"t{i}", due_at=f"2026-02-{1 + i % 28:02d}T10:00:00Z")
    api.request("GET", "/v1/me", token=token)
    calls.reset()
    reply = api.request(
        "GET", "/v1/tasks?due_from=2026-02-05&due_until=2026-02-06&limit=100", token=token
    )
    assert len(reply.json["items"]) == 2
    # Date bounds are days in the user's time zone: one GetItem for the account, then one
    # Query that reads the two matching tasks and nothing else.
    assert calls.calls == Counter({"GetItem": 1, "Query": 1})
    assert calls.items_read == 1 + 2


def test_completing_a_recurring_task_is_one_read_and_one_transaction(api, calls) -> None:
    token = api.token(timezone="Europe/Berlin")
    api.request("GET", "/v1/me", token=token)
    task = api.create(
        token,
        due_at="2026-03-02T09:00:00+01:00",
        recurrence={"rule": "FREQ=WEEKLY;BYDAY=MO,TH"},
        reminders=[{"before_minutes": 30}, {"at": "2026-03-01T20:00:00Z"}],
    )
    path = f"/v1/tasks/{task['id']}"
    etag = {"If-Match": f'"{task["version"]}"'}
    for method, suffix, body in (("POST", "/complete", None), ("PATCH", "", {"completed": True})):
        counts = _count(
            calls,
            lambda m=method, p=path + suffix, b=body, h=etag: api.request(
                m, p, b, token=token, headers=h
            ),
        )
        assert counts == Counter({"TransactGetItems": 1, "TransactWriteItems": 1})
        etag = {"If-Match": f'"{task["version"] + 1}"'}
    # A second click with the ETag it was shown: read, refused, nothing written.
    stale = {"If-Match": f'"{task["version"]}"'}
    counts = _count(
        calls, lambda: api.request("POST", path + "/complete", token=token, headers=stale)
    )
    assert counts == Counter({"TransactGetItems": 1})
    assert api.request("GET", path, token=token).json["due_local"] == "2026-03-09T09:00:00"
