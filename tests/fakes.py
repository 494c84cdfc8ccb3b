"""In-memory fakes of the service layer's ports (:mod:`taskcore.services.ports`).

One class per port, each matching what its real adapter (``taskcore/repositories/*.py``,
``taskcore/cache/``) lets a caller observe: the same conditions, the same bookkeeping
(change sequence, task count, tombstones, search entries, pending reminders), the same
orders and page keys, and the same lazy treatment of expired items. What they do not
model is concurrency between processes: a test stages a lost race with the hooks the
fakes offer (``before_write``, ``fail_next``, ...).

The fakes share state the way the tables do: :class:`FakeTasks` advances the account
counters kept by :class:`FakeUsers`, and :class:`FakeNotifications` reads and updates
the task items of :class:`FakeTasks` (the due-date job's index lives on the tasks table).

:func:`fake_deps` wires them into a :class:`~taskcore.services.deps.Deps` with the real
pure helpers (bcrypt at cost 4, JWTs and cursors signed with a test secret).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import SecretStr

from support import FakeClock
from taskcore.auth import AccessTokens, PasswordHasher
from taskcore.clock import epoch_seconds, expired, format_instant
from taskcore.config import Settings
from taskcore.cursors import CursorCodec
from taskcore.domain.changes import TOMBSTONE_RETENTION, Change, Tombstone
from taskcore.domain.email import Letter
from taskcore.domain.listing import Segment
from taskcore.domain.lists import TaskList, inbox_id
from taskcore.domain.notification import Notification
from taskcore.domain.reminders import Delivery, DueReminder, Kind, next_reminder
from taskcore.domain.search import index_prefixes
from taskcore.domain.task import Task
from taskcore.domain.user import User
from taskcore.errors import Conflict, RateLimited
from taskcore.services import accounts
from taskcore.services.deps import Deps
from taskcore.services.ports import (
    Cache,
    Claim,
    Clock,
    CredentialStore,
    EmailToken,
    IdempotencyRecord,
    IdempotencyStore,
    Limit,
    Limiter,
    ListStore,
    ListWrite,
    Mailer,
    MailRejected,
    MailUnavailable,
    NotificationStore,
    Outbox,
    OutboxMessage,
    PageKey,
    RefreshState,
    SessionMemory,
    SessionsEnd,
    SessionStore,
    SpendOutcome,
    TaskBatch,
    TaskStore,
    TaskWrite,
    TokenMail,
    TokenPurpose,
    UserStore,
    WriteOutcome,
)

T = TypeVar("T")

TEST_SECRET = "unit-test-secret-not-for-production-0123456789"

# Copies of adapter constants (the fakes do not import the adapters);
# tests/unit/test_services_fakes.py checks that they still agree.
NOTIFICATION_RETENTION = timedelta(days=30)  # taskcore.storage.tables
CACHE_ENTRY_TTL = timedelta(seconds=60)  # taskcore.cache.user_cache.ENTRY_TTL_SECONDS
SESSION_MEMORY_TTL = timedelta(seconds=30)  # taskcore.cache.user_cache.SESSION_TTL_SECONDS

LIVE = "T#"  # sort-key prefix of a live task (taskcore.repositories.tasks.LIVE)
OUTBOX_SHARDS = 8  # taskcore.repositories.mail_items.OUTBOX_SHARDS
GIVEN_UP_RETENTION = timedelta(days=14)  # taskcore.repositories.outbox.GIVEN_UP_RETENTION


def ttl(moment: datetime) -> datetime:
    """``moment`` as a DynamoDB TTL attribute keeps it: whole epoch seconds, in UTC.

    PynamoDB's ``TTLAttribute`` drops the fraction, so an item read back expires up to a
    second earlier than the moment it was given; the fakes store the same value.
    """
    return datetime.fromtimestamp(epoch_seconds(moment), UTC)


def notification_id(task_id: str, kind: Kind, due_at: str, reminder: str | None = None) -> str:
    """The one id a notification of this kind, task, occurrence (and reminder) can have.

    The rule of ``taskcore.repositories.notifications.notification_id``, restated here
    so that the fakes do not depend on the adapters (a parity test compares the two).
    """
    material = due_at if reminder is None else f"{due_at}|{reminder}"
    digest = hashlib.sha256(material.encode()).hexdigest()[:10]
    return f"{task_id}.{kind.value}.{digest}"


def _pages(rows: list[T], page_size: int | None, on_page: Callable[[int], None]) -> Iterator[T]:
    """Yield ``rows`` a page at a time, reporting each page's size when it is fetched,
    as a DynamoDB ``Query`` reads (and bills) a whole page even if the caller stops."""
    size = page_size or max(len(rows), 1)
    for first in range(0, len(rows), size):
        page = rows[first : first + size]
        on_page(len(page))
        yield from page


# --------------------------------------------------------------------------- users


class FakeUsers(UserStore):
    """Accounts, stored as the ``users`` table does: the account item (``USER#<id>``) and
    the e-mail item (``EMAIL#<email>``), each a full copy of the profile.

    Task writes advance ``change_seq`` and ``task_count`` on the account item only (see
    :meth:`set_counters`), so :meth:`get_by_email` returns counters as of the last
    profile write, exactly like the real e-mail item.
    """

    def __init__(self) -> None:
        self._accounts: dict[str, User] = {}
        self._emails: dict[str, User] = {}
        # Run (and dropped) one at a time just before update_profile checks its condition:
        # a concurrent writer that commits first.
        self.before_update: list[Callable[[], None]] = []
        self.reads = 0
        self.profile_writes = 0
        # Where a token and its message written with a new account go (the credential
        # and outbox fakes, wired by fake_deps), as the account transaction writes them.
        self.on_mail: Callable[[TokenMail], None] | None = None
        self.tables: FakeTasks | None = None  # where an Inbox goes (set by FakeTasks)

    def get(self, user_id: str) -> User | None:
        self.reads += 1
        return self._accounts.get(user_id)

    def get_by_email(self, email: str) -> User | None:
        self.reads += 1
        return self._emails.get(email)

    def create(
        self, user: User, mail: TokenMail | None = None, inbox: TaskList | None = None
    ) -> None:
        # One transaction of two puts (three with the Inbox, on the tasks table), each
        # conditioned on its item not existing, and the token and message puts.
        if user.email in self._emails or user.id in self._accounts:
            raise Conflict("An account with this e-mail address already exists")
        self._accounts[user.id] = user
        self._emails[user.email] = user
        if mail is not None:
            assert self.on_mail is not None, "wire FakeUsers.on_mail (fake_deps does)"
            self.on_mail(mail)
        if inbox is not None:
            assert self.tables is not None, "FakeTasks(users) stores the Inbox"
            self.tables.put_list(inbox, user.change_seq)

    def update_profile(self, before: User, after: User) -> bool:
        if self.before_update:
            self.before_update.pop(0)()
        self.profile_writes += 1
        current = self._accounts.get(after.id)
        if current is None or current.change_seq != before.change_seq:
            return False
        if after.email not in self._emails:
            return False
        # A profile write takes a change sequence number too (no task carries it).
        stored = replace(after, change_seq=before.change_seq + 1)
        self._accounts[after.id] = stored
        self._emails[after.email] = stored
        return True

    def delete(self, user: User) -> None:
        self._accounts.pop(user.id, None)
        self._emails.pop(user.email, None)

    # Test and sibling-fake helpers (not part of the port).

    def stored(self, user_id: str) -> User | None:
        """The account item as stored, without counting a read."""
        return self._accounts.get(user_id)

    def put_both(self, before: User, after: User) -> bool:
        """What a credential transaction does to the two account items: both written
        with the next change sequence number if the account is still at ``before``'s."""
        current = self._accounts.get(after.id)
        if current is None or current.change_seq != before.change_seq:
            return False
        if after.email not in self._emails:
            return False
        stored = replace(after, change_seq=before.change_seq + 1)
        self._accounts[after.id] = stored
        self._emails[after.email] = stored
        return True

    def set_counters(self, user_id: str, change_seq: int, task_count: int, **more: Any) -> None:
        """What a task (or list) write's update of the account item does (account item
        only): ``more`` sets ``list_count`` / ``lists_ready``."""
        self._accounts[user_id] = replace(
            self._accounts[user_id], change_seq=change_seq, task_count=task_count, **more
        )


# --------------------------------------------------------------------------- tasks


@dataclass
class TaskItem:
    """A live task as the tasks table holds it (``sk = T#<id>``): the task as ``to_task``
    reads it back, the sequence number of its last change, its list-index sort keys and
    the due-date job's index attributes (``None`` when nothing is pending)."""

    task: Task
    seq: int
    keys: dict[str, str]
    notify_bucket: str | None
    notify_at: str | None
    notify_kind: str | None


@dataclass
class TombstoneItem:
    """What a delete leaves (``sk = X#<id>``): in the change history only."""

    tombstone: Tombstone
    seq: int


def stored_task(task: Task, owner: User, seq: int, now: datetime, due_shards: int) -> TaskItem:
    """The item ``taskcore.repositories.tasks.to_item`` writes, as ``to_task`` reads it:
    deadline key and reminder computed for the task's time zone (the owner's for a task
    from before v1.1) and the owner's lead time, filed in its shard of ``due_shards``."""
    timezone = task.zone(owner.timezone)
    deadline = task.due.deadline(timezone) if task.due else None
    pending = next_reminder(task, deadline, owner.reminder_lead_minutes)
    entry = pending.entry(task.user_id, task.id, now, due_shards) if pending else None
    # The caller's deadline_key may be stale (another time zone): it is recomputed.
    read_back = _with_list(
        replace(task, deadline_key=task.due.sort_key(timezone) if task.due else None)
    )
    return TaskItem(
        task=read_back,
        seq=seq,
        keys=_keys(task, timezone),
        notify_bucket=entry.bucket if entry else None,
        notify_at=entry.key if entry else None,
        notify_kind=entry.kind if entry else None,
    )


def _keys(task: Task, timezone: str) -> dict[str, str]:
    """The item's sort keys: table, list indexes, and (when placed) the position index."""
    keys = {"sk": LIVE + task.id, **task.index_keys(timezone)}
    if task.position_key is not None:
        keys["position_key"] = task.position_key
    return keys


def _with_list(task: Task) -> Task:
    """The task as ``to_task`` reads it back: no list means the owner's Inbox."""
    return task if task.list_id else replace(task, list_id=inbox_id(task.user_id))


@dataclass
class ListItem:
    """A list as the tasks table holds it (``sk = L#<id>``), with its change number."""

    task_list: TaskList
    seq: int


def _in_segment(value: str, segment: Segment) -> bool:
    if segment.prefix is not None:
        return value.startswith(segment.prefix)
    if segment.low is not None and segment.high is not None:
        return segment.low <= value <= segment.high  # BETWEEN is inclusive
    return True


def _search_prefixes(task: Task | None) -> set[str]:
    return index_prefixes(task.title, task.description) if task else set()


def _moved_only(current: TaskItem, task: Task) -> bool:
    placed = replace(
        current.task,
        list_id=task.list_id,
        parent_id=task.parent_id,
        position=task.position,
        version=task.version,
        updated_at=task.updated_at,
    )
    return placed == task


class FakeTasks(TaskStore):
    """Tasks, tombstones, the search index and the account's change sequence.

    :meth:`write` behaves like the real transaction: the task condition (no such task
    for a create, else the expected version) failing gives ``TASK_CHANGED`` (it wins
    over the account condition, as in ``_outcome``); the account not being at
    ``user.change_seq`` gives ``USER_CHANGED``; otherwise the change commits with number
    ``change_seq + 1``, ``task_count`` moves, search entries follow ``previous`` ->
    ``task``, and a delete leaves a tombstone.

    Hooks for tests: ``before_write`` callables run (one per write, first in first out)
    just before a write checks its conditions, to let a concurrent writer commit first;
    ``fail_next`` outcomes are returned (one per write) without committing anything.
    Counters: ``writes`` (calls), ``commits``, ``reads`` (read requests) and
    ``items_read`` (items fetched by queries, a page at a time).

    v1.1: the tasks table's list items (``L#``, see :class:`FakeLists`) live here too, and
    so does the list index: an entry per live task in its list's partition, written in
    the same "transaction" as the task. :meth:`write_batch` commits several changes, each
    with its own number; a change that only moves a task (list, parent, position,
    version, update time) keeps the rest of the stored item, as the adapter's in-place
    update does; ``into_list`` failing (no such list, or being deleted) gives
    ``LIST_REFUSED`` (after ``TASK_CHANGED``, before ``USER_CHANGED``).
    """

    def __init__(self, users: FakeUsers, due_shards: int) -> None:
        self._users = users
        users.tables = self
        self.due_shards = due_shards  # the due-time index's shards (DUE_INDEX_SHARDS)
        self._live: dict[str, dict[str, TaskItem]] = {}
        self._tombstones: dict[str, dict[str, TombstoneItem]] = {}
        self._search: dict[str, dict[str, str]] = {}  # user -> "<prefix>#<task id>" -> id
        self._lists: dict[str, dict[str, ListItem]] = {}  # user -> list id -> item
        self._entries: dict[str, dict[str, TaskItem]] = {}  # list id -> task id -> entry
        self.before_write: list[Callable[[], None]] = []
        self.fail_next: list[WriteOutcome] = []
        self.writes = 0
        self.commits = 0
        self.reads = 0
        self.items_read = 0

    def get(self, user_id: str, task_id: str) -> Task | None:
        self.reads += 1
        item = self.item(user_id, task_id)
        return item.task if item else None

    def load_for_write(self, user_id: str, task_id: str) -> tuple[User | None, Task | None]:
        self.reads += 1
        item = self.item(user_id, task_id)
        return self._users.stored(user_id), item.task if item else None

    def write(self, user: User, change: TaskWrite, now: datetime) -> WriteOutcome:
        return self.write_batch(user, TaskBatch((change,)), now)

    def read_for_write(
        self, user_id: str, task_ids: Sequence[str]
    ) -> tuple[User | None, dict[str, Task]]:
        self.reads += 1
        found = {i: item.task for i in task_ids if (item := self.item(user_id, i)) is not None}
        return self._users.stored(user_id), found

    def write_batch(self, user: User, batch: TaskBatch, now: datetime) -> WriteOutcome:
        self.writes += 1
        if self.before_write:
            self.before_write.pop(0)()  # popped first: the hook may write too
        if self.fail_next:
            return self.fail_next.pop(0)
        outcome = self._refusal(user, batch)
        if outcome is not None:
            return outcome
        seq, count = user.change_seq, user.task_count
        for change in batch.writes:
            seq += 1
            count += -1 if change.delete else (1 if change.expected_version is None else 0)
            self._apply(change, user, seq, now)
        self._users.set_counters(user.id, seq, count)
        self.commits += 1
        return WriteOutcome.COMMITTED

    def _refusal(self, user: User, batch: TaskBatch) -> WriteOutcome | None:
        """The outcome of a failed condition, in the adapter's order of precedence."""
        for change in batch.writes:
            current = self.item(change.task.user_id, change.task.id)
            if change.expected_version is None:
                task_ok = current is None
            else:
                task_ok = current is not None and current.task.version == change.expected_version
            if not task_ok:
                return WriteOutcome.TASK_CHANGED
        if batch.into_list is not None:
            target = self._lists.get(user.id, {}).get(batch.into_list)
            if target is None or target.task_list.deleting:
                return WriteOutcome.LIST_REFUSED
        account = self._users.stored(user.id)
        if account is None or account.change_seq != user.change_seq:
            return WriteOutcome.USER_CHANGED
        return None

    def _apply(self, change: TaskWrite, user: User, seq: int, now: datetime) -> None:
        task = change.task
        live = self._live.setdefault(task.user_id, {})
        current = live.get(task.id)
        self._update_search(change)
        old_list = current.task.list_id if current else None
        if old_list is not None:
            self._entries.get(old_list, {}).pop(task.id, None)
        if change.delete:
            del live[task.id]
            tombstone = Tombstone(task.id, format_instant(now), ttl(now + TOMBSTONE_RETENTION))
            self._tombstones.setdefault(task.user_id, {})[task.id] = TombstoneItem(tombstone, seq)
            return
        item = stored_task(task, user, seq, now, self.due_shards)
        if current is not None and change.previous is not None and _moved_only(current, task):
            # In place: the stored task's other fields (the job's bookkeeping) stay.
            kept = replace(
                current.task,
                list_id=item.task.list_id,
                parent_id=task.parent_id,
                position=task.position,
                version=task.version,
                updated_at=task.updated_at,
            )
            item = replace(current, task=kept, seq=seq, keys=_keys(kept, user.timezone))
        live[task.id] = item
        entry_list = item.task.list_id or inbox_id(task.user_id)
        self._entries.setdefault(entry_list, {})[task.id] = replace(item)

    def _update_search(self, change: TaskWrite) -> None:
        # Like the adapter, the entries to change come from the caller's ``previous``
        # (which the version condition guarantees is what was stored).
        before = _search_prefixes(change.previous)
        after = set() if change.delete else _search_prefixes(change.task)
        task = change.task
        entries = self._search.setdefault(task.user_id, {})
        for prefix in after - before:
            entries[f"{prefix}#{task.id}"] = task.id
        for prefix in before - after:
            entries.pop(f"{prefix}#{task.id}", None)

    def rekey_owner_tasks(self, owner: User, now: datetime) -> int:
        live = self._live.get(owner.id, {})
        dated = [item for item in live.values() if item.keys["due_sort"] < "~"]
        for item in dated:  # the sequence number stays: sync does not see a re-key
            fresh = stored_task(item.task, owner, item.seq, now, self.due_shards)
            live[item.task.id] = fresh
            entries = self._entries.get(fresh.task.list_id or "", {})
            if owner.lists_ready and item.task.id in entries:
                entries[item.task.id] = replace(fresh)
        return len(dated)

    def search_candidates(self, user_id: str, key_prefix: str) -> set[str]:
        self.reads += 1
        entries = self._search.get(user_id, {})
        return {task_id for key, task_id in entries.items() if key.startswith(key_prefix)}

    def get_many(self, user_id: str, task_ids: set[str]) -> list[Task]:
        self.reads += 1
        live = self._live.get(user_id, {})
        return [live[task_id].task for task_id in sorted(task_ids) if task_id in live]

    def query(
        self,
        user_id: str,
        segment: Segment,
        *,
        forward: bool,
        start: PageKey | None,
        page_size: int | None,
    ) -> Iterator[tuple[Task, PageKey]]:
        self.reads += 1
        attribute = segment.attribute  # "sk" for the table itself, else an index key

        def position(item: TaskItem) -> tuple[str, str]:
            # An index orders by its own key, then by the table's sort key.
            return item.keys[attribute], item.keys["sk"]

        if segment.list_id is None:
            stored = self._live.get(user_id, {}).values()
        else:  # the list's partition of the list index
            stored = self._entries.get(segment.list_id, {}).values()
        rows = [
            item
            for item in stored
            # Indexes are sparse: an item without the index's key is not in it.
            if attribute in item.keys and _in_segment(item.keys[attribute], segment)
        ]
        rows.sort(key=position, reverse=not forward)
        if start is not None:
            # ExclusiveStartKey: resume strictly after that position, whether or not an
            # item is still there.
            after = (start[attribute], start["sk"])
            rows = [r for r in rows if (position(r) > after if forward else position(r) < after)]
        for item in _pages(rows, page_size, self._count_items):
            yield item.task, {"sk": item.keys["sk"], attribute: item.keys[attribute]}

    def changes_after(self, user_id: str, seq: int, *, page_size: int) -> Iterator[Change]:
        self.reads += 1
        rows: list[Change] = [
            Change(item.seq, item.task) for item in self._live.get(user_id, {}).values()
        ]
        rows += [Change(item.seq, item.tombstone) for item in self.tombstones(user_id)]
        rows += [Change(item.seq, item.task_list) for item in self._lists.get(user_id, {}).values()]
        rows = sorted((change for change in rows if change.seq > seq), key=lambda c: c.seq)
        yield from _pages(rows, page_size, self._count_items)

    def delete_everything(self, user_id: str) -> int:
        lists = self._lists.pop(user_id, {})
        for list_id in {*lists, inbox_id(user_id)}:
            self._entries.pop(list_id, None)
        removed = len(self._live.pop(user_id, {})) + len(self._tombstones.pop(user_id, {}))
        self._search.pop(user_id, None)
        return removed + len(lists)

    def _count_items(self, count: int) -> None:
        self.items_read += count

    # Test and sibling-fake helpers (not part of the port).

    def item(self, user_id: str, task_id: str) -> TaskItem | None:
        """The live item as stored (no read counted)."""
        return self._live.get(user_id, {}).get(task_id)

    def items(self) -> Iterable[TaskItem]:
        """Every live item of every user."""
        for live in self._live.values():
            yield from live.values()

    def tombstones(self, user_id: str) -> list[TombstoneItem]:
        """The user's tombstones, expired ones included (deleted lazily, as by TTL)."""
        return list(self._tombstones.get(user_id, {}).values())

    def forget_zone(self, user_id: str, task_id: str, now: datetime) -> None:
        """Make a stored task look like one stored before v1.1 (no ``due_tz``): the
        owner's zone is then its zone, as ``to_item`` computes it."""
        item = self._live[user_id][task_id]
        owner = self._users.stored(user_id)
        assert owner is not None
        task = replace(item.task, due_tz=None)
        self._live[user_id][task_id] = stored_task(task, owner, item.seq, now, self.due_shards)

    def search_keys(self, user_id: str) -> set[str]:
        """The user's search entries (``<prefix>#<task id>``)."""
        return set(self._search.get(user_id, {}))

    def entries(self, list_id: str) -> dict[str, TaskItem]:
        """A list's partition of the list index (task id -> entry)."""
        return dict(self._entries.get(list_id, {}))

    def put_list(self, task_list: TaskList, seq: int) -> None:
        """Store a list item (the account's counters are the caller's business)."""
        self._lists.setdefault(task_list.user_id, {})[task_list.id] = ListItem(task_list, seq)

    def list_items(self, user_id: str) -> dict[str, ListItem]:
        """The user's list items."""
        return self._lists.setdefault(user_id, {})

    def add_tombstone(self, user_id: str, tombstone: Tombstone, seq: int) -> None:
        """Store a tombstone (a deleted list's)."""
        self._tombstones.setdefault(user_id, {})[tombstone.id] = TombstoneItem(tombstone, seq)

    def store_v1_0_task(self, task: Task, owner: User, seq: int, now: datetime) -> None:
        """A task as stored before lists existed: no list, no position, no entry."""
        item = stored_task(
            replace(task, list_id=None, parent_id=None, position=None),
            owner,
            seq,
            now,
            self.due_shards,
        )
        self._live.setdefault(task.user_id, {})[task.id] = item
        for prefix in _search_prefixes(task):
            self._search.setdefault(task.user_id, {})[f"{prefix}#{task.id}"] = task.id


# --------------------------------------------------------------------------- lists


class FakeLists(ListStore):
    """Lists, kept by :class:`FakeTasks` (they are items of the tasks table).

    :meth:`write` behaves like the adapter's transaction: a list not at its expected
    version (or existing, for a create) gives ``LIST_CHANGED``; the account not at
    ``user.change_seq`` gives ``USER_CHANGED``; otherwise every change commits with its
    own number, the account's ``list_count`` moves (and ``lists_ready`` is set when
    asked), and a delete leaves a tombstone of kind ``list``. ``fail_next`` outcomes are
    returned without committing. Counts ``reads`` and ``writes``.
    """

    def __init__(self, tasks: FakeTasks) -> None:
        self._tasks = tasks
        self._users = tasks._users
        self.fail_next: list[WriteOutcome] = []
        self.reads = 0
        self.writes = 0

    def get(self, user_id: str, list_id: str) -> TaskList | None:
        self.reads += 1
        item = self._tasks.list_items(user_id).get(list_id)
        return item.task_list if item else None

    def all(self, user_id: str) -> list[TaskList]:
        self.reads += 1
        return [item.task_list for item in self._tasks.list_items(user_id).values()]

    def load_for_write(self, user_id: str, list_id: str) -> tuple[User | None, TaskList | None]:
        self.reads += 1
        item = self._tasks.list_items(user_id).get(list_id)
        return self._users.stored(user_id), item.task_list if item else None

    def write(
        self, user: User, writes: Sequence[ListWrite], now: datetime, *, ready: bool = False
    ) -> WriteOutcome:
        self.writes += 1
        if self.fail_next:
            return self.fail_next.pop(0)
        items = self._tasks.list_items(user.id)
        for change in writes:
            current = items.get(change.task_list.id)
            if change.expected_version is None:
                list_ok = current is None
            else:
                list_ok = (
                    current is not None and current.task_list.version == change.expected_version
                )
            if not list_ok:
                return WriteOutcome.LIST_CHANGED
        account = self._users.stored(user.id)
        if account is None or account.change_seq != user.change_seq:
            return WriteOutcome.USER_CHANGED
        seq, count = user.change_seq, user.list_count
        for change in writes:
            seq += 1
            task_list = change.task_list
            if change.delete:
                count -= 1
                del items[task_list.id]
                gone = Tombstone(
                    task_list.id, format_instant(now), ttl(now + TOMBSTONE_RETENTION), "list"
                )
                self._tasks.add_tombstone(user.id, gone, seq)
            else:
                count += 1 if change.expected_version is None else 0
                items[task_list.id] = ListItem(task_list, seq)
        more: dict[str, Any] = {"list_count": count}
        if ready:
            more["lists_ready"] = True
        self._users.set_counters(user.id, seq, account.task_count, **more)
        return WriteOutcome.COMMITTED


# ------------------------------------------------------------------- notifications


@dataclass
class NotificationItem:
    """A stored notification with its two index keys (``unread_sort`` is removed once
    the notification is read, which takes it out of the unread index)."""

    notification: Notification
    created_sort: str
    unread_sort: str | None


class FakeNotifications(NotificationStore):
    """Notifications, the due-date job's index of pending reminders and its progress marks
    (one per shard).

    :meth:`pending` reads the reminder each task item carries since its last write (as
    the sparse global index on ``notify_bucket`` does: one partition, an hour bucket in a
    shard), so the job only ever sees tasks with something due. :meth:`record` follows
    the adapter: store the delivery's notifications and move the task on to its
    bookkeeping and next reminder, only if the task is still at the reminder's version and
    index key; a notification that exists already (a run that crashed half-way) is not
    stored again, the rest still is.
    ``pending_items_read`` counts the index items the job read, ``partitions_read`` the
    partitions it queried (each a ``Query`` in DynamoDB) and ``mark_reads`` /
    ``mark_writes`` its reads and writes of the marks.
    """

    def __init__(self, tasks: FakeTasks) -> None:
        self._tasks = tasks
        self._notifications: dict[str, dict[str, NotificationItem]] = {}
        self._watermarks: dict[int, str] = {}
        self.pending_items_read = 0
        self.partitions_read = 0
        self.mark_reads = 0
        self.mark_writes = 0
        self.records = 0

    def pending(self, partition: str, up_to_key: str) -> Iterator[DueReminder]:
        self.partitions_read += 1
        bound = f"{up_to_key}|~"
        rows = sorted(
            (
                item
                for item in self._tasks.items()
                if item.notify_bucket == partition
                and item.notify_at is not None
                and item.notify_at <= bound
            ),
            key=lambda item: item.notify_at or "",
        )
        for item in rows:
            self.pending_items_read += 1
            if item.task.deadline_key and item.notify_kind and item.notify_at:
                yield _reminder(item)

    def record(self, reminder: DueReminder, delivery: Delivery, now: datetime) -> bool:
        self.records += 1
        item = self._tasks.item(reminder.user_id, reminder.task_id)
        if (
            item is None
            or item.task.version != reminder.version
            or item.notify_at != reminder.index_key
        ):
            return False  # the task changed: its new state has its own reminder
        mine = self._notifications.setdefault(reminder.user_id, {})
        for moment in delivery.send:
            reminder_key = moment.key if moment.kind is Kind.REMINDER else None
            nid = notification_id(reminder.task_id, moment.kind, reminder.due_at, reminder_key)
            if nid in mine:  # an expired one not yet deleted still counts as existing
                continue
            created = format_instant(now)
            notification = Notification(
                id=nid,
                kind=moment.kind.value,
                task_id=reminder.task_id,
                task_title=reminder.title,
                due_at=reminder.due_at,
                created_at=created,
                read=False,
                expires_at=ttl(now + NOTIFICATION_RETENTION),
                occurrence_due_at=reminder.due_at,
                remind_at=None if moment.kind is Kind.OVERDUE else format_instant(moment.at),
            )
            sort = f"{created}|{nid}"
            mine[nid] = NotificationItem(notification, created_sort=sort, unread_sort=sort)
        _advance(item, reminder, delivery, now, self._tasks.due_shards)
        return True

    def page(
        self, user_id: str, *, unread_only: bool, limit: int, start: PageKey | None
    ) -> Iterator[tuple[Notification, PageKey]]:
        attribute = "unread_sort" if unread_only else "created_sort"
        rows: list[tuple[str, str, NotificationItem]] = []
        for nid, item in self._notifications.get(user_id, {}).items():
            value = item.unread_sort if unread_only else item.created_sort
            if value is not None:  # the unread index is sparse
                rows.append((value, nid, item))
        rows.sort(key=lambda row: (row[0], row[1]), reverse=True)  # newest first
        if start is not None:
            after = (start[attribute], start["notification_id"])
            rows = [row for row in rows if (row[0], row[1]) < after]
        # Expired notifications are still returned: the store deletes them lazily and the
        # service filters them out.
        for value, nid, item in _pages(rows, limit, lambda _: None):
            yield item.notification, {"notification_id": nid, attribute: value}

    def mark_read(self, user_id: str, notification_id: str, now: datetime) -> bool:
        item = self._notifications.get(user_id, {}).get(notification_id)
        # Condition ``expires_at > now``, compared in whole seconds like a TTL attribute.
        expires = item.notification.expires_at if item else None
        if item is None or expires is None or epoch_seconds(expires) <= epoch_seconds(now):
            return False
        item.notification = replace(item.notification, read=True)
        item.unread_sort = None
        return True

    def delete_everything(self, user_id: str) -> None:
        self._notifications.pop(user_id, None)

    def watermarks(self, shards: range) -> dict[int, str]:
        self.mark_reads += 1
        return {shard: mark for shard, mark in self._watermarks.items() if shard in shards}

    def set_watermark(self, shard: int, bucket: str) -> None:
        self.mark_writes += 1
        self._watermarks[shard] = bucket

    # Test helpers (not part of the port).

    def stored(self, user_id: str) -> list[Notification]:
        """Every stored notification of the user, expired ones included, oldest first."""
        items = self._notifications.get(user_id, {}).values()
        return [item.notification for item in sorted(items, key=lambda i: i.created_sort)]


def _reminder(item: TaskItem) -> DueReminder:
    task = item.task
    assert task.deadline_key is not None and item.notify_kind and item.notify_at
    return DueReminder(
        user_id=task.user_id,
        task_id=task.id,
        title=task.title,
        due_at=task.due.value if task.due else "",
        deadline=datetime.fromisoformat(task.deadline_key),
        kind=Kind(item.notify_kind),
        version=task.version,
        index_key=item.notify_at,
        task=task,
    )


def _advance(
    item: TaskItem, reminder: DueReminder, delivery: Delivery, now: datetime, shards: int
) -> None:
    """Take on the delivery's bookkeeping and file the next reminder, if any. The
    version is left alone: this is the job's bookkeeping, not a change of the task."""
    settled = delivery.task
    item.task = replace(
        item.task,
        reminded_soon_for=settled.reminded_soon_for,
        reminded_overdue_for=settled.reminded_overdue_for,
        reminders_sent_for=settled.reminders_sent_for,
        reminders_sent=settled.reminders_sent,
    )
    after = delivery.after
    if after is None:
        item.notify_bucket = item.notify_at = item.notify_kind = None
    else:
        entry = after.entry(reminder.user_id, reminder.task_id, now, shards)
        item.notify_bucket, item.notify_at, item.notify_kind = entry.bucket, entry.key, entry.kind


# ------------------------------------------------------------------------ sessions


@dataclass
class _Family:
    user_id: str
    revoked: bool
    created_at: str  # format_instant of the login, as the adapter stores it
    expires_at: datetime


@dataclass
class _Ended:
    """The mark of ``end_all``: families of the user started by ``created_at`` are over,
    except ``keep_family``."""

    created_at: str
    keep_family: str | None
    expires_at: datetime


@dataclass
class _Token:
    user_id: str
    family_id: str
    spent: bool
    expires_at: datetime
    # Recorded when it is spent: when (format_instant) and the successor's digest.
    spent_at: str | None = None
    successor: str | None = None


class FakeSessions(SessionStore):
    """Refresh families and tokens (by digest), each with a TTL, and per user the mark
    that ends all of the user's sessions up to a moment (kept ``family_lifetime``).

    Expired items are absent to :meth:`read` and :meth:`is_family_revoked`, but, as in
    DynamoDB before its TTL sweep, still satisfy :meth:`rotate`'s "exists" conditions.
    As in the adapter, only :meth:`is_family_revoked` consults the end mark (not
    :meth:`read`). ``reads`` counts :meth:`read` and :meth:`is_family_revoked` calls.
    """

    def __init__(self, users: FakeUsers, family_lifetime: timedelta = timedelta(days=30)) -> None:
        self._users = users
        self._family_lifetime = family_lifetime
        self._families: dict[str, _Family] = {}
        self._tokens: dict[str, _Token] = {}
        self._ended: dict[str, _Ended] = {}
        self.reads = 0

    def start_family(
        self, user_id: str, family_id: str, digest: str, now: datetime, ttl: timedelta
    ) -> None:
        expires = _ttl_after(now, ttl)
        self._families[family_id] = _Family(
            user_id, revoked=False, created_at=format_instant(now), expires_at=expires
        )
        self._tokens[digest] = _Token(user_id, family_id, spent=False, expires_at=expires)

    def read(self, user_id: str, family_id: str, digest: str, now: datetime) -> RefreshState:
        self.reads += 1
        token = self._tokens.get(digest)
        token = None if token is None or expired(token.expires_at, now) else token
        family = self._families.get(family_id)
        family = None if family is None or expired(family.expires_at, now) else family
        owner = self._users.stored(user_id)
        return RefreshState(
            token_known=token is not None
            and token.family_id == family_id
            and owner is not None
            and token.user_id == owner.id,
            token_spent=bool(token and token.spent),
            family_revoked=family is None or family.revoked or self._ended_for(family_id, now),
            owner=owner,
            spent_at=datetime.fromisoformat(token.spent_at) if token and token.spent_at else None,
            successor_digest=token.successor if token and token.spent_at else None,
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
        old = self._tokens.get(old_digest)
        family = self._families.get(family_id)
        if old is None or old.spent or family is None or family.revoked:
            return False
        expires = _ttl_after(now, ttl)
        old.spent, old.spent_at, old.successor = True, format_instant(now), new_digest
        self._tokens[new_digest] = _Token(user_id, family_id, spent=False, expires_at=expires)
        family.expires_at = expires
        return True

    def revoke_family(self, family_id: str, user_id: str) -> None:
        family = self._families.get(family_id)
        if family is not None and family.user_id == user_id:  # never creates one
            family.revoked = True

    def end_all(self, user_id: str, now: datetime, keep_family: str | None = None) -> None:
        # One unconditional put: a later end_all replaces an earlier one.
        self._ended[user_id] = _Ended(
            format_instant(now), keep_family, _ttl_after(now, self._family_lifetime)
        )

    def is_family_revoked(self, user_id: str, family_id: str, now: datetime) -> bool:
        self.reads += 1
        family = self._families.get(family_id)
        if family is None or expired(family.expires_at, now):
            return True
        if family.revoked or family.user_id != user_id:
            return True
        return self._ended_for(family_id, now)

    def _ended_for(self, family_id: str, now: datetime) -> bool:
        family = self._families[family_id]
        ended = self._ended.get(family.user_id)
        if ended is None or expired(ended.expires_at, now) or ended.keep_family == family_id:
            return False
        # A family started at the very moment of the mark is ended too (<=).
        return datetime.fromisoformat(family.created_at) <= datetime.fromisoformat(ended.created_at)

    # Test helpers (not part of the port).

    def families_of(self, user_id: str) -> dict[str, bool]:
        """The user's families: id -> revoked."""
        return {fid: f.revoked for fid, f in self._families.items() if f.user_id == user_id}


def _ttl_after(now: datetime, span: timedelta) -> datetime:
    return ttl(now + span)


# --------------------------------------------------------------------- idempotency


@dataclass
class _IdempotencyItem:
    record: IdempotencyRecord
    expires_at: int  # epoch seconds: the TTL attribute is both lease and retention


class FakeIdempotency(IdempotencyStore):
    """Idempotency records per (user, key), live until their ``until``.

    A claim wins when no record exists or the one there has expired, and then returns
    the replaced record (DynamoDB's ``ALL_OLD``), expired or not. Results go through
    JSON as in the adapter. ``put_failures`` are raised by the next puts, one each, to
    stage a DynamoDB error while a result is stored. Counts ``claims``, ``puts``, ``gets``.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], _IdempotencyItem] = {}
        self.put_failures: list[Exception] = []
        self.claims = 0
        self.puts = 0
        self.gets = 0

    def claim(
        self, user_id: str, key: str, record: IdempotencyRecord, now: datetime, until: datetime
    ) -> Claim:
        self.claims += 1
        old = self._items.get((user_id, key))
        if old is not None and old.expires_at > epoch_seconds(now):
            return Claim(won=False, found=old.record)
        self._items[(user_id, key)] = _IdempotencyItem(_json_copy(record), epoch_seconds(until))
        return Claim(won=True, found=old.record if old else None)

    def put(
        self, user_id: str, key: str, record: IdempotencyRecord, now: datetime, until: datetime
    ) -> None:
        self.puts += 1
        if self.put_failures:
            raise self.put_failures.pop(0)
        self._items[(user_id, key)] = _IdempotencyItem(_json_copy(record), epoch_seconds(until))

    def get(self, user_id: str, key: str, now: datetime) -> IdempotencyRecord | None:
        self.gets += 1
        item = self._items.get((user_id, key))
        if item is None or item.expires_at <= epoch_seconds(now):
            return None
        return item.record

    # Test helper (not part of the port).

    def stored(self, user_id: str, key: str) -> IdempotencyRecord | None:
        """The record as stored, expired or not."""
        item = self._items.get((user_id, key))
        return item.record if item else None


def _json_copy(record: IdempotencyRecord) -> IdempotencyRecord:
    result = json.loads(json.dumps(record.result)) if record.result is not None else None
    return replace(record, result=result if isinstance(result, dict) else None)


# --------------------------------------------------------------------------- cache


class FakeCache(Cache):
    """The per-user generation cache of ``UserCache``, in a dict.

    Each entry is stored with the user's generation when it was read; :meth:`bump`
    moves the generation on, so older entries are ignored from then on. Set
    ``online = False`` to simulate Redis down: lookups return ``(None, None)``, writes
    and bumps are skipped, sessions are never remembered. (The flag is not called
    ``available``: that name is the port's method.) With a clock, entries expire after
    60 s and remembered sessions after 30 s, as in Redis. Counts ``hits`` and ``misses``
    of :meth:`lookup` / :meth:`lookup_text` (not while offline) and ``bumps``.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock
        self.online = True
        self.hits = 0
        self.misses = 0
        self.bumps = 0
        self._generations: dict[str, int] = {}
        self._entries: dict[tuple[str, str], tuple[str, str, datetime | None]] = {}
        # family -> (the user's session generation when remembered, until when)
        self._sessions: dict[str, tuple[str, datetime | None]] = {}
        self._session_generations: dict[str, int] = {}

    def available(self) -> bool:
        return self.online

    def bump(self, user_id: str) -> None:
        if self.online:
            self.bumps += 1
            self._generations[user_id] = self._generations.get(user_id, 0) + 1

    def lookup(self, user_id: str, name: str) -> tuple[str | None, Any]:
        generation, text = self.lookup_text(user_id, name)
        return generation, json.loads(text) if text is not None else None

    def lookup_text(self, user_id: str, name: str) -> tuple[str | None, str | None]:
        if not self.online:
            return None, None
        generation = self.generation(user_id)
        entry = self._entries.get((user_id, name))
        if entry is None or entry[0] != generation or self._gone(entry[2]):
            self.misses += 1
            return generation, None
        self.hits += 1
        return generation, entry[1]

    def store(self, user_id: str, generation: str, name: str, value: Any) -> None:
        self.store_text(user_id, generation, name, json.dumps(value, separators=(",", ":")))

    def store_text(self, user_id: str, generation: str, name: str, text: str) -> None:
        if self.online:
            self._entries[(user_id, name)] = (generation, text, self._until(CACHE_ENTRY_TTL))

    def session_live(self, user_id: str, family_id: str) -> SessionMemory:
        if not self.online:
            return SessionMemory(live=False, generation=None)
        current = self._session_generation(user_id)
        if family_id not in self._sessions:
            return SessionMemory(live=False, generation=current)
        generation, until = self._sessions[family_id]
        # A mark made before the user's sessions were all forgotten no longer counts.
        return SessionMemory(generation == current and not self._gone(until), current)

    def remember_session_live(self, user_id: str, family_id: str, generation: str) -> None:
        if self.online:
            self._sessions[family_id] = (generation, self._until(SESSION_MEMORY_TTL))

    def forget_session(self, family_id: str) -> None:
        # Skipped while offline, as a DEL that cannot reach Redis is.
        if self.online:
            self._sessions.pop(family_id, None)

    def forget_sessions(self, user_id: str) -> None:
        # One INCR of the user's session generation (skipped while offline).
        if self.online:
            self._session_generations[user_id] = self._session_generations.get(user_id, 0) + 1

    # Test helper (not part of the port).

    def generation(self, user_id: str) -> str:
        """The user's generation as the cache reports it ("0" before the first bump)."""
        return str(self._generations.get(user_id, 0))

    def _session_generation(self, user_id: str) -> str:
        return str(self._session_generations.get(user_id, 0))

    def _until(self, span: timedelta) -> datetime | None:
        return self._clock() + span if self._clock else None

    def _gone(self, until: datetime | None) -> bool:
        return until is not None and self._clock is not None and self._clock() >= until


# ------------------------------------------------------------------------- limiter


class FakeLimiter(Limiter):
    """Fixed windows per (limit, subject), timed by the injected clock: the first hit
    opens a window of ``window_seconds``; a hit over ``max_hits`` in it is refused with
    the whole seconds left. ``hits`` counts every hit per limit name."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[tuple[str, str], tuple[datetime, int]] = {}
        self.hits: dict[str, int] = {}

    def hit(self, limit: Limit, subject: str) -> None:
        self.hits[limit.name] = self.hits.get(limit.name, 0) + 1
        now = self._clock()
        key = (limit.name, subject)
        start, count = self._windows.get(key, (now, 0))
        elapsed = (now - start).total_seconds()
        if elapsed >= limit.window_seconds:
            start, count, elapsed = now, 0, 0.0
        self._windows[key] = (start, count + 1)
        if count + 1 > limit.max_hits:
            seconds_left = max(1, math.ceil(limit.window_seconds - elapsed))
            raise RateLimited(seconds_left, "Too many attempts; retry later")

    def reset(self, limit: Limit, subject: str) -> None:
        self._windows.pop((limit.name, subject), None)


# ------------------------------------------------------------------ credentials


class FakeOutbox(Outbox):
    """Queued messages by id, each with its shard (a hash of the id, as the adapter) and
    its place in the queue (due time, or ``None`` once given up). A claim moves the
    place, as the adapter's conditional update of ``due_key`` does; writes by a sender
    that no longer holds the claim are ignored. Counts ``queries``."""

    def __init__(self) -> None:
        self._messages: dict[str, OutboxMessage] = {}
        self._given_up: dict[str, tuple[OutboxMessage, str, datetime]] = {}
        self.queries = 0

    def shard_count(self) -> int:
        return OUTBOX_SHARDS

    def due(self, shard: int, now: datetime, limit: int) -> list[OutboxMessage]:
        self.queries += 1
        bound = f"{format_instant(now)}#~"
        mine = [
            m
            for m in self._messages.values()
            if shard_of(m.id) == shard and m.claim is not None and m.claim <= bound
        ]
        return sorted(mine, key=lambda m: m.claim or "")[:limit]

    def claim(self, message: OutboxMessage, until: datetime) -> OutboxMessage | None:
        if not self._holds(message):
            return None
        claimed = replace(message, claim=_due_key(until, message.id))
        self._messages[message.id] = claimed
        return claimed

    def delivered(self, message: OutboxMessage) -> None:
        if self._holds(message):
            del self._messages[message.id]

    def retry_at(self, message: OutboxMessage, at: datetime, error: str) -> None:
        if self._holds(message):
            self._messages[message.id] = replace(
                message, attempts=message.attempts + 1, claim=_due_key(at, message.id)
            )

    def give_up(self, message: OutboxMessage, reason: str, now: datetime) -> None:
        if self._holds(message):
            del self._messages[message.id]
            record = replace(message, params={}, claim=None)
            self._given_up[message.id] = (record, reason, now + GIVEN_UP_RETENTION)

    # Test and sibling-fake helpers (not part of the port).

    def add(self, message: OutboxMessage) -> None:
        """Queue a new message, due at its creation (the adapter's ``outbox_item``)."""
        self._messages[message.id] = replace(
            message, claim=_due_key(message.created_at, message.id)
        )

    def queued(self) -> list[OutboxMessage]:
        """Every message still in the queue (due or not), oldest first."""
        return sorted(self._messages.values(), key=lambda m: m.created_at)

    def given_up(self) -> dict[str, str]:
        """Message id -> reason, of the messages given up."""
        return {mid: reason for mid, (_, reason, _) in self._given_up.items()}

    def _holds(self, message: OutboxMessage) -> bool:
        current = self._messages.get(message.id)
        return current is not None and current.claim == message.claim


def shard_of(message_id: str) -> int:
    """The shard rule of ``taskcore.repositories.mail_items.shard_of`` (a parity test
    compares them)."""
    digest = hashlib.sha256(message_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") % OUTBOX_SHARDS


def _due_key(due: datetime, message_id: str) -> str:
    return f"{format_instant(due)}#{message_id}"


class FakeCredentials(CredentialStore):
    """E-mailed tokens per (purpose, user), with a TTL, over the account items of
    :class:`FakeUsers`, the end marks of :class:`FakeSessions` and the queue of
    :class:`FakeOutbox`: each method is the adapter's one transaction, all or nothing.
    ``nothing_issued`` counts :meth:`issue_nothing`; ``reads`` counts token reads."""

    def __init__(self, users: FakeUsers, sessions: FakeSessions, outbox: FakeOutbox) -> None:
        self._users = users
        self._sessions = sessions
        self._outbox = outbox
        self._tokens: dict[tuple[TokenPurpose, str], EmailToken] = {}
        self.nothing_issued = 0
        self.reads = 0

    def issue(self, mail: TokenMail) -> None:
        token = replace(mail.token, expires_at=ttl(mail.token.expires_at))
        self._tokens[(token.purpose, token.user_id)] = token
        self._outbox.add(mail.message)

    def issue_nothing(self, subject: str, now: datetime) -> None:
        self.nothing_issued += 1

    def read_token(
        self, purpose: TokenPurpose, user_id: str, now: datetime
    ) -> tuple[EmailToken | None, User | None]:
        self.reads += 1
        token = self._tokens.get((purpose, user_id))
        if token is not None and expired(token.expires_at, now):
            token = None
        return token, self._users.stored(user_id)

    def spend(
        self, token: EmailToken, before: User, after: User, end: SessionsEnd | None
    ) -> SpendOutcome:
        stored = self._tokens.get((token.purpose, token.user_id))
        if stored is None or stored.digest != token.digest:
            return SpendOutcome.TOKEN_GONE
        if not self._users.put_both(before, after):
            return SpendOutcome.USER_CHANGED
        del self._tokens[(token.purpose, token.user_id)]
        if end is not None:
            self._sessions.end_all(after.id, end.at, end.keep_family)
        return SpendOutcome.COMMITTED

    def change_password(self, before: User, after: User, end: SessionsEnd) -> bool:
        if not self._users.put_both(before, after):
            return False
        self._sessions.end_all(after.id, end.at, end.keep_family)
        self._tokens.pop((TokenPurpose.PASSWORD_RESET, after.id), None)
        return True

    # Test helper (not part of the port).

    def stored(self, purpose: TokenPurpose, user_id: str) -> EmailToken | None:
        """The stored token, expired or not."""
        return self._tokens.get((purpose, user_id))


class FakeMailer(Mailer):
    """Collects the letters it is given. ``down``: every send is
    :class:`MailUnavailable`; recipients in ``refused`` are :class:`MailRejected`."""

    def __init__(self) -> None:
        self.sent: list[Letter] = []
        self.down = False
        self.refused: set[str] = set()
        self.attempts = 0

    def send(self, letter: Letter) -> None:
        self.attempts += 1
        if self.down:
            raise MailUnavailable("SMTP ConnectionRefusedError")
        if letter.recipient in self.refused:
            raise MailRejected("SMTP 550 recipient refused")
        self.sent.append(letter)


# ------------------------------------------------------------------------- wiring


def fake_deps(clock: Clock | None = None, **overrides: Any) -> Deps:
    """A :class:`Deps` of fresh fakes, with a test :class:`Settings`, the real pure
    helpers and a :class:`FakeClock` (unless ``clock`` is given). ``overrides`` replace
    any field of :class:`Deps` by name; the fakes built here are wired to the given
    ``users`` / ``tasks`` when those are overridden."""
    unknown = set(overrides) - {f.name for f in fields(Deps)}
    if unknown:
        raise TypeError(f"fake_deps: no Deps field named {sorted(unknown)}")
    clock = overrides.pop("clock", None) or clock or FakeClock()
    settings = overrides.pop("settings", None) or Settings(
        TASKAPP_STAGE="test", BCRYPT_COST=4, JWT_SECRET=SecretStr(TEST_SECRET)
    )
    users = overrides.pop("users", None) or FakeUsers()
    tasks = overrides.pop("tasks", None) or FakeTasks(users, settings.due_index_shards)
    sessions = overrides.pop("sessions", None) or FakeSessions(
        users, timedelta(seconds=settings.refresh_token_ttl_seconds)
    )
    outbox = overrides.pop("outbox", None) or FakeOutbox()
    credentials = overrides.pop("credentials", None) or FakeCredentials(users, sessions, outbox)
    if isinstance(users, FakeUsers) and users.on_mail is None:
        users.on_mail = credentials.issue
    lists = overrides.pop("lists", None) or FakeLists(tasks)
    defaults: dict[str, Any] = {
        "settings": settings,
        "users": users,
        "tasks": tasks,
        "lists": lists,
        "sessions": sessions,
        "notifications": FakeNotifications(tasks),
        "idempotency": FakeIdempotency(),
        "credentials": credentials,
        "outbox": outbox,
        "mailer": FakeMailer(),
        "cache": FakeCache(clock),
        "limiter": FakeLimiter(clock),
        "hasher": PasswordHasher(4),
        "tokens": AccessTokens(
            settings.signing_keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        ),
        "cursors": CursorCodec(settings.cursor_key),
        "clock": clock,
    }
    return Deps(**{**defaults, **overrides})


# ------------------------------------------------------------ test conveniences


def register(deps: Deps, email: str | None = None, **profile: Any) -> dict[str, Any]:
    """Register an account through the service; its session reply."""
    email = email or f"user-{deps.new_id().lower()}@example.com"
    return accounts.register(deps, {"email": email, "password": "correct horse", **profile})


def new_user(deps: Deps, **profile: Any) -> str:
    """Register an account through the service; its id."""
    return str(register(deps, **profile)["user"]["id"])
