"""Cache-aside entries of one user's reads, invalidated by a generation counter.

Every entry is stored with the user's generation at the time it was read. A successful
write bumps the generation, so the next read by any worker finds an entry of an older
generation, ignores it, and reads DynamoDB (consistently): read-your-writes holds without
deleting entries one by one. A reader that raced a write may store a stale entry, but
marked with the old generation, which no reader accepts. The generation and the entry
come back in one round trip.
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
    """Per-user cached reads on top of :class:`Cache` (the services'
    :class:`~taskcore.services.ports.Cache`)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def available(self) -> bool:
        """Whether Redis answers now."""
        return self.cache.available()

    def bump(self, user_id: str) -> None:
        """Invalidate everything cached for the user (call after each successful write)."""
        self.cache.incr(f"gen:{user_id}", GENERATION_TTL_SECONDS)

    def lookup(self, user_id: str, name: str) -> tuple[str | None, Any]:
        """``(generation, value)``: the user's current generation (``None`` when Redis is
        unavailable) and the JSON entry ``name`` if it belongs to that generation."""
        generation, text = self.lookup_text(user_id, name)
        return generation, json.loads(text) if text is not None else None

    def lookup_text(self, user_id: str, name: str) -> tuple[str | None, str | None]:
        """Like :meth:`lookup`, for an entry stored as text."""
        values = self.cache.get_many(f"gen:{user_id}", f"u:{user_id}:{name}")
        if values is None:
            return None, None
        raw_generation, raw_entry = values
        generation = raw_generation.decode() if raw_generation is not None else "0"
        stored_generation, _, payload = (raw_entry or b"").partition(b"|")
        if raw_entry is None or stored_generation.decode() != generation:
            self.cache.misses += 1
            return generation, None
        self.cache.hits += 1
        return generation, payload.decode()

    def store(self, user_id: str, generation: str, name: str, value: Any) -> None:
        """Cache a JSON value read at ``generation``."""
        self.store_text(user_id, generation, name, json.dumps(value, separators=(",", ":")))

    def store_text(self, user_id: str, generation: str, name: str, text: str) -> None:
        """Cache text read at ``generation``."""
        self.cache.set(f"u:{user_id}:{name}", f"{generation}|{text}", ENTRY_TTL_SECONDS)

    # A family's "live" mark holds the user's session generation when it was made, so
    # that ending all of a user's sessions (one INCR) unmarks every family at once.

    def session_live(self, user_id: str, family_id: str) -> bool:
        """True when a recent check found the user's refresh family live."""
        values = self.cache.get_many(f"sgen:{user_id}", f"fam:{family_id}")
        if values is None or values[1] is None:
            return False
        return values[1] == (values[0] or b"0")

    def remember_session_live(self, user_id: str, family_id: str) -> None:
        """Remember for a few seconds that the family is live."""
        values = self.cache.get_many(f"sgen:{user_id}")
        if values is None:
            return
        generation = (values[0] or b"0").decode()
        self.cache.set(f"fam:{family_id}", generation, SESSION_TTL_SECONDS)

    def forget_sessions(self, user_id: str) -> None:
        """Drop the memory of every family of the user at once."""
        self.cache.incr(f"sgen:{user_id}", GENERATION_TTL_SECONDS)

    def forget_session(self, family_id: str) -> None:
        """Drop the memory of a family (on revocation, before answering)."""
        self.cache.delete(f"fam:{family_id}")
