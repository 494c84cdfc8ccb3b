"""POST /v1/tasks/{task_id}/reopen"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib import etags
from chalicelib.http import Call
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint
from chalicelib.tasks_http import task_reply

if TYPE_CHECKING:
    from taskcore.services import tasks
else:
    tasks = lazy_module("taskcore.services.tasks")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "POST",
    "/v1/tasks/{task_id}/reopen",
    Operation(
        "Reopen a task",
        200,
        response="TaskOut",
        errors=(404, 412, 429),
        headers=("If-Match",),
        success_headers=("ETag",),
    ),
)
def reopen_task(call: Call, task_id: str) -> Response:
    """Mark a task not complete (idempotent; an open recurring task is left as it is).
    ``If-Match`` makes it conditional on the version the client saw."""
    expected = etags.expected_version(call.header("If-Match"))
    task = tasks.set_completed(
        call.deps, call.user_id, task_id, completed=False, expected_version=expected
    )
    return task_reply(task)
