"""PATCH /v1/tasks/{task_id}"""

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
    "PATCH",
    "/v1/tasks/{task_id}",
    Operation(
        "Change a task",
        200,
        "TaskUpdate",
        "TaskOut",
        errors=(404, 409, 412, 429),  # 409: list_id names a list being deleted
        headers=("If-Match",),
        success_headers=("ETag",),
    ),
)
def update_task(call: Call, task_id: str) -> Response:
    """Partial update; ``If-Match`` makes it conditional."""
    expected = etags.expected_version(call.header("If-Match"))
    task = tasks.update_task(call.deps, call.user_id, task_id, call.json(), expected)
    return task_reply(task)
