"""Lists of tasks (v1.1): every task is in exactly one list of its owner.

Each account has one Inbox, made at registration; its id is derived from the account's,
so a task stored before lists existed (with no list id) is known to be in the Inbox
without reading anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from taskcore.clock import format_instant
from taskcore.domain.positions import key_between

INBOX_NAME = "Inbox"


def inbox_id(user_id: str) -> str:
    """The id of the user's Inbox."""
    return f"inbox-{user_id.lower()}"


@dataclass(frozen=True)
class TaskList:
    """A list of one user's tasks.

    ``deleting`` marks a list whose cascade delete has begun: it takes no new task, and a
    repeated delete finishes the work (not part of the public list).
    """

    id: str
    user_id: str
    name: str
    position: str
    is_inbox: bool
    created_at: str
    updated_at: str
    version: int
    deleting: bool = False

    def to_public(self) -> dict[str, Any]:
        """The list as the API returns it."""
        return {
            "id": self.id,
            "name": self.name,
            "is_inbox": self.is_inbox,
            "position": self.position,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "version": self.version,
        }

    def to_snapshot(self) -> dict[str, Any]:
        """Everything needed to rebuild the list (caches, idempotent replays)."""
        return {**self.to_public(), "user_id": self.user_id, "deleting": self.deleting}

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> TaskList:
        """The list saved by :meth:`to_snapshot`."""
        return cls(
            id=data["id"],
            user_id=data["user_id"],
            name=data["name"],
            position=data["position"],
            is_inbox=data["is_inbox"],
            created_at=data["created_at"],
            updated_at=data["updated_at"],
            version=data["version"],
            deleting=data.get("deleting", False),
        )

    def changed(self, now: datetime, **fields: Any) -> TaskList:
        """The list with ``fields`` changed, at the next version (``self`` when nothing
        would change)."""
        updated = replace(self, **fields)
        if updated == self:
            return self
        return replace(updated, updated_at=format_instant(now), version=self.version + 1)


def new_list(list_id: str, user_id: str, name: str, position: str, now: datetime) -> TaskList:
    """A list as created."""
    stamp = format_instant(now)
    return TaskList(list_id, user_id, name, position, False, stamp, stamp, 1)


def new_inbox(user_id: str, now: datetime, position: str | None = None) -> TaskList:
    """The user's Inbox (first in the manual order unless a position is given)."""
    stamp = format_instant(now)
    first = position or key_between(None, None)
    return TaskList(inbox_id(user_id), user_id, INBOX_NAME, first, True, stamp, stamp, 1)


def in_order(lists: list[TaskList]) -> list[TaskList]:
    """Lists in manual order (the id breaks ties)."""
    return sorted(lists, key=lambda item: (item.position, item.id))
