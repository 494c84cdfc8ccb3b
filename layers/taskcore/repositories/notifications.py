"""Notifications, the due-date job's index reads, and its progress mark."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from taskcore.clock import format_instant
from taskcore.domain.notification import Notification
from taskcore.domain.reminders import DueReminder, Kind, Pending
from taskcore.repositories.tasks import LIVE
from taskcore.repositories.users import condition_failed
from taskcore.services.ports import NotificationStore, PageKey
from taskcore.storage.errors import dynamo_unavailable_as_503, is_condition_failed
from taskcore.storage.models import NotificationModel, TaskModel
from taskcore.storage.tables import NOTIFICATION_RETENTION

JOB_PARTITION = "#job"
JOB_STATE = "due-date-job"


def notification_id(task_id: str, kind: Kind, due_at: str) -> str:
    """The one id a notification of this kind for this task and due date can have."""
    digest = hashlib.sha256(due_at.encode()).hexdigest()[:10]
    return f"{task_id}.{kind.value}.{digest}"


class NotificationRepository(NotificationStore):
    """Stores notifications and serves the due-date job (the services'
    :class:`NotificationStore`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def pending(self, bucket: str, up_to_key: str) -> Iterator[DueReminder]:
        """Tasks in ``bucket`` whose next notification is due by ``up_to_key``."""
        with dynamo_unavailable_as_503():
            for item in TaskModel.by_notify_bucket.query(
                bucket, range_key_condition=TaskModel.notify_at <= f"{up_to_key}|~"
            ):
                if item.due_instant and item.notify_kind and item.notify_at:
                    yield _reminder(item)

    def record(
        self, reminder: DueReminder, kind: Kind, after: Pending | None, now: datetime
    ) -> bool:
        """Store the notification and move the task on to ``after``, atomically.

        Conditioned on the task still waiting for exactly this notification (a concurrent
        edit or another run of the job wins otherwise). Returns whether the task moved on.
        """
        notification = self._notification(reminder, kind, now)
        advance = _advance(reminder, kind, after, now)
        item = TaskModel(reminder.user_id, LIVE + reminder.task_id)
        try:
            with dynamo_unavailable_as_503(), TransactWrite(connection=self._connection) as tx:
                tx.save(notification, condition=NotificationModel.notification_id.does_not_exist())
                tx.update(item, actions=advance, condition=_unchanged(reminder))
            return True
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
        # Either the task changed (nothing to do: its new state has its own reminder), or
        # this notification already exists (a run that crashed half-way): move on alone.
        try:
            with dynamo_unavailable_as_503():
                item.update(actions=advance, condition=_unchanged(reminder))
        except UpdateError as exc:
            if not is_condition_failed(exc):
                raise
            return False
        return True

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

    def watermark(self) -> str | None:
        """The first hour bucket the job has not finished (``None`` before its first run)."""
        with dynamo_unavailable_as_503():
            try:
                state = NotificationModel.get(JOB_PARTITION, JOB_STATE, consistent_read=True)
            except NotificationModel.DoesNotExist:
                return None
        return state.watermark

    def set_watermark(self, bucket: str) -> None:
        """Record that every bucket before ``bucket`` is done."""
        with dynamo_unavailable_as_503():
            NotificationModel(JOB_PARTITION, JOB_STATE, watermark=bucket).save()

    @staticmethod
    def _notification(item: DueReminder, kind: Kind, now: datetime) -> NotificationModel:
        nid = notification_id(item.task_id, kind, item.due_at)
        created = format_instant(now)
        sort = f"{created}|{nid}"
        return NotificationModel(
            item.user_id,
            nid,
            kind=kind.value,
            task_id=item.task_id,
            task_title=item.title,
            due_at=item.due_at,
            created_at=created,
            read=False,
            created_sort=sort,
            unread_sort=sort,
            expires_at=now + NOTIFICATION_RETENTION,
        )


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
    )


def _unchanged(reminder: DueReminder) -> Condition:
    condition: Condition = (TaskModel.version == reminder.version) & (
        TaskModel.notify_at == reminder.index_key
    )
    return condition


def _advance(item: DueReminder, kind: Kind, after: Pending | None, now: datetime) -> list[Action]:
    due = item.due_at
    actions: list[Action] = [TaskModel.reminded_soon_for.set(due)]
    if kind is Kind.OVERDUE:
        actions.append(TaskModel.reminded_overdue_for.set(due))
    if after is None:
        actions += [
            TaskModel.notify_bucket.remove(),
            TaskModel.notify_at.remove(),
            TaskModel.notify_kind.remove(),
        ]
    else:
        actions += [
            TaskModel.notify_bucket.set(after.bucket(now)),
            TaskModel.notify_at.set(f"{after.index_key_for(item.user_id, item.task_id)}"),
            TaskModel.notify_kind.set(after.kind.value),
        ]
    return actions
