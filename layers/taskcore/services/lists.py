"""Lists (v1.1): create, read, rename, move, delete; the Inbox of every account.

Lists are few (at most 500 per user) and small, so ``GET /v1/lists`` reads them all with
one ``Query`` and orders them here. Every list write is one transaction that takes the
owner's next change number, like a task write, so lists appear in sync in commit order.

Accounts from before lists get their Inbox on first use (:func:`ensure_ready`): their
tasks are put into the Inbox's list index in creation order, in bounded transactions
conditioned on each task's version, and the Inbox itself is written last, together with
the account's ``lists_ready`` mark. Interrupted, the next request carries on; no
migration job has to run first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from fractional_indexing import generate_n_keys_between

from taskcore.cursors import Position, fingerprint
from taskcore.domain import positions
from taskcore.domain.listing import Segment
from taskcore.domain.lists import TaskList, in_order, inbox_id, new_inbox, new_list
from taskcore.domain.user import User
from taskcore.errors import (
    Conflict,
    DependencyUnavailable,
    FieldError,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)
from taskcore.schemas import (
    DeleteListParams,
    ListCreate,
    ListMove,
    ListsParams,
    ListUpdate,
    QueryParams,
    validate,
    validate_query,
)
from taskcore.services import idempotency, limits, placement
from taskcore.services.deps import Deps
from taskcore.services.ports import ListWrite, TaskWrite, WriteOutcome
from taskcore.services.retries import ATTEMPTS, busy, pause

# Tasks brought into the Inbox per transaction: each is its item and its entry.
_BACKFILL_BATCH = 49

# The transactions one cascade delete request may commit (up to 100 actions each): a list
# of a thousand short tasks goes in one request; a larger or wordier one (a task with a
# long text is up to 100 actions with its search entries) takes several, each answered
# 503 with Retry-After, since the list is marked deleting and a repeat goes on from there.
CASCADE_TRANSACTIONS_PER_REQUEST = 50


# ------------------------------------------------------------------------- the Inbox


def ensure_ready(deps: Deps, user: User) -> User:
    """The account with its Inbox and every task in the list index (first use of an
    account from before lists; a no-op afterwards)."""
    failures = 0
    while not user.lists_ready:
        done = _bring_up_to_date(deps, user)
        fresh = deps.users.get(user.id)
        if fresh is None:
            raise Unauthorized("The account no longer exists", code="token_invalid")
        user = fresh
        if not done and not user.lists_ready:
            failures += 1
            if failures >= ATTEMPTS:
                raise busy()
            pause(failures)
    return user


def _bring_up_to_date(deps: Deps, user: User) -> bool:
    """Place every unplaced task at the end of the Inbox, in creation order, then write
    the Inbox and the mark. ``False`` when a concurrent write got in between."""
    inbox = inbox_id(user.id)
    segment = Segment(None, "sk", prefix="T#")
    stored = [
        t for t, _ in deps.tasks.query(user.id, segment, forward=True, start=None, page_size=None)
    ]
    placed = [t.position for t in stored if t.position is not None]
    pending = [t for t in stored if t.position is None]
    keys = generate_n_keys_between(max(placed) if placed else None, None, len(pending))
    writes = [
        TaskWrite(
            replace(t, list_id=inbox, position=str(key), version=t.version + 1),
            expected_version=t.version,
            previous=t,
        )
        for t, key in zip(pending, keys, strict=True)
    ]
    current = placement.commit_in_batches(deps, user, writes, lambda w: 2, _BACKFILL_BATCH * 2 + 1)
    if current is None:
        return False
    first = positions.key_between(None, None)
    outcome = deps.lists.write(
        current,
        [ListWrite(new_inbox(user.id, deps.clock(), first), None)],
        deps.clock(),
        ready=True,
    )
    if outcome is WriteOutcome.COMMITTED:
        deps.cache.bump(user.id)
    return outcome is WriteOutcome.COMMITTED


def ready_user(deps: Deps, user_id: str) -> User:
    """The caller's account, with its lists ready."""
    return ensure_ready(deps, deps.users.require(user_id))


