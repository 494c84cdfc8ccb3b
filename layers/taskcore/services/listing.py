"""Listing tasks: one key-condition ``Query`` per page (see :mod:`taskcore.domain.listing`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from taskcore.clock import sort_key
from taskcore.cursors import Position, fingerprint
from taskcore.domain import search
from taskcore.domain.due import DueDateError, is_calendar_date, parse_bound
from taskcore.domain.listing import ListQuery, Plan, SortField, plan
from taskcore.domain.task import Priority, Task
from taskcore.errors import BadRequest, NotFound
from taskcore.schemas import ListParams, QueryParams, validate_query
from taskcore.services import lists
from taskcore.services.deps import Deps


@dataclass(frozen=True)
class Page:
    """One page of a list."""

    items: list[Task]
    next_cursor: str | None


def list_tasks(deps: Deps, user_id: str, raw_params: QueryParams) -> Page:
    """The page of the user's tasks that the query parameters ask for (from DynamoDB)."""
    return _read_page(deps, user_id, validate_query(ListParams, raw_params))


def list_tasks_json(deps: Deps, user_id: str, raw_params: QueryParams) -> str:
    """The same page as the JSON reply body, served from Redis when cached.

    The reply text itself is cached: a hit costs one Redis round trip and no decoding.
    Pages that depend on the current time (``overdue``) are not cached.
    """
    params = validate_query(ListParams, raw_params)
    cache = deps.cache
    name = "list:" + fingerprint(params.model_dump())
    generation = None
    if params.overdue is None:
        generation, cached = cache.lookup_text(user_id, name)
        if cached is not None:
            return cached
    page = _read_page(deps, user_id, params)
    body = {"items": [t.to_public() for t in page.items], "next_cursor": page.next_cursor}
    text = json.dumps(body, separators=(",", ":"))
    if generation is not None:
        cache.store_text(user_id, generation, name, text)
    return text


def _read_page(deps: Deps, user_id: str, params: ListParams) -> Page:
    query = _scoped(deps, user_id, _to_query(deps, user_id, params), params.cursor is None)
    now = deps.clock()
    identity = fingerprint(params.model_dump(exclude={"cursor", "limit"}))
    position = deps.cursors.decode(params.cursor, user_id, identity) if params.cursor else None
    the_plan = plan(query, now)
    if params.q is not None:
        items, last = _search_page(deps, user_id, query, params.q, position, now)
    elif the_plan.sorted_in_memory:
        items, last = _page_in_memory(deps, user_id, query, the_plan, position, now)
    else:
        items, last = _page_streamed(deps, user_id, query, the_plan, position, now)
    cursor = deps.cursors.encode(user_id, identity, last) if last else None
    return Page(items=items, next_cursor=cursor)


def _to_query(deps: Deps, user_id: str, params: ListParams) -> ListQuery:
    sort = params.sort
    bounds = [params.due_from, params.due_until]
    timezone = "UTC"
    if any(b is not None and is_calendar_date(b) for b in bounds):
        # A date bound is a day in the user's own time zone: only then is the account read.
        timezone = deps.users.require(user_id).timezone
    due_from = _bound("due_from", params.due_from, timezone, upper=False)
    due_until = _bound("due_until", params.due_until, timezone, upper=True)
    if due_from and due_until and due_from > due_until:
        raise BadRequest("Bad query parameter: due_from is after due_until")
    return ListQuery(
        completed=params.completed,
        due_from=due_from,
        due_until=due_until,
        overdue=params.overdue,
        has_due=params.has_due,
        tags=tuple(params.tag or ()),
        priority=Priority(params.priority) if params.priority else None,
        sort=SortField(sort.lstrip("-")),
        descending=sort.startswith("-"),
        limit=params.limit,
        list_id=params.list_id,
        parent_id=None if params.parent_id in (None, "none") else params.parent_id,
        top_level=params.parent_id == "none",
    )


def _scoped(deps: Deps, user_id: str, query: ListQuery, first_page: bool) -> ListQuery:
    """The query with its list settled: ``list_id`` must be one of the caller's lists
    (checked on the first page: one ``GetItem``; later pages carry a cursor signed for
    this user and list); ``parent_id`` alone reads the parent (one ``GetItem`` per page)
    to find its list. ``sort=position`` needs one or the other (400)."""
    if query.list_id is not None:
        if first_page:
            lists.require_list(deps, user_id, query.list_id)
        return query
    if query.parent_id is None:
        if query.sort is SortField.POSITION:
            raise BadRequest("Bad query parameter: sort=position needs list_id (or parent_id)")
        return query
    parent = deps.tasks.get(user_id, query.parent_id)
    if parent is None:
        raise NotFound(f"No task {query.parent_id}")
    if parent.position is None:
        lists.ready_user(deps, user_id)  # an account from before lists: its first use
    return replace(query, list_id=parent.list_id)


