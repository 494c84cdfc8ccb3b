"""Lists (v1.1): items ``L#<list id>`` of the owner's partition of the tasks table.

A list carries ``seq``, the change number of its last change, like a task, so sync sees
lists through the same ``by_seq`` index, in commit order; it carries no other index key,
so no task query ever reads one. ``GET /v1/lists`` is one ``Query`` for the ``L#`` prefix
(at most the 500 lists of the quota). A deleted list leaves a tombstone ``X#<list id>``
of kind ``list``. The account item counts the lists, for the quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from taskcore.clock import format_instant
from taskcore.domain.changes import TOMBSTONE_RETENTION
from taskcore.domain.lists import TaskList
from taskcore.domain.user import User
from taskcore.repositories.list_items import LIST, list_item, to_list
from taskcore.repositories.transactions import Actions
from taskcore.repositories.users import at_change_seq, read_with_account, user_key
from taskcore.services.ports import ListStore, ListWrite, WriteOutcome
from taskcore.storage.errors import dynamo_unavailable_as_503
from taskcore.storage.models import TaskModel, UserModel

__all__ = ["LIST", "ListRepository", "add_list_write", "to_list"]

TOMBSTONE = "X#"


class ListRepository(ListStore):
    """Lists in the tasks table (the services' :class:`ListStore`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, user_id: str, list_id: str) -> TaskList | None:
        """One list of the user: one consistent ``GetItem`` in the user's partition."""
        with dynamo_unavailable_as_503():
            try:
                item = TaskModel.get(user_id, LIST + list_id, consistent_read=True)
            except TaskModel.DoesNotExist:
                return None
        return to_list(item)

    def all(self, user_id: str) -> list[TaskList]:
        """Every list of the user: one consistent ``Query`` (``begins_with(sk, "L#")``)."""
        with dynamo_unavailable_as_503():
            items = TaskModel.query(
                user_id, range_key_condition=TaskModel.sk.startswith(LIST), consistent_read=True
            )
            return [to_list(item) for item in items]

    def load_for_write(self, user_id: str, list_id: str) -> tuple[User | None, TaskList | None]:
        """The account and the list in one consistent read (``TransactGetItems``)."""
        user, item = read_with_account(self._connection, user_id, LIST + list_id)
        return user, to_list(item) if item is not None else None

    def write(
        self, user: User, writes: Sequence[ListWrite], now: datetime, *, ready: bool = False
    ) -> WriteOutcome:
        """Commit list changes, each with the next change number, in one transaction."""
        actions = Actions()
        seq = user.change_seq
        count = user.list_count
        for change in writes:
            seq += 1
            add_list_write(actions, change, seq, now)
            count += -1 if change.delete else (1 if change.expected_version is None else 0)
        updates = [UserModel.change_seq.set(seq), UserModel.list_count.set(count)]
        if ready:
            updates.append(UserModel.lists_ready.set(True))
        actions.update(
            "account",
            UserModel(user_key(user.id)),
            updates,
            UserModel.pk.exists() & at_change_seq(user.change_seq),
        )
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                actions.apply(tx)
        except TransactWriteError as exc:
            return actions.outcome(exc)
        return WriteOutcome.COMMITTED


def add_list_write(actions: Actions, change: ListWrite, seq: int, now: datetime) -> None:
    """The actions of one list change (its condition is tagged ``list``)."""
    task_list = change.task_list
    condition: Any
    if change.expected_version is None:
        condition = TaskModel.sk.does_not_exist()
    else:
        condition = TaskModel.version == change.expected_version
    if change.delete:
        actions.delete("list", TaskModel(task_list.user_id, LIST + task_list.id), condition)
        actions.put(None, _tombstone(task_list, seq, now))
    else:
        actions.put("list", list_item(task_list, seq), condition)


def _tombstone(task_list: TaskList, seq: int, now: datetime) -> TaskModel:
    return TaskModel(
        task_list.user_id,
        TOMBSTONE + task_list.id,
        task_id=task_list.id,
        kind="list",
        seq=seq,
        version=task_list.version + 1,
        deleted_at=format_instant(now),
        expires_at=now + TOMBSTONE_RETENTION,
    )
