"""E-mailed tokens and the credential changes they allow (the services'
:class:`CredentialStore`).

Each change is one transaction, so it happens whole or not at all: a token and its
message are stored together; spending a token deletes it (on condition that it is still
the stored one: single use, and a newer token replaces an older) together with the
account change it allows and, for a new password, the mark that ends the user's earlier
sessions (:mod:`taskcore.repositories.sessions`), so a password never changes while the
sessions opened with the old one live on.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactGet, TransactWrite

from taskcore.clock import expired, format_instant
from taskcore.domain.user import User
from taskcore.repositories.mail_items import email_token_item, email_token_key, outbox_item
from taskcore.repositories.sessions import ended_item
from taskcore.repositories.users import (
    at_change_seq,
    condition_failed,
    email_key,
    user_from_item,
    user_item,
    user_key,
)
from taskcore.services.ports import (
    CredentialStore,
    EmailToken,
    SessionsEnd,
    SpendOutcome,
    TokenMail,
    TokenPurpose,
)
from taskcore.storage.errors import dynamo_unavailable_as_503
from taskcore.storage.models import AuthModel, OutboxModel, UserModel

# How long the inert items of a request for an address without an account are kept.
_NOTHING_KEPT = timedelta(minutes=30)


class CredentialRepository(CredentialStore):
    """Tokens in the ``auth`` table, their messages in ``outbox``, accounts in ``users``."""

    def __init__(self, connection: Connection, family_lifetime: timedelta) -> None:
        self._connection = connection
        self._family_lifetime = family_lifetime

    def issue(self, mail: TokenMail) -> None:
        """Store the token (replacing the older one of its purpose) and its message."""
        with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
            tx.save(email_token_item(mail.token, mail.message.created_at))
            tx.save(outbox_item(mail.message))

    def issue_nothing(self, subject: str, now: datetime) -> None:
        """Two puts into the same two tables as :meth:`issue`, of items nobody reads
        (keyed by ``subject``, so repeats overwrite them) that expire in 30 minutes: a
        request for an unknown address costs what a real one costs."""
        until = now + _NOTHING_KEPT
        with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
            tx.save(
                AuthModel(
                    f"NOACCT#{subject}",
                    user_id="-",
                    payload=secrets.token_hex(32),
                    created_at=format_instant(now),
                    expires_at=until,
                )
            )
            tx.save(
                OutboxModel(
                    f"NOACCT#{subject}",
                    template="none",
                    created_at=format_instant(now),
                    discard_after=format_instant(now),
                    expires_at=until,
                )
            )

    def read_token(
        self, purpose: TokenPurpose, user_id: str, now: datetime
    ) -> tuple[EmailToken | None, User | None]:
        """The live token and the account: one ``TransactGetItems``."""
        with dynamo_unavailable_as_503(), TransactGet(connection=self._connection) as tx:
            token_f = tx.get(AuthModel, email_token_key(purpose, user_id))
            owner_f = tx.get(UserModel, user_key(user_id))
        item = _result(token_f)
        owner = _result(owner_f)
        token = None
        if isinstance(item, AuthModel) and item.payload and not expired(item.expires_at, now):
            token = EmailToken(purpose, item.user_id, item.payload, item.expires_at)
        return token, user_from_item(owner) if isinstance(owner, UserModel) else None

    def spend(
        self, token: EmailToken, before: User, after: User, end: SessionsEnd | None
    ) -> SpendOutcome:
        """Delete the token, write the account (and the sessions' end): one transaction."""
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                # First, so that its cancellation reason is the first one.
                tx.delete(
                    AuthModel(email_token_key(token.purpose, token.user_id)),
                    condition=AuthModel.payload == token.digest,
                )
                self._write_account(tx, before, after, end)
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                return SpendOutcome.TOKEN_GONE
            if condition_failed(exc):
                return SpendOutcome.USER_CHANGED
            raise
        return SpendOutcome.COMMITTED

    def change_password(self, before: User, after: User, end: SessionsEnd) -> bool:
        """Write the account and the sessions' end, and drop any outstanding reset code
        (mailed before the change, it must not undo it): one transaction."""
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                self._write_account(tx, before, after, end)
                tx.delete(AuthModel(email_token_key(TokenPurpose.PASSWORD_RESET, after.id)))
        except TransactWriteError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def _write_account(
        self, tx: TransactWrite, before: User, after: User, end: SessionsEnd | None
    ) -> None:
        # As UserRepository.update_profile: both items, conditioned on the change sequence.
        stored = replace(after, change_seq=before.change_seq + 1)
        tx.save(user_item(user_key(after.id), stored), condition=at_change_seq(before.change_seq))
        tx.save(user_item(email_key(after.email), stored), condition=UserModel.pk.exists())
        if end is not None:
            tx.save(ended_item(after.id, end.at, end.keep_family, self._family_lifetime))


def _result(future: object) -> AuthModel | UserModel | None:
    try:
        return future.get()  # type: ignore[attr-defined, no-any-return]
    except (AuthModel.DoesNotExist, UserModel.DoesNotExist):
        return None
