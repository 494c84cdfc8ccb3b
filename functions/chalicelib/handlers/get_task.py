"""GET /v1/tasks/{task_id}"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api
from chalicelib.lazy import lazy_module
from chalicelib.tasks_http import etag_in, task_reply

tasks = lazy_module("taskcore.services.tasks")
bp = Blueprint(__name__)


@bp.route("/v1/tasks/{task_id}", methods=["GET"])
@api(bp)
def get_task(call: Call, task_id: str) -> Response:
    """One task; ``If-None-Match`` with its current ETag gives 304."""
    task = tasks.get_task(call.deps, call.user_id, task_id)
    if etag_in(call.header("If-None-Match"), task):
        return Response(body="", status_code=304, headers={"ETag": task.etag})
    return task_reply(task)
