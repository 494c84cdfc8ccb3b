"""Tasks: live items, tombstones, and the per-user change sequence that orders writes.

Every task write is one transaction that also advances the owner's ``change_seq`` on
the account item, conditioned on the value read just before. Two consequences:

* writes of one user commit in a single order, and each task item records the sequence
  number of its last change (``seq``), which is what sync pages through; a later number
  can only commit after every earlier one, so a reader never skips a change;
* a write based on a stale read of the account (time zone, task count) fails its
  condition and is retried by the service on fresh data.

Since v1.1 every live task also has an entry in its list's partition of the list index
(:class:`~taskcore.storage.models.ListEntryModel`), written in the same transactions: put
with the task, deleted with it, moved (deleted and put) when the task changes lists. A
transaction that writes several tasks gives each its own change number.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactGet, TransactWrite

from taskcore.clock import format_instant
from taskcore.domain.changes import TOMBSTONE_RETENTION, Change, Tombstone
from taskcore.domain.due import Due
from taskcore.domain.listing import Segment
from taskcore.domain.lists import TaskList, inbox_id
from taskcore.domain.recurrence import Basis, Recurrence
from taskcore.domain.reminders import next_reminder
from taskcore.domain.search import MAX_INDEXED_STARTS, index_prefixes
from taskcore.domain.task import Priority, Reminder, Task
from taskcore.domain.user import User
from taskcore.repositories.list_items import LIST, to_list
from taskcore.repositories.transactions import MAX_TRANSACTION_ACTIONS, Actions
from taskcore.repositories.users import (
    at_change_seq,
    read_with_account,
    user_from_item,
    user_key,
)
from taskcore.services.ports import PageKey, TaskBatch, TaskStore, TaskWrite, WriteOutcome
from taskcore.storage.errors import dynamo_unavailable_as_503, is_condition_failed
from taskcore.storage.models import ListEntryModel, SearchEntryModel, TaskModel, UserModel

LIVE = "T#"
TOMBSTONE = "X#"


# A task write is the account, the task, perhaps a tombstone, its list-index entry (two
# and a check of the new list when it changes lists) and its search index changes: at most
# all of the capped index removed and all of it added, so it always fits in one
# transaction.
assert 2 * MAX_INDEXED_STARTS + 5 <= MAX_TRANSACTION_ACTIONS


class TaskRepository(TaskStore):
    """Tasks, tombstones and search entries (the services' :class:`TaskStore`)."""

    def __init__(self, connection: Connection, due_shards: int) -> None:
        self._connection = connection
        self._due_shards = due_shards  # the due-time index's shards new entries go to

    def get(self, user_id: str, task_id: str) -> Task | None:
        """A live task, read consistently: one ``GetItem``."""
        with dynamo_unavailable_as_503():
            try:
                item = TaskModel.get(user_id, LIVE + task_id, consistent_read=True)
            except TaskModel.DoesNotExist:
                return None
        return to_task(item)

    def load_for_write(self, user_id: str, task_id: str) -> tuple[User | None, Task | None]:
        """The account and the task in one consistent read (``TransactGetItems``)."""
        user, item = read_with_account(self._connection, user_id, LIVE + task_id)
        return user, to_task(item) if item is not None else None

    def write(self, user: User, change: TaskWrite, now: datetime) -> WriteOutcome:
        """Commit one change together with the next change sequence number, and the
        task's search index changes, in one transaction (the index is capped so that
        they always fit: :data:`~taskcore.domain.search.MAX_INDEXED_STARTS`)."""
        return self.write_batch(user, TaskBatch((change,)), now)

    def read_for_write(
        self, user_id: str, task_ids: Sequence[str]
    ) -> tuple[User | None, dict[str, Task]]:
        """The account and the live tasks among ``task_ids``: one ``TransactGetItems``."""
        wanted = list(dict.fromkeys(task_ids))
        with dynamo_unavailable_as_503(), TransactGet(connection=self._connection) as tx:
            user_f = tx.get(UserModel, user_key(user_id))
            futures = [tx.get(TaskModel, user_id, LIVE + task_id) for task_id in wanted]
        try:
            user = user_from_item(user_f.get())
        except UserModel.DoesNotExist:
            user = None
        found: dict[str, Task] = {}
        for task_id, future in zip(wanted, futures, strict=True):
            try:
                found[task_id] = to_task(future.get())
            except TaskModel.DoesNotExist:
                continue
        return user, found

    def write_batch(self, user: User, batch: TaskBatch, now: datetime) -> WriteOutcome:
        """Commit every change of ``batch`` in one transaction: each task with its own next
        change number, its list-index entries and search entries, and the account's
        counters, conditioned on the account's change number (and ``into_list``)."""
        actions = Actions()
        seq = user.change_seq
        count = user.task_count
        for change in batch.writes:
            seq += 1
            count += _count_delta(change)
            _add_task_write(actions, change, user, seq, now, self._due_shards)
        if batch.into_list is not None:
            accepting = TaskModel.sk.exists() & TaskModel.deleting.does_not_exist()
            actions.check("into", TaskModel, user.id, LIST + batch.into_list, accepting)
        actions.update(
            "account",
            UserModel(user_key(user.id)),
            [UserModel.change_seq.set(seq), UserModel.task_count.set(count)],
            UserModel.pk.exists() & at_change_seq(user.change_seq),
        )
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                actions.apply(tx)
        except TransactWriteError as exc:
            return actions.outcome(exc)
        return WriteOutcome.COMMITTED

    def rekey_owner_tasks(self, owner: User, now: datetime) -> int:
        """Recompute the time-zone and lead-time dependent keys of the owner's dated tasks
        (after a profile change). Each rewrite is conditional on the version read, so a
        concurrent edit (which already used the new profile) is never undone."""
        rewritten = 0
        dated = TaskModel.by_due.query(
            owner.id, range_key_condition=TaskModel.due_sort < "~", consistent_read=True
        )
        with dynamo_unavailable_as_503():
            for item in dated:
                fresh = to_item(to_task(item), owner, int(item.seq), now, self._due_shards)
                # Per task, not per account: while an account from before lists is
                # brought up to date, the tasks placed already have entries to keep equal.
                placed = item.position is not None
                if self._rewrite(fresh, int(item.version), with_entry=placed):
                    rewritten += 1
        return rewritten

    def _rewrite(self, fresh: TaskModel, version: int, *, with_entry: bool) -> bool:
        """Replace a task item (and its list-index entry) if still at ``version``."""
        condition = TaskModel.version == version
        if not with_entry:
            try:
                fresh.save(condition=condition)
            except PutError as exc:
                if not is_condition_failed(exc):
                    raise
                return False
            return True
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(fresh, condition=condition)
                tx.save(to_entry(fresh))
        except TransactWriteError as exc:
            if not any(
                r is not None and r.code == "ConditionalCheckFailed"
                for r in exc.cancellation_reasons
            ):
                raise
            return False
        return True

    def search_candidates(self, user_id: str, key_prefix: str) -> set[str]:
        """Ids of the tasks with an index entry starting with ``key_prefix``."""
        with dynamo_unavailable_as_503():
            entries = SearchEntryModel.query(
                user_id,
                range_key_condition=SearchEntryModel.term_key.startswith(key_prefix),
                consistent_read=True,
            )
            return {entry.task_id for entry in entries}

    def get_many(self, user_id: str, task_ids: set[str]) -> list[Task]:
        """The live tasks among ``task_ids`` (consistent ``BatchGetItem``)."""
        keys = [(user_id, LIVE + task_id) for task_id in sorted(task_ids)]
        with dynamo_unavailable_as_503():
            return [to_task(item) for item in TaskModel.batch_get(keys, consistent_read=True)]

    def query(
        self,
        user_id: str,
        segment: Segment,
        *,
        forward: bool,
        start: PageKey | None,
        page_size: int | None,
    ) -> Iterator[tuple[Task, PageKey]]:
        """Live tasks in one key range, in index order, fetched ``page_size`` at a time,
        each with its key in that index (where a page ending on it resumes)."""
        model: type[TaskModel] = TaskModel if segment.list_id is None else ListEntryModel
        partition = user_id if segment.list_id is None else segment.list_id
        target: Any = model if segment.index is None else getattr(model, segment.index)
        attribute = getattr(model, segment.attribute)
        condition = None
        if segment.prefix is not None:
            condition = attribute.startswith(segment.prefix)
        elif segment.low is not None and segment.high is not None:
            condition = attribute.between(segment.low, segment.high)
        last_key = None
        if start is not None:
            hash_name = "user_id" if segment.list_id is None else "list_id"
            last_key = {hash_name: {"S": partition}, **{k: {"S": v} for k, v in start.items()}}
        with dynamo_unavailable_as_503():
            for item in target.query(
                partition,
                range_key_condition=condition,
                scan_index_forward=forward,
                consistent_read=True,
                page_size=page_size,
                last_evaluated_key=last_key,
            ):
                key = {"sk": item.sk, segment.attribute: str(getattr(item, segment.attribute))}
                yield to_task(item), key

    def changes_after(self, user_id: str, seq: int, *, page_size: int) -> Iterator[Change]:
        """Live tasks and tombstones whose last change is numbered after ``seq``, in order."""
        with dynamo_unavailable_as_503():
            for item in TaskModel.by_seq.query(
                user_id,
                range_key_condition=TaskModel.seq > seq,
                scan_index_forward=True,
                consistent_read=True,
                page_size=page_size,
            ):
                yield Change(int(item.seq), _entry_of(item))

    def delete_everything(self, user_id: str) -> int:
        """Remove every task, list, tombstone and search entry of a user, and the list-index
        partitions of the user's lists (account deletion)."""
        removed = 0
        list_ids = {inbox_id(user_id)}
        with dynamo_unavailable_as_503(), TaskModel.batch_write() as batch:
            for item in TaskModel.query(user_id, attributes_to_get=["user_id", "sk"]):
                if item.sk.startswith(LIST):
                    list_ids.add(item.sk.removeprefix(LIST))
                batch.delete(item)
                removed += 1
        with dynamo_unavailable_as_503(), SearchEntryModel.batch_write() as entries:
            for entry in SearchEntryModel.query(user_id, attributes_to_get=["user_id", "term_key"]):
                entries.delete(entry)
        with dynamo_unavailable_as_503(), ListEntryModel.batch_write() as listed:
            for list_id in sorted(list_ids):
                for listed_entry in ListEntryModel.query(
                    list_id, attributes_to_get=["list_id", "sk"]
                ):
                    listed.delete(listed_entry)
        return removed


def to_item(task: Task, owner: User, seq: int, now: datetime, due_shards: int) -> TaskModel:
    """The stored form of a live task, with its index keys for its time zone (the
    owner's for a task from before v1.1) and its next pending notification (the owner's
    lead time is the default due_soon's), filed in its shard of ``due_shards``."""
    timezone = task.zone(owner.timezone)
    keys = task.index_keys(timezone)
    deadline = task.due.deadline(timezone) if task.due else None
    pending = next_reminder(task, deadline, owner.reminder_lead_minutes)
    entry = pending.entry(task.user_id, task.id, now, due_shards) if pending else None
    recurrence = task.recurrence
    return TaskModel(
        task.user_id,
        LIVE + task.id,
        task_id=task.id,
        title=task.title,
        description=task.description,
        due_at=task.due.value if task.due else None,
        due_instant=task.due.sort_key(timezone) if task.due else None,
        all_day=bool(task.due and task.due.all_day),
        priority=task.priority.value,
        tags=list(task.tags),
        completed=task.completed,
        completed_at=task.completed_at,
        created_at=task.created_at,
        updated_at=task.updated_at,
        version=task.version,
        seq=seq,
        due_sort=keys["due_sort"],
        status_due=keys["status_due"],
        status_created=keys["status_created"],
        updated_sort=keys["updated_sort"],
        notify_bucket=entry.bucket if entry else None,
        notify_at=entry.key if entry else None,
        notify_kind=entry.kind if entry else None,
        reminded_soon_for=task.reminded_soon_for,
        reminded_overdue_for=task.reminded_overdue_for,
        list_id=task.list_id or inbox_id(task.user_id),
        parent_id=task.parent_id,
        position=task.position,
        position_key=task.position_key,
        due_tz=task.due_tz,
        recurrence_rule=recurrence.rule if recurrence else None,
        recurrence_from=recurrence.basis.value if recurrence else None,
        recurrence_anchor=recurrence.anchor if recurrence else None,
        reminders=None if task.reminders is None else [r.key for r in task.reminders],
        last_completed_at=task.last_completed_at,
        reminders_sent_for=task.reminders_sent_for,
        reminders_sent=list(task.reminders_sent) or None,
    )


def to_entry(item: TaskModel) -> ListEntryModel:
    """The list-index entry of a task item: a copy of it in its list's partition."""
    entry_attributes = ListEntryModel.get_attributes()
    values = {
        name: value
        for name, value in item.attribute_values.items()
        if name in entry_attributes and name not in ("list_id", "sk")
    }
    return ListEntryModel(item.list_id, item.sk, **values)


def to_task(item: TaskModel) -> Task:
    """The domain task of a stored live item."""
    due = Due(item.due_at, all_day=bool(item.all_day)) if item.due_at else None
    return Task(
        id=item.task_id,
        user_id=item.user_id,
        title=item.title or "",
        description=item.description or "",
        due=due,
        priority=Priority(item.priority or "normal"),
        tags=tuple(str(tag) for tag in item.tags or ()),
        completed=bool(item.completed),
        completed_at=item.completed_at,
        created_at=item.created_at or "",
        updated_at=item.updated_at or "",
        version=int(item.version),
        deadline_key=item.due_instant,
        reminded_soon_for=item.reminded_soon_for,
        reminded_overdue_for=item.reminded_overdue_for,
        # A task stored before lists existed has none: it is in its owner's Inbox.
        list_id=item.list_id or inbox_id(item.user_id),
        parent_id=item.parent_id,
        position=item.position,
        due_tz=item.due_tz,
        recurrence=_recurrence(item),
        reminders=_reminders(item.reminders),
        last_completed_at=item.last_completed_at,
        reminders_sent_for=item.reminders_sent_for,
        reminders_sent=tuple(str(key) for key in item.reminders_sent or ()),
    )


def _recurrence(item: TaskModel) -> Recurrence | None:
    if not item.recurrence_rule:
        return None
    basis = Basis(item.recurrence_from or Basis.DUE.value)
    return Recurrence(item.recurrence_rule, basis, item.recurrence_anchor)


def _reminders(keys: list[Any] | None) -> tuple[Reminder, ...] | None:
    return None if keys is None else tuple(Reminder.from_key(str(key)) for key in keys)


def _entry_of(item: TaskModel) -> Task | TaskList | Tombstone:
    if item.sk.startswith(TOMBSTONE):
        return Tombstone(item.task_id, item.deleted_at or "", item.expires_at, item.kind or "task")
    if item.sk.startswith(LIST):
        return to_list(item)
    return to_task(item)


def _add_task_write(
    actions: Actions, change: TaskWrite, owner: User, seq: int, now: datetime, due_shards: int
) -> None:
    """The actions of one task change (the task's own condition is tagged ``task``)."""
    task = change.task
    previous = change.previous
    live = TaskModel(task.user_id, LIVE + task.id)
    expected = _version_condition(change.expected_version)
    old_list = previous.list_id if previous is not None else None
    adds, removes = _index_changes(change)
    for prefix in adds:
        actions.put(None, _entry(task, prefix))
    for prefix in removes:
        actions.delete(None, _entry(task, prefix))
    if change.delete:
        actions.delete("task", live, expected)
        actions.put(None, _tombstone(task, seq, now))
        actions.delete(None, ListEntryModel(old_list or task.list_id, LIVE + task.id))
        return
    item = to_item(task, owner, seq, now, due_shards)
    if previous is not None and change.expected_version is not None and _moved_only(previous, task):
        actions.update("task", live, _placement_actions(item, previous, task), expected)
    else:
        actions.put("task", item, expected)
    if old_list is not None and old_list != item.list_id:
        actions.delete(None, ListEntryModel(old_list, LIVE + task.id))
    actions.put(None, to_entry(item))


def _moved_only(previous: Task, task: Task) -> bool:
    """Whether only the task's place (and version, update time) changed."""
    placed = replace(
        previous,
        list_id=task.list_id,
        parent_id=task.parent_id,
        position=task.position,
        version=task.version,
        updated_at=task.updated_at,
    )
    return placed == task


def _placement_actions(item: TaskModel, previous: Task, task: Task) -> list[Any]:
    """An in-place update of the task's place: the rest of the stored item (the due-date
    job's bookkeeping included) stays as it is."""
    actions: list[Any] = [
        TaskModel.list_id.set(item.list_id),
        TaskModel.position.set(item.position),
        TaskModel.position_key.set(item.position_key),
        TaskModel.version.set(item.version),
        TaskModel.seq.set(item.seq),
    ]
    actions.append(
        TaskModel.parent_id.set(item.parent_id) if item.parent_id else TaskModel.parent_id.remove()
    )
    if task.updated_at != previous.updated_at:
        actions += [
            TaskModel.updated_at.set(item.updated_at),
            TaskModel.updated_sort.set(item.updated_sort),
        ]
    return actions


def _index_changes(change: TaskWrite) -> tuple[set[str], set[str]]:
    """Search index entries to add and to remove."""
    before = _prefixes(change.previous)
    after = set() if change.delete else _prefixes(change.task)
    return after - before, before - after


def _prefixes(task: Task | None) -> set[str]:
    return index_prefixes(task.title, task.description) if task else set()


def _entry(task: Task, prefix: str) -> SearchEntryModel:
    return SearchEntryModel(task.user_id, f"{prefix}#{task.id}", task_id=task.id)


def _tombstone(task: Task, seq: int, now: datetime) -> TaskModel:
    return TaskModel(
        task.user_id,
        TOMBSTONE + task.id,
        task_id=task.id,
        seq=seq,
        version=task.version + 1,
        deleted_at=format_instant(now),
        expires_at=now + TOMBSTONE_RETENTION,
    )


def _count_delta(change: TaskWrite) -> int:
    if change.delete:
        return -1
    return 1 if change.expected_version is None else 0


def _version_condition(expected_version: int | None) -> Any:
    if expected_version is None:
        return TaskModel.sk.does_not_exist()
    return TaskModel.version == expected_version
