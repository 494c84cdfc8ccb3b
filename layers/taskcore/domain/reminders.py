"""When a task's next due-date notification falls, and which one it is.

Each open, dated task has at most one pending notification at a time: ``due_soon`` at its
deadline minus the owner's lead time, then ``overdue`` just after the deadline. What was
sent is remembered per due date, so re-dating re-arms both and reopening repeats neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from taskcore.clock import sort_key
from taskcore.domain.task import Task

_ONE_MS = timedelta(milliseconds=1)


class Kind(StrEnum):
    """The two kinds of notification."""

    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Pending:
    """The next notification of a task: its kind and the moment it becomes due."""

    kind: Kind
    at: datetime

    def bucket(self, now: datetime) -> str:
        """The hour bucket the due-date job looks in. A moment already past goes into the
        current hour, which the job has not finished with yet."""
        return max(self.at, now).strftime("%Y-%m-%dT%H")

    def index_key(self, task: Task) -> str:
        """Range key in the job's index: the moment, then the task (for a stable order)."""
        return self.index_key_for(task.user_id, task.id)

    def index_key_for(self, user_id: str, task_id: str) -> str:
        """:meth:`index_key` from the ids alone."""
        return f"{sort_key(self.at)}|{user_id}|{task_id}"


@dataclass(frozen=True)
class DueReminder:
    """A task whose next notification is due, as the due-date job reads it.

    ``index_key`` identifies the notification the task is waiting for; recording it is
    conditioned on the task still waiting for exactly that one (and on ``version``).
    """

    user_id: str
    task_id: str
    title: str
    due_at: str
    deadline: datetime
    kind: Kind
    version: int
    index_key: str

    @property
    def falls_due(self) -> datetime:
        """The moment the notification became due: the index key starts with it."""
        return datetime.fromisoformat(self.index_key.split("|", 1)[0])


def next_reminder(task: Task, deadline: datetime | None, lead_minutes: int) -> Pending | None:
    """The notification ``task`` is waiting for, if any."""
    if task.completed or task.due is None or deadline is None:
        return None
    due = task.due.value
    if task.reminded_overdue_for == due:
        return None
    if task.reminded_soon_for != due and lead_minutes > 0:
        return Pending(Kind.DUE_SOON, deadline - timedelta(minutes=lead_minutes))
    return Pending(Kind.OVERDUE, deadline + _ONE_MS)


def hour_buckets(start: datetime, end: datetime) -> list[str]:
    """Every hour bucket from ``start``'s to ``end``'s, inclusive."""
    hour = start.replace(minute=0, second=0, microsecond=0)
    buckets = []
    while hour <= end:
        buckets.append(hour.strftime("%Y-%m-%dT%H"))
        hour += timedelta(hours=1)
    return buckets
