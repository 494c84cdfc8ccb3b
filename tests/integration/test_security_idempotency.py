"""``Idempotency-Key`` on POST /v1/tasks: a retried create takes effect once and replays
the first reply; misuse of a key is refused (DESIGN.md section 3, Tasks)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from security_support import problem
from support import ApiClient
from taskcore.errors import DependencyUnavailable
from taskcore.repositories.idempotency import IdempotencyRepository
from taskcore.services import accounts, idempotency
from taskcore.services import tasks as task_service
from taskcore.services.ports import IdempotencyRecord

BODY = {"title": "pay rent", "due_at": "2026-03-05", "tags": ["home"]}


def _create(api: ApiClient, token: str, key: str, body: Any = BODY):
    return api.request("POST", "/v1/tasks", body, token=token, headers={"Idempotency-Key": key})


def _task_ids(api: ApiClient, token: str) -> list[str]:
    return [t["id"] for t in api.request("GET", "/v1/tasks", token=token).json["items"]]


def _same_reply(first, again) -> None:
    assert again.status == first.status == 201
    assert again.json == first.json
    for header in ("Location", "ETag"):
        assert again.header(header) == first.header(header)


def test_a_retry_creates_one_task_and_replays_the_first_reply(api) -> None:
    token = api.token()
    first = _create(api, token, "3f1c6a1e-retry")
    assert first.header("Idempotent-Replayed") is None
    # The task changes meanwhile: the replay is still the first reply, as it was.
    api.request("PATCH", first.header("Location"), {"title": "changed"}, token=token)
    again = _create(
        api,
        token,
        "3f1c6a1e-retry",
        {"tags": ["home"], "due_at": "2026-03-05", "title": "pay rent"},
    )  # keys reordered
    _same_reply(first, again)
    assert again.header("Idempotent-Replayed") == "true"
    assert _task_ids(api, token) == [first.json["id"]]


def test_the_same_key_with_another_body_is_409(api) -> None:
    token = api.token()
    assert _create(api, token, "k-1").status == 201
    body = problem(_create(api, token, "k-1", {**BODY, "title": "pay rent twice"}), 409)
    assert "different request" in body["detail"]
    assert len(_task_ids(api, token)) == 1


def test_keys_belong_to_one_user(api) -> None:
    ann, bob = api.token(), api.token()
    mine = _create(api, ann, "shared-key")
    theirs = _create(api, bob, "shared-key")
    assert theirs.status == 201 and theirs.json["id"] != mine.json["id"]
    assert _task_ids(api, bob) == [theirs.json["id"]]


def _login(api: ApiClient, email: str) -> str:
    reply = api.request("POST", "/v1/auth/login", {"email": email, "password": "correct horse"})
    return str(reply.json["access_token"])


def test_a_reply_is_kept_24_hours(api, clock) -> None:
    email = api.register()["user"]["email"]
    first = _create(api, _login(api, email), "daily")
    clock.advance(hours=23, minutes=59)
    _same_reply(first, _create(api, _login(api, email), "daily"))
    clock.advance(minutes=1)  # 24 h: the record is expired even if DynamoDB still has it
    later = _create(api, _login(api, email), "daily")
    assert later.status == 201 and later.json["id"] != first.json["id"]
    assert later.header("Idempotent-Replayed") is None


def test_an_invalid_request_does_not_use_up_the_key(api) -> None:
    token = api.token()
    problem(_create(api, token, "fix-and-retry", {"title": ""}), 422)
    assert _create(api, token, "fix-and-retry").status == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "naïve", "line\tbreak"])
def test_malformed_keys_are_400(api, key: str) -> None:
    token = api.token()
    problem(_create(api, token, key), 400)
    assert _task_ids(api, token) == []


def test_dynamodb_requests_first_time_and_on_replay(api, calls) -> None:
    token = api.token()
    api.request("GET", "/v1/me", token=token)  # the session check is now cached
    calls.reset()
    assert _create(api, token, "budget").status == 201
    # Claim, the create itself (account read, the end of the Inbox, transaction), store
    # the reply.
    assert calls.calls == Counter({"PutItem": 2, "GetItem": 1, "Query": 1, "TransactWriteItems": 1})
    calls.reset()
    assert _create(api, token, "budget").status == 201
    assert calls.calls == Counter({"PutItem": 1})  # the failed claim returns the reply


def _user(deps) -> str:
    session = accounts.register(
        deps, {"email": f"idem-{deps.new_id()}@example.com", "password": "correct horse"}
    )
    return str(session["user"]["id"])


def test_concurrent_duplicates_create_one_task(deps) -> None:
    user_id = _user(deps)

    def attempt(_: int) -> task_service.Created:
        return task_service.create_task_once(deps, user_id, BODY, "burst")

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert sum(not o.replayed for o in outcomes) == 1
    assert len({o.task.id for o in outcomes}) == 1
    user = deps.users.get(user_id)
    assert user is not None and user.task_count == 1


def test_a_failure_after_the_create_is_recovered_by_the_retry(api, deps, monkeypatch) -> None:
    token = api.token()
    original = IdempotencyRepository.put

    def lose_the_reply(self, user_id, key, record, now, until):  # DynamoDB fails at the end
        if record.result is not None:
            raise DependencyUnavailable("throttled")
        return original(self, user_id, key, record, now, until)

    monkeypatch.setattr(IdempotencyRepository, "put", lose_the_reply)
    failed = _create(api, token, "flaky")
    problem(failed, 503)
    monkeypatch.undo()
    retried = _create(api, token, "flaky")
    assert retried.status == 201
    assert _task_ids(api, token) == [retried.json["id"]]  # the task of the first attempt


def test_a_worker_that_died_mid_request_is_taken_over_after_its_lease(
    api, deps, clock, monkeypatch
) -> None:
    session = api.register()
    token, user_id = session["access_token"], session["user"]["id"]
    # What a worker leaves when it dies after creating the task, before storing the reply.
    reserved = deps.new_id()
    request = idempotency.fingerprint("create_task", BODY)
    now = clock()
    deps.idempotency.claim(
        user_id, "orphan", IdempotencyRecord(request, reserved, None), now, now + idempotency.LEASE
    )
    task_service.create_task(deps, user_id, BODY, task_id=reserved)

    monkeypatch.setattr(idempotency, "WAITS", (0.01, 0.01))
    body = problem(_create(api, token, "orphan"), 409)  # its lease still runs
    assert "in progress" in body["detail"]
    clock.advance(seconds=31)
    taken_over = _create(api, token, "orphan")
    assert taken_over.status == 201 and taken_over.json["id"] == reserved
    assert _task_ids(api, token) == [reserved]
