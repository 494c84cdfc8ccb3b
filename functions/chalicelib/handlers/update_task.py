"""PATCH /v1/tasks/{task_id}"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api
from chalicelib.lazy import lazy_module
from chalicelib.tasks_http import task_reply

tasks = lazy_module("taskcore.services.tasks")
bp = Blueprint(__name__)


@bp.route("/v1/tasks/{task_id}", methods=["PATCH"])
@api(bp)
def update_task(call: Call, task_id: str) -> Response:
    """Partial update; ``If-Match`` makes it conditional."""
    task = tasks.update_task(
        call.deps, call.user_id, task_id, call.json(), if_match=call.header("If-Match")
    )
    return task_reply(task)
