"""The ports of the service layer: what the services need from the outside world.

Each is a small :class:`~typing.Protocol`. :mod:`taskcore.bootstrap` plugs in the real
adapters (DynamoDB repositories, the Redis cache); the unit tests plug in in-memory
fakes. Services import this module, never the adapters, so a service reads the same
whatever stores it runs on. The value types that cross a port (a write, its outcome, a
stored idempotency record) are declared here too, in the services' own words.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from taskcore.domain.changes import Change
from taskcore.domain.email import Letter
from taskcore.domain.listing import Segment
from taskcore.domain.lists import TaskList
from taskcore.domain.notification import Notification
from taskcore.domain.reminders import Delivery, DueReminder
from taskcore.domain.task import Task
from taskcore.domain.user import User
from taskcore.errors import Unauthorized

# Where a page ended, as the store needs it to start the next one. Opaque to services:
# they only seal it into a cursor and hand it back.
PageKey = dict[str, str]


class Clock(Protocol):
    """The current time, timezone-aware."""

    def __call__(self) -> datetime: ...


class UserStore(Protocol):
    """Accounts."""

    def get(self, user_id: str) -> User | None:
        """The account, read consistently, or ``None``."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """The account that owns ``email`` (normalised): one read."""
        ...

    def create(
        self, user: User, mail: TokenMail | None = None, inbox: TaskList | None = None
    ) -> None:
        """Store a new account, with ``mail`` (a token and its message) and its Inbox
        (taking the change number ``user.change_seq``) in the same transaction;
        :class:`~taskcore.errors.Conflict` when the e-mail is taken."""
        ...

    def update_profile(self, before: User, after: User) -> bool:
        """Write a profile change if the account is still at ``before``'s change sequence;
        ``False`` on a concurrent change."""
        ...

    def delete(self, user: User) -> None:
        """Remove the account."""
        ...

    def require(self, user_id: str) -> User:
        """The account of a verified token; :class:`Unauthorized` when it is gone (the
        token is genuine but its account was deleted: the session is over)."""
        user = self.get(user_id)
        if user is None:
            raise Unauthorized("The account no longer exists", code="token_invalid")
        return user


class WriteOutcome(Enum):
    """How a conditional task write ended."""

    COMMITTED = "committed"
    USER_CHANGED = "user_changed"  # the account moved on since it was read: retry
    TASK_CHANGED = "task_changed"  # the task is not at the expected version
    LIST_CHANGED = "list_changed"  # a list is not at the expected version (or is gone)
    LIST_REFUSED = "list_refused"  # the target list is gone, or being deleted


@dataclass(frozen=True)
class TaskWrite:
    """One task change: ``put`` (create or replace) or ``delete``, at ``expected_version``
    (``None`` for a create, which requires that no such task exists). ``previous`` is the
    task as read before the change, so the store can update what derives from it."""

    task: Task
    expected_version: int | None
    delete: bool = False
    previous: Task | None = None


@dataclass(frozen=True)
class TaskBatch:
    """Task changes committed in one transaction, each with the owner's next change
    number in turn (so that sync never sees two items of one number).

    A change that moves only the task (list, parent, position) and bumps its version is
    written in place, leaving the rest of the stored task as it is: the tasks of a
    subtree or of a re-spaced container are read from the list index, which does not
    keep the due-date job's bookkeeping. ``into_list``: the transaction also requires
    that this list exists and is not being deleted.
    """

    writes: tuple[TaskWrite, ...]
    into_list: str | None = None


@dataclass(frozen=True)
class ListWrite:
    """One list change: create (``expected_version`` ``None``), replace, or delete
    (leaving a tombstone of kind ``list``)."""

    task_list: TaskList
    expected_version: int | None
    delete: bool = False


class TaskStore(Protocol):
    """Tasks, their tombstones, their search index and the per-user change sequence."""

    def get(self, user_id: str, task_id: str) -> Task | None:
        """A live task, read consistently."""
        ...

    def load_for_write(self, user_id: str, task_id: str) -> tuple[User | None, Task | None]:
        """The account and the task in one consistent read."""
        ...

    def write(self, user: User, change: TaskWrite, now: datetime) -> WriteOutcome:
        """Commit one change together with the owner's next change sequence number,
        conditioned on the account being at ``user.change_seq``."""
        ...

    def read_for_write(
        self, user_id: str, task_ids: Sequence[str]
    ) -> tuple[User | None, dict[str, Task]]:
        """The account and the live tasks among ``task_ids`` (at most 99) in one
        consistent read."""
        ...

    def write_batch(self, user: User, batch: TaskBatch, now: datetime) -> WriteOutcome:
        """Commit every change of ``batch`` (task items, their list-index entries, search
        entries, tombstones) with the owner's next change numbers, conditioned on the
        account being at ``user.change_seq`` and each task at its expected version."""
        ...

    def rekey_owner_tasks(self, owner: User, now: datetime) -> int:
        """Recompute what depends on the owner's time zone and lead time."""
        ...

    def search_candidates(self, user_id: str, key_prefix: str) -> set[str]:
        """Ids of the tasks with a search entry starting with ``key_prefix``."""
        ...

    def get_many(self, user_id: str, task_ids: set[str]) -> list[Task]:
        """The live tasks among ``task_ids``."""
        ...

    def query(
        self,
        user_id: str,
        segment: Segment,
        *,
        forward: bool,
        start: PageKey | None,
        page_size: int | None,
    ) -> Iterator[tuple[Task, PageKey]]:
        """Live tasks in one key range, in index order, each with the key a page ending
        on it would resume after."""
        ...

    def changes_after(self, user_id: str, seq: int, *, page_size: int) -> Iterator[Change]:
        """Tasks and tombstones whose last change is numbered after ``seq``, in order."""
        ...

    def delete_everything(self, user_id: str) -> int:
        """Remove every task, list, tombstone, search entry and list-index entry of a user."""
        ...


