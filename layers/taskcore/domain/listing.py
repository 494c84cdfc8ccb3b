"""List queries: from the contract's query parameters to a key-condition plan.

Every list shape maps to a range of one index's sort key (DESIGN.md section 4), so a page
costs one ``Query`` that reads only matching items. The sort keys are built by
:meth:`taskcore.domain.task.Task.index_keys`:

* table ``sk``             ``T#<id>``                       (creation order)
* ``by_status_created``    ``<0|1>|<id>``
* ``by_due``               ``<deadline or ~>|<id>``         (``~`` = no due date)
* ``by_status_due``        ``<0|1>|<deadline or ~>|<id>``
* ``by_updated``           ``<updated_at>|<id>``

Since v1.1 every task also has an entry in its list's partition of the ``list_index``
table, with the same sort keys on indexes of the same names, plus ``by_position``
(``<parent id or ->|<position>#<id>``, :func:`taskcore.domain.positions.sort_key`). A
query for one list (``list_id``) is planned exactly like one for all tasks, on the list's
partition (:attr:`Segment.list_id`); ``sort=position`` and the ``parent_id`` filter are
ranges of ``by_position`` there.

Deadlines are fixed-width UTC strings, so string ranges are time ranges. Bounds are chosen
so that no real key equals them, which makes DynamoDB's inclusive ``BETWEEN`` behave as
whichever of inclusive or exclusive each filter needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from taskcore.clock import sort_key
from taskcore.domain.positions import siblings_prefix
from taskcore.domain.task import NO_DUE_KEY, Priority, Task

_AFTER_ALL = "~~"  # sorts after every key that starts with "~|"


class SortField(StrEnum):
    """What a list is ordered by."""

    CREATED_AT = "created_at"
    DUE_AT = "due_at"
    UPDATED_AT = "updated_at"
    POSITION = "position"  # manual order, within one list (v1.1)


@dataclass(frozen=True)
class ListQuery:
    """A validated list request (``q`` is handled by search)."""

    completed: bool | None = None
    due_from: datetime | None = None
    due_until: datetime | None = None
    overdue: bool | None = None
    has_due: bool | None = None
    tags: tuple[str, ...] = ()  # every one must be present
    priority: Priority | None = None
    sort: SortField = SortField.CREATED_AT
    descending: bool = True
    limit: int = 25
    # v1.1: the tasks of one list; the children of one task, or (``top_level``) only the
    # tasks without a parent.
    list_id: str | None = None
    parent_id: str | None = None
    top_level: bool = False

    @property
    def parent_filter(self) -> bool:
        """Whether the query asks for the children of one task, or the top level."""
        return self.parent_id is not None or self.top_level

    def matches(self, task: Task, now_key: str) -> bool:
        """Whether ``task`` belongs in the result (a check on top of the key condition)."""
        deadline = task.deadline_key
        checks = (
            self.list_id is None or task.list_id == self.list_id,
            not self.parent_filter or task.parent_id == self.parent_id,
            self.completed is None or task.completed == self.completed,
            self.has_due is None or (task.due is not None) == self.has_due,
            all(tag in task.tags for tag in self.tags),
            self.priority is None or task.priority == self.priority,
            self.due_from is None or (deadline is not None and deadline >= sort_key(self.due_from)),
            self.due_until is None
            or (deadline is not None and deadline <= sort_key(self.due_until)),
            self.overdue is None or _is_overdue(task, now_key) == self.overdue,
        )
        return all(checks)


def _is_overdue(task: Task, now_key: str) -> bool:
    return not task.completed and task.deadline_key is not None and task.deadline_key < now_key


@dataclass(frozen=True)
class Segment:
    """One key-condition range of one index: ``attribute BETWEEN low AND high``
    (or ``begins_with(attribute, prefix)``; no condition when all are ``None``).

    ``list_id`` is the partition: ``None`` for the user's own (the tasks table), else that
    list's partition of the list index."""

    index: str | None
    attribute: str
    low: str | None = None
    high: str | None = None
    prefix: str | None = None
    list_id: str | None = None


