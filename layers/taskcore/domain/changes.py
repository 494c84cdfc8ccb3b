"""Read models of the change history that sync pages through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from taskcore.clock import expired
from taskcore.domain.task import Task

# How long deletions are remembered. A sync point older than this may have missed one.
TOMBSTONE_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Tombstone:
    """What is left of a deleted task: kept for 30 days so offline clients learn of it."""

    id: str
    deleted_at: str
    expires_at: datetime | None

    def expired(self, now: datetime) -> bool:
        """Past its retention (the store deletes expired items lazily)."""
        return expired(self.expires_at, now)

    def to_public(self) -> dict[str, Any]:
        """The change as the API returns it."""
        return {"id": self.id, "deleted": True, "deleted_at": self.deleted_at}


@dataclass(frozen=True)
class Change:
    """One entry of a user's history: the task (or tombstone) at its latest number."""

    seq: int
    entry: Task | Tombstone