class ListStore(Protocol):
    """A user's lists (items of the user's partition of the tasks table)."""

    def get(self, user_id: str, list_id: str) -> TaskList | None:
        """One of the user's lists, read consistently (another user's list is ``None``)."""
        ...

    def all(self, user_id: str) -> list[TaskList]:
        """Every list of the user (at most the quota), read consistently, in no order."""
        ...

    def load_for_write(self, user_id: str, list_id: str) -> tuple[User | None, TaskList | None]:
        """The account and the list in one consistent read."""
        ...

    def write(
        self, user: User, writes: Sequence[ListWrite], now: datetime, *, ready: bool = False
    ) -> WriteOutcome:
        """Commit list changes with the owner's next change numbers, conditioned on the
        account being at ``user.change_seq``; ``ready`` also marks the account's lists
        ready (:attr:`~taskcore.domain.user.User.lists_ready`)."""
        ...


@dataclass(frozen=True)
class RefreshState:
    """What one read tells about a presented refresh token."""

    token_known: bool
    token_spent: bool
    family_revoked: bool
    owner: User | None
    # When the token was spent, and the digest of the successor it was spent for.
    spent_at: datetime | None = None
    successor_digest: str | None = None


class SessionStore(Protocol):
    """Refresh-token families: the server side of a session."""

    def start_family(
        self, user_id: str, family_id: str, digest: str, now: datetime, ttl: timedelta
    ) -> None:
        """Record a new family and its first token."""
        ...

    def read(self, user_id: str, family_id: str, digest: str, now: datetime) -> RefreshState:
        """The token, its family and its owner in one consistent read."""
        ...

    def rotate(
        self,
        user_id: str,
        family_id: str,
        old_digest: str,
        new_digest: str,
        now: datetime,
        ttl: timedelta,
    ) -> bool:
        """Spend ``old_digest`` and store its successor; ``False`` if it was spent already."""
        ...

    def revoke_family(self, family_id: str, user_id: str) -> None:
        """Mark a family revoked (idempotent); only the owner's families are touched."""
        ...

    def end_all(self, user_id: str, now: datetime, keep_family: str | None = None) -> None:
        """End every family of the user started by ``now`` (but ``keep_family``)."""
        ...

    def is_family_revoked(self, user_id: str, family_id: str, now: datetime) -> bool:
        """True when the family is revoked, ended with all the user's sessions, expired
        or unknown: one read."""
        ...


