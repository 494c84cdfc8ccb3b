"""Every input has a bound, and crossing it is a 4xx, never work or a crash (OWASP API4
unrestricted resource consumption, API8 misconfiguration)."""

from __future__ import annotations

import json

import pytest

from security_support import problem
from support import ApiClient

MAX_BODY = 64 * 1024


def _padded(body: dict[str, object], size: int) -> str:
    text = json.dumps(body)
    return text[:-1] + " " * (size - len(text)) + "}"  # JSON whitespace is still JSON


def test_the_body_limit_is_64_kib_on_every_route_with_a_body(api: ApiClient) -> None:
    token = api.token()
    task = api.create(token)
    at_limit = api.request(
        "POST", "/v1/tasks", raw=_padded({"title": "big"}, MAX_BODY), token=token
    )
    assert at_limit.status == 201
    over = _padded({"title": "big"}, MAX_BODY + 1)
    for method, path in (
        ("POST", "/v1/tasks"),
        ("PATCH", f"/v1/tasks/{task['id']}"),
        ("PATCH", "/v1/me"),
        ("POST", "/v1/auth/register"),
        ("POST", "/v1/auth/login"),
        ("POST", "/v1/auth/refresh"),
    ):
        problem(api.request(method, path, raw=over, token=token), 413)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("[" * 60_000, 400),  # deeper than the JSON parser can recurse
        ('{"title": "x", "tags": ' + "[" * 500 + "]" * 500 + "}", 422),
        ('{"title": "x", "description": 1' + "0" * 5000 + "}", 400),  # huge integer
        ('{"title": "x", "completed": 1e999}', 422),  # infinity
        ('{"title": "\\ud800"}', 422),  # a lone surrogate is not text
        ("\xff\xfe{}", 400),
    ],
    ids=["deep-nesting", "nested-tags", "huge-int", "infinity", "lone-surrogate", "not-utf8"],
)
def test_hostile_json_is_a_4xx(api: ApiClient, raw: str, status: int) -> None:
    token = api.token()
    problem(
        api.request("POST", "/v1/tasks", raw=raw.encode("utf-8", "surrogatepass"), token=token),
        status,
    )
    assert api.request("GET", "/v1/tasks", token=token).json["items"] == []


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"title": "t" * 200}, True),
        ({"title": "t" * 201}, False),
        ({"title": "  " + "t" * 200 + "  "}, True),  # counted after trimming
        ({"title": "é" * 200}, True),  # characters, not bytes
        ({"description": "d" * 10_000}, True),
        ({"description": "d" * 10_001}, False),
        ({"tags": [f"t{n}" for n in range(20)]}, True),
        ({"tags": [f"t{n}" for n in range(21)]}, False),
        ({"tags": ["x" * 32]}, True),
        ({"tags": ["x" * 33]}, False),
        ({"tags": ["no spaces"]}, False),
        ({"due_at": "2026-03-01T10:00:00Z" + " " * 100}, False),
        # Far dates: the service once overflowed (500) converting these between zones.
        ({"due_at": "9998-12-31"}, True),
        ({"due_at": "9999-12-31"}, False),
        ({"due_at": "0001-01-01"}, False),
        ({"due_at": "0001-01-01T00:00:00+01:00"}, False),
        ({"due_at": "9999-12-31T23:59:59-01:00"}, False),
    ],
)
def test_task_field_bounds(api: ApiClient, fields: dict[str, object], ok: bool) -> None:
    token = api.token()
    reply = api.request("POST", "/v1/tasks", {"title": "t", **fields}, token=token)
    if ok:
        assert reply.status == 201, reply.json
    else:
        field = next(iter(fields))
        assert field in {e["field"].split(".")[0] for e in problem(reply, 422)["errors"]}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password": "p" * 257}, "password"),
        ({"password": "p" * 7}, "password"),
        ({"email": "a" * 64 + "@" + "b" * 186 + ".com"}, "email"),  # 255 characters
        ({"name": "n" * 101}, "name"),
        ({"timezone": "Europe/" + "x" * 60}, "timezone"),
    ],
)
def test_account_field_bounds(api: ApiClient, fields: dict[str, str], field: str) -> None:
    body = {"email": "bounds@example.com", "password": "correct horse", **fields}
    errors = problem(api.request("POST", "/v1/auth/register", body), 422)["errors"]
    assert field in {e["field"] for e in errors}


