"""PynamoDB models: the tables and indexes of the service.

Table names and endpoints are bound at start-up by :func:`taskcore.storage.tables.bind`;
the class-level ``Meta`` values here are placeholders for that.

Key design (DESIGN.md section 4):

* ``users``: one item per account (``USER#<id>``) and one per e-mail address
  (``EMAIL#<email>``). The e-mail item enforces uniqueness and carries a copy of the
  credentials and profile, so login is one ``GetItem``. The account item also holds the
  per-user change sequence that orders writes for sync.
* ``tasks``: partition ``user_id``; sort key ``T#<ulid>`` for a live task, ``L#<id>`` for a
  list (v1.1), ``X#<id>`` for the tombstone a delete leaves (``kind`` says of what). Local
  secondary indexes give strongly consistent key-condition queries for each list shape
  (lists carry no index key but ``seq``, so only sync sees them); a sparse global index
  on an hour bucket of the next notification time serves the due-date job.
* ``list_index`` (v1.1): every live task again, in its list's partition (``list_id``,
  ``T#<ulid>``), with the same index keys plus its manual position, so that one list's
  page in any order is one strongly consistent ``Query``. No key names the owner: a list
  can later be shared without moving its tasks (README, "How the data is laid out").
* ``search``: per-user inverted index, partition ``user_id``, sort key
  ``<three-letter word start>#<task id>`` (see :mod:`taskcore.domain.search`).
* ``notifications``: partition ``user_id``, sort key derived from task, kind and due
  date (and the reminder, for ``reminder`` notifications); local indexes for
  newest-first and unread-only listing.
* ``auth``: refresh tokens (by hash), refresh families, rate-limit fallbacks, idempotency,
  e-mailed tokens (by user and purpose, holding the token's hash).
* ``outbox``: account e-mails waiting for the sender, one item per message, with a sparse
  global index on a shard and the due time.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

# The time budget of one DynamoDB call (DESIGN §3: a dependency that is down or too slow
# is a 503 with Retry-After within 10 s, on every route). Every botocore client of the
# tables (the models' and the transactions' Connection, storage/tables.py) uses these.
#
# * CONNECT_TIMEOUT_SECONDS: a TCP connect to DynamoDB (or the local emulator) takes
#   milliseconds; a host that does not answer SYN within 1 s is unreachable.
# * READ_TIMEOUT_SECONDS: the longest silence between request and answer bytes. DynamoDB
#   answers in single-digit ms (transactions tens of ms); 2 s leaves room for the local
#   emulator on a loaded 2-core machine. A stalled store (SIGSTOP, a hung process, a
#   black-holed connection) costs exactly this per attempt: the kernel still accepts
#   connections, nothing answers.
# * RETRY_ATTEMPTS: retries after the first attempt, botocore "standard" mode, which
#   retries throttling, 5xx and connection / timeout errors with jittered exponential
#   back-off (rand * 25 ms * 2**n after a 5xx or a timeout, rand * 1 s * 2**n when
#   throttled).
#
# Worst case of one call: (1 + RETRY_ATTEMPTS) attempts of at most connect + read
# seconds, plus the back-off: 3 * (1 + 2) + 0.075 = 9.1 s when each attempt connects
# slowly and then stalls, 3 * 2 + 0.075 = 6.1 s for a stalled store (measured: the e2e
# test in tests/e2e/test_stalled_dependencies_e2e.py). Throttling answers fast, so its budget is
# back-off only: at most 1 + 2 = 3 s. A request fails at its first call that exhausts
# this budget, so a stalled store is a 503 in about 6 s on every route. nginx's
# proxy_read_timeout (local/nginx.conf) sits above WORST_CALL_SECONDS, so nginx never
# gives up on a worker that is about to answer 503.
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 2.0
RETRY_ATTEMPTS = 2
_MAX_TIMEOUT_BACKOFF_SECONDS = sum(0.025 * 2**n for n in range(RETRY_ATTEMPTS))
WORST_CALL_SECONDS = (1 + RETRY_ATTEMPTS) * (
    CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
) + _MAX_TIMEOUT_BACKOFF_SECONDS


class _BaseMeta:
    table_name = "unbound"
    region = "us-east-1"
    host: str | None = None
    billing_mode = "PAY_PER_REQUEST"
    max_retry_attempts = RETRY_ATTEMPTS
    connect_timeout_seconds = CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds = READ_TIMEOUT_SECONDS


class UserModel(Model):
    """An account (``pk = USER#<id>``) or its e-mail claim (``pk = EMAIL#<email>``)."""

    class Meta(_BaseMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    timezone = UnicodeAttribute(default="UTC")
    reminder_lead_minutes = NumberAttribute(default=60)
    password_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Only on the USER item: the last change sequence number handed out to a task write,
    # and the number of live tasks (for the quota).
    change_seq = NumberAttribute(null=True)
    task_count = NumberAttribute(null=True)
    # Absent on accounts from before address verification: read as not verified.
    email_verified = BooleanAttribute(null=True)
    # v1.1, USER item only: the number of lists (for the quota), and whether the account
    # has its Inbox with every task in the list index (set at registration, or once an
    # account from before lists has been brought up to date).
    list_count = NumberAttribute(null=True)
    lists_ready = BooleanAttribute(null=True)


class _LocalIndexMeta:
    projection = AllProjection()


class DueIndex(LocalSecondaryIndex["TaskModel"]):
    """Live tasks by due instant; tasks without a due date sort last."""

    class Meta(_LocalIndexMeta):
        index_name = "by_due"

    user_id = UnicodeAttribute(hash_key=True)
    due_sort = UnicodeAttribute(range_key=True)


class StatusDueIndex(LocalSecondaryIndex["TaskModel"]):
    """Live tasks by completion status, then due instant."""

    class Meta(_LocalIndexMeta):
        index_name = "by_status_due"

    user_id = UnicodeAttribute(hash_key=True)
    status_due = UnicodeAttribute(range_key=True)


class StatusCreatedIndex(LocalSecondaryIndex["TaskModel"]):
    """Live tasks by completion status, then creation (the task id is time-sortable)."""

    class Meta(_LocalIndexMeta):
        index_name = "by_status_created"

    user_id = UnicodeAttribute(hash_key=True)
    status_created = UnicodeAttribute(range_key=True)


class UpdatedIndex(LocalSecondaryIndex["TaskModel"]):
    """Live tasks by last update."""

    class Meta(_LocalIndexMeta):
        index_name = "by_updated"

    user_id = UnicodeAttribute(hash_key=True)
    updated_sort = UnicodeAttribute(range_key=True)


class SeqIndex(LocalSecondaryIndex["TaskModel"]):
    """Live tasks and tombstones in the order their last change committed (sync)."""

    class Meta(_LocalIndexMeta):
        index_name = "by_seq"

    user_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)


class NotifyIndex(GlobalSecondaryIndex["TaskModel"]):
    """Open tasks with a pending notification, by hour bucket of the notification time."""

    class Meta:
        index_name = "by_notify_bucket"
        projection = AllProjection()

    notify_bucket = UnicodeAttribute(hash_key=True)
    notify_at = UnicodeAttribute(range_key=True)


class TaskModel(Model):
    """A live task (``sk = T#<id>``) or the tombstone of a deleted one (``sk = X#<id>``)."""

    class Meta(_BaseMeta):
        pass

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    task_id = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)  # UTC instant, or the date of an all-day task
    due_instant = UnicodeAttribute(null=True)  # when it is due, as a sort key (UTC, ms)
    all_day = BooleanAttribute(null=True)
    priority = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    completed = BooleanAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)
    seq = NumberAttribute()  # per-user change sequence number of the last change
    deleted_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    # Index sort keys, present only on live tasks (tombstones fall out of every index).
    due_sort = UnicodeAttribute(null=True)
    status_due = UnicodeAttribute(null=True)
    status_created = UnicodeAttribute(null=True)
    updated_sort = UnicodeAttribute(null=True)
    # Due-date job: set while a notification is pending.
    notify_bucket = UnicodeAttribute(null=True)
    notify_at = UnicodeAttribute(null=True)
    notify_kind = UnicodeAttribute(null=True)
    # The due date (as in ``due_at``) each kind of notification was last sent for: a
    # re-dated task is reminded again, a reopened one is not reminded twice.
    reminded_soon_for = UnicodeAttribute(null=True)
    reminded_overdue_for = UnicodeAttribute(null=True)
    # v1.1. Tasks: their list (absent on tasks stored before lists: the Inbox), parent and
    # manual position, with the position index's key (indexed in the list index only).
    # Lists (``L#<id>``, ``task_id`` = the list's id): name, position, Inbox flag, and
    # ``deleting`` while a cascade delete is under way. Tombstones: ``kind`` "list" for a
    # deleted list (absent: a task).
    list_id = UnicodeAttribute(null=True)
    parent_id = UnicodeAttribute(null=True)
    position = UnicodeAttribute(null=True)
    position_key = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    is_inbox = BooleanAttribute(null=True)
    deleting = BooleanAttribute(null=True)
    # v1.1: the zone the due date is meant in (absent on tasks stored before v1.1: they
    # follow the owner's), the recurrence (RRULE, "due" or "completion", the series'
    # anchor as wall time), the reminders (null: the default due_soon; each a
    # ``Reminder.key``), and the keys of those already sent for one occurrence.
    due_tz = UnicodeAttribute(null=True)
    recurrence_rule = UnicodeAttribute(null=True)
    recurrence_from = UnicodeAttribute(null=True)
    recurrence_anchor = UnicodeAttribute(null=True)
    reminders = ListAttribute(of=UnicodeAttribute, null=True)
    last_completed_at = UnicodeAttribute(null=True)
    reminders_sent_for = UnicodeAttribute(null=True)
    reminders_sent = ListAttribute(of=UnicodeAttribute, null=True)

    by_due = DueIndex()
    by_status_due = StatusDueIndex()
    by_status_created = StatusCreatedIndex()
    by_updated = UpdatedIndex()
    by_seq = SeqIndex()
    by_notify_bucket = NotifyIndex()


