"""``Idempotency-Key``: a retried request takes effect once and gets the first result.

How one key is served:

1. Claim it with a conditional write that stores the request's fingerprint and a
   freshly reserved resource id, under a short lease (:data:`LEASE`).
2. Run the operation with the reserved id, then store its result for 24 hours.
3. A retry finds the stored result and replays it; the same key with another request
   is 409.

The result is the operation's domain result as JSON (a created task's snapshot), not
an HTTP reply: the entry point shapes a replay exactly as it shaped the first reply.

A duplicate that arrives while the first is still running polls briefly
(:data:`WAITS`, under two seconds in all) and replays the result once it is stored; if
the first is still running after that it gets 409 "in progress", which a client treats
like any other 409 of this header: retry later with the same key. Polling rather than
failing at once keeps the common case (a client retrying after its own timeout) a
plain success.

If the first request fails, or its worker dies, the lease ends (at once, or after
:data:`LEASE`) and the next request with the key takes over. It reuses the reserved
id, and creating a resource whose id already exists returns the existing one, so a
crash between "created" and "result stored" still yields exactly one resource.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from taskcore.errors import BadRequest, Conflict, DomainError
from taskcore.services.deps import Deps
from taskcore.services.ports import IdempotencyRecord

RETENTION = timedelta(hours=24)
# Longer than any request may run (API Gateway gives up after 29 s).
LEASE = timedelta(seconds=30)
# Pauses between looks at a key another request holds.
WAITS = (0.02, 0.04, 0.08, 0.16, 0.32, 0.64)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, like a UUID or a ULID

Result = dict[str, Any]
Perform = Callable[[str], Result]


@dataclass(frozen=True)
class Outcome:
    """The operation's result, and whether it is a replay of an earlier one."""

    result: Result
    replayed: bool


def fingerprint(operation: str, body: Any) -> str:
    """A digest of the request that ignores key order and whitespace in the JSON."""
    # ASCII-escaped, so any decoded JSON (even a lone surrogate) hashes without error.
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{operation}\n{canonical}".encode()).hexdigest()


def once(deps: Deps, user_id: str, key: str, request_hash: str, perform: Perform) -> Outcome:
    """Run ``perform(reserved_id)`` at most once per (user, key) within 24 hours.

    :class:`BadRequest` for a malformed key; :class:`Conflict` when the key was used
    for another request, or its first request is still running after the wait.
    """
    if not _KEY.match(key):
        raise BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters", code="malformed_request"
        )
    mine = IdempotencyRecord(request_hash, deps.new_id(), result=None)
    found: IdempotencyRecord | None = None
    for attempt, pause in enumerate((0.0, *WAITS)):
        if attempt:
            time.sleep(pause)
            found = deps.idempotency.get(user_id, key, deps.clock())
        if attempt == 0 or found is None:  # first look, or the holder gave the key up
            now = deps.clock()
            claim = deps.idempotency.claim(user_id, key, mine, now, now + LEASE)
            if claim.won:
                return _first(deps, user_id, key, mine, claim.found, perform)
            found = claim.found
        if found is None:
            continue  # gone between the failed claim and now: look again after a pause
        if found.request_hash != request_hash:
            raise Conflict(
                "This Idempotency-Key was used with a different request",
                code="idempotency_key_reused",
            )
        if found.result is not None:
            return Outcome(found.result, replayed=True)
    raise Conflict("A request with this Idempotency-Key is still in progress; retry later")


def _first(
    deps: Deps,
    user_id: str,
    key: str,
    mine: IdempotencyRecord,
    replaced: IdempotencyRecord | None,
    perform: Perform,
) -> Outcome:
    record = mine
    if (
        replaced is not None
        and replaced.result is None
        and replaced.request_hash == mine.request_hash
    ):
        # Taking over from an attempt that never stored its reply: it may have created
        # the resource, so keep its id, and record that before doing anything.
        record = IdempotencyRecord(mine.request_hash, replaced.resource_id, result=None)
        now = deps.clock()
        deps.idempotency.put(user_id, key, record, now, now + LEASE)
    try:
        result = perform(record.resource_id)
        now = deps.clock()
        done = IdempotencyRecord(record.request_hash, record.resource_id, result)
        deps.idempotency.put(user_id, key, done, now, now + RETENTION)
    except Exception:
        # Give the key up at once (keeping the reserved id) so that a retry need not
        # wait for the lease; the error itself is not stored, and is what the caller
        # gets even if giving up fails too (the lease then ends on its own).
        with contextlib.suppress(DomainError):
            now = deps.clock()
            deps.idempotency.put(user_id, key, record, now, now)
        raise
    return Outcome(result, replayed=False)