def _bound(name: str, raw: str | None, timezone: str, *, upper: bool) -> datetime | None:
    try:
        return parse_bound(raw, timezone, upper=upper) if raw else None
    except DueDateError as exc:
        raise BadRequest(f"Bad query parameter: {name}: {exc.message}") from None


def _page_streamed(
    deps: Deps,
    user_id: str,
    query: ListQuery,
    the_plan: Plan,
    position: Position | None,
    now: datetime,
) -> tuple[list[Task], Position | None]:
    """Read segment after segment until a page (plus one, to know if more exist) is full."""
    now_key = sort_key(now)
    wanted = query.limit + 1
    found: list[tuple[Task, Position]] = []
    first = position.segment if position else 0
    if not 0 <= first < len(the_plan.segments):
        raise BadRequest("The cursor is invalid", code="invalid_cursor")
    for index in range(first, len(the_plan.segments)):
        segment = the_plan.segments[index]
        start = position.key or None if position and index == position.segment else None
        items = deps.tasks.query(
            user_id, segment, forward=the_plan.forward, start=start, page_size=wanted
        )
        for task, key in items:
            if query.matches(task, now_key):
                found.append((task, Position(index, key)))
                if len(found) == wanted:
                    break
        if len(found) == wanted:
            break
    page = [task for task, _ in found[: query.limit]]
    if len(found) <= query.limit:
        return page, None
    last, following = found[query.limit - 1][1], found[query.limit][1]
    if following.segment != last.segment:
        # The next page starts at the top of the next segment: no need to re-read the end
        # of this one.
        return page, Position(following.segment, {})
    return page, last


def _page_in_memory(
    deps: Deps,
    user_id: str,
    query: ListQuery,
    the_plan: Plan,
    position: Position | None,
    now: datetime,
) -> tuple[list[Task], Position | None]:
    """Read the filter's key range whole, then order and cut it here."""
    segment = the_plan.segments[0]
    items = deps.tasks.query(user_id, segment, forward=True, start=None, page_size=None)
    return _ordered_page((task for task, _ in items), query, position, now)


def _search_page(
    deps: Deps,
    user_id: str,
    query: ListQuery,
    text: str,
    position: Position | None,
    now: datetime,
) -> tuple[list[Task], Position | None]:
    """Tasks matching every term of ``text``: candidates from the inverted index of the
    most selective term, checked against the tasks themselves."""
    query_terms = search.terms(text)
    if not query_terms:
        return [], None
    key = search.lookup_prefix(search.most_selective(query_terms))
    candidates = deps.tasks.search_candidates(user_id, key)
    found = [
        task
        for task in deps.tasks.get_many(user_id, candidates)
        if search.matches(query_terms, task.title, task.description)
    ]
    return _ordered_page(found, query, position, now)


def _ordered_page(
    tasks: Iterable[Task], query: ListQuery, position: Position | None, now: datetime
) -> tuple[list[Task], Position | None]:
    """Filter, order as the query asks, and cut the page after ``position``."""
    now_key = sort_key(now)
    rank = _rank(query.sort)
    ranked = sorted(
        ((rank(t), t) for t in tasks if query.matches(t, now_key)),
        key=lambda pair: pair[0],
        reverse=query.descending,
    )
    # Tasks without a due date stay last whichever way the due dates run.
    ranked.sort(key=lambda pair: pair[0][0])
    if position is not None:
        after = (int(position.key.get("group", "0")), position.key.get("after", ""))
        ranked = [pair for pair in ranked if _comes_after(pair[0], after, query.descending)]
    page = [task for _, task in ranked[: query.limit]]
    if len(ranked) <= query.limit:
        return page, None
    group, value = ranked[query.limit - 1][0]
    return page, Position(0, {"group": str(group), "after": value})


Rank = tuple[int, str]


def _rank(field: SortField) -> Callable[[Task], Rank]:
    if field is SortField.UPDATED_AT:
        return lambda t: (0, f"{t.updated_at_key}|{t.id}")
    if field is SortField.DUE_AT:
        return lambda t: (0, f"{t.deadline_key}|{t.id}") if t.deadline_key else (1, t.id)
    if field is SortField.POSITION:
        return lambda t: (0, t.position_key or "")
    return lambda t: (0, t.id)  # ULIDs sort by creation time


def _comes_after(rank: Rank, after: Rank, descending: bool) -> bool:
    if rank[0] != after[0]:
        return rank[0] > after[0]
    return rank[1] < after[1] if descending else rank[1] > after[1]
