"""The task entity and the rules for changing it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from taskcore.clock import format_instant, sort_key
from taskcore.domain import positions
from taskcore.domain.due import Due
from taskcore.domain.recurrence import Basis, Recurrence, next_due, wall_time
from taskcore.errors import FieldError, ValidationFailed

# Sorts after every instant key, so tasks without a due date come last in due order.
NO_DUE_KEY = "~"
MAX_REMINDERS = 5
MAX_BEFORE_MINUTES = 40320  # four weeks


class Priority(StrEnum):
    """How urgent a task is."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True)
class Reminder:
    """A reminder the user set: ``before_minutes`` before each occurrence's deadline, or
    once ``at`` an instant (UTC, as :func:`~taskcore.clock.format_instant` writes it)."""

    before_minutes: int | None = None
    at: str | None = None

    @property
    def key(self) -> str:
        """Its identity, and its stored form: what was sent is remembered by it."""
        return f"at:{self.at}" if self.at is not None else f"before:{self.before_minutes}"

    @classmethod
    def from_key(cls, key: str) -> Reminder:
        """The reminder whose :attr:`key` this is."""
        kind, _, value = key.partition(":")
        return cls(at=value) if kind == "at" else cls(before_minutes=int(value))

    def to_public(self) -> dict[str, Any]:
        """As the API returns it."""
        return {"at": self.at} if self.at is not None else {"before_minutes": self.before_minutes}


@dataclass(frozen=True)
class Task:
    """A live task of one user."""

    id: str
    user_id: str
    title: str
    description: str
    due: Due | None
    priority: Priority
    tags: tuple[str, ...]
    completed: bool
    completed_at: str | None
    created_at: str
    updated_at: str
    version: int
    # Lists, subtasks, manual order (v1.1): set by the services' placement rules.
    list_id: str | None = None
    parent_id: str | None = None
    position: str | None = None
    deadline_key: str | None = field(default=None, compare=False)
    # Bookkeeping of the due-date job (not part of the public task).
    reminded_soon_for: str | None = field(default=None, compare=False)
    reminded_overdue_for: str | None = field(default=None, compare=False)
    # v1.1. ``due_tz`` is kept while the task has a due date; ``None`` only on tasks
    # stored before v1.1, which follow their owner's time zone (see :meth:`zone`).
    due_tz: str | None = None
    recurrence: Recurrence | None = None
    reminders: tuple[Reminder, ...] | None = None  # None: the owner's default due_soon
    last_completed_at: str | None = None
    # Bookkeeping of the due-date job: the keys of the reminders already sent (or
    # passed over) for the occurrence due at ``reminders_sent_for``.
    reminders_sent_for: str | None = field(default=None, compare=False)
    reminders_sent: tuple[str, ...] = field(default=(), compare=False)

    def zone(self, owner_timezone: str) -> str:
        """The zone the due date is meant in: the task's own, or for a task stored before
        v1.1 its owner's (so its all-day deadline moves when the owner's zone does)."""
        return self.due_tz or owner_timezone

    @property
    def due_local(self) -> str | None:
        """``due_at`` as wall time in ``due_tz`` (the date of an all-day task); ``None``
        for a dated task from before v1.1, which has no zone of its own."""
        if self.due is None or (self.due_tz is None and not self.due.all_day):
            return None
        return wall_time(self.due, self.due_tz or "UTC")

    def to_public(self) -> dict[str, Any]:
        """The task as the API returns it."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "due_at": self.due.value if self.due else None,
            "all_day": bool(self.due and self.due.all_day),
            "priority": self.priority.value,
            "tags": list(self.tags),
            "completed": self.completed,
            "completed_at": self.completed_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "version": self.version,
            "list_id": self.list_id,
            "parent_id": self.parent_id,
            "position": self.position,
            "due_tz": self.due_tz if self.due else None,
            "due_local": self.due_local,
            "recurrence": self.recurrence.to_public() if self.recurrence else None,
            "reminders": _public_reminders(self.reminders),
            "last_completed_at": self.last_completed_at,
        }

    def to_snapshot(self) -> dict[str, Any]:
        """Everything needed to rebuild the task (for caches)."""
        return {
            **self.to_public(),
            "user_id": self.user_id,
            "deadline_key": self.deadline_key,
            "recurrence_anchor": self.recurrence.anchor if self.recurrence else None,
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Task:
        """The task saved by :meth:`to_snapshot`."""
        due = Due(data["due_at"], all_day=data["all_day"]) if data["due_at"] else None
        return cls(
            id=data["id"],
            user_id=data["user_id"],
            title=data["title"],
            description=data["description"],
            due=due,
            priority=Priority(data["priority"]),
            tags=tuple(data["tags"]),
            completed=data["completed"],
            completed_at=data["completed_at"],
            created_at=data["created_at"],
            updated_at=data["updated_at"],
            version=data["version"],
            deadline_key=data["deadline_key"],
            list_id=data.get("list_id"),
            parent_id=data.get("parent_id"),
            position=data.get("position"),
            # Entries cached before v1.1 lack these.
            due_tz=data.get("due_tz"),
            recurrence=_recurrence(data.get("recurrence"), data.get("recurrence_anchor")),
            reminders=_reminders(data.get("reminders")),
            last_completed_at=data.get("last_completed_at"),
        )

    def index_keys(self, timezone: str) -> dict[str, str]:
        """Sort keys of every list index; see :mod:`taskcore.storage.models`."""
        status = "1" if self.completed else "0"
        due = self.due.sort_key(timezone) if self.due else NO_DUE_KEY
        due_sort = f"{due}|{self.id}"
        return {
            "due_sort": due_sort,
            "status_due": f"{status}|{due_sort}",
            "status_created": f"{status}|{self.id}",
            "updated_sort": f"{self.updated_at_key}|{self.id}",
        }

    @property
    def position_key(self) -> str | None:
        """Sort key of the list's position index (``None`` before the task is placed)."""
        if self.position is None:
            return None
        return positions.sort_key(self.parent_id, self.position, self.id)

    @property
    def updated_at_key(self) -> str:
        """``updated_at`` as a fixed-width sort key."""
        return sort_key(datetime.fromisoformat(self.updated_at))


