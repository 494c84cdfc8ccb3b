"""Cache-aside entries of one user's reads, invalidated by a generation counter.

Every entry is stored with the user's generation at the time it was read. A successful
write bumps the generation, so the next read by any worker finds an entry of an older
generation, ignores it, and reads DynamoDB (consistently): read-your-writes holds without
deleting entries one by one. A reader that raced a write may store a stale entry, but
marked with the old generation, which no reader accepts. The generation and the entry
come back in one round trip.

A write whose bump cannot reach Redis (down, stalled, or skipped during the client's
back-off) must not be hidden by the older entries once Redis answers again, in this
worker or any other. So the bump is retried at once (one more timeout at most); if Redis
is still away, the user becomes *pending* in this process:

* this process serves and stores nothing from the cache for a pending user, so its own
  readers never see an older entry;
* the bump is retried before this process's next cache operation and by a background
  thread every :data:`RETRY_INTERVAL_SECONDS`, until it lands; other workers accept the
  older entries only until then (SECURITY.md states the window);
* pending bumps are never dropped: a command sent to a stalled Redis may still run when
  it resumes (a late ``SET`` of an entry read before the write), and only a later bump
  makes it harmless. Past :data:`MAX_PENDING_USERS` pending users, the process bumps one
  global epoch instead (part of every entry's generation), which invalidates every user.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from taskcore.cache.client import Cache
from taskcore.services.ports import SessionMemory

ENTRY_TTL_SECONDS = 60
GENERATION_TTL_SECONDS = 24 * 3600  # far longer than any entry: an expired counter
# restarts at 1, and entries of an earlier generation 1 are long gone by then.
SESSION_TTL_SECONDS = 30
RETRY_INTERVAL_SECONDS = 0.1
MAX_PENDING_USERS = 10_000
EPOCH_KEY = "gen-epoch"


class UserCache:
    """Per-user cached reads on top of :class:`Cache` (the services'
    :class:`~taskcore.services.ports.Cache`). One per process: it holds the process's
    pending bumps."""

    def __init__(
        self,
        cache: Cache,
        *,
        retry_interval_seconds: float = RETRY_INTERVAL_SECONDS,
        max_pending_users: int = MAX_PENDING_USERS,
    ) -> None:
        self.cache = cache
        self._retry_interval = retry_interval_seconds
        self._max_pending = max_pending_users
        self._lock = threading.Lock()
        # user -> failed bumps so far (a flush forgets a user only if none failed since)
        self._pending: dict[str, int] = {}
        # Too many pending users: failed bumps are counted against the global epoch.
        self._epoch_wanted = 0
        self._epoch_sent = 0
        self._retrier: threading.Thread | None = None

    def available(self) -> bool:
        """Whether Redis answers now."""
        return self.cache.available()

    def bump(self, user_id: str) -> None:
        """Invalidate everything cached for the user (call after each successful write).

        When Redis cannot be told, the user's cache stays off in this process and the
        bump is retried until it lands (see the module's docstring)."""
        key = [f"gen:{user_id}"]
        if self.cache.incr_many(key, GENERATION_TTL_SECONDS):
            return
        if self.cache.incr_many(key, GENERATION_TTL_SECONDS, force=True):
            return
        with self._lock:
            if self._epoch_wanted > self._epoch_sent or len(self._pending) >= self._max_pending:
                self._pending.clear()
                self._epoch_wanted += 1
            else:
                self._pending[user_id] = self._pending.get(user_id, 0) + 1
            if self._retrier is None or not self._retrier.is_alive():  # (none after a fork)
                self._retrier = threading.Thread(
                    target=self._retry_until_done, name="cache-bump-retry", daemon=True
                )
                self._retrier.start()

    def pending(self) -> bool:
        """Whether a bump of this process has not reached Redis yet."""
        with self._lock:
            return self._has_pending()

    def _has_pending(self) -> bool:
        return bool(self._pending) or self._epoch_wanted > self._epoch_sent

    def lookup(self, user_id: str, name: str) -> tuple[str | None, Any]:
        """``(generation, value)``: the user's current generation (``None`` when Redis is
        unavailable or a bump of the user is pending) and the JSON entry ``name`` if it
        belongs to that generation."""
        generation, text = self.lookup_text(user_id, name)
        return generation, json.loads(text) if text is not None else None

    def lookup_text(self, user_id: str, name: str) -> tuple[str | None, str | None]:
        """Like :meth:`lookup`, for an entry stored as text."""
        if self.pending() and not self._flush(force=False):
            with self._lock:
                if self._epoch_wanted > self._epoch_sent or user_id in self._pending:
                    return None, None  # an entry may predate the unannounced write
        values = self.cache.get_many(EPOCH_KEY, f"gen:{user_id}", f"u:{user_id}:{name}")
        if values is None:
            return None, None
        raw_epoch, raw_generation, raw_entry = values
        generation = f"{_counter(raw_epoch)}.{_counter(raw_generation)}"
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

    def _flush(self, *, force: bool) -> bool:
        """Send the pending bumps; whether none is left."""
        with self._lock:
            users = dict(self._pending)
            epoch = self._epoch_wanted
            epoch_due = epoch > self._epoch_sent
        if not users and not epoch_due:
            return True
        keys = [f"gen:{user}" for user in sorted(users)] + ([EPOCH_KEY] if epoch_due else [])
        if not self.cache.incr_many(keys, GENERATION_TTL_SECONDS, force=force):
            return False
        with self._lock:
            for user, failures in users.items():
                if self._pending.get(user) == failures:
                    del self._pending[user]
            self._epoch_sent = max(self._epoch_sent, epoch)
            return not self._has_pending()

    def _retry_until_done(self) -> None:
        while True:
            time.sleep(self._retry_interval)
            self._flush(force=True)
            with self._lock:  # a bump failing meanwhile finds this thread still running
                if not self._has_pending():
                    self._retrier = None
                    return

    # A family's "live" mark holds the user's session generation when it was made, so
    # that ending all of a user's sessions (one INCR) unmarks every family at once. The
    # generation stored is the one read *before* the store was checked: an end of all
    # sessions that lands between that check and the mark bumps the generation past it,
    # so the mark of a session ended meanwhile never counts.
    def session_live(self, user_id: str, family_id: str) -> SessionMemory:
        """Whether a recent check found the user's refresh family live, and the user's
        session generation read with it (one round trip)."""
        values = self.cache.get_many(f"sgen:{user_id}", f"fam:{family_id}")
        if values is None:
            return SessionMemory(live=False, generation=None)
        generation = _counter(values[0])
        live = values[1] is not None and values[1].decode() == generation
        if live:
            self.cache.hits += 1
        else:
            self.cache.misses += 1
        return SessionMemory(live=live, generation=generation)

    def remember_session_live(self, user_id: str, family_id: str, generation: str) -> None:
        """Remember for a few seconds that the family is live, as of ``generation``."""
        self.cache.set(f"fam:{family_id}", generation, SESSION_TTL_SECONDS)

    def forget_sessions(self, user_id: str) -> None:
        """Drop the memory of every family of the user at once."""
        self.cache.incr(f"sgen:{user_id}", GENERATION_TTL_SECONDS)

    def forget_session(self, family_id: str) -> None:
        """Drop the memory of a family (on revocation, before answering)."""
        self.cache.delete(f"fam:{family_id}")


def _counter(raw: bytes | None) -> str:
    return raw.decode() if raw is not None else "0"