# --------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class ListsPage:
    """One page of lists, in manual order."""

    items: list[TaskList]
    next_cursor: str | None


def get_list(deps: Deps, user_id: str, list_id: str) -> TaskList:
    """One of the caller's lists: from Redis when cached, else one ``GetItem``."""
    name = f"tasklist:{list_id}"
    generation, cached = deps.cache.lookup(user_id, name)
    if cached is not None:
        return TaskList.from_snapshot(cached)
    task_list = require_list(deps, user_id, list_id)
    if generation is not None:
        deps.cache.store(user_id, generation, name, task_list.to_snapshot())
    return task_list


def require_list(deps: Deps, user_id: str, list_id: str) -> TaskList:
    """The caller's list (the Inbox of an account from before lists is made first);
    :class:`NotFound` for anyone else's."""
    task_list = deps.lists.get(user_id, list_id)
    if task_list is None and list_id == inbox_id(user_id):
        ready_user(deps, user_id)
        task_list = deps.lists.get(user_id, list_id)
    if task_list is None:
        raise NotFound(f"No list {list_id}")
    return task_list


def list_lists_json(deps: Deps, user_id: str, raw_params: QueryParams) -> str:
    """A page of the caller's lists as the JSON reply body, cached per user generation."""
    params = validate_query(ListsParams, raw_params)
    name = "lists:" + fingerprint(params.model_dump())
    generation, cached = deps.cache.lookup_text(user_id, name)
    if cached is not None:
        return cached
    page = list_lists(deps, user_id, params.limit, params.cursor)
    body = {"items": [item.to_public() for item in page.items], "next_cursor": page.next_cursor}
    text = json.dumps(body, separators=(",", ":"))
    if generation is not None:
        deps.cache.store_text(user_id, generation, name, text)
    return text


def list_lists(deps: Deps, user_id: str, limit: int, cursor: str | None) -> ListsPage:
    """The caller's lists after ``cursor``: one ``Query`` for all of them (at most 500)."""
    identity = fingerprint({"lists": True})
    after = deps.cursors.decode(cursor, user_id, identity) if cursor else None
    lists = deps.lists.all(user_id)
    if not any(item.is_inbox for item in lists):
        ready_user(deps, user_id)  # an account from before lists: its first use
        lists = deps.lists.all(user_id)
    ordered = in_order(lists)
    if after is not None:
        mark = (after.key.get("position", ""), after.key.get("id", ""))
        ordered = [item for item in ordered if (item.position, item.id) > mark]
    page = ordered[:limit]
    next_cursor = None
    if len(ordered) > limit:
        last = page[-1]
        position = Position(0, {"position": last.position, "id": last.id})
        next_cursor = deps.cursors.encode(user_id, identity, position)
    return ListsPage(page, next_cursor)


# -------------------------------------------------------------------------- writes


@dataclass(frozen=True)
class Created:
    """A created list, and whether this is the replay of an earlier request's result."""

    task_list: TaskList
    replayed: bool


def create_list_once(deps: Deps, user_id: str, body: Any, key: str | None) -> Created:
    """Create a list; with an idempotency ``key``, a retry gets the first result."""
    limits.check_task_write(deps, user_id)
    request = validate(ListCreate, body)
    if key is None:
        return Created(create_list(deps, user_id, request.name), replayed=False)
    outcome = idempotency.once(
        deps,
        user_id,
        key,
        idempotency.fingerprint("create_list", body),
        lambda list_id: create_list(deps, user_id, request.name, list_id).to_snapshot(),
    )
    return Created(TaskList.from_snapshot(outcome.result), outcome.replayed)


