"""GET /v1/tasks"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api
from chalicelib.lazy import lazy_module

listing = lazy_module("taskcore.services.listing")
bp = Blueprint(__name__)


@bp.route("/v1/tasks", methods=["GET"])
@api(bp)
def list_tasks(call: Call) -> Response:
    """A page of the caller's tasks, filtered and sorted."""
    text = listing.list_tasks_json(call.deps, call.user_id, call.query())
    return Response(body=text, status_code=200, headers={"Content-Type": "application/json"})
