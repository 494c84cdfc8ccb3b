"""Task writes on fakes: the optimistic retry loop, tombstones, the read cache."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fakes import fake_deps, new_user, register, ttl
from taskcore.clock import format_instant
from taskcore.config import Settings
from taskcore.errors import (
    DependencyUnavailable,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)
from taskcore.services import accounts
from taskcore.services import tasks as task_service
from taskcore.services.ports import WriteOutcome

USER_CHANGED = WriteOutcome.USER_CHANGED
TASK_CHANGED = WriteOutcome.TASK_CHANGED


@pytest.fixture
def pauses(monkeypatch) -> list[int]:
    """The back-off pauses taken (attempt numbers), without sleeping."""
    taken: list[int] = []
    monkeypatch.setattr(task_service, "_pause", taken.append)
    return taken


@pytest.fixture
def user(deps) -> str:
    return new_user(deps)


def _create(deps, user: str, title: str = "write report", **fields):
    return task_service.create_task(deps, user, {"title": title, **fields})


def test_create_takes_the_next_change_number_and_counts_the_task(deps, user) -> None:
    before = deps.users.stored(user)
    task = _create(deps, user)
    after = deps.users.stored(user)
    assert (after.change_seq, after.task_count) == (before.change_seq + 1, 1)
    assert deps.tasks.item(user, task.id).seq == after.change_seq
    assert task_service.get_task(deps, user, task.id) == task
    assert deps.tasks.writes == 1


@pytest.mark.parametrize("losses", [1, 2])
def test_a_lost_race_is_retried_on_fresh_data(deps, user, pauses, losses: int) -> None:
    task = _create(deps, user)
    writes = deps.tasks.writes
    deps.tasks.fail_next = [USER_CHANGED] * losses
    updated = task_service.update_task(deps, user, task.id, {"title": "new title"})
    assert updated.title == "new title" and updated.version == 2
    assert deps.tasks.writes - writes == losses + 1
    assert pauses == list(range(losses))
    assert task_service.get_task(deps, user, task.id).title == "new title"


def test_a_write_to_another_task_in_between_makes_the_account_stale(deps, user, pauses) -> None:
    mine, other = _create(deps, user, "mine"), _create(deps, user, "other")
    # Another request of the same user commits first: the change sequence moved on.
    deps.tasks.before_write.append(
        lambda: task_service.update_task(deps, user, other.id, {"priority": "high"})
    )
    updated = task_service.update_task(deps, user, mine.id, {"title": "mine, edited"})
    assert updated.title == "mine, edited" and updated.version == 2
    assert task_service.get_task(deps, user, other.id).priority.value == "high"
    assert pauses == [0]
    # The Inbox (made at registration) took number 1; 2 creates, 2 updates: no gap.
    assert deps.users.stored(user).change_seq == 5


def test_two_partial_updates_of_one_task_both_take_effect(deps, user, pauses) -> None:
    task = _create(deps, user, "draft")
    deps.tasks.before_write.append(
        lambda: task_service.update_task(deps, user, task.id, {"description": "details"})
    )
    updated = task_service.update_task(deps, user, task.id, {"title": "final"})
    assert (updated.title, updated.description, updated.version) == ("final", "details", 3)
    stored = task_service.get_task(deps, user, task.id)
    assert (stored.title, stored.description, stored.version) == ("final", "details", 3)
    assert pauses == [0]  # the version condition failed once (TASK_CHANGED), then retried


def test_task_changed_without_an_expected_version_is_retried(deps, user, pauses) -> None:
    task = _create(deps, user)
    writes = deps.tasks.writes
    deps.tasks.fail_next = [TASK_CHANGED]
    updated = task_service.set_completed(deps, user, task.id, True)
    assert updated.completed and updated.version == 2
    assert deps.tasks.writes - writes == 2 and pauses == [0]


def test_a_stale_expected_version_is_412_and_writes_nothing(deps, user, pauses) -> None:
    task = _create(deps, user)
    task_service.update_task(deps, user, task.id, {"title": "v2"})
    writes = deps.tasks.writes
    with pytest.raises(PreconditionFailed):
        task_service.update_task(deps, user, task.id, {"title": "v3"}, expected_version=1)
    with pytest.raises(PreconditionFailed):
        task_service.delete_task(deps, user, task.id, expected_version=1)
    assert deps.tasks.writes == writes and pauses == []
    stored = task_service.get_task(deps, user, task.id)
    assert (stored.title, stored.version) == ("v2", 2)


def test_an_expected_version_that_goes_stale_mid_write_is_412(deps, user, pauses) -> None:
    task = _create(deps, user)
    deps.tasks.before_write.append(
        lambda: task_service.update_task(deps, user, task.id, {"title": "theirs"})
    )
    with pytest.raises(PreconditionFailed):
        task_service.update_task(deps, user, task.id, {"title": "mine"}, expected_version=1)
    stored = task_service.get_task(deps, user, task.id)
    assert (stored.title, stored.version) == ("theirs", 2)
    assert pauses == [0]  # one lost write, then the re-read found another version


def test_the_matching_expected_version_commits(deps, user) -> None:
    task = _create(deps, user)
    updated = task_service.update_task(deps, user, task.id, {"title": "v2"}, expected_version=1)
    assert updated.version == 2


def test_exhausting_the_attempts_is_503_with_retry_after(deps, user, pauses) -> None:
    task = _create(deps, user)
    writes = deps.tasks.writes
    deps.tasks.fail_next = [USER_CHANGED] * 13
    with pytest.raises(DependencyUnavailable) as raised:
        task_service.update_task(deps, user, task.id, {"title": "never"})
    assert raised.value.retry_after == 1
    assert deps.tasks.writes - writes == 12 and len(deps.tasks.fail_next) == 1
    assert pauses == list(range(12))
    deps.tasks.fail_next = []
    stored = task_service.get_task(deps, user, task.id)
    assert (stored.title, stored.version) == ("write report", 1)


def test_a_no_op_update_writes_nothing_and_keeps_the_version(deps, user, clock) -> None:
    task = _create(deps, user, "same", tags=["a"])
    writes, bumps = deps.tasks.writes, deps.cache.bumps
    clock.advance(minutes=5)
    same = task_service.update_task(deps, user, task.id, {"title": "same", "tags": ["A"]})
    again = task_service.set_completed(deps, user, task.id, False)
    assert same.version == again.version == 1
    assert same.updated_at == task.updated_at
    assert deps.tasks.writes == writes and deps.cache.bumps == bumps


def test_delete_leaves_a_tombstone_and_frees_the_quota(deps, user, clock) -> None:
    task = _create(deps, user, "groceries and milk")
    assert deps.tasks.search_keys(user) == {f"gro#{task.id}", f"and#{task.id}", f"mil#{task.id}"}
    clock.advance(seconds=1.5)
    task_service.delete_task(deps, user, task.id)
    account = deps.users.stored(user)
    assert account.task_count == 0
    [tombstone] = deps.tasks.tombstones(user)
    assert tombstone.seq == account.change_seq == 3  # the Inbox, the create, the delete
    assert tombstone.tombstone.id == task.id
    assert tombstone.tombstone.deleted_at == format_instant(clock())
    assert tombstone.tombstone.expires_at == ttl(clock() + timedelta(days=30))
    assert deps.tasks.search_keys(user) == set()
    for gone in (
        lambda: task_service.get_task(deps, user, task.id),
        lambda: task_service.update_task(deps, user, task.id, {"title": "x"}),
        lambda: task_service.delete_task(deps, user, task.id),
    ):
        with pytest.raises(NotFound):
            gone()


def test_every_committed_write_bumps_the_cache_generation(deps, user) -> None:
    task = _create(deps, user, "old title")
    assert deps.cache.generation(user) == "1"
    reads = deps.tasks.reads
    task_service.get_task(deps, user, task.id)  # miss: read and cached
    assert task_service.get_task(deps, user, task.id).title == "old title"  # hit
    assert (deps.cache.misses, deps.cache.hits, deps.tasks.reads - reads) == (1, 1, 1)

    deps.tasks.fail_next = [USER_CHANGED]  # a lost attempt commits nothing: no bump
    task_service.update_task(deps, user, task.id, {"title": "new title"})
    assert deps.cache.generation(user) == "2"
    # Read-your-writes: the entry of the older generation is ignored.
    assert task_service.get_task(deps, user, task.id).title == "new title"
    task_service.delete_task(deps, user, task.id)
    assert deps.cache.generation(user) == "3"
    with pytest.raises(NotFound):
        task_service.get_task(deps, user, task.id)


def test_without_the_cache_every_get_reads_the_store(deps, user) -> None:
    task = _create(deps, user)
    deps.cache.online = False
    reads = deps.tasks.reads
    for _ in range(3):
        assert task_service.get_task(deps, user, task.id) == task
    assert deps.tasks.reads - reads == 3
    assert (deps.cache.hits, deps.cache.misses) == (0, 0)
    task_service.update_task(deps, user, task.id, {"title": "still works"})  # bump skipped
    deps.cache.online = True
    assert task_service.get_task(deps, user, task.id).title == "still works"


def test_a_create_that_loses_a_race_is_one_task(deps, user, pauses) -> None:
    deps.tasks.fail_next = [USER_CHANGED, USER_CHANGED]
    task = _create(deps, user)
    assert deps.users.stored(user).task_count == 1 and pauses == [0, 1]
    assert deps.tasks.get_many(user, {task.id}) == [task]


def test_create_with_a_reserved_id_that_exists_returns_the_existing_task(deps, user) -> None:
    first = task_service.create_task(deps, user, {"title": "first"}, task_id="01RESERVED")
    again = task_service.create_task(deps, user, {"title": "second"}, task_id="01RESERVED")
    assert again == first and again.title == "first"
    assert deps.users.stored(user).task_count == 1


def test_the_task_quota(clock) -> None:
    settings = Settings(TASKAPP_STAGE="test", BCRYPT_COST=4, MAX_TASKS_PER_USER=2)
    deps = fake_deps(clock, settings=settings)
    user = new_user(deps)
    _create(deps, user)
    doomed = _create(deps, user)
    with pytest.raises(ValidationFailed):
        _create(deps, user)
    task_service.delete_task(deps, user, doomed.id)
    _create(deps, user)  # room again


def test_tasks_of_a_deleted_account_cannot_be_written(deps) -> None:
    session = register(deps)
    user = session["user"]["id"]
    task = _create(deps, user)
    claims = deps.tokens.verify(session["access_token"], deps.clock())
    accounts.delete_account(deps, claims, {"password": "correct horse"})
    with pytest.raises(Unauthorized):
        task_service.update_task(deps, user, task.id, {"title": "x"})
    with pytest.raises(Unauthorized):
        _create(deps, user)


def test_another_users_task_is_not_found(deps, user) -> None:
    task = _create(deps, user)
    stranger = new_user(deps)
    with pytest.raises(NotFound):
        task_service.get_task(deps, stranger, task.id)
    with pytest.raises(NotFound):
        task_service.delete_task(deps, stranger, task.id)
    assert task_service.get_task(deps, user, task.id) == task


def test_task_writes_per_user_are_limited_before_the_store_is_touched(clock) -> None:
    from taskcore.errors import RateLimited

    settings = Settings(
        TASKAPP_STAGE="test", BCRYPT_COST=4, TASK_WRITE_MAX_PER_USER=3, TASK_WRITE_WINDOW_SECONDS=60
    )
    deps = fake_deps(clock, settings=settings)
    user, other = new_user(deps), new_user(deps)
    task = task_service.create_task_once(deps, user, {"title": "one"}, None).task
    task_service.update_task(deps, user, task.id, {"title": "two"})
    task_service.set_completed(deps, user, task.id, True)
    seq = deps.users.stored(user).change_seq
    refused = [
        lambda: task_service.create_task_once(deps, user, {"title": "x"}, None),
        lambda: task_service.create_task_once(deps, user, {"title": "x"}, "key"),
        lambda: task_service.update_task(deps, user, task.id, {"title": "x"}),
        lambda: task_service.set_completed(deps, user, task.id, False),
        lambda: task_service.delete_task(deps, user, task.id),
    ]
    for write in refused:
        with pytest.raises(RateLimited) as limited:
            write()
        assert 1 <= limited.value.retry_after <= 60
    assert deps.users.stored(user).change_seq == seq  # nothing written
    task_service.create_task_once(deps, other, {"title": "x"}, None)  # others unaffected
    clock.advance(seconds=61)
    task_service.delete_task(deps, user, task.id)  # a new window
