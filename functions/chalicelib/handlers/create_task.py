"""POST /v1/tasks"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, reply
from chalicelib.lazy import lazy_module

tasks = lazy_module("taskcore.services.tasks")
bp = Blueprint(__name__)

REPLAYED_HEADER = "Idempotent-Replayed"


@bp.route("/v1/tasks", methods=["POST"])
@api(bp)
def create_task(call: Call) -> Response:
    """Create a task; with ``Idempotency-Key``, a retry replays the first reply."""
    user_id = call.user_id  # authenticate before reading the body
    outcome = tasks.create_task_once(
        call.deps, user_id, call.json(), call.header("Idempotency-Key")
    )
    stored = outcome.reply
    response = reply(stored.body, status=stored.status, headers=stored.headers)
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response
