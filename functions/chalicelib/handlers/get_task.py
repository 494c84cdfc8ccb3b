"""GET /v1/tasks/{task_id}"""

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
    "GET",
    "/v1/tasks/{task_id}",
    Operation(
        "Get a task",
        200,
        response="TaskOut",
        errors=(304, 404),
        headers=("If-None-Match",),
        success_headers=("ETag",),
    ),
)
def get_task(call: Call, task_id: str) -> Response:
    """One task; ``If-None-Match`` with its current ETag gives 304."""
    task = tasks.get_task(call.deps, call.user_id, task_id)
    if etags.matches(call.header("If-None-Match"), task.version):
        return Response(body="", status_code=304, headers={"ETag": etags.etag(task.version)})
    return task_reply(task)
