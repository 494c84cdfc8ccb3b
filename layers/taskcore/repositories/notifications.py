"""Notifications, the due-date job's index reads, and its progress mark."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from taskcore.clock import format_instant
from taskcore.domain.notification import Notification
from taskcore.domain.reminders import Delivery, DueReminder, Kind, Moment
from taskcore.repositories.tasks import LIVE, to_task
from taskcore.repositories.users import condition_failed
from taskcore.services.ports import NotificationStore, PageKey
from taskcore.storage.errors import dynamo_unavailable_as_503, is_condition_failed
from taskcore.storage.models import NotificationModel, TaskModel
from taskcore.storage.tables import NOTIFICATION_RETENTION

JOB_PARTITION = "#job"
# One progress mark per shard of the due-time index, ``due-date-job#0007``: four digits,
# so that the marks of a range of shards are one key range (config.MAX_DUE_INDEX_SHARDS).
# The single mark from before sharding (``due-date-job``) sorts just before them: it is
# read with shard 0's (whose key is the unsharded one), which starts from it until it has
# a mark of its own, so a job that was behind at the upgrade still catches up.
JOB_STATE = "due-date-job"


def notification_id(task_id: str, kind: Kind, due_at: str, reminder: str | None = None) -> str:
    """The one id a notification of this kind for this task and occurrence (its due date)
    can have; a ``reminder`` notification is one per reminder key of the occurrence."""
    material = due_at if reminder is None else f"{due_at}|{reminder}"
    digest = hashlib.sha256(material.encode()).hexdigest()[:10]
    return f"{task_id}.{kind.value}.{digest}"


# How often one delivery is tried again after a TransactionConflict with another writer.
_CONFLICT_RETRIES = 3


class NotificationRepository(NotificationStore):
    """Stores notifications and serves the due-date job (the services'
    :class:`NotificationStore`)."""

    def __init__(self, connection: Connection, due_shards: int) -> None:
        self._connection = connection
        self._due_shards = due_shards  # how many shards the next reminders are filed over

    def pending(self, partition: str, up_to_key: str) -> Iterator[DueReminder]:
        """Tasks in index ``partition`` whose next notification is due by ``up_to_key``."""
        with dynamo_unavailable_as_503():
            for item in TaskModel.by_notify_bucket.query(
                partition, range_key_condition=TaskModel.notify_at <= f"{up_to_key}|~"
            ):
                if item.due_instant and item.notify_kind and item.notify_at:
                    yield _reminder(item)

    def record(self, reminder: DueReminder, delivery: Delivery, now: datetime) -> bool:
        """Store the delivery's notifications and move the task on to its bookkeeping and
        next notification, atomically (at most six notifications, five reminders and the
        overdue one, and the task: one transaction).

        Conditioned on the task still waiting for exactly this notification (a concurrent
        edit or another run of the job wins otherwise). A notification that exists
        already (a run that crashed half-way, or an edit that re-filed what was sent) is
        left out of a second attempt. Returns whether the task moved on.
        """
        notifications = [self._notification(reminder, m, now) for m in delivery.send]
        item = TaskModel(reminder.user_id, LIVE + reminder.task_id)
        advance = _advance(reminder, delivery, now, self._due_shards)
        conflicts = 0
        for _ in range(2 + _CONFLICT_RETRIES):
            try:
                with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                    for notification in notifications:
                        tx.save(
                            notification,
                            condition=NotificationModel.notification_id.does_not_exist(),
                        )
                    tx.update(item, actions=advance, condition=_unchanged(reminder))
                return True
            except TransactWriteError as exc:
                if not condition_failed(exc):
                    # Two runs over the same shard (an SQS redelivery, an overlap) write
                    # the same task at the same moment: DynamoDB cancels one as a
                    # TransactionConflict. Tried again, it finds the other's work done
                    # (its conditions fail) instead of ending this run's whole group.
                    if "TransactionConflict" in _reasons(exc) and conflicts < _CONFLICT_RETRIES:
                        conflicts += 1
                        time.sleep(0.05 * conflicts)
                        continue
                    raise
                # Puts come before updates in PynamoDB's transactions: the task's
                # reason is the last one.
                *stored, task_reason = _reasons(exc)
                if task_reason == "ConditionalCheckFailed":
                    return False  # the task changed: its new state has its own reminder
                notifications = [
                    n
                    for n, code in zip(notifications, stored, strict=True)
                    if code != "ConditionalCheckFailed"
                ]
        return False

    def page(
        self, user_id: str, *, unread_only: bool, limit: int, start: PageKey | None
    ) -> Iterator[tuple[Notification, PageKey]]:
        """A user's notifications, newest first, each with its key in the index read."""
        index = NotificationModel.by_unread if unread_only else NotificationModel.by_created
        attribute = "unread_sort" if unread_only else "created_sort"
        last_key = None
        if start is not None:
            last_key = {"user_id": {"S": user_id}, **{k: {"S": v} for k, v in start.items()}}
        with dynamo_unavailable_as_503():
            for item in index.query(
                user_id,
                scan_index_forward=False,
                consistent_read=True,
                page_size=limit,
                last_evaluated_key=last_key,
            ):
                key = {
                    "notification_id": item.notification_id,
                    attribute: str(getattr(item, attribute)),
                }
                yield _notification(item), key

    def mark_read(self, user_id: str, notification_id: str, now: datetime) -> bool:
        """Mark one of the user's live notifications read; ``False`` when there is none."""
        try:
            with dynamo_unavailable_as_503():
                NotificationModel(user_id, notification_id).update(
                    actions=[
                        NotificationModel.read.set(True),
                        NotificationModel.unread_sort.remove(),
                    ],
                    condition=NotificationModel.notification_id.exists()
                    & (NotificationModel.expires_at > now),
                )
        except UpdateError as exc:
            if is_condition_failed(exc):
                return False
            raise
        return True

    def delete_everything(self, user_id: str) -> None:
        """Remove all of a user's notifications (account deletion)."""
        with dynamo_unavailable_as_503(), NotificationModel.batch_write() as batch:
            keys = ["user_id", "notification_id"]
            for item in NotificationModel.query(user_id, attributes_to_get=keys):
                batch.delete(item)

    def watermarks(self, shards: range) -> dict[int, str]:
        """The first hour bucket each of ``shards`` has not finished, for the shards the
        job has marked: one strongly consistent ``Query`` of the range's marks."""
        if not shards:
            return {}
        marks: dict[int, str] = {}
        first = JOB_STATE if shards[0] == 0 else _mark_key(shards[0])
        legacy: str | None = None
        with dynamo_unavailable_as_503():
            for state in NotificationModel.query(
                JOB_PARTITION,
                NotificationModel.notification_id.between(first, _mark_key(shards[-1])),
                consistent_read=True,
            ):
                if not state.watermark:
                    continue
                if state.notification_id == JOB_STATE:
                    legacy = state.watermark
                else:
                    marks[int(state.notification_id.rpartition("#")[2])] = state.watermark
        if legacy is not None and 0 not in marks:
            marks[0] = legacy
        return marks

    def set_watermark(self, shard: int, bucket: str) -> None:
        """Record that every hour bucket of ``shard`` before ``bucket`` is done."""
        with dynamo_unavailable_as_503():
            NotificationModel(JOB_PARTITION, _mark_key(shard), watermark=bucket).save()

    @staticmethod
    def _notification(item: DueReminder, moment: Moment, now: datetime) -> NotificationModel:
        reminder_key = moment.key if moment.kind is Kind.REMINDER else None
        nid = notification_id(item.task_id, moment.kind, item.due_at, reminder_key)
        created = format_instant(now)
        sort = f"{created}|{nid}"
        return NotificationModel(
            item.user_id,
            nid,
            kind=moment.kind.value,
            task_id=item.task_id,
            task_title=item.title,
            due_at=item.due_at,
            occurrence_due_at=item.due_at,
            remind_at=None if moment.kind is Kind.OVERDUE else format_instant(moment.at),
            created_at=created,
            read=False,
            created_sort=sort,
            unread_sort=sort,
            expires_at=now + NOTIFICATION_RETENTION,
        )