class EntryPositionIndex(LocalSecondaryIndex["ListEntryModel"]):
    """A list's tasks by parent, then manual position."""

    class Meta(_LocalIndexMeta):
        index_name = "by_position"

    list_id = UnicodeAttribute(hash_key=True)
    position_key = UnicodeAttribute(range_key=True)


class EntryDueIndex(LocalSecondaryIndex["ListEntryModel"]):
    """A list's tasks by due instant (as ``by_due`` of the tasks table)."""

    class Meta(_LocalIndexMeta):
        index_name = "by_due"

    list_id = UnicodeAttribute(hash_key=True)
    due_sort = UnicodeAttribute(range_key=True)


class EntryStatusDueIndex(LocalSecondaryIndex["ListEntryModel"]):
    """A list's tasks by status, then due instant."""

    class Meta(_LocalIndexMeta):
        index_name = "by_status_due"

    list_id = UnicodeAttribute(hash_key=True)
    status_due = UnicodeAttribute(range_key=True)


class EntryStatusCreatedIndex(LocalSecondaryIndex["ListEntryModel"]):
    """A list's tasks by status, then creation."""

    class Meta(_LocalIndexMeta):
        index_name = "by_status_created"

    list_id = UnicodeAttribute(hash_key=True)
    status_created = UnicodeAttribute(range_key=True)


