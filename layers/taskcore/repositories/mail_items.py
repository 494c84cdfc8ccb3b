"""The items an e-mailed token and its message are stored as (shared by the account,
credential and outbox adapters, which write them in their own transactions).

* A token is one ``auth`` item per user and purpose, ``ETOK#<purpose>#<user id>``, holding
  the token's SHA-256 digest (never the token) and expiring through TTL. Storing a new
  token of the same purpose overwrites the item, which is what invalidates the older one.
* A message is one ``outbox`` item (see :mod:`taskcore.repositories.outbox`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from taskcore.clock import format_instant
from taskcore.services.ports import EmailToken, OutboxMessage, TokenPurpose
from taskcore.storage.models import AuthModel, OutboxModel

# The pending-mail index is spread over this many partitions (see repositories/outbox.py).
OUTBOX_SHARDS = 8
# How long a message whose content is worthless stays in the table before TTL removes
# it (the sender gives such messages up first; this is the backstop).
_OUTBOX_RETENTION = timedelta(days=7)


def email_token_key(purpose: TokenPurpose, user_id: str) -> str:
    """Partition key of the user's token of ``purpose``."""
    return f"ETOK#{purpose.value}#{user_id}"


def email_token_item(token: EmailToken, now: datetime) -> AuthModel:
    """The ``auth`` item of a token: its digest, its owner, its expiry."""
    return AuthModel(
        email_token_key(token.purpose, token.user_id),
        user_id=token.user_id,
        payload=token.digest,
        created_at=format_instant(now),
        expires_at=token.expires_at,
    )


def shard_of(message_id: str) -> str:
    """The pending-index partition of a message: a hash of its id, so the shards fill
    evenly whatever the ids look like."""
    digest = hashlib.sha256(message_id.encode()).digest()
    return str(int.from_bytes(digest[:4], "big") % OUTBOX_SHARDS)


def due_key(due: datetime, message_id: str) -> str:
    """The pending-index sort key: when the message is due, then its id (unique)."""
    return f"{format_instant(due)}#{message_id}"


def outbox_item(message: OutboxMessage) -> OutboxModel:
    """The ``outbox`` item of a new message, due at once."""
    return OutboxModel(
        message.id,
        template=message.template,
        recipient=message.recipient,
        params=json.dumps(message.params, separators=(",", ":")),
        created_at=format_instant(message.created_at),
        discard_after=format_instant(message.discard_after),
        attempts=message.attempts,
        pending_shard=shard_of(message.id),
        due_key=due_key(message.created_at, message.id),
        expires_at=message.discard_after + _OUTBOX_RETENTION,
    )
