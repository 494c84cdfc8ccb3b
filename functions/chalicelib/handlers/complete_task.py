"""POST /v1/tasks/{task_id}/complete"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api
from chalicelib.lazy import lazy_module
from chalicelib.tasks_http import task_reply

tasks = lazy_module("taskcore.services.tasks")
bp = Blueprint(__name__)


@bp.route("/v1/tasks/{task_id}/complete", methods=["POST"])
@api(bp)
def complete_task(call: Call, task_id: str) -> Response:
    """Mark a task complete (idempotent)."""
    return task_reply(tasks.set_completed(call.deps, call.user_id, task_id, completed=True))