def create_list(deps: Deps, user_id: str, name: str, list_id: str | None = None) -> TaskList:
    """A new list at the end of the caller's lists. Reads: the account, all lists."""
    list_id = list_id or deps.new_id()
    for attempt in range(ATTEMPTS):
        user = ready_user(deps, user_id)
        lists = deps.lists.all(user_id)
        existing = next((item for item in lists if item.id == list_id), None)
        if existing is not None:
            return existing  # an earlier attempt of an idempotent request committed
        if user.list_count >= deps.settings.max_lists_per_user:
            raise ValidationFailed(
                [FieldError("body", f"at most {deps.settings.max_lists_per_user} lists per user")],
                code="quota_exceeded",
            )
        last = max((item.position for item in lists), default=None)
        created = new_list(list_id, user_id, name, positions.key_between(last, None), deps.clock())
        outcome = deps.lists.write(user, [ListWrite(created, None)], deps.clock())
        if outcome is WriteOutcome.COMMITTED:
            deps.cache.bump(user_id)
            return created
        pause(attempt)
    raise busy()


def rename_list(
    deps: Deps, user_id: str, list_id: str, body: Any, expected_version: int | None = None
) -> TaskList:
    """Change a list's name (``If-Match``: only at that version)."""
    limits.check_task_write(deps, user_id)
    request = validate(ListUpdate, body)
    for attempt in range(ATTEMPTS):
        user, task_list = _load(deps, user_id, list_id, expected_version)
        if request.name is None:
            return task_list
        renamed = task_list.changed(deps.clock(), name=request.name)
        if renamed is task_list:
            return task_list
        outcome = deps.lists.write(user, [ListWrite(renamed, task_list.version)], deps.clock())
        if outcome is WriteOutcome.COMMITTED:
            deps.cache.bump(user_id)
            return renamed
        pause(attempt)
    raise busy()


def move_list(deps: Deps, user_id: str, list_id: str, body: Any) -> TaskList:
    """Put a list after ``after_id`` (``null``: at the end) or before ``before_id``
    (``null``: at the start). Reads: the account, all lists."""
    limits.check_task_write(deps, user_id)
    request = validate(ListMove, body)
    given = request.model_fields_set & {"after_id", "before_id"}
    if len(given) != 1:
        raise ValidationFailed([FieldError("body", "give exactly one of after_id, before_id")])
    anchor_field = given.pop()
    anchor_id = getattr(request, anchor_field)
    for attempt in range(ATTEMPTS):
        user = ready_user(deps, user_id)
        lists = deps.lists.all(user_id)
        task_list = next((item for item in lists if item.id == list_id), None)
        if task_list is None:
            raise NotFound(f"No list {list_id}")
        others = in_order([item for item in lists if item.id != list_id])
        before, after = _neighbours(others, anchor_field, anchor_id)
        key = positions.key_between(before, after)
        if positions.needs_respacing(key):
            _respace_lists(deps, user, in_order(lists))
            continue
        moved = task_list.changed(deps.clock(), position=key)
        outcome = deps.lists.write(user, [ListWrite(moved, task_list.version)], deps.clock())
        if outcome is WriteOutcome.COMMITTED:
            deps.cache.bump(user_id)
            return moved
        pause(attempt)
    raise busy()


def _neighbours(
    others: list[TaskList], anchor_field: str, anchor_id: str | None
) -> tuple[str | None, str | None]:
    if anchor_id is None:
        if anchor_field == "after_id":
            return (others[-1].position if others else None), None
        return None, (others[0].position if others else None)
    index = next((i for i, item in enumerate(others) if item.id == anchor_id), None)
    if index is None:
        raise ValidationFailed([FieldError(anchor_field, "no such list")])
    if anchor_field == "after_id":
        following = others[index + 1].position if index + 1 < len(others) else None
        return others[index].position, following
    preceding = others[index - 1].position if index > 0 else None
    return preceding, others[index].position


def _respace_lists(deps: Deps, user: User, ordered: list[TaskList]) -> None:
    """Short keys for every list, same order, from the last list to the first (see
    :func:`taskcore.domain.positions.respaced`); stops at the first lost race."""
    keys = positions.respaced([item.position for item in ordered])
    writes = [
        ListWrite(replace(item, position=key, version=item.version + 1), item.version)
        for item, key in zip(ordered, keys, strict=True)
    ]
    writes.reverse()
    try:
        for first in range(0, len(writes), 98):
            batch = writes[first : first + 98]
            if deps.lists.write(user, batch, deps.clock()) is not WriteOutcome.COMMITTED:
                return
            user = replace(user, change_seq=user.change_seq + len(batch))
    finally:
        deps.cache.bump(user.id)  # what committed is seen, whatever stopped the rest


