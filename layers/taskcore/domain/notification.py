"""The notification read model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from taskcore.clock import expired


@dataclass(frozen=True)
class Notification:
    """A notification the due-date job left for a user."""

    id: str
    kind: str
    task_id: str
    task_title: str
    due_at: str | None
    created_at: str
    read: bool
    expires_at: datetime | None
    occurrence_due_at: str | None = None  # v1.1; the due_at of older notifications
    remind_at: str | None = None  # v1.1: when a due_soon or reminder was meant for

    def expired(self, now: datetime) -> bool:
        """Past its retention (the store deletes expired items lazily)."""
        return expired(self.expires_at, now)

    def to_public(self) -> dict[str, Any]:
        """The notification as the API returns it."""
        return {
            "id": self.id,
            "type": self.kind,
            "task_id": self.task_id,
            "task_title": self.task_title,
            "due_at": self.due_at,
            "occurrence_due_at": self.occurrence_due_at or self.due_at,
            "remind_at": self.remind_at,
            "created_at": self.created_at,
            "read": self.read,
        }
