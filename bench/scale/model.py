"""The capacity model: the hottest partition key of every table and index, for N users.

DynamoDB serves at most 1,000 write and 3,000 read units per second on one partition key
(:mod:`bench.scale.pricing`), however many there are. For each table and index, the model
finds the key that takes the most in the busiest minute of a stated :class:`Behaviour`:

* The units each operation puts on each table and index are **measured**
  (:mod:`bench.scale.costs`), each classed by whether it lands on the acting user's own
  partitions (their id, account, lists) or on another key.
* A user's own partitions take that user's work only, whatever N (a table's local indexes
  share its partitions, so a ``+ local indexes`` row adds them up): the hottest is the
  heaviest user, who writes at the write rate limit (``TASK_WRITE_MAX_PER_USER`` per
  ``TASK_WRITE_WINDOW_SECONDS``, as shipped) and has
  :attr:`Behaviour.heavy_user_reminders` reminders due at once.
* The keys shared between users take a share of everyone's work, and their values are
  **computed by the code's own key functions** on a synthetic busiest minute of N users:
  the due-time index's by :meth:`taskcore.domain.reminders.Pending.entry` (hour bucket and
  shard), the outbox queue's by :func:`taskcore.repositories.mail_items.shard_of`, the
  job's marks by :data:`taskcore.repositories.notifications.JOB_PARTITION`. Every entry is
  generated (a million for 10M users), not sampled, so the hottest shard's excess over
  the mean is the hash's real one.
* Any other key (a refresh token's hash, an e-mail claim, an outbox message) is written by
  one request: its rate is bounded by that request's units.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ulid import ULID

from bench.common import Result

USERS = (10_000, 1_000_000, 10_000_000)
DUE_INDEX = "tasks/by_notify_bucket"
OUTBOX_QUEUE = "outbox/by_due"
MARKS = "notifications (job marks)"
# The busiest minute of delivery: everybody's "tomorrow 9:00" task is due soon at 8:00
# (the default 60-minute lead) and overdue from 9:00.
_DELIVERY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Behaviour:
    """What N users do (stated assumptions, not measurements)."""

    tasks_per_user: int = 200  # stored: sizes the partitions, not the rates
    lists_per_user: int = 5
    task_writes_per_day: float = 20.0
    write_mix: tuple[tuple[str, float], ...] = (
        ("create", 0.25), ("update", 0.40), ("complete", 0.25), ("delete", 0.10),
    )  # fmt: skip
    reads_per_day: float = 60.0  # the reads that miss the cache
    read_mix: tuple[tuple[str, float], ...] = (
        ("list page", 0.6), ("sync page", 0.3), ("search", 0.1),
    )  # fmt: skip
    peak_to_average: float = 3.0  # the busiest minute's API traffic / an average minute's
    due_in_busiest_minute: float = 0.10  # share of users with a reminder due in it
    popular_hour_share: float = 0.25  # share of the busiest minute's creates due in one hour
    registrations_per_day: float = 0.005  # share of N signing up each day
    heavy_user_reminders: int = 100  # the hottest user's reminders due in the busiest minute
    heavy_user_reads_per_second: float = 5.0

    def described(self) -> dict[str, Any]:
        """The assumptions, for the results document."""
        return {k: (dict(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()}


@dataclass(frozen=True)
class Hottest:
    """The hottest key of one table or index, in the busiest minute."""

    target: str
    key: str  # which kind of key it is
    write_units: float  # per second
    read_units: float  # per second


def hottest_keys(
    operations: dict[str, Result],
    behaviour: Behaviour,
    users: int,
    *,
    shards: int,
    per_worker: int,
    item_bytes: int,
) -> list[Hottest]:
    """Every table's and index's hottest key for ``users`` users, the due-time index in
    ``shards`` shards read by workers of ``per_worker`` shards each."""
    found = _own(operations, behaviour) + _single_requests(operations)
    found += _due_index(operations, behaviour, users, shards, item_bytes)
    found.append(_marks(operations, shards, per_worker))
    found.append(_outbox_queue(operations, behaviour, users))
    best: dict[str, Hottest] = {}
    for hot in found:
        known = best.get(hot.target)
        if known is None or _load(hot) > _load(known):
            best[hot.target] = hot
    return sorted(best.values(), key=lambda h: h.target)


def _load(hot: Hottest) -> float:
    from bench.scale.pricing import PARTITION_READ_UNITS_PER_SECOND as READS
    from bench.scale.pricing import PARTITION_WRITE_UNITS_PER_SECOND as WRITES

    return max(hot.write_units / WRITES, hot.read_units / READS)


def _units(operations: dict[str, Result], name: str, target: str, kind: str) -> float:
    return float(operations[name]["targets"].get(target, {}).get(kind, 0.0))


def _targets(operations: dict[str, Result]) -> set[str]:
    return {t for op in operations.values() for t in op["targets"]}


def _own(operations: dict[str, Result], behaviour: Behaviour) -> list[Hottest]:
    """The heaviest user's own partitions: at the write rate limit, plus its reminders."""
    from taskcore.config import Settings

    # The limit as shipped (this process's environment may have raised it, as tests do).
    fields = Settings.model_fields
    limit = fields["task_write_max_per_user"].default
    writes = limit / fields["task_write_window_seconds"].default
    reminders = behaviour.heavy_user_reminders / 60
    found = []
    job = "job: one reminder delivered"
    for target in _targets(operations):

        def mixed(mix: tuple[tuple[str, float], ...], kind: str, target: str = target) -> float:
            return sum(share * _units(operations, op, target, kind) for op, share in mix)

        write = writes * mixed(behaviour.write_mix, "write_own")
        write += reminders * _units(operations, job, target, "write_own")
        read = behaviour.heavy_user_reads_per_second * mixed(behaviour.read_mix, "read_own")
        read += writes * mixed(behaviour.write_mix, "read_own")
        if write or read:
            found.append(Hottest(target, "one user's own", write, read))
    return found + _item_collections(found)


