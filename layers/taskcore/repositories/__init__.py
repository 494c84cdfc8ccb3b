"""Repositories: the only code that knows how records are laid out in DynamoDB."""

from __future__ import annotations

from taskcore.repositories.notifications import NotificationRepository
from taskcore.repositories.sessions import SessionRepository
from taskcore.repositories.tasks import TaskRepository
from taskcore.repositories.users import UserRecord, UserRepository

__all__ = [
    "NotificationRepository",
    "SessionRepository",
    "TaskRepository",
    "UserRecord",
    "UserRepository",
]
