"""Which notifications a task's current occurrence gets, when, and which one is next.

An occurrence's notifications (its *schedule*): with ``reminders`` null, one ``due_soon``
at the deadline minus the owner's lead time (as in v1.0); with a list, one ``reminder``
per entry (``before_minutes`` before the deadline, or ``at`` an instant); and always one
``overdue`` just after the deadline. What was sent is remembered per occurrence (its due
date), so re-dating or advancing a recurring task re-arms everything, editing the
reminders arms only the new ones, and reopening repeats nothing.

Each open, dated task has at most one entry in the job's index: its earliest notification
not yet sent. The job sends what has fallen due and files the next one. Once an
occurrence is overdue, reminders meant for before its deadline are passed over (never
sent late: the ``overdue`` notification says more); ``at`` reminders after the deadline
still come. An ``at`` reminder falls to the occurrence that is current at that instant:
it is not repeated for occurrences after a completion later than it.

The index is sharded (DESIGN §4, v1.1): its partition is the hour bucket of the moment
*and* a shard of the task, :func:`shard_of` its id, so the writes of a popular hour
("tomorrow 9:00" for a million users) spread over as many partitions as there are shards
instead of landing on one, and the job reads the shards in parallel. The shard count is
a setting; see :func:`shard_of` for why it can grow without a migration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from taskcore.clock import sort_key
from taskcore.domain.due import parse_instant
from taskcore.domain.task import Reminder, Task

_ONE_MS = timedelta(milliseconds=1)
_HOUR_FORMAT = "%Y-%m-%dT%H"
DUE_SOON_KEY = "due_soon"
OVERDUE_KEY = "overdue"


class Kind(StrEnum):
    """The kinds of notification."""

    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    REMINDER = "reminder"


@dataclass(frozen=True)
class Moment:
    """One notification of an occurrence: its kind, when it falls, and its key (a
    :attr:`Reminder.key`, or :data:`DUE_SOON_KEY` / :data:`OVERDUE_KEY`)."""

    kind: Kind
    at: datetime
    key: str


@dataclass(frozen=True)
class IndexEntry:
    """A task's place in the due-date job's index: partition, sort key, kind."""

    bucket: str
    key: str
    kind: str


@dataclass(frozen=True)
class Pending:
    """The next notification of a task: its kind and the moment it becomes due."""

    kind: Kind
    at: datetime

    def entry(self, user_id: str, task_id: str, now: datetime, shards: int) -> IndexEntry:
        """The index keys of this notification: the one place that builds them.

        Partition: the hour bucket of the moment (one already past goes into the current
        hour, which the job has not finished with yet) in the task's shard of ``shards``
        (:func:`due_partition`). Sort key: the moment, then the task (a stable order);
        :func:`moment_of` reads the moment back.
        """
        hour = hour_bucket(max(self.at, now))
        partition = due_partition(hour, shard_of(task_id, shards))
        return IndexEntry(partition, f"{sort_key(self.at)}|{user_id}|{task_id}", self.kind.value)


def shard_of(task_id: str, shards: int) -> int:
    """The shard (``0 <= shard < shards``) a task's index entry is written to: a stable
    hash of its id (SHA-256, not Python's ``hash``, which differs between processes), so
    the shards fill evenly whatever the ids look like, and every writer agrees.

    Why the count can grow without a migration: an entry keeps the shard it was written
    with until the task's next write files it again, and the job reads every shard below
    the *current* count. After growing from ``n`` to ``m``, the entries written under ``n``
    are all in shards ``< n <= m``, which the job still reads; new entries spread over
    ``m``. A new shard holds nothing older than the moment writers began to use it, and a
    shard the job has no progress mark for is read from an hour back (as the very first
    run was), so the job must take the new count within the hour the writers do (one
    deploy sets both). Shrinking is not safe as such: entries in the shards at and above
    the new count would never be read. It needs either the job to keep reading the old
    count until every such entry is past (the latest due moment filed there), or a pass
    that re-files them (one ``Query`` per hour bucket and dropped shard, then one write
    per entry through the repositories).
    """
    digest = hashlib.sha256(task_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") % shards


def due_partition(hour: str, shard: int) -> str:
    """The index partition of hour bucket ``hour`` (:func:`hour_bucket`) in ``shard``.

    Shard 0 is the bare hour, which is what the index held before it was sharded: those
    entries are shard 0's, and a deployment from before sharding is one with a single
    shard, which grows like any other (:func:`shard_of`).
    """
    return hour if shard == 0 else f"{hour}#{shard}"


def hour_bucket(moment: datetime) -> str:
    """The hour bucket of ``moment`` (UTC), e.g. ``2026-03-01T09``."""
    return moment.astimezone(UTC).strftime(_HOUR_FORMAT)


def moment_of(index_key: str) -> datetime:
    """The moment an index sort key (:meth:`Pending.entry`) was filed for."""
    return parse_instant(index_key.split("|", 1)[0])


@dataclass(frozen=True)
class DueReminder:
    """A task whose next notification is due, as the due-date job reads it.

    ``index_key`` identifies the notification the task is waiting for; recording it is
    conditioned on the task still waiting for exactly that one (and on ``version``).
    ``task`` is the task as stored, bookkeeping included.
    """

    user_id: str
    task_id: str
    title: str
    due_at: str
    deadline: datetime
    kind: Kind
    version: int
    index_key: str
    task: Task

    @property
    def falls_due(self) -> datetime:
        """The moment the notification became due (job lag is measured from it)."""
        return moment_of(self.index_key)


@dataclass(frozen=True)
class Delivery:
    """What one run of the job does for one task: the notifications to store, the task's
    bookkeeping once they are (``task``), and the notification it waits for next."""

    send: tuple[Moment, ...]
    task: Task
    after: Pending | None


def schedule(task: Task, deadline: datetime, due_soon_at: datetime | None) -> list[Moment]:
    """The notifications of ``task``'s current occurrence not yet sent or passed over,
    in time order. ``due_soon_at``: when the default ``due_soon`` falls (``None``: none)."""
    assert task.due is not None
    due = task.due.value
    moments: list[Moment] = []
    if task.reminders is None:
        if due_soon_at is not None and task.reminded_soon_for != due:
            moments.append(Moment(Kind.DUE_SOON, due_soon_at, DUE_SOON_KEY))
    else:
        sent = set(task.reminders_sent) if task.reminders_sent_for == due else set()
        moments += [
            Moment(Kind.REMINDER, _moment(reminder, deadline), reminder.key)
            for reminder in task.reminders
            if reminder.key not in sent and _belongs(reminder, task)
        ]
    if task.reminded_overdue_for == due:
        moments = [moment for moment in moments if moment.at > deadline]
    else:
        moments.append(Moment(Kind.OVERDUE, deadline + _ONE_MS, OVERDUE_KEY))
    return sorted(moments, key=lambda moment: (moment.at, moment.key))


def _moment(reminder: Reminder, deadline: datetime) -> datetime:
    if reminder.at is not None:
        return parse_instant(reminder.at)
    return deadline - timedelta(minutes=reminder.before_minutes or 0)


def _belongs(reminder: Reminder, task: Task) -> bool:
    """An ``at`` reminder that fell before the last completion was an earlier
    occurrence's."""
    if reminder.at is None or task.last_completed_at is None:
        return True
    return parse_instant(reminder.at) > parse_instant(task.last_completed_at)


def next_reminder(task: Task, deadline: datetime | None, lead_minutes: int) -> Pending | None:
    """The notification ``task`` is waiting for, if any."""
    if task.completed or task.due is None or deadline is None:
        return None
    due_soon_at = deadline - timedelta(minutes=lead_minutes) if lead_minutes > 0 else None
    moments = schedule(task, deadline, due_soon_at)
    return Pending(moments[0].kind, moments[0].at) if moments else None


def plan(reminder: DueReminder, now: datetime) -> Delivery:
    """What the job does at ``now`` for a task whose filed notification is due.

    Everything of the occurrence that has fallen due is settled at once (a job that was
    down catches up in one step). Past the deadline the default ``due_soon`` is passed
    over (v1.0: at most one, never a late one: the ``overdue`` says more), while each
    explicit reminder is still delivered, once: DESIGN promises exactly one notification
    per reminder and occurrence, and its ``remind_at`` tells a client it comes late.
    """
    task, deadline = reminder.task, reminder.deadline
    # The filed moment is the default due_soon's when that is what the task waits for
    # (the job does not know the owner's lead time; the writer that filed it did).
    due_soon_at = moment_of(reminder.index_key) if reminder.kind is Kind.DUE_SOON else None
    moments = schedule(task, deadline, due_soon_at)
    fallen = [moment for moment in moments if moment.at <= now]
    late = deadline < now
    send = tuple(m for m in fallen if not late or m.at > deadline or m.kind is Kind.REMINDER)
    ahead = [moment for moment in moments if moment.at > now]
    after = Pending(ahead[0].kind, ahead[0].at) if ahead else None
    return Delivery(send, settle(task, fallen), after)


def settle(task: Task, moments: list[Moment]) -> Task:
    """``task`` remembering ``moments`` of its current occurrence as sent (or passed over)."""
    assert task.due is not None
    due = task.due.value
    keys = {moment.key for moment in moments}
    if DUE_SOON_KEY in keys:
        task = replace(task, reminded_soon_for=due)
    if OVERDUE_KEY in keys:
        task = replace(task, reminded_overdue_for=due)
    reminder_keys = [m.key for m in moments if m.kind is Kind.REMINDER]
    if reminder_keys:
        earlier = task.reminders_sent if task.reminders_sent_for == due else ()
        merged = tuple(dict.fromkeys((*earlier, *reminder_keys)))
        task = replace(task, reminders_sent_for=due, reminders_sent=merged)
    return task


def hour_buckets(start: datetime, end: datetime) -> list[str]:
    """Every hour bucket from ``start``'s to ``end``'s, inclusive."""
    hour = start.replace(minute=0, second=0, microsecond=0)
    buckets = []
    while hour <= end:
        buckets.append(hour_bucket(hour))
        hour += timedelta(hours=1)
    return buckets
