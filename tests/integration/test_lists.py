"""Lists, subtasks and manual order (v1.1) over HTTP, against moto and Redis."""

from __future__ import annotations

from typing import Any

from security_support import problem
from support import ApiClient
from taskcore.domain.lists import inbox_id


def _json(reply: Any, status: int = 200) -> Any:
    assert reply.status == status, (reply.status, reply.body[:400])
    return reply.json


def _new_list(api: ApiClient, token: str, name: str, **headers: str) -> dict[str, Any]:
    return _json(
        api.request("POST", "/v1/lists", {"name": name}, token=token, headers=headers), 201
    )


def _lists(api: ApiClient, token: str) -> list[dict[str, Any]]:
    return _json(api.request("GET", "/v1/lists?limit=500", token=token))["items"]


def _page(api: ApiClient, token: str, query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        path = f"/v1/tasks?{query}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = _json(api.request("GET", path, token=token))
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("paging did not end")


def _move(api: ApiClient, token: str, task_id: str, body: dict[str, Any]) -> Any:
    return api.request("POST", f"/v1/tasks/{task_id}/move", body, token=token)


def _titles(tasks: list[dict[str, Any]]) -> list[str]:
    return [t["title"] for t in tasks]


def test_every_account_has_its_inbox_and_lists_keep_their_manual_order(api) -> None:
    session = api.register()
    token = session["access_token"]
    [inbox] = _lists(api, token)
    assert inbox["id"] == inbox_id(session["user"]["id"]) and inbox["is_inbox"]
    assert inbox["name"] == "Inbox" and inbox["version"] == 1
    created = api.request("POST", "/v1/lists", {"name": "  Work "}, token=token)
    work = _json(created, 201)
    assert created.header("Location") == f"/v1/lists/{work['id']}"
    assert created.header("ETag") == '"1"' and work["name"] == "Work"
    home = _new_list(api, token, "Home")
    assert [item["name"] for item in _lists(api, token)] == ["Inbox", "Work", "Home"]
    # Moves: only the moved list changes; null anchors are the ends.
    moved = _json(
        api.request("POST", f"/v1/lists/{home['id']}/move", {"before_id": work["id"]}, token=token)
    )
    assert moved["version"] == 2
    assert [item["name"] for item in _lists(api, token)] == ["Inbox", "Home", "Work"]
    api.request("POST", f"/v1/lists/{inbox['id']}/move", {"after_id": None}, token=token)
    assert [item["name"] for item in _lists(api, token)] == ["Home", "Work", "Inbox"]
    api.request("POST", f"/v1/lists/{inbox['id']}/move", {"before_id": None}, token=token)
    after = {item["id"]: item for item in _lists(api, token)}
    assert [item["name"] for item in after.values()] == ["Inbox", "Home", "Work"]
    assert after[work["id"]]["version"] == 1  # never renumbered
    problem(api.request("POST", f"/v1/lists/{home['id']}/move", {}, token=token), 422)
    both = {"after_id": None, "before_id": None}
    problem(api.request("POST", f"/v1/lists/{home['id']}/move", both, token=token), 422)


def test_lists_page_with_a_cursor(api) -> None:
    token = api.token()
    for i in range(5):
        _new_list(api, token, f"L{i}")
    names, cursor = [], None
    for _ in range(10):
        path = "/v1/lists?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = _json(api.request("GET", path, token=token))
        names += [item["name"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert names == ["Inbox", "L0", "L1", "L2", "L3", "L4"]
    first = _json(api.request("GET", "/v1/lists?limit=2", token=token))["next_cursor"]
    problem(api.request("GET", f"/v1/lists?cursor={first}", token=api.token()), 400)


def test_get_rename_etags_and_idempotent_create(api) -> None:
    token = api.token()
    key = {"Idempotency-Key": "list-create-1"}
    work = _new_list(api, token, "Work", **key)
    again = api.request("POST", "/v1/lists", {"name": "Work"}, token=token, headers=key)
    assert _json(again, 201) == work and again.header("Idempotent-Replayed") == "true"
    problem(api.request("POST", "/v1/lists", {"name": "Other"}, token=token, headers=key), 409)
    assert [item["name"] for item in _lists(api, token)] == ["Inbox", "Work"]
    path = f"/v1/lists/{work['id']}"
    got = api.request("GET", path, token=token)
    assert _json(got) == work and got.header("ETag") == '"1"'
    assert api.request("GET", path, token=token, headers={"If-None-Match": '"1"'}).status == 304
    renamed = _json(
        api.request("PATCH", path, {"name": "Job"}, token=token, headers={"If-Match": '"1"'})
    )
    assert (renamed["name"], renamed["version"]) == ("Job", 2)
    assert _json(api.request("GET", path, token=token))["name"] == "Job"  # read-your-writes
    problem(
        api.request("PATCH", path, {"name": "x"}, token=token, headers={"If-Match": '"1"'}), 412
    )
    problem(api.request("PATCH", path, {"name": ""}, token=token), 422)
    problem(api.request("PATCH", path, {"name": "x" * 101}, token=token), 422)
    problem(api.request("POST", "/v1/lists", {"name": "x", "is_inbox": True}, token=token), 422)


def test_another_users_list_is_404_and_its_tasks_stay_hidden(api) -> None:
    owner, intruder = api.token(), api.token()
    secret = _new_list(api, owner, "Secret")
    api.create(owner, title="hidden", list_id=secret["id"])
    path = f"/v1/lists/{secret['id']}"
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"name": "mine"}),
        ("DELETE", "?cascade=true", None),
        ("POST", "/move", {"after_id": None}),
    ):
        reply = api.request(method, path + suffix, body, token=intruder)
        problem(reply, 404)
        assert "hidden" not in reply.body.decode() and "Secret" not in reply.body.decode()
    problem(api.request("GET", f"/v1/tasks?list_id={secret['id']}", token=intruder), 404)
    reply = api.request(
        "POST", "/v1/tasks", {"title": "x", "list_id": secret["id"]}, token=intruder
    )
    assert problem(reply, 422)["errors"][0]["field"] == "list_id"
    assert [t["title"] for t in _page(api, owner, f"list_id={secret['id']}")] == ["hidden"]


