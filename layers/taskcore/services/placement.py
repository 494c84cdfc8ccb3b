"""Where tasks go (v1.1): lists, parents, manual positions; moves and subtree deletes.

Rules (DESIGN §3, "Lists, subtasks, order"):

* a task is in one list of its owner; its parent (if any) is a task of the same list, at
  most three levels deep, never one of its own subtasks;
* a new task goes to the end of its siblings (one ``Query``: the last sibling);
* a move writes the moved task only (its subtree too when it changes lists, in the same
  transaction: three actions per task, so at most :data:`MAX_MOVED_TASKS` tasks move
  together); its new position is a key between its new neighbours' keys;
* deleting a task deletes its subtree, leaves first, in bounded transactions, each task
  with its tombstone: interrupted, what is left is still a valid tree, and a repeat
  finishes the work.

Every transaction takes the owner's next change numbers conditioned on the account's
last one, so a move computed from neighbours that changed meanwhile cannot commit: it
is recomputed on fresh ones (see :mod:`taskcore.services.tasks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from taskcore.clock import format_instant
from taskcore.domain import positions
from taskcore.domain.listing import Segment
from taskcore.domain.lists import inbox_id
from taskcore.domain.search import index_prefixes
from taskcore.domain.task import Task
from taskcore.domain.user import User
from taskcore.errors import Conflict, FieldError, ValidationFailed
from taskcore.services.deps import Deps
from taskcore.services.ports import TaskBatch, TaskWrite, WriteOutcome

MAX_DEPTH = 3
# DynamoDB allows 100 actions per transaction: the account, the target list's check, and
# three per moved task (the task, its old and its new list-index entry).
TRANSACTION_ACTIONS = 100
MAX_MOVED_TASKS = (TRANSACTION_ACTIONS - 2) // 3  # 32: a task and 31 subtasks
# A re-spacing writes a sibling and its list-index entry: 48 per transaction.
RESPACE_BATCH = (TRANSACTION_ACTIONS - 1) // 2


@dataclass(frozen=True)
class Move:
    """A requested place. ``list_id`` / ``parent_id`` apply when given (``parent_given``:
    ``parent_id`` was in the request, ``None`` meaning the top level); ``anchor`` is
    ``"after"`` or ``"before"`` with ``anchor_id`` a sibling (``None``: the end for
    ``after``, the start for ``before``)."""

    list_id: str | None = None
    parent_id: str | None = None
    parent_given: bool = False
    anchor: str | None = None
    anchor_id: str | None = None

    @property
    def related_ids(self) -> list[str]:
        """Tasks to read along with the moved one."""
        return [i for i in (self.parent_id, self.anchor_id) if i is not None]


@dataclass(frozen=True)
class Place:
    """A resolved place: list, parent and the sibling keys around the gap."""

    list_id: str
    parent_id: str | None
    before: str | None  # the previous sibling's position (None: start)
    after: str | None  # the next sibling's position (None: end)


# ------------------------------------------------------------------------ new tasks


def place_new_task(
    deps: Deps, user: User, list_id: str | None, parent_id: str | None
) -> tuple[str, str | None, str]:
    """``(list, parent, position)`` of a new task: the end of its siblings."""
    target_list = list_id
    if parent_id is not None:
        parent = deps.tasks.get(user.id, parent_id)
        if parent is None:
            raise _invalid("parent_id", "no such task")
        if target_list is not None and parent.list_id != target_list:
            raise _invalid("parent_id", "must be a task of the same list")
        target_list = parent.list_id
        if depth(deps, user.id, parent) >= MAX_DEPTH:
            raise _invalid("parent_id", f"subtasks are at most {MAX_DEPTH} levels deep")
    target_list = target_list or inbox_id(user.id)
    last = _edge(deps, user.id, target_list, parent_id, last=True, skip=None)
    return target_list, parent_id, positions.key_between(last, None)


def depth(deps: Deps, user_id: str, task: Task) -> int:
    """How deep ``task`` is (1 = top level): at most one more read (its parent)."""
    if task.parent_id is None:
        return 1
    parent = deps.tasks.get(user_id, task.parent_id)
    if parent is None or parent.parent_id is None:
        return 2
    return MAX_DEPTH


def refused(deps: Deps, user_id: str, list_id: str, field: str = "list_id") -> Exception | None:
    """Why a list refused a task (a transaction's list check failed): the error to raise,
    or ``None`` when the list takes tasks after all (a race: retry)."""
    task_list = deps.lists.get(user_id, list_id)
    if task_list is None:
        return _invalid(field, "no such list")
    if task_list.deleting:
        return Conflict(f"The list {list_id} is being deleted")
    return None


# ---------------------------------------------------------------------------- moves


def resolve(
    deps: Deps, user: User, task: Task, move: Move, found: dict[str, Task]
) -> tuple[str, str | None]:
    """The list and parent a move takes the task to, validated (422 naming the field).

    Not given, the list is the anchor's (or the new parent's, or the task's own); the
    parent is the anchor's, else the task's own within its list, else the top level.
    """
    anchor = None
    if move.anchor_id is not None:
        anchor = found.get(move.anchor_id)
        if anchor is None or anchor.id == task.id:
            raise _invalid(f"{move.anchor}_id", "no such task among the new siblings")
    given_parent = found.get(move.parent_id) if move.parent_id else None
    if move.parent_id is not None and given_parent is None:
        raise _invalid("parent_id", "no such task")
    target_list = move.list_id or (anchor.list_id if anchor else None)
    target_list = target_list or (given_parent.list_id if given_parent else None) or task.list_id
    assert target_list is not None
    if move.parent_given:
        target_parent = move.parent_id
    elif anchor is not None:
        target_parent = anchor.parent_id
    else:
        target_parent = task.parent_id if target_list == task.list_id else None
    if anchor is not None and (anchor.list_id, anchor.parent_id) != (target_list, target_parent):
        raise _invalid(f"{move.anchor}_id", "must be a sibling at the new place")
    if target_parent is not None and (target_list, target_parent) != (task.list_id, task.parent_id):
        parent = given_parent or found.get(target_parent) or deps.tasks.get(user.id, target_parent)
        if parent is None:
            raise _invalid("parent_id", "no such task")
        if parent.list_id != target_list:
            raise _invalid("parent_id", "must be a task of the same list")
        _check_parent(deps, user.id, task, parent)
    return target_list, target_parent


def _check_parent(deps: Deps, user_id: str, task: Task, parent: Task) -> None:
    """No cycle, and the subtree still fits in :data:`MAX_DEPTH` levels under ``parent``."""
    if parent.id == task.id or parent.parent_id == task.id:
        raise _invalid("parent_id", "a task cannot be under itself or its subtasks")
    grandparent = deps.tasks.get(user_id, parent.parent_id) if parent.parent_id else None
    if grandparent is not None and grandparent.parent_id == task.id:
        raise _invalid("parent_id", "a task cannot be under itself or its subtasks")
    if parent.parent_id is None:
        parent_depth = 1
    elif grandparent is None or grandparent.parent_id is None:
        parent_depth = 2
    else:
        parent_depth = MAX_DEPTH
    room = MAX_DEPTH - parent_depth  # levels left for the task and its subtasks
    if room < 1 or _height(deps, user_id, task, room + 1) > room:
        raise _invalid("parent_id", f"subtasks are at most {MAX_DEPTH} levels deep")


def _height(deps: Deps, user_id: str, task: Task, limit: int) -> int:
    """Levels of ``task``'s subtree (itself = 1), counted up to ``limit``."""
    if limit <= 1:
        return 1
    children = list(children_of(deps, user_id, task.list_id or "", task.id))
    if not children:
        return 1
    return 1 + max(_height(deps, user_id, child, limit - 1) for child in children)


def position_for(
    deps: Deps,
    user_id: str,
    task: Task,
    move: Move,
    where: tuple[str, str | None],
    anchor: Task | None,
) -> Place:
    """The neighbours' keys around the requested gap (the moved task itself excluded):
    one ``Query`` of at most three items."""
    list_id, parent_id = where
    if anchor is None:
        at_end = move.anchor != "before"
        edge = _edge(deps, user_id, list_id, parent_id, last=at_end, skip=task.id)
        if at_end:
            return Place(list_id, parent_id, edge, None)
        return Place(list_id, parent_id, None, edge)
    prefix = positions.siblings_prefix(parent_id)
    if anchor.position_key is None or anchor.position is None:
        raise _invalid(f"{move.anchor}_id", "no such task among the new siblings")
    if move.anchor == "after":
        segment = Segment(
            "by_position", "position_key", anchor.position_key, prefix + "~", list_id=list_id
        )
        after = _first(deps, user_id, segment, True, skip={task.id, anchor.id})
        return Place(list_id, parent_id, anchor.position, after)
    segment = Segment("by_position", "position_key", prefix, anchor.position_key, list_id=list_id)
    before = _first(deps, user_id, segment, False, skip={task.id, anchor.id})
    return Place(list_id, parent_id, before, anchor.position)


def _edge(
    deps: Deps, user_id: str, list_id: str, parent_id: str | None, *, last: bool, skip: str | None
) -> str | None:
    """The position of the last (or first) sibling: one ``Query`` of two items at most."""
    prefix = positions.siblings_prefix(parent_id)
    segment = Segment("by_position", "position_key", prefix=prefix, list_id=list_id)
    return _first(deps, user_id, segment, not last, skip={skip} if skip else set())


def _first(deps: Deps, user_id: str, segment: Segment, forward: bool, skip: set[str]) -> str | None:
    """The position of the first task of ``segment`` not in ``skip`` (one small page)."""
    page = deps.tasks.query(user_id, segment, forward=forward, start=None, page_size=len(skip) + 1)
    for task, _ in page:
        if task.id not in skip:
            return task.position
    return None


def children_of(deps: Deps, user_id: str, list_id: str, parent_id: str) -> Iterator[Task]:
    """The direct subtasks of a task, in manual order (one ``Query``)."""
    prefix = positions.siblings_prefix(parent_id)
    segment = Segment("by_position", "position_key", prefix=prefix, list_id=list_id)
    for task, _ in deps.tasks.query(user_id, segment, forward=True, start=None, page_size=None):
        yield task


def descendants(deps: Deps, user_id: str, task: Task, cap: int | None = None) -> list[Task]:
    """Every subtask of ``task``, parents before their children (one ``Query`` per task
    that may have children); stops reading once more than ``cap`` are found."""
    found: list[Task] = []
    level = [task]
    for _ in range(MAX_DEPTH - 1):
        next_level: list[Task] = []
        for parent in level:
            next_level += children_of(deps, user_id, parent.list_id or "", parent.id)
            if cap is not None and len(found) + len(next_level) > cap:
                return found + next_level
        found += next_level
        level = next_level
        if not level:
            break
    return found


def moved_along(subtree: Sequence[Task], list_id: str, now_stamp: str) -> list[TaskWrite]:
    """The subtasks of a task that changes lists, moved with it."""
    return [
        TaskWrite(
            replace(t, list_id=list_id, version=t.version + 1, updated_at=now_stamp),
            expected_version=t.version,
            previous=t,
        )
        for t in subtree
    ]


def check_fits(root: TaskWrite, subtree: Sequence[Task]) -> None:
    """Refuse a move whose tasks do not fit in one transaction (422 on ``list_id``)."""
    # Search entries change only where the text does (a PATCH that also edits it).
    search = len(_prefixes(root.previous) ^ _prefixes(root.task))
    actions = 2 + 3 * (1 + len(subtree)) + search
    if actions > TRANSACTION_ACTIONS:
        limit = MAX_MOVED_TASKS - 1
        raise _invalid(
            "list_id",
            f"a task moves to another list with at most {limit} subtasks in one request "
            f"(this one has {len(subtree)}); move some of them first",
        )


def _prefixes(task: Task | None) -> set[str]:
    return index_prefixes(task.title, task.description) if task else set()


def _prefix_count(task: Task | None) -> int:
    return len(_prefixes(task))


# --------------------------------------------------------------------- re-spacing


def respace(deps: Deps, user: User, list_id: str, parent_id: str | None) -> bool:
    """Give the siblings of one container short keys again (same order), from the last
    to the first, :data:`RESPACE_BATCH` per transaction; ``False`` when another write
    got in between (what was done is a valid order; the caller starts over)."""
    prefix = positions.siblings_prefix(parent_id)
    segment = Segment("by_position", "position_key", prefix=prefix, list_id=list_id)
    siblings = [
        t for t, _ in deps.tasks.query(user.id, segment, forward=True, start=None, page_size=None)
    ]
    keys = positions.respaced([t.position or "" for t in siblings])
    writes = [
        TaskWrite(replace(t, position=key, version=t.version + 1), t.version, previous=t)
        for t, key in zip(siblings, keys, strict=True)
    ]
    writes.reverse()  # the re-keyed tail sorts after the untouched head at every step
    return commit_in_batches(deps, user, writes, lambda w: 2, RESPACE_BATCH * 2 + 1) is not None


# ------------------------------------------------------------------------ deletes


def delete_order(tasks: Sequence[Task]) -> list[Task]:
    """``tasks`` with the deepest first (leaves before their parents), so that whatever
    prefix of the order has been deleted, the rest is still a valid tree."""
    by_id = {t.id: t for t in tasks}

    def level(task: Task) -> int:
        steps, current = 1, task
        while current.parent_id in by_id and steps <= MAX_DEPTH:
            current = by_id[current.parent_id]
            steps += 1
        return steps

    return sorted(tasks, key=level, reverse=True)


def delete_writes(tasks: Sequence[Task]) -> list[TaskWrite]:
    """A delete (with its tombstone) per task."""
    return [TaskWrite(t, expected_version=t.version, delete=True, previous=t) for t in tasks]


def delete_actions(write: TaskWrite) -> int:
    """Actions of one task delete: the task, its tombstone, its entry, its search entries."""
    return 3 + _prefix_count(write.previous)


def commit_in_batches(
    deps: Deps,
    user: User,
    writes: Sequence[TaskWrite],
    cost: Callable[[TaskWrite], int],
    budget: int = TRANSACTION_ACTIONS,
) -> User | None:
    """Commit ``writes`` in order, as many per transaction as fit in ``budget`` actions
    (one is the account's). Returns the account as it is afterwards, or ``None`` when a
    transaction lost a race (the earlier ones stay committed). Once anything committed,
    the user's cache is invalidated (once), however the rest ends: callers need not."""
    committed = False
    try:
        for batch in _batches(writes, cost, budget - 1):
            outcome = deps.tasks.write_batch(user, TaskBatch(tuple(batch)), deps.clock())
            if outcome is not WriteOutcome.COMMITTED:
                return None
            committed = True
            deleted = sum(1 for w in batch if w.delete)
            user = replace(
                user,
                change_seq=user.change_seq + len(batch),
                task_count=user.task_count - deleted,
            )
        return user
    finally:
        if committed:
            deps.cache.bump(user.id)


def first_transactions(
    writes: Sequence[TaskWrite],
    cost: Callable[[TaskWrite], int],
    transactions: int,
    budget: int = TRANSACTION_ACTIONS,
) -> Sequence[TaskWrite]:
    """The first of ``writes`` that :func:`commit_in_batches` commits in at most
    ``transactions`` transactions."""
    taken = 0
    for count, batch in enumerate(_batches(writes, cost, budget - 1)):
        if count == transactions:
            break
        taken += len(batch)
    return writes[:taken]


def _batches(
    writes: Sequence[TaskWrite], cost: Callable[[TaskWrite], int], budget: int
) -> Iterator[list[TaskWrite]]:
    batch: list[TaskWrite] = []
    used = 0
    for write in writes:
        need = cost(write)
        if batch and used + need > budget:
            yield batch
            batch, used = [], 0
        batch.append(write)
        used += need
    if batch:
        yield batch


def stamp(deps: Deps) -> str:
    """The current time as stored."""
    return format_instant(deps.clock())


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, message)])
