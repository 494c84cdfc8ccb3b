"""POST /v1/tasks/{task_id}/reopen"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

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
        "Reopen a task", 200, response="TaskOut", errors=(404, 429), success_headers=("ETag",)
    ),
)
def reopen_task(call: Call, task_id: str) -> Response:
    """Mark a task not complete (idempotent)."""
    return task_reply(tasks.set_completed(call.deps, call.user_id, task_id, completed=False))