class NotificationStore(Protocol):
    """Notifications, and the due-date job's view of the tasks waiting for one."""

    def pending(self, partition: str, up_to_key: str) -> Iterator[DueReminder]:
        """Tasks in index ``partition`` (an hour bucket in a shard,
        :func:`taskcore.domain.reminders.due_partition`) whose next notification is due
        by ``up_to_key``: one ``Query``."""
        ...

    def record(self, reminder: DueReminder, delivery: Delivery, now: datetime) -> bool:
        """Store the delivery's notifications (each at most once, by its id) and move the
        task on to the delivery's bookkeeping and next notification, atomically, if the
        task still waits for exactly this one. Returns whether the task moved on."""
        ...

    def page(
        self, user_id: str, *, unread_only: bool, limit: int, start: PageKey | None
    ) -> Iterator[tuple[Notification, PageKey]]:
        """A user's notifications, newest first."""
        ...

    def mark_read(self, user_id: str, notification_id: str, now: datetime) -> bool:
        """Mark one live notification read; ``False`` when there is none."""
        ...

    def delete_everything(self, user_id: str) -> None:
        """Remove all of a user's notifications."""
        ...

    def watermarks(self, shards: range) -> dict[int, str]:
        """The first hour bucket the job has not finished, for each of ``shards`` that
        has a mark (one read for the range)."""
        ...

    def set_watermark(self, shard: int, bucket: str) -> None:
        """Record that every hour bucket of ``shard`` before ``bucket`` is done."""
        ...


@dataclass(frozen=True)
class IdempotencyRecord:
    """What is known about one idempotency key: the request's fingerprint, the id
    reserved for the resource, and the operation's result once it finished (JSON)."""

    request_hash: str
    resource_id: str
    result: dict[str, Any] | None


@dataclass(frozen=True)
class Claim:
    """``won``: the caller owns the key now (``found`` is the expired record it
    replaced, if any). Otherwise ``found`` is the live record that holds it."""

    won: bool
    found: IdempotencyRecord | None


class IdempotencyStore(Protocol):
    """Idempotency records, one per (user, key), for a limited time."""

    def claim(
        self, user_id: str, key: str, record: IdempotencyRecord, now: datetime, until: datetime
    ) -> Claim:
        """Take the key unless a live record holds it."""
        ...

    def put(
        self, user_id: str, key: str, record: IdempotencyRecord, now: datetime, until: datetime
    ) -> None:
        """Overwrite the record (by its owner)."""
        ...

    def get(self, user_id: str, key: str, now: datetime) -> IdempotencyRecord | None:
        """The live record, read consistently."""
        ...


@dataclass(frozen=True)
class SessionMemory:
    """What the cache remembers of a refresh family: whether a recent check found it
    live, and the user's session generation as read (``None`` when Redis is away)."""

    live: bool
    generation: str | None


class Cache(Protocol):
    """Optional per-user read cache (Redis). Every method copes with Redis being away:
    lookups miss and writes are skipped, so callers never branch on availability."""

    def available(self) -> bool:
        """Whether the cache answers now."""
        ...

    def bump(self, user_id: str) -> None:
        """Invalidate everything cached for the user (after each successful write).

        Never fails and never lets the write be hidden: if the cache cannot be told now,
        it serves nothing of this user here until it has been told, and keeps trying."""
        ...

    def lookup(self, user_id: str, name: str) -> tuple[str | None, Any]:
        """``(generation, value)``: the generation to store under (``None`` when the
        cache is away or this user's last bump has not reached it) and the JSON entry
        ``name`` if it belongs to that generation."""
        ...

    def lookup_text(self, user_id: str, name: str) -> tuple[str | None, str | None]:
        """Like :meth:`lookup`, for an entry stored as text."""
        ...

    def store(self, user_id: str, generation: str, name: str, value: Any) -> None:
        """Cache a JSON value read at ``generation``."""
        ...

    def store_text(self, user_id: str, generation: str, name: str, text: str) -> None:
        """Cache text read at ``generation``."""
        ...

    def session_live(self, user_id: str, family_id: str) -> SessionMemory:
        """Whether a recent check found the user's refresh family live, and the user's
        session generation as read with it."""
        ...

    def remember_session_live(self, user_id: str, family_id: str, generation: str) -> None:
        """Remember for a few seconds that the family is live, as of ``generation`` (the
        one :meth:`session_live` read before the store was checked)."""
        ...

    def forget_session(self, family_id: str) -> None:
        """Drop the memory of a family (on revocation, before answering)."""
        ...

    def forget_sessions(self, user_id: str) -> None:
        """Drop the memory of every family of the user at once."""
        ...


@dataclass(frozen=True)
class Limit:
    """A rate limit: at most ``max_hits`` per ``window_seconds`` for one subject."""

    name: str
    max_hits: int
    window_seconds: int


class Limiter(Protocol):
    """Counts hits against limits; raises :class:`~taskcore.errors.RateLimited`."""

    def hit(self, limit: Limit, subject: str) -> None:
        """Count one hit; :class:`~taskcore.errors.RateLimited` when over the limit."""
        ...

    def reset(self, limit: Limit, subject: str) -> None:
        """Start the subject's count over."""
        ...


