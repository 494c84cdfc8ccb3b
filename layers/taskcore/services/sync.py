"""Incremental sync: every change of a user's tasks, once each, in commit order.

Why a sequence number and not a timestamp: a write that commits late with an earlier
clock reading (another worker, a skewed clock) would fall behind a reader that already
moved past its time, and be skipped. Instead each task write takes the owner's next
``change_seq`` in the same transaction that writes the task (see
:mod:`taskcore.repositories.tasks`), conditioned on the previous value. Number n + 1 can
therefore only commit after number n has, so a consistent ``Query`` for ``seq > since``
always sees a gap-free prefix of the history: nothing committed later can appear below a
number the client has already passed. A task changed twice carries only its latest
number, so it appears once, in its latest state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from taskcore.bootstrap import Deps
from taskcore.clock import epoch_seconds
from taskcore.errors import BadRequest, Gone
from taskcore.repositories.tasks import TOMBSTONE, to_task
from taskcore.schemas import SyncParams, validate_query
from taskcore.storage.tables import TOMBSTONE_RETENTION


@dataclass(frozen=True)
class SyncPage:
    """One page of changes."""

    changes: list[dict[str, Any]]
    next_since: str
    has_more: bool


@dataclass(frozen=True)
class _Since:
    seq: int
    issued: int  # epoch seconds when the token was handed out
    initial: bool  # still paging through the first full download


def changes_since(deps: Deps, user_id: str, raw_params: dict[str, str]) -> SyncPage:
    """The changes after the client's ``since`` token (all live tasks without one)."""
    params = validate_query(SyncParams, raw_params)
    now = deps.clock()
    codec = URLSafeSerializer(deps.settings.jwt_secret.get_secret_value(), salt="sync")
    if params.since:
        since = _decode(codec, params.since, user_id)
    else:
        since = _Since(seq=0, issued=epoch_seconds(now), initial=True)
    if epoch_seconds(now) - since.issued > TOMBSTONE_RETENTION.total_seconds():
        raise Gone("This sync point is older than the 30 days deletions are kept; sync anew")
    items = deps.tasks.changes_after(user_id, since.seq, page_size=params.limit + 1)
    changes: list[dict[str, Any]] = []
    last_seq = since.seq
    has_more = False
    for item in items:
        if len(changes) == params.limit:
            has_more = True
            break
        last_seq = int(item.seq)
        change = _change(item, now, skip_tombstones=since.initial)
        if change is not None:
            changes.append(change)
    token = {"u": user_id, "s": last_seq, "t": epoch_seconds(now), "i": since.initial and has_more}
    return SyncPage(changes=changes, next_since=str(codec.dumps(token)), has_more=has_more)


def _change(item: Any, now: datetime, *, skip_tombstones: bool) -> dict[str, Any] | None:
    if not item.sk.startswith(TOMBSTONE):
        return to_task(item).to_public()
    expired = item.expires_at is not None and item.expires_at <= now
    if skip_tombstones or expired:
        return None  # a fresh download has nothing to delete; expired ones are gone
    return {"id": item.task_id, "deleted": True, "deleted_at": item.deleted_at}


def _decode(codec: URLSafeSerializer, token: str, user_id: str) -> _Since:
    try:
        payload = codec.loads(token)
    except BadSignature:
        raise BadRequest("The since token is invalid") from None
    if not isinstance(payload, dict) or payload.get("u") != user_id:
        raise BadRequest("The since token is invalid")
    seq, issued = payload.get("s"), payload.get("t")
    if not isinstance(seq, int) or not isinstance(issued, int):
        raise BadRequest("The since token is invalid")
    return _Since(seq=seq, issued=issued, initial=bool(payload.get("i")))