def test_the_list_quota_is_422_quota_exceeded(api, deps) -> None:
    deps.settings = deps.settings.model_copy(update={"max_lists_per_user": 3})
    token = api.token()
    _new_list(api, token, "one")
    _new_list(api, token, "two")
    body = problem(api.request("POST", "/v1/lists", {"name": "three"}, token=token), 422)
    assert "at most 3 lists" in body["detail"]
    assert len(_lists(api, token)) == 3


def test_tasks_go_to_the_end_of_their_list_and_page_in_manual_order(api) -> None:
    session = api.register()
    token = session["access_token"]
    inbox = inbox_id(session["user"]["id"])
    plain = api.create(token, title="plain")
    assert plain["list_id"] == inbox and plain["parent_id"] is None and plain["position"]
    work = _new_list(api, token, "Work")
    tasks = [api.create(token, title=f"w{i}", list_id=work["id"]) for i in range(5)]
    query = f"list_id={work['id']}&sort=position"
    assert _titles(_page(api, token, query)) == ["w0", "w1", "w2", "w3", "w4"]
    assert _titles(_page(api, token, query.replace("position", "-position"))) == [
        "w4",
        "w3",
        "w2",
        "w1",
        "w0",
    ]
    # Every other order, and the filters, within the list (one Query per page).
    api.request("POST", f"/v1/tasks/{tasks[1]['id']}/complete", token=token)
    assert _titles(_page(api, token, f"list_id={work['id']}&completed=true")) == ["w1"]
    assert _titles(_page(api, token, f"list_id={work['id']}&sort=created_at")) == [
        "w0",
        "w1",
        "w2",
        "w3",
        "w4",
    ]
    assert _titles(_page(api, token, f"list_id={inbox}")) == ["plain"]
    assert len(_page(api, token, "sort=created_at")) == 6  # unscoped: every list
    problem(api.request("GET", "/v1/tasks?sort=position", token=token), 400)


def test_moves_write_only_the_moved_task(api) -> None:
    token = api.token()
    work = _new_list(api, token, "Work")
    a, b, c, d = (api.create(token, title=t, list_id=work["id"]) for t in "abcd")
    query = f"list_id={work['id']}&sort=position"
    moved = _json(_move(api, token, d["id"], {"after_id": a["id"]}))
    assert moved["version"] == 2 and a["position"] < moved["position"] < b["position"]
    assert _titles(_page(api, token, query)) == ["a", "d", "b", "c"]
    _json(_move(api, token, a["id"], {"before_id": None}))  # already first: stays first
    _json(_move(api, token, a["id"], {"after_id": None}))
    assert _titles(_page(api, token, query)) == ["d", "b", "c", "a"]
    _json(_move(api, token, c["id"], {"before_id": d["id"]}))
    after = _page(api, token, query)
    assert _titles(after) == ["c", "d", "b", "a"]
    versions = {t["title"]: t["version"] for t in after}
    assert versions == {"a": 3, "b": 1, "c": 2, "d": 2}  # siblings never renumbered
    problem(_move(api, token, b["id"], {"after_id": b["id"]}), 422)
    problem(_move(api, token, b["id"], {"after_id": a["id"], "before_id": c["id"]}), 422)
    problem(_move(api, token, "01NOSUCHTASK", {"after_id": None}), 404)


