"""Moving tasks (``POST /v1/tasks/{id}/move``, ``PATCH`` with ``list_id`` / ``parent_id``)
and deleting them with their subtasks (v1.1). The rules live in
:mod:`taskcore.services.placement`; this module runs them against the store, retrying
a write that lost its race on fresh data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from taskcore.domain import positions
from taskcore.domain.task import Task
from taskcore.domain.user import User
from taskcore.errors import FieldError, NotFound, PreconditionFailed, Unauthorized, ValidationFailed
from taskcore.schemas import TaskMove, validate
from taskcore.services import limits, lists, placement
from taskcore.services.deps import Deps
from taskcore.services.placement import Move
from taskcore.services.ports import TaskBatch, TaskWrite, WriteOutcome
from taskcore.services.retries import ATTEMPTS, busy, pause

PLACEMENT_FIELDS = frozenset({"list_id", "parent_id"})

# A change of the task's own fields made with the move, knowing its owner (whose zone is
# the default ``due_tz``).
Edit = Callable[[Task, User], Task]


def move_task(deps: Deps, user_id: str, task_id: str, body: Any) -> Task:
    """Move a task: to another list (with its subtasks), under another parent, and/or
    next to a sibling."""
    limits.check_task_write(deps, user_id)
    request = validate(TaskMove, body)
    move = move_of(request.model_dump(), request.model_fields_set)
    return place(deps, user_id, task_id, move, None, lambda task, owner: task)


def move_of(values: dict[str, Any], present: set[str]) -> Move:
    """The move a request body asks for (``present``: the fields it gave)."""
    anchors = sorted(present & {"after_id", "before_id"})
    errors = []
    if len(anchors) > 1:
        errors.append(FieldError("before_id", "give at most one of after_id, before_id"))
    if "list_id" in present and values.get("list_id") is None:
        errors.append(FieldError("list_id", "may not be null"))
    if errors:
        raise ValidationFailed(errors)
    anchor = anchors[0].removesuffix("_id") if anchors else None
    return Move(
        list_id=values.get("list_id"),
        parent_id=values.get("parent_id"),
        parent_given="parent_id" in present,
        anchor=anchor,
        anchor_id=values.get(f"{anchor}_id") if anchor else None,
    )


def place(
    deps: Deps,
    user_id: str,
    task_id: str,
    move: Move,
    expected_version: int | None,
    edit: Edit,
) -> Task:
    """Apply ``edit`` and ``move`` to a task in one transaction. Reads: the account, the
    task, its new parent and anchor (one ``TransactGetItems``), the neighbour (one
    ``Query``), and, for a new parent, its parent and the task's subtree levels; for a
    move to another list, the subtree (one ``Query`` per task that may have children)."""
    for attempt in range(ATTEMPTS):
        user, found = deps.tasks.read_for_write(user_id, [task_id, *move.related_ids])
        task = _writable(deps, user, found.get(task_id), task_id, expected_version)
        if user is None or task is None:
            continue  # the account's lists were just made ready: read again
        where = placement.resolve(deps, user, task, move, found)
        edited = edit(task, user)
        unmoved = where == (task.list_id, task.parent_id) and move.anchor is None
        if unmoved and edited is task:
            return task
        position = task.position
        if not unmoved:
            anchor = found.get(move.anchor_id) if move.anchor_id else None
            spot = placement.position_for(deps, user_id, task, move, where, anchor)
            position = positions.key_between(spot.before, spot.after)
            if positions.needs_respacing(position):
                placement.respace(deps, user, *where)
                continue
        moved = replace(edited, list_id=where[0], parent_id=where[1], position=position)
        if edited is task:
            moved = replace(moved, version=task.version + 1, updated_at=placement.stamp(deps))
        outcome = _commit(deps, user, task, moved)
        if outcome is WriteOutcome.COMMITTED:
            deps.cache.bump(user_id)
            return moved
        if outcome is WriteOutcome.LIST_REFUSED:
            error = placement.refused(deps, user_id, where[0])
            if error is not None:
                raise error
        pause(attempt)
    raise busy()


def _writable(
    deps: Deps, user: User | None, task: Task | None, task_id: str, expected_version: int | None
) -> Task | None:
    """The task to change; ``None`` after making an account's lists ready (read again)."""
    if user is None:
        raise Unauthorized("The account no longer exists", code="token_invalid")
    if not user.lists_ready:
        lists.ensure_ready(deps, user)
        return None
    if task is None:
        raise NotFound(f"No task {task_id}")
    if expected_version is not None and task.version != expected_version:
        raise PreconditionFailed(f"The task is at version {task.version}")
    return task


def _commit(deps: Deps, user: User, task: Task, moved: Task) -> WriteOutcome:
    """One transaction: the task, and its subtree when it changes lists."""
    root = TaskWrite(moved, task.version, previous=task)
    writes = [root]
    into = None
    if moved.list_id != task.list_id:
        into = moved.list_id
        subtree = placement.descendants(deps, user.id, task, cap=placement.MAX_MOVED_TASKS)
        placement.check_fits(root, subtree)
        writes += placement.moved_along(subtree, moved.list_id or "", moved.updated_at)
    return deps.tasks.write_batch(user, TaskBatch(tuple(writes), into_list=into), deps.clock())


def delete_tree(deps: Deps, user_id: str, task_id: str, expected_version: int | None) -> None:
    """Delete a task and its subtasks, leaves first, each with a tombstone. Reads: the
    account and the task, then its subtasks (one ``Query`` per task that may have
    children); one transaction when they fit, more otherwise."""
    for attempt in range(ATTEMPTS):
        user, stored = deps.tasks.load_for_write(user_id, task_id)
        task = _writable(deps, user, stored, task_id, expected_version)
        if user is None or task is None:
            continue
        subtree = placement.descendants(deps, user_id, task)
        writes = placement.delete_writes([*placement.delete_order(subtree), task])
        if placement.commit_in_batches(deps, user, writes, placement.delete_actions) is not None:
            return
        pause(attempt)
    raise busy()
