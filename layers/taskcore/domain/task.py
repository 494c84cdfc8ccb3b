"""The task entity and the rules for changing it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from taskcore.clock import format_instant, sort_key
from taskcore.domain import positions
from taskcore.domain.due import Due

# Sorts after every instant key, so tasks without a due date come last in due order.
NO_DUE_KEY = "~"


class Priority(StrEnum):
    """How urgent a task is."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


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
        }

    def to_snapshot(self) -> dict[str, Any]:
        """Everything needed to rebuild the task (for caches)."""
        return {**self.to_public(), "user_id": self.user_id, "deadline_key": self.deadline_key}

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


@dataclass(frozen=True)
class TaskChanges:
    """A validated partial update; ``None`` fields are left alone (``due`` uses ``clear_due``)."""

    title: str | None = None
    description: str | None = None
    due: Due | None = None
    clear_due: bool = False
    priority: Priority | None = None
    tags: tuple[str, ...] | None = None
    completed: bool | None = None


def new_task(task_id: str, user_id: str, fields: TaskChanges, now: datetime) -> Task:
    """A task as created from validated fields."""
    stamp = format_instant(now)
    completed = bool(fields.completed)
    return Task(
        id=task_id,
        user_id=user_id,
        title=fields.title or "",
        description=fields.description or "",
        due=None if fields.clear_due else fields.due,
        priority=fields.priority or Priority.NORMAL,
        tags=fields.tags or (),
        completed=completed,
        completed_at=stamp if completed else None,
        created_at=stamp,
        updated_at=stamp,
        version=1,
    )


def apply_changes(task: Task, changes: TaskChanges, now: datetime) -> Task:
    """The task after ``changes``; the same object when nothing would change."""
    updated = replace(
        task,
        title=task.title if changes.title is None else changes.title,
        description=task.description if changes.description is None else changes.description,
        due=None if changes.clear_due else (changes.due or task.due),
        priority=changes.priority or task.priority,
        tags=task.tags if changes.tags is None else changes.tags,
    )
    if changes.completed is not None and changes.completed != task.completed:
        updated = replace(
            updated,
            completed=changes.completed,
            completed_at=format_instant(now) if changes.completed else None,
        )
    if updated == task:
        return task
    return replace(updated, updated_at=format_instant(now), version=task.version + 1)
