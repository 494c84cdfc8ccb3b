"""``Idempotency-Key`` on task creation, on fakes: replay, conflicts, take-over."""

from __future__ import annotations

import pytest

from fakes import new_user
from taskcore.errors import BadRequest, Conflict, DependencyUnavailable, ValidationFailed
from taskcore.services import idempotency
from taskcore.services import tasks as task_service
from taskcore.services.ports import IdempotencyRecord

BODY = {"title": "pay rent", "tags": ["home"]}
WAITS = (0.001,) * 6  # the same number of looks as the real pauses, without the wait


@pytest.fixture
def user(deps) -> str:
    return new_user(deps)


@pytest.fixture
def quick_waits(monkeypatch) -> None:
    monkeypatch.setattr(idempotency, "WAITS", WAITS)


def _once(deps, user: str, key: str = "key-1", body=BODY) -> task_service.Created:
    return task_service.create_task_once(deps, user, body, key)


def _task_ids(deps, user: str) -> list[str]:
    return sorted(item.task.id for item in deps.tasks.items() if item.task.user_id == user)


def test_a_retry_replays_the_first_result_and_creates_nothing(deps, user) -> None:
    first = _once(deps, user)
    assert not first.replayed and first.task.title == "pay rent"
    again = _once(deps, user, body={"tags": ["home"], "title": "pay rent"})  # key order
    assert again.replayed and again.task == first.task
    assert _task_ids(deps, user) == [first.task.id]
    assert deps.users.stored(user).task_count == 1
    assert deps.tasks.writes == 1
    # The replay costs one claim (which returns the stored result): no read, no write.
    store = deps.idempotency
    assert (store.claims, store.gets, store.puts) == (2, 0, 1)


def test_the_same_key_with_another_body_is_409(deps, user) -> None:
    _once(deps, user)
    with pytest.raises(Conflict, match="different request"):
        _once(deps, user, body={"title": "pay the rent"})
    assert deps.users.stored(user).task_count == 1


def test_keys_belong_to_one_user(deps, user) -> None:
    mine = _once(deps, user)
    other = new_user(deps)
    theirs = _once(deps, other)
    assert not theirs.replayed and theirs.task.id != mine.task.id


@pytest.mark.parametrize("key", ["", "has space", "caf\u00e9", "x" * 256, "tab\there"])
def test_malformed_keys_are_400_and_claim_nothing(deps, user, key: str) -> None:
    with pytest.raises(BadRequest):
        _once(deps, user, key=key)
    assert deps.idempotency.claims == 0 and _task_ids(deps, user) == []


def test_an_invalid_body_does_not_use_up_the_key(deps, user) -> None:
    with pytest.raises(ValidationFailed):
        _once(deps, user, body={"title": ""})
    assert deps.idempotency.claims == 0
    assert not _once(deps, user).replayed


def test_a_failure_after_the_create_is_recovered_by_the_retry(deps, user) -> None:
    # DynamoDB fails while the result is stored; giving the key up still works.
    deps.idempotency.put_failures = [DependencyUnavailable("throttled")]
    with pytest.raises(DependencyUnavailable):
        _once(deps, user)
    [created] = _task_ids(deps, user)
    released = deps.idempotency.stored(user, "key-1")
    assert released is not None and released.result is None
    assert released.resource_id == created  # the reserved id is kept
    assert deps.idempotency.get(user, "key-1", deps.clock()) is None  # free at once

    retried = _once(deps, user)
    assert retried.task.id == created and not retried.replayed
    assert _task_ids(deps, user) == [created]
    assert deps.users.stored(user).task_count == 1
    assert _once(deps, user).replayed  # and from now on it is a replay


def test_a_holder_that_never_finishes_blocks_duplicates_until_its_lease_ends(
    deps, user, clock, quick_waits
) -> None:
    # What a worker leaves when it dies after claiming the key, before anything else.
    reserved = deps.new_id()
    request = idempotency.fingerprint("create_task", BODY)
    now = clock()
    deps.idempotency.claim(
        user, "key-1", IdempotencyRecord(request, reserved, None), now, now + idempotency.LEASE
    )
    gets = deps.idempotency.gets
    with pytest.raises(Conflict, match="in progress"):
        _once(deps, user)
    assert deps.idempotency.gets - gets == len(WAITS)  # one look after each pause
    assert _task_ids(deps, user) == []

    clock.advance(seconds=29.9)
    with pytest.raises(Conflict, match="in progress"):
        _once(deps, user)
    clock.advance(seconds=0.1)  # the lease has ended
    taken_over = _once(deps, user)
    assert taken_over.task.id == reserved and not taken_over.replayed
    assert _task_ids(deps, user) == [reserved]
    assert _once(deps, user).replayed


def test_a_worker_that_died_after_creating_is_taken_over_without_a_second_task(
    deps, user, clock, quick_waits
) -> None:
    # Storing the result fails and so does giving the key up: only the lease frees it.
    deps.idempotency.put_failures = [
        DependencyUnavailable("result lost"),
        DependencyUnavailable("release lost"),
    ]
    with pytest.raises(DependencyUnavailable, match="result lost"):
        _once(deps, user)
    [created] = _task_ids(deps, user)
    with pytest.raises(Conflict, match="in progress"):
        _once(deps, user)
    clock.advance(seconds=30)
    retried = _once(deps, user)
    assert retried.task.id == created
    assert _task_ids(deps, user) == [created]
    assert deps.users.stored(user).task_count == 1


def test_a_duplicate_waits_for_the_first_request_and_replays_it(
    deps, user, clock, monkeypatch, quick_waits
) -> None:
    reserved = deps.new_id()
    request = idempotency.fingerprint("create_task", BODY)
    now = clock()
    store = deps.idempotency
    store.claim(
        user, "key-1", IdempotencyRecord(request, reserved, None), now, now + idempotency.LEASE
    )
    looks: list[int] = []
    original_get = store.get

    def first_request_finishes_meanwhile(user_id, key, at):
        looks.append(1)
        if len(looks) == 2:  # the first request stores its result during the 2nd pause
            task = task_service.create_task(deps, user, BODY, task_id=reserved)
            done = IdempotencyRecord(request, reserved, task.to_snapshot())
            store.put(user_id, key, done, at, at + idempotency.RETENTION)
        return original_get(user_id, key, at)

    monkeypatch.setattr(store, "get", first_request_finishes_meanwhile)
    duplicate = _once(deps, user)
    assert duplicate.replayed and duplicate.task.id == reserved
    assert len(looks) == 2 and _task_ids(deps, user) == [reserved]


def test_a_result_is_kept_24_hours(deps, user, clock) -> None:
    first = _once(deps, user)
    clock.advance(hours=23, minutes=59)
    assert _once(deps, user).task.id == first.task.id
    clock.advance(minutes=1)
    later = _once(deps, user)
    assert not later.replayed and later.task.id != first.task.id
    assert deps.users.stored(user).task_count == 2


def test_without_a_key_every_call_creates(deps, user) -> None:
    a = task_service.create_task_once(deps, user, BODY, None)
    b = task_service.create_task_once(deps, user, BODY, None)
    assert a.task.id != b.task.id and deps.idempotency.claims == 0
