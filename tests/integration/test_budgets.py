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
    # v1.1: the account (quota, change number), then the last task of the Inbox (a new
    # task goes to the end: one Query of one item), then one transaction.
    assert create == Counter({"GetItem": 1, "Query": 1, "TransactWriteItems": 1})
    assert calls.on_table("list_index") == Counter({"Query": 1, "TransactWriteItems": 1})
    path = f"/v1/tasks/{api.create(token)['id']}"
    for method, suffix, body in (
        ("PATCH", "", {"title": "renamed"}),
        ("POST", "/complete", None),
        ("POST", "/reopen", None),
    ):
        counts = _count(
            calls, lambda m=method, p=path + suffix, b=body: api.request(m, p, b, token=token)
        )
        assert counts == Counter({"TransactGetItems": 1, "TransactWriteItems": 1}), method + suffix
    # v1.1: a delete takes the task's subtasks too: one Query finds that it has none.
    counts = _count(calls, lambda: api.request("DELETE", path, token=token))
    assert counts == Counter({"TransactGetItems": 1, "Query": 1, "TransactWriteItems": 1})


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


# --- account lifecycle (v1.1) ------------------------------------------------------------------
# Register is unchanged in requests: its one account transaction now also holds the address
# verification token (auth), its message (outbox) and the Inbox (tasks): five items, one
# TransactWriteItems.


def test_register_writes_the_verification_mail_inside_the_account_transaction(api, calls) -> None:
    _count(calls, lambda: api.register())
    assert calls.on_table("outbox") == Counter({"TransactWriteItems": 1})
    assert calls.on_table("auth") == Counter({"TransactWriteItems": 2})  # + the session
    assert calls.items_written == 5 + 2


def test_a_reset_request_costs_the_same_for_known_and_unknown_addresses(api, calls) -> None:
    email = api.register()["user"]["email"]
    costs = []
    for address in (email, "no-such-account@example.com"):
        counts = _count(
            calls, lambda a=address: api.request("POST", "/v1/auth/password-reset", {"email": a})
        )
        costs.append(
            (counts, calls.items_written, calls.on_table("outbox"), calls.on_table("auth"))
        )
    known, unknown = costs
    assert known == unknown
    assert known[0] == Counter({"GetItem": 1, "TransactWriteItems": 1}) and known[1] == 2


def _mailed_token(deps, smtp, email: str, subject: str) -> str:
    from taskcore.services import mail

    mail.run_sender(deps)
    return smtp.token(email, subject)


def test_confirm_verify_resend_change_and_send_budgets(api, calls, deps, smtp, clock) -> None:
    from taskcore.services import mail

    while mail.run_sender(deps).delivered:  # earlier tests' messages out of the way
        pass
    session = api.register()
    email, token = session["user"]["email"], session["access_token"]
    api.request("GET", "/v1/me", token=token)  # the session check is cached from here on
    # The sender: one Query per shard, then per message a claim and a delete.
    shards = deps.outbox.shard_count()
    assert _count(calls, lambda: mail.run_sender(deps)) == Counter(
        {"Query": shards, "UpdateItem": 1, "DeleteItem": 1}
    )
    # Resend: the account, then one transaction (token + message).
    resend = _count(calls, lambda: api.request("POST", "/v1/me/verification", token=token))
    assert resend == Counter({"GetItem": 1, "TransactWriteItems": 1})
    verify = _mailed_token(deps, smtp, email, "Confirm")
    counts = _count(calls, lambda: api.request("POST", "/v1/auth/verify-email", {"token": verify}))
    # One consistent read (token + account), one transaction (spend + account items).
    assert counts == Counter({"TransactGetItems": 1, "TransactWriteItems": 1})
    api.request("POST", "/v1/auth/password-reset", {"email": email})
    reset = _mailed_token(deps, smtp, email, "Reset")
    body = {"token": reset, "new_password": "a new passphrase"}
    confirm = _count(calls, lambda: api.request("POST", "/v1/auth/password-reset/confirm", body))
    # The read; one transaction (spend, account items, end of the earlier sessions); the
    # new session's write.
    assert confirm == Counter({"TransactGetItems": 1, "TransactWriteItems": 2})
    clock.advance(seconds=1)  # a login after the reset (not in its very millisecond)
    fresh = api.request("POST", "/v1/auth/login", {"email": email, "password": "a new passphrase"})
    token = fresh.json["access_token"]
    api.request("GET", "/v1/me", token=token)
    change = {"current_password": "a new passphrase", "new_password": PASSWORD}
    changed = _count(calls, lambda: api.request("POST", "/v1/auth/password", change, token=token))
    # The account, one transaction (account items + end mark), the new session.
    assert changed == Counter({"GetItem": 1, "TransactWriteItems": 2})


