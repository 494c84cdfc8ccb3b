"""Request and response schemas: validation of client input and the OpenAPI components.

The same pydantic models validate requests and generate ``/v1/openapi.json``, so the
documentation cannot drift from what the service accepts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from taskcore.domain.due import DueDateError, is_valid_timezone, parse_due
from taskcore.errors import MAX_FIELD_ERRORS, BadRequest, FieldError, ValidationFailed

_EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f.]{2,}$")
READ_ONLY_TASK_FIELDS = frozenset(
    {"id", "all_day", "completed_at", "created_at", "updated_at", "version", "position"}
)


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("must be a valid e-mail address of at most 254 characters")
    return value.lower()


def _timezone(value: str) -> str:
    if not is_valid_timezone(value):
        raise ValueError("must be an IANA time zone name such as Europe/Paris")
    return value


def _title(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 200:
        raise ValueError("must be 1 to 200 characters after trimming")
    return value


def _due(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_due(value).value
    except DueDateError as exc:
        raise ValueError(exc.message) from exc


def _tags(value: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in value:
        seen.setdefault(tag.lower(), None)
    return list(seen)


Email = Annotated[str, Field(max_length=400), AfterValidator(_email)]
Password = Annotated[str, Field(min_length=8, max_length=256)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]
LeadMinutes = Annotated[int, Field(ge=0, le=10080, strict=True)]
Title = Annotated[str, Field(max_length=1000), AfterValidator(_title)]
Description = Annotated[str, Field(max_length=10000)]
DueAt = Annotated[
    str | None,
    Field(
        max_length=64,
        description="RFC 3339 date-time with offset, or a date YYYY-MM-DD (all-day)",
    ),
    AfterValidator(_due),
]
Tag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Tags = Annotated[list[Tag], Field(max_length=20), AfterValidator(_tags)]
PriorityName = Literal["low", "normal", "high"]
# Ids of tasks and lists, as the API hands them out (ULIDs; an Inbox's id is derived).
ItemId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
ListName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ParentId = Annotated[
    ItemId | None,
    Field(description="The parent task (same list, at most 3 levels); null: top level"),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=False)


class RegisterRequest(_Strict):
    """Body of ``POST /v1/auth/register``."""

    email: Email
    password: Password
    name: Name = ""
    timezone: TimeZone = "UTC"


class LoginRequest(_Strict):
    """Body of ``POST /v1/auth/login``."""

    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(_Strict):
    """Body of ``POST /v1/auth/refresh``."""

    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class LogoutRequest(_Strict):
    """Body of ``POST /v1/auth/logout`` (optional)."""

    refresh_token: Annotated[str | None, Field(max_length=512)] = None


class ProfileUpdate(_Strict):
    """Body of ``PATCH /v1/me``."""

    name: Name | None = None
    timezone: TimeZone | None = None
    reminder_lead_minutes: LeadMinutes | None = None


class DeleteAccountRequest(_Strict):
    """Body of ``DELETE /v1/me``: the password, asked again."""

    password: Password


class TaskCreate(_Strict):
    """Body of ``POST /v1/tasks``."""

    title: Title
    description: Description = ""
    due_at: DueAt = None
    priority: PriorityName = "normal"
    tags: Tags = []
    completed: Annotated[bool, Field(strict=True)] = False
    list_id: Annotated[ItemId | None, Field(description="Default (or null): the Inbox")] = None
    parent_id: ParentId = None


class TaskUpdate(_Strict):
    """Body of ``PATCH /v1/tasks/{id}``: every field optional; ``due_at: null`` clears it."""

    title: Title | None = None
    description: Description | None = None
    due_at: DueAt = None
    priority: PriorityName | None = None
    tags: Tags | None = None
    completed: Annotated[bool | None, Field(strict=True)] = None
    list_id: Annotated[
        ItemId | None, Field(description="Moves the task (with its subtasks) to that list")
    ] = None
    parent_id: ParentId = None


class TaskMove(_Strict):
    """Body of ``POST /v1/tasks/{id}/move``: where the task goes. Without ``list_id`` /
    ``parent_id`` it stays in its list (under the anchor's parent when an anchor is
    given); ``after_id`` / ``before_id`` name a task among its new siblings (``after_id:
    null`` = to the end, ``before_id: null`` = to the start; neither = to the end when the
    list or parent changes)."""

    list_id: ItemId | None = None
    parent_id: ParentId = None
    after_id: ItemId | None = None
    before_id: ItemId | None = None


class ListCreate(_Strict):
    """Body of ``POST /v1/lists``."""

    name: ListName


class ListUpdate(_Strict):
    """Body of ``PATCH /v1/lists/{id}``."""

    name: ListName | None = None


class ListMove(_Strict):
    """Body of ``POST /v1/lists/{id}/move``: exactly one of ``after_id`` (null = to the
    end) or ``before_id`` (null = to the start)."""

    after_id: ItemId | None = None
    before_id: ItemId | None = None


class ListOut(BaseModel):
    """A list as the API returns it."""

    id: str
    name: str
    is_inbox: bool
    position: str
    created_at: str
    updated_at: str
    version: int


class ListPage(BaseModel):
    """Reply of ``GET /v1/lists``: the lists in manual order."""

    items: list[ListOut]
    next_cursor: str | None


class User(BaseModel):
    """An account as the API returns it."""

    id: str
    email: str
    name: str
    timezone: str
    reminder_lead_minutes: int
    created_at: str


class Session(BaseModel):
    """Reply of register, login and refresh."""

    user: User
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int


class TaskOut(BaseModel):
    """A task as the API returns it."""

    id: str
    title: str
    description: str
    due_at: str | None
    all_day: bool
    priority: PriorityName
    tags: list[str]
    completed: bool
    completed_at: str | None
    created_at: str
    updated_at: str
    version: int
    list_id: str
    parent_id: str | None
    position: Annotated[str | None, Field(description="Opaque; orders siblings (sort=position)")]


class TaskPage(BaseModel):
    """Reply of ``GET /v1/tasks``."""

    items: list[TaskOut]
    next_cursor: str | None


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str
    errors: list[dict[str, str]] | None = None


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], body: Any) -> M:
    """Validate a decoded JSON body; failures become :class:`ValidationFailed`."""
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("body", "must be a JSON object")])
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed([_field_error(e) for e in exc.errors()]) from None


def _field_error(error: Any) -> FieldError:
    field = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "extra_forbidden":
        name = str(error["loc"][0]) if error["loc"] else field
        message = "is read-only" if name in READ_ONLY_TASK_FIELDS else "is not a known field"
        return FieldError(field, message)
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    return FieldError(field, message)


BoolText = Literal["true", "false"]
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


class ListParams(_Strict):
    """Query parameters of ``GET /v1/tasks``."""

    completed: BoolText | None = None
    due_from: Annotated[str | None, Field(max_length=64)] = None
    due_until: Annotated[str | None, Field(max_length=64)] = None
    overdue: BoolText | None = None
    has_due: BoolText | None = None
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
        ),
    ] = None
    tag: Tag | None = None
    priority: PriorityName | None = None
    list_id: Annotated[ItemId | None, Field(description="The tasks of one list")] = None
    parent_id: Annotated[
        ItemId | None,
        Field(description="The children of one task; `none`: only tasks without a parent"),
    ] = None
    sort: Annotated[SortName, Field(description="`position` (manual order) needs `list_id`")] = (
        "-created_at"
    )
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    cursor: Annotated[str | None, Field(max_length=2048)] = None


def validate_query(model: type[M], params: dict[str, str]) -> M:
    """Validate query parameters; failures are :class:`BadRequest` (400), per the contract."""
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        errors = [_field_error(e) for e in exc.errors()]
        problems = "; ".join(f"{e.field}: {e.message}" for e in errors[:MAX_FIELD_ERRORS])
        more = (
            f"; and {len(errors) - MAX_FIELD_ERRORS} more" if len(errors) > MAX_FIELD_ERRORS else ""
        )
        raise BadRequest(f"Bad query parameter: {problems}{more}") from None


class SyncParams(_Strict):
    """Query parameters of ``GET /v1/sync``."""

    since: Annotated[str | None, Field(max_length=1024)] = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class Tombstone(BaseModel):
    """A deleted task or list, as sync reports it."""

    id: str
    deleted: Literal[True]
    deleted_at: str
    kind: Literal["task", "list"]


class TaskChange(TaskOut):
    """A task as sync reports it."""

    kind: Literal["task"]


class ListChange(ListOut):
    """A list as sync reports it."""

    kind: Literal["list"]


class SyncPage(BaseModel):
    """Reply of ``GET /v1/sync``."""

    changes: list[TaskChange | ListChange | Tombstone]
    next_since: str
    has_more: bool


class ListsParams(_Strict):
    """Query parameters of ``GET /v1/lists``."""

    limit: Annotated[int, Field(ge=1, le=500)] = 100
    cursor: Annotated[str | None, Field(max_length=2048)] = None


class DeleteListParams(_Strict):
    """Query parameters of ``DELETE /v1/lists/{id}``."""

    cascade: Annotated[
        BoolText | None, Field(description="`true`: delete the list's tasks too")
    ] = None


class NotificationParams(_Strict):
    """Query parameters of ``GET /v1/notifications``."""

    unread: BoolText | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    cursor: Annotated[str | None, Field(max_length=2048)] = None


class Notification(BaseModel):
    """A due-date notification."""

    id: str
    type: Literal["due_soon", "overdue"]
    task_id: str
    task_title: str
    due_at: str
    created_at: str
    read: bool


class NotificationPageOut(BaseModel):
    """Reply of ``GET /v1/notifications``."""

    items: list[Notification]
    next_cursor: str | None
