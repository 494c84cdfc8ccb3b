"""GET /v1/tasks"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import listing
else:
    listing = lazy_module("taskcore.services.listing")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/v1/tasks",
    # 404: a list_id or parent_id that is not the caller's (v1.1).
    Operation("List tasks", 200, response="TaskPage", query="ListParams", errors=(400, 404)),
)
def list_tasks(call: Call) -> Response:
    """A page of the caller's tasks, filtered and sorted."""
    text = listing.list_tasks_json(call.deps, call.user_id, call.query())
    return Response(body=text, status_code=200, headers={"Content-Type": "application/json"})
