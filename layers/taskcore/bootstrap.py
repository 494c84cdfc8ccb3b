"""The top floor: the one place that builds the real adapters and wires the services.

Nothing in the core imports this module; the entry points (the Chalice app, the admin
command, the scheduler) call :func:`bootstrap` once per process. Tests either call it
with pieces of their own (a clock, a cache) or skip it and build a
:class:`~taskcore.services.deps.Deps` from in-memory fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from pynamodb.connection import Connection

from taskcore.auth import AccessTokens, PasswordHasher
from taskcore.cache import Cache, RateLimiter, UserCache
from taskcore.clock import Clock, system_clock
from taskcore.config import Settings
from taskcore.cursors import CursorCodec
from taskcore.repositories import (
    IdempotencyRepository,
    ListRepository,
    NotificationRepository,
    SessionRepository,
    TaskRepository,
    UserRepository,
)
from taskcore.secret_parameters import apply_jwt_secret_parameter
from taskcore.services.deps import Deps
from taskcore.storage import bind


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once from the environment (on AWS, after fetching
    the JWT secret from its SSM parameter)."""
    apply_jwt_secret_parameter()
    return Settings()


@dataclass(frozen=True)
class Runtime:
    """The wired services and the infrastructure under them (for probes and tests that
    count or break DynamoDB and Redis calls)."""

    deps: Deps
    connection: Connection
    redis: Cache


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    cache: Cache | None = None,
) -> Runtime:
    """Build this process's adapters from its settings; tests may pass a clock and a
    Redis cache of their own."""
    settings = settings or get_settings()
    connection = bind(settings)
    redis = cache or Cache(
        settings.redis_url,
        prefix=settings.redis_key_prefix,
        timeout_seconds=settings.redis_timeout_seconds,
    )
    deps = Deps(
        settings=settings,
        users=UserRepository(connection),
        tasks=TaskRepository(connection),
        lists=ListRepository(connection),
        sessions=SessionRepository(
            connection, timedelta(seconds=settings.refresh_token_ttl_seconds)
        ),
        notifications=NotificationRepository(connection),
        idempotency=IdempotencyRepository(connection),
        cache=UserCache(redis),
        # One per process, so its in-memory fallback keeps counting while Redis is down.
        limiter=RateLimiter(redis),
        hasher=PasswordHasher(settings.bcrypt_cost),
        tokens=AccessTokens(
            settings.signing_keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        ),
        cursors=CursorCodec(settings.cursor_key),
        clock=clock or system_clock,
    )
    return Runtime(deps=deps, connection=connection, redis=redis)


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    cache: Cache | None = None,
) -> Deps:
    """The services' dependencies for this process (see :func:`build`)."""
    return build(settings, clock=clock, cache=cache).deps
