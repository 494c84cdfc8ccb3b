"""POST /v1/lists"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.handlers.create_task import REPLAYED_HEADER
from chalicelib.http import Call
from chalicelib.lazy import lazy_module
from chalicelib.lists_http import list_reply
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import lists
else:
    lists = lazy_module("taskcore.services.lists")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "POST",
    "/v1/lists",
    Operation(
        "Create a list",
        201,
        "ListCreate",
        "ListOut",
        errors=(409, 429),
        headers=("Idempotency-Key",),
        success_headers=("Location", "ETag"),
    ),
)
def create_list(call: Call) -> Response:
    """Create a list at the end of the caller's lists (at most 500: 422 `quota_exceeded`);
    with ``Idempotency-Key``, a retry replays the first reply."""
    user_id = call.user_id  # authenticate before reading the body
    created = lists.create_list_once(
        call.deps, user_id, call.json(), call.header("Idempotency-Key")
    )
    headers = {"Location": f"/v1/lists/{created.task_list.id}"}
    if created.replayed:
        headers[REPLAYED_HEADER] = "true"
    return list_reply(created.task_list, status=201, headers=headers)
