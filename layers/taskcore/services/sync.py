"""Incremental sync: every change of a user's tasks and lists, once each, in commit order.

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
from typing import Any

from taskcore.clock import epoch_seconds
from taskcore.domain.changes import TOMBSTONE_RETENTION, Tombstone
from taskcore.errors import BadRequest, Gone
from taskcore.schemas import QueryParams, SyncParams, validate_query
from taskcore.services.deps import Deps

_PURPOSE = "sync"  # the signing purpose of since tokens


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
    # While a first full download pages: the user's last change number when it began.
    # Deletions up to it are of tasks the client never received, so they are not sent;
    # later ones may be of tasks sent on an earlier page, so they are.
    download_base: int | None


def changes_since(deps: Deps, user_id: str, raw_params: QueryParams) -> SyncPage:
    """The changes after the client's ``since`` token (all live tasks without one)."""
    params = validate_query(SyncParams, raw_params)
    now = deps.clock()
    if params.since:
        since = _decode(deps, params.since, user_id)
    else:
        began = deps.users.require(user_id).change_seq
        since = _Since(seq=0, issued=epoch_seconds(now), download_base=began)
    if epoch_seconds(now) - since.issued > TOMBSTONE_RETENTION.total_seconds():
        raise Gone("This sync point is older than the 30 days deletions are kept; sync anew")
    changes: list[dict[str, Any]] = []
    last_seq = since.seq
    has_more = False
    for change in deps.tasks.changes_after(user_id, since.seq, page_size=params.limit + 1):
        if len(changes) == params.limit:
            has_more = True
            break
        last_seq = change.seq
        entry = change.entry
        base = since.download_base
        if isinstance(entry, Tombstone) and base is not None and change.seq <= base:
            continue  # deleted before the download began: the client never had it
        # Every other tombstone is sent, expired or not: it is newer than a token that
        # was accepted (younger than the retention), so it may not be skipped.
        changes.append(change.to_public())
    still_downloading = since.download_base if has_more else None
    token = {"u": user_id, "s": last_seq, "t": epoch_seconds(now), "b": still_downloading}
    return SyncPage(changes, next_since=deps.cursors.seal(_PURPOSE, token), has_more=has_more)


def _decode(deps: Deps, token: str, user_id: str) -> _Since:
    payload = deps.cursors.unseal(_PURPOSE, token)
    seq, issued = payload.get("s"), payload.get("t")
    if payload.get("u") != user_id or not isinstance(seq, int) or not isinstance(issued, int):
        raise BadRequest("The since token is invalid", code="invalid_cursor")
    base = payload.get("b")
    if base is not None and (isinstance(base, bool) or not isinstance(base, int)):
        raise BadRequest("The since token is invalid", code="invalid_cursor")
    return _Since(seq=seq, issued=issued, download_base=base)
