"""POST /v1/tasks"""

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

REPLAYED_HEADER = "Idempotent-Replayed"


@endpoint(
    bp,
    "POST",
    "/v1/tasks",
    Operation(
        "Create a task",
        201,
        "TaskCreate",
        "TaskOut",
        errors=(409, 429),
        headers=("Idempotency-Key",),
        success_headers=("Location", "ETag"),
    ),
)
def create_task(call: Call) -> Response:
    """Create a task; with ``Idempotency-Key``, a retry replays the first reply."""
    user_id = call.user_id  # authenticate before reading the body
    created = tasks.create_task_once(
        call.deps, user_id, call.json(), call.header("Idempotency-Key")
    )
    headers = {"Location": f"/v1/tasks/{created.task.id}"}
    if created.replayed:
        headers[REPLAYED_HEADER] = "true"
    return task_reply(created.task, status=201, headers=headers)
