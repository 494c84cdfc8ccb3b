"""Cache-aside entries of one user's reads, invalidated by a generation counter.

Every key embeds the user's current generation. A successful write bumps it, so the
next read by any worker looks under a new key, misses, and reads DynamoDB (consistently):
read-your-writes holds without deleting entries one by one. A reader that raced a write
may store a stale entry, but only under the old generation, which nobody reads again.
"""

from __future__ import annotations

import json
from typing import Any

from taskcore.cache.client import Cache

ENTRY_TTL_SECONDS = 60
GENERATION_TTL_SECONDS = 24 * 3600  # far longer than any entry: an expired counter
# restarts at 1, and entries of an earlier generation 1 are long gone by then.
SESSION_TTL_SECONDS = 30


class UserCache:
    """Per-user cached reads on top of :class:`Cache`."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def generation(self, user_id: str) -> str | None:
        """The user's current generation, or ``None`` when Redis is unavailable."""
        # Absent (never written, or expired) reads as generation "0" until the next write.
        raw = self.cache.get_or(f"gen:{user_id}", missing=b"0")
        return raw.decode() if raw is not None else None

    def bump(self, user_id: str) -> None:
        """Invalidate everything cached for the user (call after each successful write)."""
        self.cache.incr(f"gen:{user_id}", GENERATION_TTL_SECONDS)

    def get_json(self, user_id: str, generation: str, name: str) -> Any:
        """A cached JSON value of this generation, or ``None``."""
        raw = self.cache.get(f"u:{user_id}:{generation}:{name}")
        return json.loads(raw) if raw is not None else None

    def put_json(self, user_id: str, generation: str, name: str, value: Any) -> None:
        """Cache a JSON value under this generation."""
        payload = json.dumps(value, separators=(",", ":"))
        self.cache.set(f"u:{user_id}:{generation}:{name}", payload, ENTRY_TTL_SECONDS)

    def session_live(self, family_id: str) -> bool:
        """True when a recent check found the refresh family live."""
        return self.cache.get(f"fam:{family_id}") == b"live"

    def remember_session_live(self, family_id: str) -> None:
        """Remember for a few seconds that the family is live."""
        self.cache.set(f"fam:{family_id}", "live", SESSION_TTL_SECONDS)

    def forget_session(self, family_id: str) -> None:
        """Drop the memory of a family (on revocation, before answering)."""
        self.cache.delete(f"fam:{family_id}")
