"""POST /v1/tasks/{task_id}/move"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint
from chalicelib.tasks_http import task_reply

if TYPE_CHECKING:
    from taskcore.services import moves
else:
    moves = lazy_module("taskcore.services.moves")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "POST",
    "/v1/tasks/{task_id}/move",
    Operation(
        "Move a task",
        200,
        "TaskMove",
        "TaskOut",
        errors=(404, 409, 429),
        success_headers=("ETag",),
    ),
)
def move_task(call: Call, task_id: str) -> Response:
    """Move a task to another list (with its subtasks), under another parent, and/or
    after ``after_id`` (null: to the end) or before ``before_id`` (null: to the start)
    among its new siblings. Only the moved task (and its subtree, when the list changes)
    is written."""
    return task_reply(moves.move_task(call.deps, call.user_id, task_id, call.json()))
