"""POST /v1/tasks/{task_id}/complete"""

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
    "/v1/tasks/{task_id}/complete",
    Operation(
        "Complete a task",
        200,
        response="TaskOut",
        errors=(404, 412, 429),
        headers=("If-Match",),
        success_headers=("ETag",),
    ),
)
def complete_task(call: Call, task_id: str) -> Response:
    """Mark a task complete. A recurring task moves on to its next occurrence instead
    (and is complete for good once its series has ended). ``If-Match`` (the ETag the
    client shows) makes the completion apply once to the occurrence the client saw: a
    double click or a retry gets 412 instead of skipping a second occurrence."""
    expected = etags.expected_version(call.header("If-Match"))
    task = tasks.set_completed(
        call.deps, call.user_id, task_id, completed=True, expected_version=expected
    )
    return task_reply(task)