def test_list_writes_are_one_transaction_and_a_lists_page_one_query(api, calls) -> None:
    token = api.token()
    api.request("GET", "/v1/me", token=token)
    create = lambda: api.request("POST", "/v1/lists", {"name": "Work"}, token=token)  # noqa: E731
    # The account (quota, change number), every list (the end: at most 500, one Query).
    assert _count(calls, create) == Counter({"GetItem": 1, "Query": 1, "TransactWriteItems": 1})
    work = api.request("POST", "/v1/lists", {"name": "Home"}, token=token).json
    path = f"/v1/lists/{work['id']}"
    rename = lambda: api.request("PATCH", path, {"name": "House"}, token=token)  # noqa: E731
    assert _count(calls, rename) == Counter({"TransactGetItems": 1, "TransactWriteItems": 1})
    move = lambda: api.request("POST", f"{path}/move", {"before_id": None}, token=token)  # noqa: E731
    assert _count(calls, move) == Counter({"GetItem": 1, "Query": 1, "TransactWriteItems": 1})
    page = lambda: api.request("GET", "/v1/lists", token=token)  # noqa: E731
    assert _count(calls, page) == Counter({"Query": 1})
    assert _count(calls, page) == Counter()  # cached until the next write
    get = lambda: api.request("GET", path, token=token)  # noqa: E731
    assert _count(calls, get) == Counter({"GetItem": 1})
    delete = lambda: api.request("DELETE", path, token=token)  # noqa: E731
    # The account and the list, one Query of one item (is it empty?), one transaction.
    assert _count(calls, delete) == Counter(
        {"TransactGetItems": 1, "Query": 1, "TransactWriteItems": 1}
    )


def test_a_task_move_is_one_transaction(api, calls) -> None:
    token = api.token()
    api.request("GET", "/v1/me", token=token)
    work = api.request("POST", "/v1/lists", {"name": "Work"}, token=token).json
    a, b, c = (api.create(token, title=t) for t in "abc")
    move = lambda: api.request(  # noqa: E731
        "POST", f"/v1/tasks/{c['id']}/move", {"after_id": a["id"]}, token=token
    )
    # The account, the task and the anchor in one read, the anchor's next sibling (one
    # Query of at most three items), one transaction.
    assert _count(calls, move) == Counter(
        {"TransactGetItems": 1, "Query": 1, "TransactWriteItems": 1}
    )
    assert calls.items_read <= 3 + 3
    for title in ("b1", "b2"):
        api.create(token, title=title, parent_id=b["id"])
    to_work = lambda: api.request(  # noqa: E731
        "POST", f"/v1/tasks/{b['id']}/move", {"list_id": work["id"]}, token=token
    )
    # To another list with two subtasks: the end of the new list (one Query), the
    # subtasks (one Query per task that may have children: b, b1, b2), one transaction
    # of 3 actions per task plus the account and the new list's check.
    assert _count(calls, to_work) == Counter(
        {"TransactGetItems": 1, "Query": 4, "TransactWriteItems": 1}
    )
    assert calls.items_written == 3 * 3 + 1


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