def test_subtasks_three_levels_no_cycles_same_list(api) -> None:
    token = api.token()
    work, home = _new_list(api, token, "Work"), _new_list(api, token, "Home")
    top = api.create(token, title="top", list_id=work["id"])
    child = api.create(token, title="child", parent_id=top["id"])
    assert child["list_id"] == work["id"]  # the parent's list
    grandchild = api.create(token, title="grandchild", parent_id=child["id"])
    second = api.create(token, title="second child", parent_id=top["id"])
    too_deep = api.request(
        "POST", "/v1/tasks", {"title": "x", "parent_id": grandchild["id"]}, token=token
    )
    assert problem(too_deep, 422)["errors"][0]["field"] == "parent_id"
    elsewhere = {"title": "x", "parent_id": top["id"], "list_id": home["id"]}
    assert (
        problem(api.request("POST", "/v1/tasks", elsewhere, token=token), 422)["errors"][0]["field"]
        == "parent_id"
    )
    # Children of one task, and the top level, in manual order.
    assert _titles(_page(api, token, f"parent_id={top['id']}&sort=position")) == [
        "child",
        "second child",
    ]
    assert _titles(_page(api, token, f"parent_id={top['id']}")) == ["second child", "child"]
    assert _titles(_page(api, token, f"list_id={work['id']}&parent_id=none")) == ["top"]
    assert "top" in _titles(_page(api, token, "parent_id=none"))
    assert "child" not in _titles(_page(api, token, "parent_id=none"))
    # Cycles and depth on re-parenting are 422 naming parent_id.
    for body in (
        {"parent_id": grandchild["id"]},
        {"parent_id": top["id"]},
    ):
        reply = api.request("PATCH", f"/v1/tasks/{top['id']}", body, token=token)
        assert problem(reply, 422)["errors"][0]["field"] == "parent_id"
    reply = _move(api, token, second["id"], {"parent_id": grandchild["id"]})
    assert problem(reply, 422)["errors"][0]["field"] == "parent_id"
    # A subtree fits under a top-level task only if the levels allow.
    other = api.create(token, title="other", list_id=work["id"])
    reply = _move(api, token, top["id"], {"parent_id": other["id"]})
    assert problem(reply, 422)["errors"][0]["field"] == "parent_id"
    moved = _json(_move(api, token, second["id"], {"parent_id": other["id"]}))
    assert moved["parent_id"] == other["id"]
    lifted = _json(
        api.request("PATCH", f"/v1/tasks/{child['id']}", {"parent_id": None}, token=token)
    )
    assert lifted["parent_id"] is None
    assert _titles(_page(api, token, f"list_id={work['id']}&parent_id=none&sort=position")) == [
        "top",
        "other",
        "child",
    ]


def test_moving_a_task_to_another_list_moves_its_subtree(api) -> None:
    token = api.token()
    work, home = _new_list(api, token, "Work"), _new_list(api, token, "Home")
    top = api.create(token, title="top", list_id=work["id"])
    child = api.create(token, title="child", parent_id=top["id"])
    api.create(token, title="grandchild", parent_id=child["id"])
    api.create(token, title="stays", list_id=work["id"])
    moved = _json(_move(api, token, top["id"], {"list_id": home["id"]}))
    assert moved["list_id"] == home["id"] and moved["parent_id"] is None
    assert _titles(_page(api, token, f"list_id={home['id']}&sort=position")) == [
        "top",
        "child",
        "grandchild",
    ]
    assert _titles(_page(api, token, f"list_id={work['id']}")) == ["stays"]
    got = _json(api.request("GET", f"/v1/tasks/{child['id']}", token=token))
    assert got["list_id"] == home["id"] and got["parent_id"] == top["id"]
    # PATCH list_id does the same, with other changes in the same transaction.
    patched = api.request(
        "PATCH", f"/v1/tasks/{top['id']}", {"list_id": work["id"], "title": "back"}, token=token
    )
    assert _json(patched)["title"] == "back"
    assert _titles(_page(api, token, f"list_id={work['id']}&sort=position")) == [
        "stays",
        "back",
        "child",
        "grandchild",
    ]
    problem(api.request("PATCH", f"/v1/tasks/{top['id']}", {"list_id": None}, token=token), 422)


def test_a_subtree_too_big_to_move_at_once_is_refused_clearly(api) -> None:
    token = api.token()
    work, home = _new_list(api, token, "Work"), _new_list(api, token, "Home")
    top = api.create(token, title="the top task of many words", list_id=work["id"])
    children = [api.create(token, title=f"c{i}", parent_id=top["id"]) for i in range(32)]
    reply = _move(api, token, top["id"], {"list_id": home["id"]})
    error = problem(reply, 422)["errors"][0]
    assert error["field"] == "list_id" and "at most 31 subtasks" in error["message"]
    assert len(_page(api, token, f"list_id={work['id']}")) == 33  # nothing moved
    api.request("DELETE", f"/v1/tasks/{children[0]['id']}", token=token)
    _json(_move(api, token, top["id"], {"list_id": home["id"]}))  # 32 tasks: 98 actions
    assert len(_page(api, token, f"list_id={home['id']}")) == 32