class EntryUpdatedIndex(LocalSecondaryIndex["ListEntryModel"]):
    """A list's tasks by last update."""

    class Meta(_LocalIndexMeta):
        index_name = "by_updated"

    list_id = UnicodeAttribute(hash_key=True)
    updated_sort = UnicodeAttribute(range_key=True)


class ListEntryModel(TaskModel):
    """A live task in its list's partition (``list_id``, ``sk = T#<id>``): a copy of the
    task item (every attribute, so a list page needs nothing else), written in the
    task's own transactions. A subclass so that it has every attribute the task item has,
    now and later; its own keys and indexes replace the task table's.
    """

    class Meta(_BaseMeta):
        pass

    # The task table's key names, inherited from TaskModel, would clash with these.
    _hash_keyname = None
    _range_keyname = None
    list_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()  # the owner, a plain attribute here
    expires_at = None  # type: ignore[assignment]  # only tombstones expire; none is copied

    by_position = EntryPositionIndex()
    by_due = EntryDueIndex()  # type: ignore[assignment]
    by_status_due = EntryStatusDueIndex()  # type: ignore[assignment]
    by_status_created = EntryStatusCreatedIndex()  # type: ignore[assignment]
    by_updated = EntryUpdatedIndex()  # type: ignore[assignment]
    by_seq = None  # type: ignore[assignment]
    by_notify_bucket = None  # type: ignore[assignment]


