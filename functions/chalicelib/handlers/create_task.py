"""POST /v1/tasks"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api
from chalicelib.tasks_http import task_reply
from taskcore.services import tasks

bp = Blueprint(__name__)


@bp.route("/v1/tasks", methods=["POST"])
@api(bp)
def create_task(call: Call) -> Response:
    """Create a task."""
    task = tasks.create_task(call.deps, call.user_id, call.json())
    return task_reply(task, status=201, headers={"Location": f"/v1/tasks/{task.id}"})
