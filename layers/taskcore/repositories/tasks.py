"""Tasks: live items, tombstones, and the per-user change sequence that orders writes.

Every task write is one transaction that also advances the owner's ``change_seq`` on
the account item, conditioned on the value read just before. Two consequences:

* writes of one user commit in a single order, and each task item records the sequence
  number of its last change (``seq``), which is what sync pages through; a later number
  can only commit after every earlier one, so a reader never skips a change;
* a write based on a stale read of the account (time zone, task count) fails its
  condition and is retried by the service on fresh data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactGet, TransactWrite

from taskcore.clock import format_instant
from taskcore.domain.changes import TOMBSTONE_RETENTION, Change, Tombstone
from taskcore.domain.due import Due
from taskcore.domain.listing import Segment
from taskcore.domain.recurrence import Basis, Recurrence
from taskcore.domain.reminders import next_reminder
from taskcore.domain.search import MAX_INDEXED_STARTS, index_prefixes
from taskcore.domain.task import Priority, Reminder, Task
from taskcore.domain.user import User
from taskcore.errors import DependencyUnavailable
from taskcore.repositories.users import at_change_seq, user_from_item, user_key
from taskcore.services.ports import PageKey, TaskStore, TaskWrite, WriteOutcome
from taskcore.storage.errors import dynamo_unavailable_as_503, is_condition_failed
from taskcore.storage.models import SearchEntryModel, TaskModel, UserModel

LIVE = "T#"
TOMBSTONE = "X#"


# DynamoDB's limit on the actions of one transaction. A task write is the account, the
# task, perhaps a tombstone, and its search index changes: at most all of the capped
# index removed and all of it added, so it always fits in one.
MAX_TRANSACTION_ACTIONS = 100
assert 2 * MAX_INDEXED_STARTS + 3 <= MAX_TRANSACTION_ACTIONS


class TaskRepository(TaskStore):
    """Tasks, tombstones and search entries (the services' :class:`TaskStore`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

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
        with dynamo_unavailable_as_503(), TransactGet(connection=self._connection) as tx:
            user_f = tx.get(UserModel, user_key(user_id))
            task_f = tx.get(TaskModel, user_id, LIVE + task_id)
        try:
            user = user_from_item(user_f.get())
        except UserModel.DoesNotExist:
            user = None
        try:
            task = to_task(task_f.get())
        except TaskModel.DoesNotExist:
            task = None
        return user, task

    def write(self, user: User, change: TaskWrite, now: datetime) -> WriteOutcome:
        """Commit one change together with the next change sequence number, and the
        task's search index changes, in one transaction (the index is capped so that
        they always fit: :data:`~taskcore.domain.search.MAX_INDEXED_STARTS`)."""
        seq = user.change_seq + 1
        count = user.task_count + _count_delta(change)
        task = change.task
        # Both sides are capped (:func:`index_prefixes`). Entries that a task written
        # before the cap has beyond it are left behind: a search checks every candidate
        # against the task (and finds only live tasks), so they are never shown.
        adds, removes = _index_changes(change)
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                for prefix in adds:
                    tx.save(_entry(task, prefix))
                for prefix in removes:
                    tx.delete(_entry(task, prefix))
                tx.update(
                    UserModel(user_key(user.id)),
                    actions=[UserModel.change_seq.set(seq), UserModel.task_count.set(count)],
                    condition=UserModel.pk.exists() & at_change_seq(user.change_seq),
                )
                live = TaskModel(task.user_id, LIVE + task.id)
                expected = _version_condition(change.expected_version)
                if change.delete:
                    tx.delete(live, condition=expected)
                    tx.save(_tombstone(task, seq, now))
                else:
                    tx.save(to_item(task, user, seq, now), condition=expected)
        except TransactWriteError as exc:
            return _outcome(exc)
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
                fresh = to_item(to_task(item), owner, int(item.seq), now)
                try:
                    fresh.save(condition=TaskModel.version == item.version)
                    rewritten += 1
                except PutError as exc:
                    if not is_condition_failed(exc):
                        raise
        return rewritten

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
        target: Any = TaskModel if segment.index is None else getattr(TaskModel, segment.index)
        attribute = getattr(TaskModel, segment.attribute)
        condition = None
        if segment.prefix is not None:
            condition = attribute.startswith(segment.prefix)
        elif segment.low is not None and segment.high is not None:
            condition = attribute.between(segment.low, segment.high)
        last_key = None
        if start is not None:
            last_key = {"user_id": {"S": user_id}, **{k: {"S": v} for k, v in start.items()}}
        with dynamo_unavailable_as_503():
            for item in target.query(
                user_id,
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
        """Remove every task, tombstone and search entry of a user (account deletion)."""
        removed = 0
        with dynamo_unavailable_as_503(), TaskModel.batch_write() as batch:
            for item in TaskModel.query(user_id, attributes_to_get=["user_id", "sk"]):
                batch.delete(item)
                removed += 1
        with dynamo_unavailable_as_503(), SearchEntryModel.batch_write() as entries:
            for entry in SearchEntryModel.query(user_id, attributes_to_get=["user_id", "term_key"]):
                entries.delete(entry)
        return removed


def to_item(task: Task, owner: User, seq: int, now: datetime) -> TaskModel:
    """The stored form of a live task, with its index keys for its time zone (the
    owner's for a task from before v1.1) and its next pending notification (the owner's
    lead time is the default due_soon's)."""
    timezone = task.zone(owner.timezone)
    keys = task.index_keys(timezone)
    deadline = task.due.deadline(timezone) if task.due else None
    pending = next_reminder(task, deadline, owner.reminder_lead_minutes)
    entry = pending.entry(task.user_id, task.id, now) if pending else None
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
        due_tz=task.due_tz,
        recurrence_rule=recurrence.rule if recurrence else None,
        recurrence_from=recurrence.basis.value if recurrence else None,
        recurrence_anchor=recurrence.anchor if recurrence else None,
        reminders=None if task.reminders is None else [r.key for r in task.reminders],
        last_completed_at=task.last_completed_at,
        reminders_sent_for=task.reminders_sent_for,
        reminders_sent=list(task.reminders_sent) or None,
    )


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


def _entry_of(item: TaskModel) -> Task | Tombstone:
    if item.sk.startswith(TOMBSTONE):
        return Tombstone(item.task_id, item.deleted_at or "", item.expires_at)
    return to_task(item)


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


def _outcome(exc: TransactWriteError) -> WriteOutcome:
    # PynamoDB sends a transaction's deletes and puts before its updates, so the account
    # update (the only update in a task write) has the last cancellation reason.
    codes = [reason.code if reason is not None else None for reason in exc.cancellation_reasons]
    if not codes:
        raise exc
    *task_codes, user_code = codes
    if "ConditionalCheckFailed" in task_codes:
        return WriteOutcome.TASK_CHANGED
    if user_code == "ConditionalCheckFailed" or "TransactionConflict" in codes:
        return WriteOutcome.USER_CHANGED
    if any(code in ("ThrottlingError", "ProvisionedThroughputExceeded") for code in codes):
        raise DependencyUnavailable("The database is busy; retry shortly") from exc
    raise exc