def _item_collections(own: list[Hottest]) -> list[Hottest]:
    """A table's local indexes live in its partitions: the load of a user's partition is
    the table's and its local indexes' together (one row per table that has them)."""
    from taskcore.storage.models import ALL_MODELS, LOGICAL_NAMES
    from taskcore.storage.units import model_shape

    shapes = [model_shape(model, LOGICAL_NAMES[model]) for model in ALL_MODELS]
    local = {
        f"{shape.name}/{index.name}": shape.name
        for shape in shapes
        for index in shape.indexes
        if not index.is_global
    }
    together: dict[str, list[Hottest]] = {}
    for hot in own:
        table = local.get(hot.target, hot.target)
        together.setdefault(table, []).append(hot)
    return [
        Hottest(
            f"{table} + local indexes",
            "one user's own",
            sum(h.write_units for h in rows),
            sum(h.read_units for h in rows),
        )
        for table, rows in together.items()
        if len(rows) > 1
    ]


def _single_requests(operations: dict[str, Result]) -> list[Hottest]:
    """Keys one request writes (a token, an e-mail claim, a message): its units."""
    shared = {DUE_INDEX, OUTBOX_QUEUE, "notifications"}
    found = []
    for target in _targets(operations) - shared:
        write = max(_units(operations, op, target, "write_other") for op in operations)
        read = max(_units(operations, op, target, "read_other") for op in operations)
        if write or read:
            found.append(Hottest(target, "one request's (unique key)", write, read))
    return found


def _busiest(keys: Iterable[str]) -> int:
    """How many of ``keys`` the most frequent one has."""
    counted = Counter(keys)
    return max(counted.values()) if counted else 0