def test_deleting_a_task_deletes_its_subtree_with_tombstones(api) -> None:
    token = api.token()
    top = api.create(token, title="top")
    child = api.create(token, title="child", parent_id=top["id"])
    grandchild = api.create(token, title="grandchild", parent_id=child["id"])
    keep = api.create(token, title="keep")
    since = _json(api.request("GET", "/v1/sync?limit=100", token=token))["next_since"]
    assert api.request("DELETE", f"/v1/tasks/{top['id']}", token=token).status == 204
    for gone in (top, child, grandchild):
        problem(api.request("GET", f"/v1/tasks/{gone['id']}", token=token), 404)
    assert _titles(_page(api, token, "sort=created_at")) == ["keep"]
    changes = _json(api.request("GET", f"/v1/sync?since={since}", token=token))["changes"]
    # Leaves first, each once, each a task tombstone.
    assert [(c["id"], c["deleted"], c["kind"]) for c in changes] == [
        (grandchild["id"], True, "task"),
        (child["id"], True, "task"),
        (top["id"], True, "task"),
    ]
    assert keep["id"] not in {c["id"] for c in changes}


def test_delete_a_list_409_unless_cascade_and_never_the_inbox(api) -> None:
    session = api.register()
    token = session["access_token"]
    work = _new_list(api, token, "Work")
    top = api.create(token, title="top", list_id=work["id"])
    api.create(token, title="child", parent_id=top["id"])
    path = f"/v1/lists/{work['id']}"
    assert "not empty" in problem(api.request("DELETE", path, token=token), 409)["detail"]
    inbox = f"/v1/lists/{inbox_id(session['user']['id'])}"
    refused = problem(api.request("DELETE", inbox + "?cascade=true", token=token), 409)
    assert "Inbox" in refused["detail"]
    problem(
        api.request("DELETE", path + "?cascade=true", token=token, headers={"If-Match": '"9"'}), 412
    )
    since = _json(api.request("GET", "/v1/sync?limit=100", token=token))["next_since"]
    assert api.request("DELETE", path + "?cascade=true", token=token).status == 204
    problem(api.request("GET", path, token=token), 404)
    assert [item["name"] for item in _lists(api, token)] == ["Inbox"]
    changes = _json(api.request("GET", f"/v1/sync?since={since}", token=token))["changes"]
    # Each once, at its latest state, in commit order: the tasks (leaves first), the list.
    assert [(c["kind"], c.get("deleted")) for c in changes] == [
        ("task", True),
        ("task", True),
        ("list", True),
    ]
    empty = _new_list(api, token, "Empty")
    assert api.request("DELETE", f"/v1/lists/{empty['id']}", token=token).status == 204


def test_read_your_writes_for_lists_and_moved_tasks(api) -> None:
    token = api.token()
    work = _new_list(api, token, "Work")
    a, b = (api.create(token, title=t, list_id=work["id"]) for t in "ab")
    query = f"list_id={work['id']}&sort=position"
    assert _titles(_page(api, token, query)) == ["a", "b"]  # cached now
    _lists(api, token)
    _json(_move(api, token, b["id"], {"before_id": a["id"]}))
    assert _titles(_page(api, token, query)) == ["b", "a"]
    api.request("PATCH", f"/v1/lists/{work['id']}", {"name": "Job"}, token=token)
    assert [item["name"] for item in _lists(api, token)] == ["Inbox", "Job"]


def test_one_patch_moves_a_task_to_another_list_and_rewrites_its_whole_text(api) -> None:
    """The largest task write there is: a new list, every search entry removed and as
    many added. It still fits in one transaction (99 actions)."""
    token = api.register()["access_token"]
    work = _new_list(api, token, "Work")

    def words(prefix: str) -> str:  # 60 distinct three-letter starts: past the cap
        return " ".join(f"{prefix}{chr(97 + i // 26)}{chr(97 + i % 26)}x" for i in range(60))

    body = {"title": words("q")[:200].strip(), "description": words("z")}
    task = _json(api.request("POST", "/v1/tasks", body, token=token), 201)
    change = {"title": words("k")[:200].strip(), "description": words("w"), "list_id": work["id"]}
    moved = _json(api.request("PATCH", f"/v1/tasks/{task['id']}", change, token=token))
    assert moved["list_id"] == work["id"] and moved["title"] == change["title"]
    assert _titles(_page(api, token, f"q=kaax&list_id={work['id']}")) == [change["title"]]
    assert _page(api, token, "q=qaax") == []