def delete_list(
    deps: Deps,
    user_id: str,
    list_id: str,
    raw_params: QueryParams,
    expected_version: int | None = None,
) -> None:
    """Delete a list: 409 when it has tasks, unless ``cascade=true`` (then its tasks go
    first, leaves first, in bounded transactions, each with a tombstone); the Inbox
    cannot be deleted (409). Interrupted, or past the request's share of the work
    (:data:`CASCADE_TRANSACTIONS_PER_REQUEST`: 503 with Retry-After), the list is still
    there with the tasks not yet deleted, takes no new task, and a repeated delete (with
    the same ``If-Match``, if any) goes on."""
    limits.check_task_write(deps, user_id)
    cascade = bool(validate_query(DeleteListParams, raw_params).cascade)
    for attempt in range(ATTEMPTS):
        user, task_list = _load(deps, user_id, list_id, expected_version, resuming=True)
        if task_list.is_inbox:
            raise Conflict("The Inbox cannot be deleted")
        tasks = _tasks_of(deps, user_id, list_id, everything=cascade)
        if tasks and not cascade:
            raise Conflict("The list is not empty: delete its tasks, or use ?cascade=true")
        if tasks:
            if not task_list.deleting:
                marked = replace(task_list, deleting=True)
                if (
                    deps.lists.write(user, [ListWrite(marked, task_list.version)], deps.clock())
                    is not WriteOutcome.COMMITTED
                ):
                    pause(attempt)
                    continue
                deps.cache.bump(user_id)
                user = replace(user, change_seq=user.change_seq + 1)
            writes = placement.delete_writes(placement.delete_order(tasks))
            share = placement.first_transactions(
                writes, placement.delete_actions, CASCADE_TRANSACTIONS_PER_REQUEST
            )
            done = placement.commit_in_batches(deps, user, share, placement.delete_actions)
            if done is None:
                pause(attempt)
            elif len(share) < len(writes):
                raise DependencyUnavailable(
                    f"The list is being deleted: {len(writes) - len(share)} tasks are left;"
                    " repeat the request to go on"
                )
            continue  # look again: the list is empty now, unless a race left some
        outcome = deps.lists.write(
            user, [ListWrite(task_list, task_list.version, delete=True)], deps.clock()
        )
        if outcome is WriteOutcome.COMMITTED:
            deps.cache.bump(user_id)
            return
        pause(attempt)
    raise busy()


def _tasks_of(deps: Deps, user_id: str, list_id: str, *, everything: bool) -> list[Any]:
    """The list's tasks (all of them, or one to tell whether there are any)."""
    segment = Segment(None, "sk", prefix="T#", list_id=list_id)
    rows = deps.tasks.query(
        user_id, segment, forward=True, start=None, page_size=None if everything else 1
    )
    found = []
    for task, _ in rows:
        found.append(task)
        if not everything:
            break
    return found


def _load(
    deps: Deps,
    user_id: str,
    list_id: str,
    expected_version: int | None,
    *,
    resuming: bool = False,
) -> tuple[User, TaskList]:
    """The account and the list, for a write at ``expected_version``. ``resuming``: a
    list being deleted passes at any version (marking it moved its version on, and the
    repeat of the delete carries the ``If-Match`` of the first request)."""
    user, task_list = deps.lists.load_for_write(user_id, list_id)
    if user is None:
        raise Unauthorized("The account no longer exists", code="token_invalid")
    if task_list is None and list_id == inbox_id(user_id) and not user.lists_ready:
        ensure_ready(deps, user)
        user, task_list = deps.lists.load_for_write(user_id, list_id)
    if user is None:
        raise Unauthorized("The account no longer exists", code="token_invalid")
    if task_list is None:
        raise NotFound(f"No list {list_id}")
    at_version = expected_version is None or task_list.version == expected_version
    if not at_version and not (resuming and task_list.deleting):
        raise PreconditionFailed(f"The list is at version {task_list.version}")
    return user, task_list