def _public_reminders(reminders: tuple[Reminder, ...] | None) -> list[dict[str, Any]] | None:
    return None if reminders is None else [reminder.to_public() for reminder in reminders]


def _recurrence(public: dict[str, str] | None, anchor: str | None) -> Recurrence | None:
    return Recurrence(public["rule"], Basis(public["from"]), anchor) if public else None


def _reminders(public: list[dict[str, Any]] | None) -> tuple[Reminder, ...] | None:
    return None if public is None else tuple(Reminder(**reminder) for reminder in public)


@dataclass(frozen=True)
class TaskChanges:
    """A validated partial update; ``None`` fields are left alone (``due`` uses
    ``clear_due``, ``recurrence`` ``clear_recurrence``, ``reminders`` ``default_reminders``)."""

    title: str | None = None
    description: str | None = None
    due: Due | None = None
    clear_due: bool = False
    priority: Priority | None = None
    tags: tuple[str, ...] | None = None
    completed: bool | None = None
    due_tz: str | None = None
    recurrence: Recurrence | None = None  # its anchor is placed by the task
    clear_recurrence: bool = False
    reminders: tuple[Reminder, ...] | None = None
    default_reminders: bool = False


def new_task(
    task_id: str, user_id: str, fields: TaskChanges, now: datetime, *, owner_zone: str = "UTC"
) -> Task:
    """A task as created from validated fields; a due date without a zone is meant in
    ``owner_zone`` (the owner's time zone)."""
    stamp = format_instant(now)
    completed = bool(fields.completed)
    blank = Task(
        id=task_id,
        user_id=user_id,
        title=fields.title or "",
        description=fields.description or "",
        due=None,
        priority=fields.priority or Priority.NORMAL,
        tags=fields.tags or (),
        completed=completed,
        completed_at=stamp if completed else None,
        created_at=stamp,
        updated_at=stamp,
        version=1,
    )
    return _scheduled(blank, fields, owner_zone)


