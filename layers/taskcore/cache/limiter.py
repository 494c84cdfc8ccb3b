"""Fixed-window rate limiting: counted in Redis, or in process memory without it.

Redis makes a limit hold across every worker. When Redis is down (or not configured)
each worker counts on its own, so N workers allow at most N times the limit instead of
no limit at all: a degraded but still bounded defence, which is what a brute-force
limit must never stop being.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable

from taskcore.cache.client import Cache
from taskcore.errors import RateLimited
from taskcore.services.ports import Limit


class LocalWindows:
    """Fixed-window counters in this process, bounded in memory.

    Beyond ``max_keys`` live windows the oldest are dropped: an attacker who sprays
    subjects to grow the table can weaken the fallback, never exhaust the worker's memory.
    """

    def __init__(
        self, *, max_keys: int = 10_000, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_keys = max_keys
        self._monotonic = monotonic
        self._lock = threading.Lock()
        # key -> (window start, hits, window length); insertion order is age order.
        self._windows: dict[str, tuple[float, int, int]] = {}

    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Count a hit: ``(hits in the current window, whole seconds until it ends)``."""
        with self._lock:
            now = self._monotonic()
            start, hits, _ = self._windows.get(key, (now, 0, window_seconds))
            if now - start >= window_seconds:
                self._windows.pop(key, None)  # a new window goes to the young end
                start, hits = now, 0
            self._windows[key] = (start, hits + 1, window_seconds)
            if len(self._windows) > self._max_keys:
                self._prune(now)
            return hits + 1, max(1, math.ceil(start + window_seconds - now))

    def reset(self, key: str) -> None:
        """Forget a subject's window."""
        with self._lock:
            self._windows.pop(key, None)

    def __len__(self) -> int:
        return len(self._windows)

    def _prune(self, now: float) -> None:
        live = {k: w for k, w in self._windows.items() if now - w[0] < w[2]}
        excess = len(live) - self._max_keys
        for key in list(live)[: max(excess, 0)]:
            del live[key]
        self._windows = live


class RateLimiter:
    """Counts hits per (limit, subject) and refuses those over the limit (the
    :class:`~taskcore.services.ports.Limiter` of the services)."""

    def __init__(self, cache: Cache, local: LocalWindows | None = None) -> None:
        self._cache = cache
        self._local = local or LocalWindows()

    def hit(self, limit: Limit, subject: str) -> None:
        """Count one hit; :class:`RateLimited` (with the seconds left) when over the limit."""
        key = _key(limit, subject)
        counted = self._cache.incr_window(key, limit.window_seconds)
        if counted is None:  # Redis unavailable: this worker's own count still limits
            counted = self._local.hit(key, limit.window_seconds)
        hits, seconds_left = counted
        if hits > limit.max_hits:
            raise RateLimited(seconds_left, "Too many attempts; retry later")

    def reset(self, limit: Limit, subject: str) -> None:
        """Start the subject's count over (e.g. after a successful login)."""
        key = _key(limit, subject)
        self._cache.delete(key)
        self._local.reset(key)


def _key(limit: Limit, subject: str) -> str:
    # Hashed: e-mail addresses and client addresses stay out of Redis, and a hostile
    # subject cannot produce an unbounded key.
    digest = hashlib.sha256(subject.encode("utf-8")).hexdigest()[:32]
    return f"rl:{limit.name}:{digest}"