def _due_index(
    operations: dict[str, Result], behaviour: Behaviour, users: int, shards: int, item_bytes: int
) -> list[Hottest]:
    """The delivery peak (the job moves every due entry out of its partition into the
    next hour's) and the creation peak (new tasks due in the popular hour)."""
    from taskcore.domain.reminders import Kind, Pending

    job = "job: one reminder delivered"
    moved = _units(operations, job, DUE_INDEX, "write_other") / 2  # a delete, then a put
    due = round(users * behaviour.due_in_busiest_minute)
    deadline = _DELIVERY + timedelta(hours=1)
    soon = Pending(Kind.DUE_SOON, _DELIVERY)
    overdue = Pending(Kind.OVERDUE, deadline + timedelta(milliseconds=1))
    out_of = _busiest_partition(soon, _task_ids(due), shards)
    into = _busiest_partition(overdue, _task_ids(due), shards)
    # The job's Queries read every due entry (eventually consistent: half a unit per 4 KB).
    read = out_of * item_bytes / 4096 / 2 / 60
    write = max(out_of, into) * moved / 60
    delivery = Hottest(DUE_INDEX, "hour #shard, delivery peak", write, read)
    per_day = users * behaviour.task_writes_per_day * dict(behaviour.write_mix)["create"]
    created = round(per_day * behaviour.peak_to_average / 1440 * behaviour.popular_hour_share)
    filed = Pending(Kind.DUE_SOON, _DELIVERY + timedelta(days=1))
    busiest = _busiest_partition(filed, _task_ids(created, fresh=True), shards)
    put = _units(operations, "create", DUE_INDEX, "write_other")
    creation = Hottest(DUE_INDEX, "hour #shard, creation peak", busiest * put / 60, 0.0)
    return [delivery, creation]


_IDS: dict[int, list[str]] = {}


def _task_ids(count: int, *, fresh: bool = False) -> list[str]:
    """``count`` task ids as the service makes them (ULIDs); the same ones for the same
    count, so that both layouts see the same tasks."""
    if fresh or count not in _IDS:
        made = [str(ULID()) for _ in range(count)]
        if fresh:
            return made
        _IDS[count] = made
    return _IDS[count]


def _busiest_partition(pending: Any, task_ids: list[str], shards: int) -> int:
    """How many of these tasks' entries the busiest partition of ``pending``'s moment
    holds: every task's index key, by :meth:`Pending.entry`. (The key depends on the task
    only through its shard, so the entries are counted by shard and each shard's key is
    built once, from one of its tasks.)"""
    from taskcore.domain.reminders import shard_of

    by_shard: Counter[int] = Counter()
    example: dict[int, str] = {}
    for task_id in task_ids:
        shard = shard_of(task_id, shards)
        by_shard[shard] += 1
        example.setdefault(shard, task_id)
    keys = Counter(
        {pending.entry("u", example[s], _DELIVERY, shards).bucket: n for s, n in by_shard.items()}
    )
    return max(keys.values()) if keys else 0


def _marks(operations: dict[str, Result], shards: int, per_worker: int) -> Hottest:
    """The job's progress marks: one Query per worker run a minute, a write an hour each."""
    from taskcore.repositories.notifications import JOB_PARTITION

    idle = operations["job: idle worker run (one group)"]
    marks_read = _units({"idle": idle}, "idle", "notifications", "read_other")
    workers = math.ceil(shards / per_worker)
    return Hottest(MARKS, f"{JOB_PARTITION!r}", shards / 3600, workers * marks_read / 60)


def _outbox_queue(operations: dict[str, Result], behaviour: Behaviour, users: int) -> Hottest:
    """The account e-mails' queue index, in its fixed shards."""
    from taskcore.repositories.mail_items import shard_of

    per_minute = users * behaviour.registrations_per_day * behaviour.peak_to_average / 1440
    busiest = _busiest(shard_of(str(ULID())) for _ in range(math.ceil(per_minute)))
    put = _units(operations, "register", OUTBOX_QUEUE, "write_other")
    return Hottest(OUTBOX_QUEUE, "queue shard", busiest * put / 60, 0.0)
