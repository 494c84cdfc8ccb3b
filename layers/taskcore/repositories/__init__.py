"""The DynamoDB adapters of the service ports: the only code that knows how records
are laid out in the tables (:mod:`taskcore.storage` holds the table models)."""

from __future__ import annotations

from taskcore.repositories.credentials import CredentialRepository
from taskcore.repositories.idempotency import IdempotencyRepository
from taskcore.repositories.lists import ListRepository
from taskcore.repositories.notifications import NotificationRepository
from taskcore.repositories.outbox import OutboxRepository
from taskcore.repositories.sessions import SessionRepository
from taskcore.repositories.tasks import TaskRepository
from taskcore.repositories.users import UserRepository

__all__ = [
    "CredentialRepository",
    "IdempotencyRepository",
    "ListRepository",
    "NotificationRepository",
    "OutboxRepository",
    "SessionRepository",
    "TaskRepository",
    "UserRepository",
]
