"""Refresh tokens and their families.

A family is the chain of refresh tokens that descend from one login. Each token is
stored by its SHA-256 digest, is spent when used, and is replaced by its successor in
the same transaction. Presenting a spent token again means it leaked: the whole family
is revoked, which also stops the access tokens issued in it (they carry the family id).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from taskcore.clock import expired, format_instant
from taskcore.repositories.users import condition_failed, user_from_item, user_key
from taskcore.services.ports import RefreshState, SessionStore
from taskcore.storage.errors import dynamo_unavailable_as_503, is_condition_failed
from taskcore.storage.models import AuthModel, UserModel


def ended_key(user_id: str) -> str:
    """Partition key of the mark that ends all of a user's sessions up to a moment."""
    return f"ENDED#{user_id}"


def family_key(family_id: str) -> str:
    """Partition key of a refresh family."""
    return f"FAM#{family_id}"


def token_key(digest: str) -> str:
    """Partition key of a refresh token."""
    return f"RT#{digest}"


class SessionRepository(SessionStore):
    """Refresh families and tokens in the ``auth`` table (the services'
    :class:`SessionStore`)."""

    def __init__(self, connection: Connection, family_lifetime: timedelta) -> None:
        self._connection = connection
        self._family_lifetime = family_lifetime

    def start_family(
        self, user_id: str, family_id: str, digest: str, now: datetime, ttl: timedelta
    ) -> None:
        """Record a new family and its first token: one transaction."""
        expires = now + ttl
        with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
            tx.save(_family(user_id, family_id, now, expires))
            tx.save(_token(user_id, family_id, digest, now, expires))

    def read(self, user_id: str, family_id: str, digest: str, now: datetime) -> RefreshState:
        """The token, its family (ended with all the user's sessions or not) and its owner
        in one consistent read.

        Items past their TTL are treated as absent: DynamoDB deletes them lazily.
        """
        with dynamo_unavailable_as_503(), TransactGet(connection=self._connection) as tx:
            token_f = tx.get(AuthModel, token_key(digest))
            family_f = tx.get(AuthModel, family_key(family_id))
            ended_f = tx.get(AuthModel, ended_key(user_id))
            owner_f = tx.get(UserModel, user_key(user_id))
        token = _live(_result(token_f), now)
        family = _live(_result(family_f), now)
        ended = _live(_result(ended_f), now)
        owner = _result(owner_f)
        return RefreshState(
            token_known=token is not None
            and token.family_id == family_id
            and isinstance(owner, UserModel)
            and token.user_id == owner.user_id,
            token_spent=bool(token and token.spent),
            family_revoked=family is None or bool(family.revoked) or _ended(family, ended),
            owner=user_from_item(owner) if isinstance(owner, UserModel) else None,
            **_spending(token),
        )

    def rotate(
        self,
        user_id: str,
        family_id: str,
        old_digest: str,
        new_digest: str,
        now: datetime,
        ttl: timedelta,
    ) -> bool:
        """Spend the old token and store its successor, atomically.

        Returns ``False`` when the old token was spent meanwhile (a concurrent reuse).
        """
        expires = now + ttl
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                spending = {"spent_at": format_instant(now), "successor": new_digest}
                tx.update(
                    AuthModel(token_key(old_digest)),
                    actions=[
                        AuthModel.spent.set(True),
                        AuthModel.payload.set(json.dumps(spending)),
                    ],
                    condition=AuthModel.pk.exists() & (AuthModel.spent != True),  # noqa: E712
                )
                tx.save(_token(user_id, family_id, new_digest, now, expires))
                tx.update(
                    AuthModel(family_key(family_id)),
                    actions=[AuthModel.expires_at.set(expires)],
                    condition=AuthModel.pk.exists() & (AuthModel.revoked != True),  # noqa: E712
                )
        except TransactWriteError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def revoke_family(self, family_id: str, user_id: str) -> None:
        """Mark a family revoked (idempotent); only the owner's families are touched."""
        with dynamo_unavailable_as_503():
            try:
                AuthModel(family_key(family_id)).update(
                    actions=[AuthModel.revoked.set(True)],
                    condition=AuthModel.user_id == user_id,
                )
            except UpdateError as exc:
                if not is_condition_failed(exc):
                    raise

    def end_all(self, user_id: str, now: datetime, keep_family: str | None = None) -> None:
        """Record that every family of the user started by ``now`` has ended (but
        ``keep_family``): one write, whatever the number of sessions. Kept as long as a
        refresh family can live; an older family has expired by itself by then."""
        with dynamo_unavailable_as_503():
            ended_item(user_id, now, keep_family, self._family_lifetime).save()

    def is_family_revoked(self, user_id: str, family_id: str, now: datetime) -> bool:
        """True when the family is revoked, ended with all the user's sessions, expired
        or unknown: one read (``BatchGetItem`` of the family and the user's end mark)."""
        with dynamo_unavailable_as_503():
            found = {
                item.pk: item
                for item in AuthModel.batch_get(
                    [family_key(family_id), ended_key(user_id)], consistent_read=True
                )
            }
        family = _live(found.get(family_key(family_id)), now)
        if family is None or family.revoked or family.user_id != user_id:
            return True
        return _ended(family, _live(found.get(ended_key(user_id)), now))


def ended_item(
    user_id: str, now: datetime, keep_family: str | None, family_lifetime: timedelta
) -> AuthModel:
    """The mark that ends every family of the user started by ``now`` but ``keep_family``
    (one item per user: a later mark replaces an earlier one)."""
    return AuthModel(
        ended_key(user_id),
        user_id=user_id,
        family_id=keep_family,
        created_at=format_instant(now),
        expires_at=now + family_lifetime,
    )


def _family(user_id: str, family_id: str, now: datetime, expires: datetime) -> AuthModel:
    return AuthModel(
        family_key(family_id),
        user_id=user_id,
        family_id=family_id,
        revoked=False,
        created_at=format_instant(now),
        expires_at=expires,
    )


def _token(
    user_id: str, family_id: str, digest: str, now: datetime, expires: datetime
) -> AuthModel:
    return AuthModel(
        token_key(digest),
        user_id=user_id,
        family_id=family_id,
        spent=False,
        created_at=format_instant(now),
        expires_at=expires,
    )


def _ended(family: AuthModel, ended: AuthModel | None) -> bool:
    """Whether the user's end mark covers this family (started by then, not the one kept)."""
    if ended is None or ended.family_id == family.family_id:
        return False
    return _instant(family.created_at) <= _instant(ended.created_at)


def _spending(token: AuthModel | None) -> dict[str, Any]:
    """When a spent token was spent, and for which successor (see ``rotate``)."""
    if token is None or not token.spent or not token.payload:
        return {}
    recorded = json.loads(token.payload)
    return {
        "spent_at": _instant(recorded["spent_at"]),
        "successor_digest": str(recorded["successor"]),
    }


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def _result(future: object) -> AuthModel | UserModel | None:
    try:
        return future.get()  # type: ignore[attr-defined, no-any-return]
    except (AuthModel.DoesNotExist, UserModel.DoesNotExist):
        return None


def _live(item: object, now: datetime) -> AuthModel | None:
    if not isinstance(item, AuthModel):
        return None
    if expired(item.expires_at, now):
        return None
    return item
