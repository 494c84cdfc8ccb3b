"""What a service function is given: the ports, the pure helpers, the settings.

Built by :func:`taskcore.bootstrap.bootstrap` from the real adapters, or by a test from
fakes (``tests/fakes.py``). Services depend on this class and on
:mod:`taskcore.services.ports` only, never on how the ports are implemented.
"""

from __future__ import annotations

from dataclasses import dataclass

from ulid import ULID

from taskcore.auth import AccessTokens, PasswordHasher
from taskcore.config import Settings
from taskcore.cursors import CursorCodec
from taskcore.services.ports import (
    Cache,
    Clock,
    CredentialStore,
    IdempotencyStore,
    Limiter,
    ListStore,
    Mailer,
    NotificationStore,
    Outbox,
    SessionStore,
    TaskStore,
    UserStore,
)


@dataclass
class Deps:
    """Everything a service function needs, built once per process."""

    settings: Settings
    users: UserStore
    tasks: TaskStore
    lists: ListStore
    sessions: SessionStore
    notifications: NotificationStore
    idempotency: IdempotencyStore
    credentials: CredentialStore
    outbox: Outbox
    mailer: Mailer
    cache: Cache
    limiter: Limiter
    hasher: PasswordHasher
    tokens: AccessTokens
    cursors: CursorCodec
    clock: Clock

    def new_id(self) -> str:
        """A new time-sortable identifier (ULID) stamped with the injected clock."""
        return str(ULID.from_datetime(self.clock()))
