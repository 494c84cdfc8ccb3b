"""The due-date job and the notifications it leaves for users.

The job reads only the tasks whose next notification is due, through the sparse global
index on an hour bucket of that moment and a shard of the task
(:mod:`taskcore.domain.reminders`); a task leaves the index as soon as it has nothing
pending. Per task it sends everything of the current occurrence that has fallen due and
files the next one, in one conditional write; notification ids derive from task, kind,
occurrence and reminder, so nothing is stored twice however often or concurrently the job
runs, over the same shards or not. Its work therefore grows with the tasks due, not with
the tasks stored: one ``Query`` per hour bucket and shard read (an empty one included),
plus one read of the progress marks per run and a mark write per shard once an hour.

A run covers a range of shards: all of them in one process (:func:`run_due_date_job`
without a range), or one group each when a coordinator fans the work out
(:func:`shard_groups`: on AWS one worker invocation per group, in the local stacks a
process pool). Each shard keeps its own progress mark (the first hour it has not
finished), so that a run that was not made for a while, or a worker that died half-way,
is caught up by the next run of that shard: it reads every hour from the mark on. It
re-reads the hour before the mark too, in case a writer with a slow clock filed a reminder
there late.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from taskcore.clock import sort_key
from taskcore.config import Settings
from taskcore.cursors import Position, fingerprint
from taskcore.domain.notification import Notification
from taskcore.domain.reminders import (
    DueReminder,
    Kind,
    due_partition,
    hour_bucket,
    hour_buckets,
    plan,
)
from taskcore.errors import NotFound
from taskcore.schemas import NotificationParams, QueryParams, validate_query
from taskcore.services.deps import Deps

log = logging.getLogger(__name__)


@dataclass
class JobReport:
    """What one run of the job did. ``lag_seconds``: how long after falling due the
    latest-sent notification of the run went out (0 when none was sent).
    ``partitions_read``: the index partitions (hour bucket and shard) it queried, one
    ``Query`` each, empty ones included."""

    shards: range = range(0)
    buckets: list[str] = field(default_factory=list)
    partitions_read: int = 0
    examined: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    lag_seconds: float = 0.0


def shard_groups(settings: Settings) -> list[range]:
    """The work of one run, as the coordinator hands it out: every shard of the index in
    ranges of ``DUE_JOB_SHARDS_PER_WORKER`` (the last one may be shorter)."""
    count, size = settings.due_index_shards, settings.due_job_shards_per_worker
    return [range(first, min(first + size, count)) for first in range(0, count, size)]


def run_due_date_job(deps: Deps, shards: range | None = None) -> JobReport:
    """Send every notification that is due now in ``shards`` (default: every shard
    below ``DUE_INDEX_SHARDS``), once."""
    shards = range(deps.settings.due_index_shards) if shards is None else shards
    now = deps.clock()
    repo = deps.notifications
    marks = repo.watermarks(shards)
    report = JobReport(shards=shards)
    hours: set[str] = set()
    current = hour_bucket(now)
    for shard in shards:
        if shard not in marks:
            # A shard's first run starts an hour back, like the job's very first run. Its
            # mark is written before anything is read, so that a run that dies half-way
            # is resumed from here, not from an hour before some later run.
            marks[shard] = current
            repo.set_watermark(shard, current)
    for shard in shards:
        mark = marks[shard]
        buckets = _window(mark, now)
        for bucket in buckets:
            _read(deps, due_partition(bucket, shard), now, report)
        hours.update(buckets)
        # Only once every hour before it is done; it moves once an hour, so most runs
        # write no mark at all.
        if mark != current:
            repo.set_watermark(shard, current)
    report.buckets = sorted(hours)
    log.info(
        "due-date job",
        extra={
            "shards": f"{shards.start}-{shards.stop - 1}" if shards else "",
            "partitions_read": report.partitions_read,
            "examined": report.examined,
            "sent": dict(report.sent),
            "skipped": report.skipped,
            "lag_seconds": round(report.lag_seconds, 3),
        },
    )
    return report


def _window(mark: str, now: datetime) -> list[str]:
    """The hour buckets a shard's run reads: from the hour before its mark to now's.
    Never starting after now: a runner whose clock is behind another's still reads the
    current hour."""
    start = min(_bucket_start(mark), now) - timedelta(hours=1)
    return hour_buckets(start, now)


def _read(deps: Deps, partition: str, now: datetime, report: JobReport) -> None:
    """Deliver what is due in one index partition."""
    report.partitions_read += 1
    for reminder in deps.notifications.pending(partition, sort_key(now)):
        report.examined += 1
        kinds = _remind(deps, reminder, now)
        if kinds is None:
            report.skipped += 1
        else:
            report.sent.update(kind.value for kind in kinds)
            lag = (now - reminder.falls_due).total_seconds()
            report.lag_seconds = max(report.lag_seconds, lag)


def _remind(deps: Deps, reminder: DueReminder, now: datetime) -> list[Kind] | None:
    """Send what the task has due now; ``None`` when another writer got there first."""
    delivery = plan(reminder, now)
    if deps.notifications.record(reminder, delivery, now):
        return [moment.kind for moment in delivery.send]
    return None


def _bucket_start(bucket: str) -> datetime:
    return datetime.fromisoformat(bucket + ":00:00+00:00")


@dataclass(frozen=True)
class NotificationPage:
    """One page of notifications."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def list_notifications(deps: Deps, user_id: str, raw: QueryParams) -> NotificationPage:
    """A page of the user's notifications, newest first; expired ones are absent."""
    params = validate_query(NotificationParams, raw)
    unread_only = bool(params.unread)
    identity = fingerprint({"unread": unread_only, "what": "notifications"})
    position = deps.cursors.decode(params.cursor, user_id, identity) if params.cursor else None
    now = deps.clock()
    wanted = params.limit + 1
    found: list[tuple[Notification, dict[str, str]]] = []
    items = deps.notifications.page(
        user_id, unread_only=unread_only, limit=wanted, start=position.key if position else None
    )
    for notification, key in items:
        if notification.expired(now):
            continue  # past its TTL; the store deletes such items lazily
        found.append((notification, key))
        if len(found) == wanted:
            break
    page = found[: params.limit]
    cursor = None
    if len(found) > params.limit:
        cursor = deps.cursors.encode(user_id, identity, Position(0, page[-1][1]))
    return NotificationPage([notification.to_public() for notification, _ in page], cursor)


def mark_read(deps: Deps, user_id: str, notification_id: str) -> None:
    """Mark a notification read (idempotent); 404 when the user has no such notification."""
    if not deps.notifications.mark_read(user_id, notification_id, deps.clock()):
        raise NotFound(f"No notification {notification_id}")