@pytest.mark.parametrize(
    ("path", "largest"),
    [("/v1/tasks", 100), ("/v1/notifications", 100), ("/v1/sync", 500)],
)
def test_page_sizes_are_bounded(api: ApiClient, path: str, largest: int) -> None:
    token = api.token()
    assert api.request("GET", f"{path}?limit={largest}", token=token).status == 200
    for bad in (largest + 1, 0, -1, 10**30):
        problem(api.request("GET", f"{path}?limit={bad}", token=token), 400)


def test_out_of_range_query_values_are_400(api: ApiClient) -> None:
    token = api.token()
    for query in (
        "q=" + "a" * 201,
        "cursor=" + "c" * 2049,
        "tag=" + "t" * 33,
        "due_from=0001-01-01",
        "due_until=9999-12-31T23:59:59-01:00",
    ):
        problem(api.request("GET", f"/v1/tasks?{query}", token=token), 400)
    problem(api.request("GET", "/v1/sync?since=" + "s" * 1025, token=token), 400)


def test_the_task_quota_is_422_and_deleting_frees_a_place(api: ApiClient, deps) -> None:
    deps.settings = deps.settings.model_copy(update={"max_tasks_per_user": 3})
    token = api.token()
    tasks = [api.create(token, title=f"t{n}") for n in range(3)]
    for headers in ({}, {"Idempotency-Key": "over-quota"}):
        reply = api.request("POST", "/v1/tasks", {"title": "fourth"}, token=token, headers=headers)
        assert "at most 3 tasks" in problem(reply, 422)["errors"][0]["message"]
    assert api.request("DELETE", f"/v1/tasks/{tasks[0]['id']}", token=token).status == 204
    # The refused idempotent request did not use its key up.
    reply = api.request(
        "POST",
        "/v1/tasks",
        {"title": "fourth"},
        token=token,
        headers={"Idempotency-Key": "over-quota"},
    )
    assert reply.status == 201


@pytest.mark.parametrize("due_at", ["1900-01-01T00:30:00+01:00", "9998-12-31T23:59:59-12:00"])
def test_due_dates_whose_utc_form_leaves_the_range_are_422(api: ApiClient, due_at: str) -> None:
    # In range in their own offset, out of range once stored in UTC: refused, never a 500.
    token = api.token()
    task = api.create(token)
    for method, path, headers in (
        ("POST", "/v1/tasks", {}),
        ("POST", "/v1/tasks", {"Idempotency-Key": f"edge-{due_at}"}),
        ("PATCH", f"/v1/tasks/{task['id']}", {}),
    ):
        body = {"title": "edge", "due_at": due_at}
        reply = api.request(method, path, body, token=token, headers=headers)
        assert problem(reply, 422)["errors"][0]["field"] == "due_at"
    edges = ("1900-01-01T00:00:00Z", "9998-12-31T23:59:59Z", "1900-01-01", "9998-12-31")
    for edge in edges:  # the range's own edges still work
        assert (
            api.request("POST", "/v1/tasks", {"title": "e", "due_at": edge}, token=token).status
            == 201
        )


def test_a_validation_reply_lists_at_most_20_errors(api: ApiClient) -> None:
    # 4,500 unknown keys: a short 422, not one that grows with the attack.
    body = {"email": "x@example.com", "password": "correct horse"}
    body.update({f"k{n}": 0 for n in range(4_500)})  # under the 64 KiB body limit
    reply = api.request("POST", "/v1/auth/register", body)
    document = problem(reply, 422)
    assert len(document["errors"]) == 20
    assert "and 4480 more" in document["detail"]
    assert len(reply.body) < 4_000
    token = api.token()
    listed = api.request("GET", "/v1/tasks?" + "&".join(f"x{n}=1" for n in range(100)), token=token)
    assert "and 80 more" in problem(listed, 400)["detail"]


def test_registration_is_rate_limited_before_the_body_is_validated(deps) -> None:
    from app import app
    from security_support import WsgiApiClient
    from wsgi import create_application

    spammer = WsgiApiClient(create_application(app), remote_addr="203.0.113.99")
    invalid = {"email": "not an address", "password": "x", "junk": 1}
    statuses = [spammer.request("POST", "/v1/auth/register", invalid).status for _ in range(12)]
    assert statuses == [422] * 10 + [429] * 2
