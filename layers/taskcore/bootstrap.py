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
from taskcore.mail import SesMailer, SmtpMailer
from taskcore.repositories import (
    CredentialRepository,
    IdempotencyRepository,
    ListRepository,
    NotificationRepository,
    OutboxRepository,
    SessionRepository,
    TaskRepository,
    UserRepository,
)
from taskcore.secret_parameters import apply_jwt_secret_parameter, apply_redis_auth_secret
from taskcore.services.deps import Deps
from taskcore.services.ports import Mailer
from taskcore.storage import ALL_MODELS, DynamoCallCounter, bind


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once from the environment (on AWS, after fetching
    the JWT secret from its SSM parameter and the Redis AUTH token from its secret)."""
    apply_jwt_secret_parameter()
    apply_redis_auth_secret()
    return Settings()


@dataclass(frozen=True)
class Usage:
    """What this process has asked of its stores so far (counters only grow): the
    difference of two readings is what the work between them cost."""

    dynamodb_calls: int = 0
    cache_hits: int = 0
    cache_misses: int = 0

    def since(self, earlier: Usage) -> Usage:
        """The work done between ``earlier`` and this reading."""
        return Usage(
            self.dynamodb_calls - earlier.dynamodb_calls,
            self.cache_hits - earlier.cache_hits,
            self.cache_misses - earlier.cache_misses,
        )


@dataclass(frozen=True)
class Runtime:
    """The wired services and the infrastructure under them (for probes and tests that
    count or break DynamoDB and Redis calls, and for the metrics of the Lambda entry)."""

    deps: Deps
    connection: Connection
    redis: Cache
    calls: DynamoCallCounter | None = None

    def usage(self) -> Usage:
        """This process's DynamoDB requests (when counted) and cache hits and misses."""
        return Usage(
            dynamodb_calls=self.calls.total if self.calls is not None else 0,
            cache_hits=self.redis.hits,
            cache_misses=self.redis.misses,
        )


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    cache: Cache | None = None,
    count_dynamodb_calls: bool = False,
) -> Runtime:
    """Build this process's adapters from its settings; tests may pass a clock and a
    Redis cache of their own. ``count_dynamodb_calls`` attaches a request counter (for
    metrics), before any DynamoDB client exists."""
    settings = settings or get_settings()
    connection = bind(settings)
    calls = None
    if count_dynamodb_calls:
        calls = DynamoCallCounter()
        calls.attach_before_use(ALL_MODELS, connection)
    redis = cache or Cache(
        settings.redis_connection_url,
        prefix=settings.redis_key_prefix,
        timeout_seconds=settings.redis_timeout_seconds,
    )
    family_lifetime = timedelta(seconds=settings.refresh_token_ttl_seconds)
    deps = Deps(
        settings=settings,
        users=UserRepository(connection),
        tasks=TaskRepository(connection, settings.due_index_shards),
        lists=ListRepository(connection),
        sessions=SessionRepository(connection, family_lifetime),
        notifications=NotificationRepository(connection, settings.due_index_shards),
        idempotency=IdempotencyRepository(connection),
        credentials=CredentialRepository(connection, family_lifetime),
        outbox=OutboxRepository(),
        mailer=mailer(settings),
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
    return Runtime(deps=deps, connection=connection, redis=redis, calls=calls)


def mailer(settings: Settings) -> Mailer:
    """The mail transport the settings name: SES on AWS, SMTP elsewhere."""
    if settings.mail_transport == "ses":
        return SesMailer(
            settings.aws_region,
            sender_address=settings.mail_from_address,
            sender_name=settings.product_name,
        )
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender_address=settings.mail_from_address,
        sender_name=settings.product_name,
        starttls=settings.smtp_starttls,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    cache: Cache | None = None,
) -> Deps:
    """The services' dependencies for this process (see :func:`build`)."""
    return build(settings, clock=clock, cache=cache).deps
