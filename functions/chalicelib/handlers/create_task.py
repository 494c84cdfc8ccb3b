"""POST /v1/tasks"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.http import Call, api, reply
from taskcore.bootstrap import Deps
from taskcore.domain.task import Task
from taskcore.repositories.idempotency import StoredReply
from taskcore.schemas import TaskCreate, validate
from taskcore.services import idempotency, tasks

bp = Blueprint(__name__)

REPLAYED_HEADER = "Idempotent-Replayed"


@bp.route("/v1/tasks", methods=["POST"])
@api(bp)
def create_task(call: Call) -> Response:
    """Create a task; with ``Idempotency-Key``, a retry replays the first reply."""
    user_id = call.user_id  # authenticate before reading the body
    body = call.json()
    key = call.header("Idempotency-Key")
    if key is None:
        return _send(_created(tasks.create_task(call.deps, user_id, body)))
    # An invalid body is refused before the key is claimed: nothing to remember.
    validate(TaskCreate, body)
    outcome = idempotency.once(
        call.deps,
        user_id,
        key,
        idempotency.fingerprint("create_task", body),
        lambda task_id: create_reply(call.deps, user_id, body, task_id),
    )
    response = _send(outcome.reply)
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response


def create_reply(deps: Deps, user_id: str, body: Any, task_id: str) -> StoredReply:
    """Create the task with the reserved id; the reply as it will be replayed."""
    return _created(tasks.create_task(deps, user_id, body, task_id=task_id))


def _created(task: Task) -> StoredReply:
    headers = {"Location": f"/v1/tasks/{task.id}", "ETag": task.etag}
    return StoredReply(status=201, body=task.to_public(), headers=headers)


def _send(stored: StoredReply) -> Response:
    return reply(stored.body, status=stored.status, headers=stored.headers)