# --------------------------------------------------------------- e-mailed tokens


class TokenPurpose(Enum):
    """What an e-mailed token lets its bearer do."""

    VERIFY_EMAIL = "verify"
    PASSWORD_RESET = "reset"  # noqa: S105 - a purpose, not a secret


@dataclass(frozen=True)
class EmailToken:
    """A token sent by e-mail, as stored: only its SHA-256 digest. A user has at most one
    live token per purpose: storing a new one replaces (and so invalidates) the older."""

    purpose: TokenPurpose
    user_id: str
    digest: str
    expires_at: datetime


@dataclass(frozen=True)
class OutboxMessage:
    """An e-mail waiting in the outbox: the template to render and its values (the token
    among them, until the message is delivered). ``discard_after``: when its content is
    worthless (the token expired); ``attempts``: failed deliveries so far; ``claim``: the
    store's handle on the message's place in the queue as it was read (opaque)."""

    id: str
    template: str
    recipient: str
    params: dict[str, str]
    created_at: datetime
    discard_after: datetime
    attempts: int = 0
    claim: str | None = None


@dataclass(frozen=True)
class TokenMail:
    """A token and the message that carries it, written together."""

    token: EmailToken
    message: OutboxMessage


@dataclass(frozen=True)
class SessionsEnd:
    """Every session of the user started by ``at`` ends, but ``keep_family``."""

    at: datetime
    keep_family: str | None


class SpendOutcome(Enum):
    """How spending an e-mailed token ended."""

    COMMITTED = "committed"
    TOKEN_GONE = "token_gone"  # noqa: S105 - spent, replaced or expired meanwhile
    USER_CHANGED = "user_changed"  # the account moved on since it was read: retry


class CredentialStore(Protocol):
    """E-mailed tokens and the credential changes they (or the password) allow."""

    def issue(self, mail: TokenMail) -> None:
        """Store the token (replacing the user's earlier one of that purpose) and queue
        its message: one transaction."""
        ...

    def issue_nothing(self, subject: str, now: datetime) -> None:
        """The same DynamoDB work as :meth:`issue`, for an address without an account:
        inert items, gone after a while. ``subject`` names the request (a digest)."""
        ...

    def read_token(
        self, purpose: TokenPurpose, user_id: str, now: datetime
    ) -> tuple[EmailToken | None, User | None]:
        """The user's live token of ``purpose`` and the account, in one consistent read."""
        ...

    def spend(
        self, token: EmailToken, before: User, after: User, end: SessionsEnd | None
    ) -> SpendOutcome:
        """Delete the token (if it is still the one stored) and write the account change
        ``before`` -> ``after`` (and ``end`` the user's sessions): one transaction."""
        ...

    def change_password(self, before: User, after: User, end: SessionsEnd) -> bool:
        """Write the account change, end the sessions and drop any outstanding password
        reset code, in one transaction; ``False`` when the account moved on since
        ``before`` was read."""
        ...


class Outbox(Protocol):
    """Queued e-mails, by shard, in the order they are due."""

    def shard_count(self) -> int:
        """How many shards the queue is spread over (``due`` takes 0 .. count - 1)."""
        ...

    def due(self, shard: int, now: datetime, limit: int) -> list[OutboxMessage]:
        """Up to ``limit`` messages of ``shard`` due by ``now``, earliest first."""
        ...

    def claim(self, message: OutboxMessage, until: datetime) -> OutboxMessage | None:
        """Hide the message from other senders until ``until``; ``None`` when another
        sender moved it first."""
        ...

    def delivered(self, message: OutboxMessage) -> None:
        """Remove a claimed message (with its token): it was handed to the mail service."""
        ...

    def retry_at(self, message: OutboxMessage, at: datetime, error: str) -> None:
        """Count a failed attempt and queue the claimed message again for ``at``."""
        ...

    def give_up(self, message: OutboxMessage, reason: str, now: datetime) -> None:
        """Take the claimed message out of the queue for good, keeping a record of it
        (without its token) for a while."""
        ...


class MailUnavailable(Exception):
    """The mail service cannot take messages now (down, refusing, timing out): retry."""


class MailRejected(Exception):
    """The mail service refused this message for good (e.g. an invalid recipient)."""


class Mailer(Protocol):
    """Hands rendered messages to a mail service (SMTP or SES)."""

    def send(self, letter: Letter) -> None:
        """Deliver one message; :class:`MailUnavailable` or :class:`MailRejected`."""
        ...