class SearchEntryModel(Model):
    """One entry of a user's inverted index: ``<three-letter word start>#<task id>``."""

    class Meta(_BaseMeta):
        pass

    user_id = UnicodeAttribute(hash_key=True)
    term_key = UnicodeAttribute(range_key=True)
    task_id = UnicodeAttribute()


class NotificationsByCreatedIndex(LocalSecondaryIndex["NotificationModel"]):
    """A user's notifications, newest last."""

    class Meta(_LocalIndexMeta):
        index_name = "by_created"

    user_id = UnicodeAttribute(hash_key=True)
    created_sort = UnicodeAttribute(range_key=True)


class UnreadNotificationsIndex(LocalSecondaryIndex["NotificationModel"]):
    """Only the unread ones (the key is removed when a notification is read)."""

    class Meta(_LocalIndexMeta):
        index_name = "by_unread"

    user_id = UnicodeAttribute(hash_key=True)
    unread_sort = UnicodeAttribute(range_key=True)


class NotificationModel(Model):
    """A due-date notification. Its id is derived from the task, the kind and the due date,
    so however often the job runs, a second copy cannot be stored.

    The due-date job keeps its own progress here too, under ``user_id = "#job"``.
    """

    class Meta(_BaseMeta):
        pass

    user_id = UnicodeAttribute(hash_key=True)
    notification_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(null=True)
    task_id = UnicodeAttribute(null=True)
    task_title = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    read = BooleanAttribute(null=True)
    created_sort = UnicodeAttribute(null=True)
    unread_sort = UnicodeAttribute(null=True)
    watermark = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    # v1.1: the occurrence's due date (as ``due_at``) and, for due_soon and reminder
    # notifications, the moment they were meant for.
    occurrence_due_at = UnicodeAttribute(null=True)
    remind_at = UnicodeAttribute(null=True)

    by_created = NotificationsByCreatedIndex()
    by_unread = UnreadNotificationsIndex()


class AuthModel(Model):
    """Refresh tokens (``RT#<sha256>``), refresh families (``FAM#<id>``) and other
    short-lived security records, each expiring through TTL."""

    class Meta(_BaseMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    family_id = UnicodeAttribute(null=True)
    spent = BooleanAttribute(null=True)
    revoked = BooleanAttribute(null=True)
    payload = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute()


class PendingMailIndex(GlobalSecondaryIndex["OutboxModel"]):
    """Messages waiting for delivery, per shard, by when they are due (sparse: a message
    leaves the index when it is delivered or given up)."""

    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    pending_shard = UnicodeAttribute(hash_key=True)
    due_key = UnicodeAttribute(range_key=True)


class OutboxModel(Model):
    """An account e-mail written in the same transaction as the change that causes it
    (:mod:`taskcore.repositories.outbox` explains the keys and the sharding)."""

    class Meta(_BaseMeta):
        pass

    message_id = UnicodeAttribute(hash_key=True)
    template = UnicodeAttribute()
    recipient = UnicodeAttribute(null=True)
    params = UnicodeAttribute(null=True)  # JSON; removed once delivered or given up
    created_at = UnicodeAttribute()
    discard_after = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    pending_shard = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()

    by_due = PendingMailIndex()


ALL_MODELS: tuple[type[Model], ...] = (
    UserModel,
    TaskModel,
    SearchEntryModel,
    NotificationModel,
    AuthModel,
    OutboxModel,
    ListEntryModel,
)
LOGICAL_NAMES: dict[type[Model], str] = {
    UserModel: "users",
    TaskModel: "tasks",
    SearchEntryModel: "search",
    NotificationModel: "notifications",
    AuthModel: "auth",
    OutboxModel: "outbox",
    ListEntryModel: "list_index",
}