def _mark_key(shard: int) -> str:
    return f"{JOB_STATE}#{shard:04d}"


def _reminder(item: TaskModel) -> DueReminder:
    return DueReminder(
        user_id=item.user_id,
        task_id=item.task_id,
        title=item.title or "",
        due_at=item.due_at or "",
        deadline=datetime.fromisoformat(item.due_instant),
        kind=Kind(item.notify_kind),
        version=int(item.version),
        index_key=item.notify_at,
        task=to_task(item),
    )


def _notification(item: NotificationModel) -> Notification:
    return Notification(
        id=item.notification_id,
        kind=item.kind,
        task_id=item.task_id,
        task_title=item.task_title,
        due_at=item.due_at,
        created_at=item.created_at,
        read=bool(item.read),
        expires_at=item.expires_at,
        occurrence_due_at=item.occurrence_due_at or item.due_at,
        remind_at=item.remind_at,
    )


def _unchanged(reminder: DueReminder) -> Condition:
    condition: Condition = (TaskModel.version == reminder.version) & (
        TaskModel.notify_at == reminder.index_key
    )
    return condition


def _reasons(exc: TransactWriteError) -> list[str | None]:
    return [reason.code if reason is not None else None for reason in exc.cancellation_reasons]


def _advance(item: DueReminder, delivery: Delivery, now: datetime, shards: int) -> list[Action]:
    """The job's bookkeeping (never a change the user sees: no version, no sequence)."""
    task = delivery.task
    # PynamoDB types a list of strings as a list of attributes.
    sent = cast(Any, list(task.reminders_sent))
    actions: list[Action] = [
        _set_or_remove(TaskModel.reminded_soon_for, task.reminded_soon_for),
        _set_or_remove(TaskModel.reminded_overdue_for, task.reminded_overdue_for),
        _set_or_remove(TaskModel.reminders_sent_for, task.reminders_sent_for),
        TaskModel.reminders_sent.set(sent) if sent else TaskModel.reminders_sent.remove(),
    ]
    after = delivery.after
    if after is None:
        actions += [
            TaskModel.notify_bucket.remove(),
            TaskModel.notify_at.remove(),
            TaskModel.notify_kind.remove(),
        ]
    else:
        entry = after.entry(item.user_id, item.task_id, now, shards)
        actions += [
            TaskModel.notify_bucket.set(entry.bucket),
            TaskModel.notify_at.set(entry.key),
            TaskModel.notify_kind.set(entry.kind),
        ]
    return actions


def _set_or_remove(attribute: UnicodeAttribute, value: str | None) -> Action:
    return attribute.set(value) if value is not None else attribute.remove()