def apply_changes(
    task: Task, changes: TaskChanges, now: datetime, *, owner_zone: str = "UTC"
) -> Task:
    """The task after ``changes``; the same object when nothing would change.

    Completing an open recurring task does not complete it: it moves on to the next
    occurrence (see :func:`advance`), unless the series has ended.
    """
    updated = replace(
        task,
        title=task.title if changes.title is None else changes.title,
        description=task.description if changes.description is None else changes.description,
        priority=changes.priority or task.priority,
        tags=task.tags if changes.tags is None else changes.tags,
    )
    updated = _scheduled(updated, changes, owner_zone)
    if changes.completed is not None and changes.completed != task.completed:
        if changes.completed and updated.recurrence is not None:
            updated = advance(updated, now)
        else:
            updated = replace(
                updated,
                completed=changes.completed,
                completed_at=format_instant(now) if changes.completed else None,
            )
    if updated == task:
        return task
    return replace(updated, updated_at=format_instant(now), version=task.version + 1)


def advance(task: Task, now: datetime) -> Task:
    """A recurring task completed at ``now``: due at its next occurrence and still open,
    or completed for good when the series has ended."""
    assert task.recurrence is not None and task.due is not None  # _scheduled ensures it
    stamp = format_instant(now)
    following = next_due(task.recurrence, task.due, task.zone("UTC"), now)
    if following is None:
        return replace(task, completed=True, completed_at=stamp, last_completed_at=stamp)
    return replace(task, due=following, last_completed_at=stamp)


def _scheduled(task: Task, changes: TaskChanges, owner_zone: str) -> Task:
    """``task`` with the due date, zone, recurrence and reminders of ``changes``.

    A due date is meant in ``due_tz``: the one given, else the task's, else the owner's
    zone; a task from before v1.1 keeps following its owner's zone until it is re-dated
    or made recurring. A new rule, a new due date or a new zone restarts the series at
    the due date (its anchor).
    """
    due = None if changes.clear_due else (changes.due or task.due)
    if due is None:
        if changes.due_tz is not None or (changes.recurrence and not changes.clear_recurrence):
            field_name = "due_tz" if changes.due_tz is not None else "recurrence"
            raise ValidationFailed([FieldError(field_name, "needs a due date (due_at)")])
        recurrence = None if changes.clear_recurrence else task.recurrence
        if recurrence is not None:
            raise ValidationFailed([FieldError("due_at", "a recurring task needs a due date")])
        return replace(
            task, due=None, due_tz=None, recurrence=None, reminders=_reminders_after(task, changes)
        )
    recurrence = task.recurrence
    if changes.clear_recurrence:
        recurrence = None
    elif changes.recurrence is not None and not changes.recurrence.same_rule(recurrence):
        recurrence = changes.recurrence
    zone = changes.due_tz or task.due_tz
    if zone is None and (due != task.due or recurrence is not None):
        zone = owner_zone
    if recurrence is not None and (
        recurrence.anchor is None or due != task.due or zone != task.due_tz
    ):
        recurrence = replace(recurrence, anchor=wall_time(due, zone or owner_zone))
    scheduled = replace(
        task,
        due=due,
        due_tz=zone,
        recurrence=recurrence,
        reminders=_reminders_after(task, changes),
    )
    return _keeping_sent_moments(task, scheduled)


def _keeping_sent_moments(before: Task, after: Task) -> Task:
    """A re-dated task keeps its ``at`` reminders that were sent: an absolute moment does
    not move with the due date, so it is not sent a second time (lead-time reminders
    move with it, and are armed again for the new due date)."""
    if before.due is None or after.due is None or after.due == before.due:
        return after
    if before.reminders_sent_for != before.due.value or not after.reminders:
        return after
    fixed = {reminder.key for reminder in after.reminders if reminder.at is not None}
    kept = tuple(key for key in before.reminders_sent if key in fixed)
    return replace(after, reminders_sent_for=after.due.value, reminders_sent=kept)


def _reminders_after(task: Task, changes: TaskChanges) -> tuple[Reminder, ...] | None:
    if changes.default_reminders:
        return None
    return task.reminders if changes.reminders is None else changes.reminders
