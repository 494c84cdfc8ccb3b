"""The e-mail outbox (the services' :class:`Outbox`).

Keys, and why:

* Each message is its own item, partition key ``message_id`` (a ULID): the writes of the
  request paths (register, reset, resend) spread over as many partitions as there are
  messages, so no partition of the table is hot however many users there are.
* The sender finds what is due with a ``Query`` (never a ``Scan``) on the global index
  ``by_due``: partition ``pending_shard``, sort ``due_key`` = ``<due instant>#<id>``. It
  is sparse: only messages waiting for delivery carry those two attributes, so the index
  holds the queue and nothing else, and a ``Query`` reads only what is due.
* A single queue partition would take every message write (and every delivery's
  update) of the whole service: the index is split into :data:`OUTBOX_SHARDS` shards by a
  hash of the message id, so each takes a fixed eighth of the writes, and the sender
  queries each shard (in turn; a run is bounded, see :mod:`taskcore.services.mail`).
  Raising the shard count later only needs the sender to query the new shards too.

A delivery goes: ``claim`` (a conditional update that moves ``due_key`` a lease into the
future, so a concurrent sender skips the message, and a sender that dies mid-way leaves
it due again when the lease ends), then ``delivered`` (delete: the token leaves the
table with it) or ``retry_at`` (back in the queue, attempts counted) or ``give_up``
(out of the queue, kept 14 days without its token, for the operator).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

from pynamodb.exceptions import DeleteError, UpdateError

from taskcore.clock import format_instant
from taskcore.repositories.mail_items import OUTBOX_SHARDS, due_key, shard_of
from taskcore.services.ports import Outbox, OutboxMessage
from taskcore.storage.errors import dynamo_unavailable_as_503, is_condition_failed
from taskcore.storage.models import OutboxModel

GIVEN_UP_RETENTION = timedelta(days=14)
_MAX_ERROR_CHARS = 200


class OutboxRepository(Outbox):
    """Messages in the ``outbox`` table and its ``by_due`` index."""

    def shard_count(self) -> int:
        """The number of pending-index shards."""
        return OUTBOX_SHARDS

    def due(self, shard: int, now: datetime, limit: int) -> list[OutboxMessage]:
        """One ``Query`` of the shard's messages due by ``now``, earliest first."""
        bound = f"{format_instant(now)}#~"  # after every id of that instant
        with dynamo_unavailable_as_503():
            items = list(
                OutboxModel.by_due.query(
                    str(shard), OutboxModel.due_key <= bound, limit=limit, page_size=limit
                )
            )
        return [_message(item) for item in items if item.pending_shard is not None]

    def claim(self, message: OutboxMessage, until: datetime) -> OutboxMessage | None:
        """Move the message's due time to ``until`` if it is still where it was read."""
        new_key = due_key(until, message.id)
        if not self._update(message, [OutboxModel.due_key.set(new_key)]):
            return None
        return replace(message, claim=new_key)

    def delivered(self, message: OutboxMessage) -> None:
        """Delete the message (not if another sender holds it now)."""
        with dynamo_unavailable_as_503():
            try:
                OutboxModel(message.id).delete(condition=OutboxModel.due_key == message.claim)
            except DeleteError as exc:
                if not is_condition_failed(exc):
                    raise

    def retry_at(self, message: OutboxMessage, at: datetime, error: str) -> None:
        """Count the attempt and make the message due again at ``at``."""
        self._update(
            message,
            [
                OutboxModel.due_key.set(due_key(at, message.id)),
                OutboxModel.attempts.set(message.attempts + 1),
                OutboxModel.last_error.set(error[:_MAX_ERROR_CHARS]),
            ],
        )

    def give_up(self, message: OutboxMessage, reason: str, now: datetime) -> None:
        """Out of the queue and of its token; kept a while with the reason."""
        self._update(
            message,
            [
                OutboxModel.pending_shard.remove(),
                OutboxModel.due_key.remove(),
                OutboxModel.params.remove(),
                OutboxModel.last_error.set(reason[:_MAX_ERROR_CHARS]),
                OutboxModel.expires_at.set(now + GIVEN_UP_RETENTION),
            ],
        )

    def _update(self, message: OutboxMessage, actions: list[object]) -> bool:
        """Apply ``actions`` if the message is still at its claim; whether it was."""
        with dynamo_unavailable_as_503():
            try:
                OutboxModel(message.id).update(
                    actions=actions,  # type: ignore[arg-type]
                    condition=OutboxModel.due_key == message.claim,
                )
            except UpdateError as exc:
                if is_condition_failed(exc):
                    return False
                raise
        return True


def _message(item: OutboxModel) -> OutboxMessage:
    params = json.loads(item.params) if item.params else {}
    return OutboxMessage(
        id=item.message_id,
        template=item.template,
        recipient=item.recipient or "",
        params={str(k): str(v) for k, v in params.items()},
        created_at=datetime.fromisoformat(item.created_at),
        discard_after=datetime.fromisoformat(item.discard_after),
        attempts=int(item.attempts or 0),
        claim=item.due_key,
    )


__all__ = ["GIVEN_UP_RETENTION", "OutboxRepository", "shard_of"]
