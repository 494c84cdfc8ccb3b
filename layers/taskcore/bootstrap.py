"""The one place that wires real dependencies; tests pass their own pieces instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from pynamodb.connection import Connection
from ulid import ULID

from taskcore.auth import AccessTokens, PasswordHasher
from taskcore.cache import Cache, RateLimiter, UserCache
from taskcore.clock import Clock, system_clock
from taskcore.config import Settings, get_settings
from taskcore.cursors import CursorCodec
from taskcore.repositories import (
    NotificationRepository,
    SessionRepository,
    TaskRepository,
    UserRepository,
)
from taskcore.repositories.idempotency import IdempotencyRepository
from taskcore.storage import bind


@dataclass
class Deps:
    """Everything a service function needs, built once per process."""

    settings: Settings
    connection: Connection
    users: UserRepository
    tasks: TaskRepository
    sessions: SessionRepository
    notifications: NotificationRepository
    hasher: PasswordHasher
    tokens: AccessTokens
    cursors: CursorCodec
    cache: Cache
    clock: Clock = field(default=system_clock)

    @property
    def user_cache(self) -> UserCache:
        """Per-user cached reads over :attr:`cache`."""
        return UserCache(self.cache)

    @cached_property
    def limiter(self) -> RateLimiter:
        """Rate limits over :attr:`cache`; one per process, so its in-memory fallback
        keeps counting while Redis is down."""
        return RateLimiter(self.cache)

    @cached_property
    def idempotency(self) -> IdempotencyRepository:
        """Idempotency records (in the ``auth`` table)."""
        return IdempotencyRepository(self.connection)

    def new_id(self) -> str:
        """A new time-sortable identifier (ULID) stamped with the injected clock."""
        return str(ULID.from_datetime(self.clock()))


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    cache: Cache | None = None,
) -> Deps:
    """Build the dependencies of this process from its settings; tests may pass a clock
    and a cache of their own."""
    settings = settings or get_settings()
    connection = bind(settings)
    secret = settings.jwt_secret.get_secret_value()
    return Deps(
        settings=settings,
        connection=connection,
        users=UserRepository(connection),
        tasks=TaskRepository(connection),
        sessions=SessionRepository(connection),
        notifications=NotificationRepository(connection),
        hasher=PasswordHasher(settings.bcrypt_cost),
        tokens=AccessTokens(
            secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        ),
        cursors=CursorCodec(secret),
        cache=cache
        or Cache(
            settings.redis_url,
            prefix=settings.redis_key_prefix,
            timeout_seconds=settings.redis_timeout_seconds,
        ),
        clock=clock or system_clock,
    )
