"""The due-date job and the notifications it leaves for users.

The job reads only the tasks whose next notification is due, through the sparse global
index on an hour bucket of that moment; a task leaves the index as soon as it has nothing
pending. Per task it sends everything of the current occurrence that has fallen due (see
:mod:`taskcore.domain.reminders`) and files the next one, in one conditional write;
notification ids derive from task, kind, occurrence and reminder, so nothing is stored
twice however often or concurrently the job runs. Its work therefore grows with the tasks
due, not with the tasks stored. It keeps a watermark (the first hour not yet finished) so
that a job that was not run for a while catches up on every hour it missed; it re-reads
the hour before the watermark too, in case a worker with a slow clock filed a reminder
there late.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from taskcore.clock import sort_key
from taskcore.cursors import Position, fingerprint
from taskcore.domain.notification import Notification
from taskcore.domain.reminders import DueReminder, Kind, hour_buckets, plan
from taskcore.errors import NotFound
from taskcore.schemas import NotificationParams, QueryParams, validate_query
from taskcore.services.deps import Deps

log = logging.getLogger(__name__)


@dataclass
class JobReport:
    """What one run of the job did. ``lag_seconds``: how long after falling due the
    latest-sent notification of the run went out (0 when none was sent)."""

    buckets: list[str] = field(default_factory=list)
    examined: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    lag_seconds: float = 0.0


def run_due_date_job(deps: Deps) -> JobReport:
    """Send every notification that is due now, once."""
    now = deps.clock()
    now_key = sort_key(now)
    repo = deps.notifications
    watermark = repo.watermark()
    # Never start after "now": a job runner whose clock is behind another's still reads
    # the current hour.
    start = min(_bucket_start(watermark) if watermark else now, now) - timedelta(hours=1)
    report = JobReport(buckets=hour_buckets(start, now))
    for bucket in report.buckets:
        for reminder in repo.pending(bucket, now_key):
            report.examined += 1
            kinds = _remind(deps, reminder, now)
            if kinds is None:
                report.skipped += 1
            else:
                report.sent.update(kind.value for kind in kinds)
                lag = (now - reminder.falls_due).total_seconds()
                report.lag_seconds = max(report.lag_seconds, lag)
    repo.set_watermark(now.strftime("%Y-%m-%dT%H"))
    log.info(
        "due-date job",
        extra={
            "examined": report.examined,
            "sent": dict(report.sent),
            "skipped": report.skipped,
            "lag_seconds": round(report.lag_seconds, 3),
        },
    )
    return report


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
