"""Accounts: the ``USER#`` item and the ``EMAIL#`` item that claims an address."""

from __future__ import annotations

from dataclasses import replace

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactGet, TransactWrite

from taskcore.domain.lists import TaskList
from taskcore.domain.user import User
from taskcore.errors import Conflict
from taskcore.repositories.list_items import list_item
from taskcore.repositories.mail_items import email_token_item, outbox_item
from taskcore.services.ports import TokenMail, UserStore
from taskcore.storage.errors import dynamo_unavailable_as_503
from taskcore.storage.models import TaskModel, UserModel


def user_key(user_id: str) -> str:
    """Partition key of an account item."""
    return f"USER#{user_id}"


def email_key(email: str) -> str:
    """Partition key of the item that claims an e-mail address."""
    return f"EMAIL#{email}"


class UserRepository(UserStore):
    """Accounts in the ``users`` table (the services' :class:`UserStore`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, user_id: str) -> User | None:
        """The account, read consistently, or ``None``."""
        with dynamo_unavailable_as_503():
            try:
                item = UserModel.get(user_key(user_id), consistent_read=True)
            except UserModel.DoesNotExist:
                return None
        return user_from_item(item)

    def get_by_email(self, email: str) -> User | None:
        """The account that owns ``email`` (normalised), or ``None``: one read."""
        with dynamo_unavailable_as_503():
            try:
                item = UserModel.get(email_key(email), consistent_read=True)
            except UserModel.DoesNotExist:
                return None
        return user_from_item(item)

    def create(
        self, user: User, mail: TokenMail | None = None, inbox: TaskList | None = None
    ) -> None:
        """Store a new account, with ``mail`` (the address verification token and its
        message) and its Inbox (which takes the change number ``user.change_seq``);
        :class:`Conflict` when the e-mail is taken. One transaction."""
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                for pk in (email_key(user.email), user_key(user.id)):
                    tx.save(_item(pk, user), condition=UserModel.pk.does_not_exist())
                if mail is not None:
                    tx.save(email_token_item(mail.token, mail.message.created_at))
                    tx.save(outbox_item(mail.message))
                if inbox is not None:
                    tx.save(
                        list_item(inbox, user.change_seq), condition=TaskModel.sk.does_not_exist()
                    )
        except TransactWriteError as exc:
            if condition_failed(exc):
                raise Conflict(
                    "An account with this e-mail address already exists", code="email_taken"
                ) from None
            raise

    def update_profile(self, before: User, after: User) -> bool:
        """Write a profile change to both items if the account is still at ``before``'s
        change sequence. Returns ``False`` on a concurrent change (the caller retries)."""
        next_seq = before.change_seq + 1
        stored = replace(after, change_seq=next_seq)
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                tx.save(
                    _item(user_key(after.id), stored),
                    condition=at_change_seq(before.change_seq),
                )
                tx.save(_item(email_key(after.email), stored), condition=UserModel.pk.exists())
        except TransactWriteError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def delete(self, user: User) -> None:
        """Remove both account items."""
        with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
            tx.delete(UserModel(user_key(user.id)))
            tx.delete(UserModel(email_key(user.email)))


def read_with_account(
    connection: Connection, user_id: str, sk: str
) -> tuple[User | None, TaskModel | None]:
    """The account and one item of its partition of the tasks table (a task, a list), in
    one consistent read (``TransactGetItems``): what every conditional write starts from,
    since the write is conditioned on the account's change number read here."""
    with dynamo_unavailable_as_503(), TransactGet(connection=connection) as tx:
        user_future = tx.get(UserModel, user_key(user_id))
        item_future = tx.get(TaskModel, user_id, sk)
    try:
        user: User | None = user_from_item(user_future.get())
    except UserModel.DoesNotExist:
        user = None
    try:
        item: TaskModel | None = item_future.get()
    except TaskModel.DoesNotExist:
        item = None
    return user, item


def at_change_seq(seq: int) -> Condition:
    if seq == 0:
        condition: Condition = UserModel.change_seq.does_not_exist() | (UserModel.change_seq == 0)
        return condition
    return UserModel.change_seq == seq


def user_from_item(item: UserModel) -> User:
    return User(
        id=item.user_id,
        email=item.email,
        name=item.name,
        timezone=item.timezone,
        reminder_lead_minutes=int(item.reminder_lead_minutes),
        password_hash=item.password_hash,
        created_at=item.created_at,
        updated_at=item.updated_at,
        change_seq=int(item.change_seq or 0),
        task_count=int(item.task_count or 0),
        email_verified=bool(item.email_verified),
        list_count=int(item.list_count or 0),
        lists_ready=bool(item.lists_ready),
    )


def user_item(pk: str, user: User) -> UserModel:
    """The account item (``USER#``) or e-mail item (``EMAIL#``) holding ``user``."""
    return _item(pk, user)


def _item(pk: str, user: User) -> UserModel:
    return UserModel(
        pk,
        user_id=user.id,
        email=user.email,
        name=user.name,
        timezone=user.timezone,
        reminder_lead_minutes=user.reminder_lead_minutes,
        password_hash=user.password_hash,
        created_at=user.created_at,
        updated_at=user.updated_at,
        change_seq=user.change_seq,
        task_count=user.task_count,
        email_verified=user.email_verified,
        list_count=user.list_count,
        lists_ready=user.lists_ready or None,
    )


def condition_failed(exc: TransactWriteError) -> bool:
    """Whether a transaction was cancelled by one of its conditions."""
    return any(
        reason is not None and reason.code == "ConditionalCheckFailed"
        for reason in exc.cancellation_reasons
    )
