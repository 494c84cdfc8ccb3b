"""DELETE /v1/tasks/{task_id}"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, no_content
from chalicelib.lazy import lazy_module

tasks = lazy_module("taskcore.services.tasks")
bp = Blueprint(__name__)


@bp.route("/v1/tasks/{task_id}", methods=["DELETE"])
@api(bp)
def delete_task(call: Call, task_id: str) -> Response:
    """Delete a task; ``If-Match`` makes it conditional."""
    tasks.delete_task(call.deps, call.user_id, task_id, if_match=call.header("If-Match"))
    return no_content()
