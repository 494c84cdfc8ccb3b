"""The due-time index's shards and the job's fan-out over them, on fakes (the clock starts
at 2026-03-01T12:00:00Z; accounts have a 60-minute lead time)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from ulid import ULID

from fakes import fake_deps, new_user
from support import FakeClock
from taskcore.config import Settings
from taskcore.domain.reminders import due_partition, shard_of
from taskcore.services import reminders
from taskcore.services import tasks as task_service
from taskcore.services.deps import Deps


def _deps(clock: FakeClock, shards: int = 64, per_worker: int = 8) -> Deps:
    settings = Settings(
        TASKAPP_STAGE="test",
        BCRYPT_COST=4,
        DUE_INDEX_SHARDS=shards,
        DUE_JOB_SHARDS_PER_WORKER=per_worker,
    )
    return fake_deps(clock, settings=settings)


def _tasks(deps: Deps, users: int, each: int, due_at: str) -> dict[str, str]:
    """``users * each`` tasks due at ``due_at``: task id -> owner."""
    owners = {}
    for _ in range(users):
        user = new_user(deps)
        for i in range(each):
            task = task_service.create_task(deps, user, {"title": f"t{i}", "due_at": due_at})
            owners[task.id] = user
    return owners


def _sent(deps: Deps, owners: dict[str, str]) -> Counter[tuple[str, str]]:
    """(task, kind) -> how many such notifications were stored."""
    counted: Counter[tuple[str, str]] = Counter()
    for user in set(owners.values()):
        counted.update((n.task_id, n.kind) for n in deps.notifications.stored(user))
    return counted


def _coordinate(deps: Deps) -> list[reminders.JobReport]:
    """One coordinator run: every group of shards to its own worker run."""
    return [
        reminders.run_due_date_job(deps, group) for group in reminders.shard_groups(deps.settings)
    ]


def test_a_task_has_the_same_shard_in_every_process() -> None:
    # SHA-256 of the id, not Python's per-process hash: fixed values.
    assert shard_of("01JNQ4W0000000000000000000", 64) == 22
    assert shard_of("01HZX8Y7K3M2N4P5Q6R7S8T9VW", 64) == 16
    assert shard_of("01HZX8Y7K3M2N4P5Q6R7S8T9VW", 128) == 80
    # Shard 0 is the bare hour: the partitions written before sharding are shard 0's.
    assert due_partition("2026-03-01T09", 0) == "2026-03-01T09"
    assert due_partition("2026-03-01T09", 17) == "2026-03-01T09#17"


def test_the_shards_fill_evenly() -> None:
    counts = Counter(shard_of(str(ULID()), 64) for _ in range(64_000))
    assert set(counts) == set(range(64))
    assert min(counts.values()) >= 850 and max(counts.values()) <= 1150


def test_the_groups_cover_every_shard_once() -> None:
    settings = Settings(TASKAPP_STAGE="test", DUE_INDEX_SHARDS=20, DUE_JOB_SHARDS_PER_WORKER=8)
    groups = reminders.shard_groups(settings)
    assert groups == [range(0, 8), range(8, 16), range(16, 20)]


def test_one_popular_hour_spreads_over_the_shards_and_each_task_is_reminded_once(
    clock: FakeClock,
) -> None:
    deps = _deps(clock)
    owners = _tasks(deps, users=6, each=50, due_at="2026-03-01T12:30:00Z")
    partitions = {deps.tasks.item(user, task).notify_bucket for task, user in owners.items()}
    assert len(partitions) >= 60  # 300 tasks of one hour over the 64 shards
    reports = _coordinate(deps)
    assert len(reports) == 8
    assert sum(r.sent["due_soon"] for r in reports) == 300
    # One Query per hour bucket (the last one and this one) and shard, empty ones too.
    assert sum(r.partitions_read for r in reports) == 2 * 64
    assert deps.notifications.mark_reads == 8  # one per worker run
    assert sum(_coordinate(deps)[i].sent.total() for i in range(8)) == 0  # a minute later
    assert set(_sent(deps, owners).values()) == {1}


def test_a_worker_reads_and_marks_only_its_shards(clock: FakeClock) -> None:
    deps = _deps(clock)
    owners = _tasks(deps, users=4, each=30, due_at="2026-03-01T12:30:00Z")
    report = reminders.run_due_date_job(deps, range(8, 16))
    mine = {task for task in owners if 8 <= shard_of(task, 64) < 16}
    assert 0 < len(mine) < len(owners)
    assert {task for task, _ in _sent(deps, owners)} == mine
    assert report.partitions_read == 2 * 8
    assert deps.notifications.watermarks(range(64)).keys() == set(range(8, 16))


def test_growing_the_shard_count_loses_no_reminder(clock: FakeClock) -> None:
    deps = _deps(clock, shards=8, per_worker=4)
    before = _tasks(deps, users=2, each=20, due_at="2026-03-01T14:00:00Z")
    reminders.run_due_date_job(deps)  # nothing due yet
    # Sixteen shards from now on, for the writers and the job (one deploy).
    deps.settings = deps.settings.model_copy(update={"due_index_shards": 16})
    deps.tasks.due_shards = 16
    after = _tasks(deps, users=2, each=20, due_at="2026-03-01T14:00:00Z")
    assert {shard_of(t, 8) for t in before} <= set(range(8))
    assert max(shard_of(t, 16) for t in after) >= 8  # new entries use the new shards
    clock.now = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)  # the lead time before 14:00
    reports = _coordinate(deps)
    assert len(reports) == 4 and sum(r.sent["due_soon"] for r in reports) == 80
    assert set(_sent(deps, before | after).values()) == {1}


class Crash(Exception):
    """A worker dying half-way (Lambda's timeout, an out-of-memory kill...)."""


def test_a_worker_dying_half_way_is_redone_by_the_next_run_and_nothing_is_sent_twice(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = _deps(clock)
    owners = _tasks(deps, users=5, each=40, due_at="2026-03-01T12:30:00Z")
    record = deps.notifications.record
    calls = 0

    def dies_at_the_tenth(*args: object) -> bool:
        nonlocal calls
        calls += 1
        if calls == 10:
            raise Crash
        return record(*args)  # type: ignore[arg-type]

    groups = reminders.shard_groups(deps.settings)
    monkeypatch.setattr(deps.notifications, "record", dies_at_the_tenth)
    with pytest.raises(Crash):
        reminders.run_due_date_job(deps, groups[2])
    monkeypatch.setattr(deps.notifications, "record", record)
    for group in groups[:2] + groups[3:]:
        reminders.run_due_date_job(deps, group)
    done = _sent(deps, owners)
    in_crashed = {t for t in owners if groups[2].start <= shard_of(t, 64) < groups[2].stop}
    assert len({t for t, _ in done} & in_crashed) == 9  # delivered before it died
    # The next run of the crashed group, three hours later: its marks did not move, so it
    # reads the hours it missed; past the deadline only the overdue ones go out.
    clock.now = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    _coordinate(deps)
    sent = _sent(deps, owners)
    assert set(sent.values()) == {1}  # nothing twice
    assert {t for t, kind in sent if kind == "overdue"} == set(owners)
    assert len([t for t, kind in sent if kind == "due_soon"]) == 200 - len(in_crashed) + 9
