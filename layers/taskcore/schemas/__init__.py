"""Request and response schemas: validation of client input and the OpenAPI components.

The same pydantic models validate requests and generate ``/v1/openapi.json``, so the
documentation cannot drift from what the service accepts.

This package is the public API: import from ``taskcore.schemas``, whose names are
re-exported here from the modules below. The OpenAPI document finds every model an
operation names (request, response, query) by that name in this package, and a
component schema is named after its model's class.

* :mod:`~taskcore.schemas.fields` the annotated field types models share (e-mail,
  password, title, tags, due date, instants, ids, recurrence rule...) and their validators.
* :mod:`~taskcore.schemas.validation` ``validate`` (bodies, 422) and ``validate_query``
  (query strings, 400), the shaping of field errors, and the strict base of request models.
* :mod:`~taskcore.schemas.accounts` registration, log-in, sessions, profile, passwords,
  e-mailed tokens, and the account and session replies.
* :mod:`~taskcore.schemas.tasks` task create, update and move, recurrence and reminder
  inputs, and the task replies.
* :mod:`~taskcore.schemas.lists` list create, update and move, and the list replies.
* :mod:`~taskcore.schemas.queries` query parameters (tasks, lists, sync, notifications),
  query-string booleans and the sort names.
* :mod:`~taskcore.schemas.sync`, :mod:`~taskcore.schemas.notifications` and
  :mod:`~taskcore.schemas.problems` the replies of sync, of notifications, and of errors.
"""

from __future__ import annotations

from taskcore.schemas.accounts import (
    Accepted,
    DeleteAccountRequest,
    EmailedToken,
    EmailTokenRequest,
    LoginRequest,
    LogoutRequest,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    Session,
    User,
)
from taskcore.schemas.fields import (
    Basis,
    Description,
    DueAt,
    DueTz,
    Email,
    Instant,
    InstantIn,
    ItemId,
    JsonDict,
    LeadMinutes,
    ListName,
    Name,
    ParentId,
    Password,
    PriorityName,
    Rule,
    Tag,
    Tags,
    TimeZone,
    Title,
)
from taskcore.schemas.lists import ListCreate, ListMove, ListOut, ListPage, ListUpdate
from taskcore.schemas.notifications import Notification, NotificationPageOut
from taskcore.schemas.problems import FieldProblem, Problem
from taskcore.schemas.queries import (
    SORT_NAMES,
    DeleteListParams,
    DueBound,
    ListParams,
    ListsParams,
    NotificationParams,
    QueryBool,
    SortName,
    SyncParams,
)
from taskcore.schemas.sync import ListChange, SyncPage, TaskChange, Tombstone
from taskcore.schemas.tasks import (
    TASK_ID_EXAMPLE,
    RecurrenceIn,
    RecurrenceOut,
    ReminderIn,
    ReminderOut,
    Reminders,
    TaskCreate,
    TaskMove,
    TaskOut,
    TaskPage,
    TaskUpdate,
)
from taskcore.schemas.validation import (
    READ_ONLY_TASK_FIELDS,
    QueryParams,
    validate,
    validate_query,
)

__all__ = [
    "READ_ONLY_TASK_FIELDS",
    "SORT_NAMES",
    "TASK_ID_EXAMPLE",
    "Accepted",
    "Basis",
    "DeleteAccountRequest",
    "DeleteListParams",
    "Description",
    "DueAt",
    "DueBound",
    "DueTz",
    "Email",
    "EmailTokenRequest",
    "EmailedToken",
    "FieldProblem",
    "Instant",
    "InstantIn",
    "ItemId",
    "JsonDict",
    "LeadMinutes",
    "ListChange",
    "ListCreate",
    "ListMove",
    "ListName",
    "ListOut",
    "ListPage",
    "ListParams",
    "ListUpdate",
    "ListsParams",
    "LoginRequest",
    "LogoutRequest",
    "Name",
    "Notification",
    "NotificationPageOut",
    "NotificationParams",
    "ParentId",
    "Password",
    "PasswordChange",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "PriorityName",
    "Problem",
    "ProfileUpdate",
    "QueryBool",
    "QueryParams",
    "RecurrenceIn",
    "RecurrenceOut",
    "RefreshRequest",
    "RegisterRequest",
    "ReminderIn",
    "ReminderOut",
    "Reminders",
    "Rule",
    "Session",
    "SortName",
    "SyncPage",
    "SyncParams",
    "Tag",
    "Tags",
    "TaskChange",
    "TaskCreate",
    "TaskMove",
    "TaskOut",
    "TaskPage",
    "TaskUpdate",
    "TimeZone",
    "Title",
    "Tombstone",
    "User",
    "validate",
    "validate_query",
]
