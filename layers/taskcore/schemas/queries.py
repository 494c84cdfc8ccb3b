"""Query parameters: of the task list (filters, search, sort), of the lists, of sync and
of notifications; query-string booleans and the sort names."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from taskcore.schemas.fields import DUE_FORMATS, ItemId, PriorityName, Tag
from taskcore.schemas.validation import StrictModel


def _query_bool(value: Any) -> Any:
    # Query parameters are text: exactly "true" or "false" (not "1", "yes", "True").
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


# A boolean of a query string: documented as a boolean (that is how clients and
# generators treat it), accepted only as the text true / false, and dumped back as that
# text so that cursor fingerprints do not depend on Python's spelling.
QueryBool = Annotated[
    bool,
    BeforeValidator(_query_bool),
    PlainSerializer(lambda value: "true" if value else "false", return_type=str),
    WithJsonSchema({"type": "boolean"}),
]
SortName = Literal[
    "created_at",
    "-created_at",
    "due_at",
    "-due_at",
    "updated_at",
    "-updated_at",
    "position",
    "-position",
]
SORT_NAMES: dict[str, str] = {
    "created_at": "CREATED_AT",
    "-created_at": "CREATED_AT_DESC",
    "due_at": "DUE_AT",
    "-due_at": "DUE_AT_DESC",
    "updated_at": "UPDATED_AT",
    "-updated_at": "UPDATED_AT_DESC",
    "position": "POSITION",
    "-position": "POSITION_DESC",
}
# "+" in a query string means a space: an offset sent unencoded arrives as " 01:00".
_UNENCODED_PLUS = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)? \d{2}:\d{2}$")


def _bound(value: str | None) -> str | None:
    if value == "":
        raise ValueError("must be a date or an RFC 3339 date-time with offset")
    if value is not None and _UNENCODED_PLUS.match(value):
        raise ValueError(
            "the offset's '+' arrived as a space: encode '+' as %2B in a URL "
            "(e.g. 2026-03-01T00:00:00%2B01:00)"
        )
    return value


DueBound = Annotated[
    str | None,
    Field(
        description="A date (start or end of that day in the user's time zone) or an RFC "
        "3339 date-time with offset; inclusive. Encode '+' as %2B.",
        examples=["2026-03-01", "2026-03-01T00:00:00Z"],
    ),
    WithJsonSchema({"anyOf": DUE_FORMATS["anyOf"]}),
    AfterValidator(_bound),
]


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _sorted_tags(value: list[str] | None) -> list[str] | None:
    # A set of tags: the order they were given in does not change the query (or its cursor).
    return sorted(set(value)) if value else None


class ListParams(StrictModel):
    """Query parameters of ``GET /v1/tasks``."""

    completed: Annotated[QueryBool | None, Field(description="Completed or open only")] = None
    due_from: DueBound = None
    due_until: DueBound = None
    overdue: Annotated[QueryBool | None, Field(description="true: open and past due now")] = None
    has_due: Annotated[QueryBool | None, Field(description="With or without a due date")] = None
    q: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=200,
            description=(
                "Keyword search. Words of the query (split on anything but letters, digits "
                "and underscores; case and accents ignored) must each start a searchable "
                "word of the task's title or description. A word is searchable when its "
                "first three letters are among the task's first 48 distinct three-letter "
                "word starts, counted over the title first, then the description: every "
                "word of a title with at most 48 distinct starts is searchable; words of "
                "a long description past that point are not, unless they begin like an "
                "earlier word."
            ),
            examples=["groc"],
        ),
    ] = None
    tag: Annotated[
        list[Tag] | None,
        Field(
            max_length=20,
            description="Repeat for several tags: every given tag must be present",
        ),
        BeforeValidator(_listed),
        AfterValidator(_sorted_tags),
    ] = None
    priority: PriorityName | None = None
    list_id: Annotated[ItemId | None, Field(description="The tasks of one list")] = None
    parent_id: Annotated[
        ItemId | None,
        Field(description="The children of one task; `none`: only tasks without a parent"),
    ] = None
    sort: Annotated[
        SortName,
        Field(
            description="Order: a field, '-' first for descending; tasks without a due "
            "date come last for due_at; position (manual order) needs list_id or parent_id",
        ),
        WithJsonSchema(
            {
                "type": "string",
                "enum": list(SORT_NAMES),
                "x-enum-varnames": list(SORT_NAMES.values()),
                "default": "-created_at",
            }
        ),
    ] = "-created_at"
    limit: Annotated[int, Field(ge=1, le=100, description="Page size")] = 25
    cursor: Annotated[
        str | None,
        Field(max_length=2048, description="next_cursor of the previous page (same query)"),
    ] = None


class SyncParams(StrictModel):
    """Query parameters of ``GET /v1/sync``."""

    since: Annotated[
        str | None,
        Field(max_length=1024, description="next_since of the previous call; none: from the start"),
    ] = None
    limit: Annotated[int, Field(ge=1, le=500, description="Changes per reply")] = 100


class ListsParams(StrictModel):
    """Query parameters of ``GET /v1/lists``."""

    limit: Annotated[int, Field(ge=1, le=500, description="Page size")] = 100
    cursor: Annotated[
        str | None, Field(max_length=2048, description="next_cursor of the previous page")
    ] = None


class DeleteListParams(StrictModel):
    """Query parameters of ``DELETE /v1/lists/{id}``."""

    cascade: Annotated[
        QueryBool | None, Field(description="`true`: delete the list's tasks too")
    ] = None


class NotificationParams(StrictModel):
    """Query parameters of ``GET /v1/notifications``."""

    unread: Annotated[QueryBool | None, Field(description="Unread ones only")] = None
    limit: Annotated[int, Field(ge=1, le=100, description="Page size")] = 25
    cursor: Annotated[
        str | None, Field(max_length=2048, description="next_cursor of the previous page")
    ] = None
