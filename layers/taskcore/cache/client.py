"""A Redis client that fails fast and backs off, so Redis trouble costs speed only.

Every command runs under tight connect and read timeouts. After a failure the client
stops calling Redis for a short back-off, so a dead Redis costs one timeout per back-off
period per process instead of one per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)
T = TypeVar("T")

BACKOFF_SECONDS = 2.0


class Cache:
    """Key-value operations on Redis that return ``None`` (or do nothing) when Redis is
    unavailable, instead of raising."""

    def __init__(
        self,
        url: str | None,
        *,
        prefix: str = "taskapp:",
        timeout_seconds: float = 0.05,
        client: redis.Redis[bytes] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.prefix = prefix
        self._monotonic = monotonic
        self._down_until = 0.0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        if client is not None:
            self._client: redis.Redis[bytes] | None = client
        elif url:
            self._client = redis.Redis.from_url(
                url,
                socket_timeout=timeout_seconds,
                socket_connect_timeout=timeout_seconds,
                retry=Retry(NoBackoff(), 0),
                retry_on_timeout=False,
                health_check_interval=0,
            )
        else:
            self._client = None

    def available(self) -> bool:
        """True when Redis answers a PING now."""
        return bool(self._run(lambda c: c.ping(), force=True))

    def get(self, key: str) -> bytes | None:
        """The value at ``key``, or ``None`` (absent or Redis unavailable)."""
        value = self._run(lambda c: c.get(self.prefix + key))
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def get_many(self, *keys: str) -> list[bytes | None] | None:
        """The values at ``keys`` in one round trip, or ``None`` when Redis is unavailable."""
        values = self._run(lambda c: c.mget([self.prefix + k for k in keys]))
        if values is None:
            return None
        return [value if isinstance(value, bytes) else None for value in values]

    def set(self, key: str, value: bytes | str, ttl_seconds: int) -> None:
        """Store ``value`` for ``ttl_seconds`` (best effort)."""
        self._run(lambda c: c.set(self.prefix + key, value, ex=ttl_seconds))

    def delete(self, *keys: str) -> bool:
        """Remove keys; ``False`` when Redis could not be told."""
        result = self._run(lambda c: c.delete(*(self.prefix + k for k in keys)))
        return result is not None

    def incr(self, key: str, ttl_seconds: int) -> int | None:
        """Increment a counter and (re)set its expiry; ``None`` when Redis is unavailable."""

        def _incr(client: redis.Redis[bytes]) -> int:
            pipe = client.pipeline(transaction=True)
            pipe.incr(self.prefix + key)
            pipe.expire(self.prefix + key, ttl_seconds)
            count, _ = pipe.execute()
            return int(count)

        return self._run(_incr)

    def incr_many(self, keys: list[str], ttl_seconds: int, *, force: bool = False) -> bool:
        """Increment counters (and reset their expiry) in one round trip; ``False`` when
        Redis could not be told. ``force`` tries even during the back-off."""

        def _incr(client: redis.Redis[bytes]) -> bool:
            pipe = client.pipeline(transaction=True)
            for key in keys:
                pipe.incr(self.prefix + key)
                pipe.expire(self.prefix + key, ttl_seconds)
            pipe.execute()
            return True

        return bool(self._run(_incr, force=force))

    def incr_window(self, key: str, window_seconds: int) -> tuple[int, int] | None:
        """Count a hit in a fixed window: ``(count, seconds left)``, or ``None``."""

        def _hit(client: redis.Redis[bytes]) -> tuple[int, int]:
            pipe = client.pipeline(transaction=True)
            pipe.incr(self.prefix + key)
            pipe.expire(self.prefix + key, window_seconds, nx=True)
            pipe.ttl(self.prefix + key)
            count, _, ttl = pipe.execute()
            return int(count), max(int(ttl), 1)

        return self._run(_hit)

    def _run(self, command: Callable[[redis.Redis[bytes]], T], *, force: bool = False) -> T | None:
        client = self._client
        if client is None:
            return None
        if not force and self._monotonic() < self._down_until:
            return None
        try:
            result = command(client)
        except (redis.RedisError, OSError) as exc:
            with self._lock:
                first = self._monotonic() >= self._down_until
                self._down_until = self._monotonic() + BACKOFF_SECONDS
            if first:
                log.warning("redis unavailable; continuing without it", extra={"error": str(exc)})
            return None
        if force:
            self._down_until = 0.0
        return result