@dataclass(frozen=True)
class Plan:
    """How to answer a list query.

    ``segments`` are read in order (several only when a result spans two key ranges, such
    as dated tasks then undated ones). ``sorted_in_memory`` is set when the filter and the
    sort need different indexes: the filter's range is then read whole and sorted here,
    which costs the matching items, never the user's whole partition.
    """

    segments: tuple[Segment, ...]
    forward: bool
    sorted_in_memory: bool = False

    @property
    def position_attribute(self) -> str:
        """The sort key attribute that cursors of this plan point into."""
        return self.segments[0].attribute


def plan(query: ListQuery, now: datetime) -> Plan:
    """The key-condition plan for ``query`` at time ``now``."""
    due_range = _due_range(query, now)
    forward = not query.descending
    scope = query.list_id
    if due_range is None:
        if query.parent_filter and scope is not None:
            # The children of one task (or the top level) are one prefix of the position
            # index; in another order they are read whole and sorted here.
            prefix = siblings_prefix(query.parent_id)
            segment = Segment("by_position", "position_key", prefix=prefix, list_id=scope)
            return Plan((segment,), forward, sorted_in_memory=query.sort is not SortField.POSITION)
        return Plan(_order_segments(query), forward)
    low, high = due_range
    if query.completed is None and query.overdue is None:
        segments: tuple[Segment, ...] = (Segment("by_due", "due_sort", low, high, list_id=scope),)
    else:
        status = "0" if query.overdue else ("1" if query.completed else "0")
        segments = (
            Segment(
                "by_status_due", "status_due", f"{status}|{low}", f"{status}|{high}", list_id=scope
            ),
        )
    if query.sort is SortField.DUE_AT:
        return Plan(segments, forward)
    return Plan(segments, forward, sorted_in_memory=True)


def _due_range(query: ListQuery, now: datetime) -> tuple[str, str] | None:
    """The range of deadline keys the due filters allow, or ``None`` without due filters."""
    if query.overdue is False:
        return None  # "not overdue" spans several ranges; it is checked per item instead
    if not (query.due_from or query.due_until or query.overdue or query.has_due is not None):
        return None
    if query.has_due is False:
        if query.due_from or query.due_until or query.overdue:
            return ("~", "~")  # nothing can match: an empty range
        return (NO_DUE_KEY, _AFTER_ALL)
    low = sort_key(query.due_from) if query.due_from else "0"
    high = f"{sort_key(query.due_until)}|~" if query.due_until else NO_DUE_KEY
    if query.overdue:
        high = min(high, sort_key(now))
    return (low, high)


def _order_segments(query: ListQuery) -> tuple[Segment, ...]:
    """Segments that give the requested order with only the status filter applied."""
    status = None if query.completed is None else ("1" if query.completed else "0")
    scope = query.list_id
    if query.sort is SortField.CREATED_AT:
        if status is None:
            return (Segment(None, "sk", prefix="T#", list_id=scope),)
        return (Segment("by_status_created", "status_created", prefix=f"{status}|", list_id=scope),)
    if query.sort is SortField.UPDATED_AT:
        # Status is checked per item here: five local indexes is DynamoDB's limit.
        return (Segment("by_updated", "updated_sort", list_id=scope),)
    if query.sort is SortField.POSITION:
        # Top-level tasks first (``-|``), then each parent's children; status per item.
        return (Segment("by_position", "position_key", list_id=scope),)
    if status is None:
        index, attribute, lead = "by_due", "due_sort", ""
    else:
        index, attribute, lead = "by_status_due", "status_due", f"{status}|"
    dated = Segment(index, attribute, f"{lead}0", f"{lead}{NO_DUE_KEY}", list_id=scope)
    undated = Segment(index, attribute, f"{lead}{NO_DUE_KEY}", f"{lead}{_AFTER_ALL}", list_id=scope)
    # Tasks without a due date come last in both directions.
    return (dated, undated)
