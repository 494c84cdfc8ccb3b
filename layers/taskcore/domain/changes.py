"""Read models of the change history that sync pages through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from taskcore.clock import expired
from taskcore.domain.lists import TaskList
from taskcore.domain.task import Task

# How long deletions are remembered. A sync point older than this may have missed one.
TOMBSTONE_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Tombstone:
    """What is left of a deleted task (or, since v1.1, list): kept for 30 days so offline
    clients learn of it."""

    id: str
    deleted_at: str
    expires_at: datetime | None
    kind: str = "task"  # or "list"

    def expired(self, now: datetime) -> bool:
        """Past its retention (the store deletes expired items lazily)."""
        return expired(self.expires_at, now)

    def to_public(self) -> dict[str, Any]:
        """The change as the API returns it."""
        return {"id": self.id, "deleted": True, "deleted_at": self.deleted_at, "kind": self.kind}


@dataclass(frozen=True)
class Change:
    """One entry of a user's history: the task, list or tombstone at its latest number."""

    seq: int
    entry: Task | TaskList | Tombstone

    def to_public(self) -> dict[str, Any]:
        """The change as sync reports it, with its ``kind``."""
        if isinstance(self.entry, Tombstone):
            return self.entry.to_public()
        kind = "list" if isinstance(self.entry, TaskList) else "task"
        return {**self.entry.to_public(), "kind": kind}
