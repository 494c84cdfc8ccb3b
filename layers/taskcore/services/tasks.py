"""Tasks: create, read, change, complete, reopen, delete, list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from taskcore.domain.due import Due, is_calendar_date
from taskcore.domain.recurrence import Basis, Recurrence
from taskcore.domain.task import (
    Priority,
    Reminder,
    Task,
    TaskChanges,
    apply_changes,
    new_task,
)
from taskcore.domain.user import User
from taskcore.errors import (
    FieldError,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    ValidationFailed,
)
from taskcore.schemas import TaskCreate, TaskUpdate, validate
from taskcore.services import idempotency, limits, lists, moves, placement
from taskcore.services.deps import Deps
from taskcore.services.ports import TaskBatch, TaskWrite, WriteOutcome
from taskcore.services.retries import ATTEMPTS as _WRITE_ATTEMPTS
from taskcore.services.retries import busy as _busy
from taskcore.services.retries import pause as _pause

# An edit of the task as read, knowing its owner (whose zone is the default ``due_tz``).
Edit = Callable[[Task, User], Task | None]


def create_task(deps: Deps, user_id: str, body: Any, task_id: str | None = None) -> Task:
    """Create a task from a request body.

    A given ``task_id`` makes a retry safe: if that task exists already, it is returned
    instead of creating another (idempotent requests reserve the id before creating).
    Not rate limited itself: :func:`create_task_once` (the HTTP path) counts the write.
    """
    request = validate(TaskCreate, body)
    present = request.model_fields_set - moves.PLACEMENT_FIELDS
    changes = _changes(request.model_dump(), present | {"title"})
    task_id = task_id or deps.new_id()
    for attempt in range(_WRITE_ATTEMPTS):
        user = lists.ensure_ready(deps, deps.users.require(user_id))
        if user.task_count >= deps.settings.max_tasks_per_user:
            raise ValidationFailed(
                [FieldError("body", f"at most {deps.settings.max_tasks_per_user} tasks per user")],
                code="quota_exceeded",
            )
        # The end of its siblings in its list (default: the Inbox), under its parent.
        place = placement.place_new_task(deps, user, request.list_id, request.parent_id)
        task = new_task(task_id, user_id, changes, deps.clock(), owner_zone=user.timezone)
        task = replace(task, list_id=place[0], parent_id=place[1], position=place[2])
        batch = TaskBatch((TaskWrite(task, expected_version=None),), into_list=place[0])
        outcome = deps.tasks.write_batch(user, batch, deps.clock())
        if outcome is WriteOutcome.COMMITTED:
            deps.cache.bump(user_id)
            return task
        if outcome is WriteOutcome.TASK_CHANGED:
            return _require_task(deps, user_id, task_id)  # an earlier attempt committed
        if outcome is WriteOutcome.LIST_REFUSED:
            error = placement.refused(deps, user_id, place[0])
            if error is not None:
                raise error
        _pause(attempt)
    raise _busy()


def get_task(deps: Deps, user_id: str, task_id: str) -> Task:
    """A task of this user: served from Redis when cached, else one ``GetItem``."""
    cache = deps.cache
    name = f"task:{task_id}"
    generation, cached = cache.lookup(user_id, name)
    if cached is not None:
        return Task.from_snapshot(cached)
    task = _require_task(deps, user_id, task_id)
    if generation is not None:
        cache.store(user_id, generation, name, task.to_snapshot())
    return task


def update_task(
    deps: Deps, user_id: str, task_id: str, body: Any, expected_version: int | None = None
) -> Task:
    """Apply a partial update; an ``expected_version`` makes it conditional on it."""
    limits.check_task_write(deps, user_id)
    request = validate(TaskUpdate, body)
    present = request.model_fields_set
    changes = _changes(request.model_dump(), present - moves.PLACEMENT_FIELDS)
    if present & moves.PLACEMENT_FIELDS:  # a move too, in the same transaction
        move = moves.move_of(request.model_dump(), present & moves.PLACEMENT_FIELDS)
        clock = deps.clock
        return moves.place(
            deps,
            user_id,
            task_id,
            move,
            expected_version,
            lambda t, owner: apply_changes(t, changes, clock(), owner_zone=owner.timezone),
        )
    return _edit(deps, user_id, task_id, expected_version, _applying(deps, changes))


def set_completed(
    deps: Deps,
    user_id: str,
    task_id: str,
    completed: bool,
    expected_version: int | None = None,
) -> Task:
    """Complete or reopen a task; doing it twice changes nothing, except on a recurring
    task, which each completion moves on to its next occurrence: an ``expected_version``
    (``If-Match``) makes a completion apply to the occurrence the client saw, once."""
    limits.check_task_write(deps, user_id)
    edit = _applying(deps, TaskChanges(completed=completed))
    if completed:
        edit = _once_per_occurrence(edit)
    return _edit(deps, user_id, task_id, expected_version, edit)


def _once_per_occurrence(edit: Edit) -> Edit:
    """A completion applies to the occurrence it first read. Retried after a write whose
    reply was lost (the store's client retries timeouts; the write may have landed), or
    after losing to a concurrent completion, it finds a recurring task moved on to a
    later occurrence: that one is left open, not skipped as well."""
    first_due: list[object] = []

    def once(task: Task, owner: User) -> Task | None:
        if not first_due:
            first_due.append(task.due)
        elif task.recurrence is not None and task.due != first_due[0]:
            return task
        return edit(task, owner)

    return once


def delete_task(
    deps: Deps, user_id: str, task_id: str, expected_version: int | None = None
) -> None:
    """Delete a task and its subtasks, each leaving a tombstone for sync."""
    limits.check_task_write(deps, user_id)
    moves.delete_tree(deps, user_id, task_id, expected_version)


def _edit(deps: Deps, user_id: str, task_id: str, expected_version: int | None, edit: Edit) -> Task:
    """Read-modify-write with optimistic concurrency.

    Without an ``expected_version`` a lost race is retried on the fresh task, so two
    partial updates of different fields both take effect; with one, a task at another
    version is :class:`PreconditionFailed`.
    """
    for attempt in range(_WRITE_ATTEMPTS):
        user, task = deps.tasks.load_for_write(user_id, task_id)
        if user is None:
            raise Unauthorized("The account no longer exists", code="token_invalid")
        if not user.lists_ready:  # an account from before lists: its first write
            lists.ensure_ready(deps, user)
            continue
        if task is None:
            raise NotFound(f"No task {task_id}")
        if expected_version is not None and task.version != expected_version:
            raise PreconditionFailed(f"The task is at version {task.version}")
        updated = edit(task, user)
        if updated is task:
            return task  # nothing to change: no write, no new version
        change = TaskWrite(
            updated or task, expected_version=task.version, delete=updated is None, previous=task
        )
        outcome = deps.tasks.write(user, change, deps.clock())
        if outcome is WriteOutcome.COMMITTED:
            deps.cache.bump(user_id)
            return change.task
        _pause(attempt)
    raise _busy()


def _applying(deps: Deps, changes: TaskChanges) -> Edit:
    return lambda task, owner: apply_changes(task, changes, deps.clock(), owner_zone=owner.timezone)


# Fields whose null means something: no due date, no recurrence, the default reminders.
_NULLABLE = frozenset({"due_at", "recurrence", "reminders"})


def _changes(values: dict[str, Any], present: set[str]) -> TaskChanges:
    nulls = [name for name in present if values.get(name) is None and name not in _NULLABLE]
    if nulls:
        raise ValidationFailed([FieldError(name, "may not be null") for name in sorted(nulls)])
    due_given = "due_at" in present
    due_value = values.get("due_at")
    recurrence = values.get("recurrence")
    reminders = values.get("reminders")
    return TaskChanges(
        title=values["title"] if "title" in present else None,
        description=values["description"] if "description" in present else None,
        # Already parsed and normalised by the request schema: parsed once.
        due=Due(due_value, is_calendar_date(due_value)) if due_given and due_value else None,
        clear_due=due_given and due_value is None,
        priority=Priority(values["priority"]) if values.get("priority") else None,
        tags=tuple(values["tags"]) if "tags" in present and values["tags"] is not None else None,
        completed=values["completed"] if "completed" in present else None,
        due_tz=values.get("due_tz") if "due_tz" in present else None,
        recurrence=Recurrence(recurrence["rule"], Basis(recurrence["from_"]))
        if recurrence
        else None,
        clear_recurrence="recurrence" in present and recurrence is None,
        reminders=_reminders(reminders) if reminders is not None else None,
        default_reminders="reminders" in present and reminders is None,
    )


def _reminders(values: list[dict[str, Any]]) -> tuple[Reminder, ...]:
    """The reminders given, each once (by its key), in the order given."""
    unique = {Reminder(r["before_minutes"], r["at"]).key: None for r in values}
    return tuple(Reminder.from_key(key) for key in unique)


def _require_task(deps: Deps, user_id: str, task_id: str) -> Task:
    task = deps.tasks.get(user_id, task_id)
    if task is None:
        raise NotFound(f"No task {task_id}")
    return task


@dataclass(frozen=True)
class Created:
    """A created task, and whether this is the replay of an earlier request's result."""

    task: Task
    replayed: bool


def create_task_once(deps: Deps, user_id: str, body: Any, key: str | None) -> Created:
    """Create a task; with an idempotency ``key``, a retry gets the first result."""
    limits.check_task_write(deps, user_id)
    if key is None:
        return Created(create_task(deps, user_id, body), replayed=False)
    # An invalid body is refused before the key is claimed: nothing to remember.
    validate(TaskCreate, body)
    outcome = idempotency.once(
        deps,
        user_id,
        key,
        idempotency.fingerprint("create_task", body),
        lambda task_id: create_task(deps, user_id, body, task_id=task_id).to_snapshot(),
    )
    return Created(Task.from_snapshot(outcome.result), outcome.replayed)
