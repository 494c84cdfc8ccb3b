"""GET /v1/tasks"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, reply
from chalicelib.lazy import lazy_module

listing = lazy_module("taskcore.services.listing")
bp = Blueprint(__name__)


@bp.route("/v1/tasks", methods=["GET"])
@api(bp)
def list_tasks(call: Call) -> Response:
    """A page of the caller's tasks, filtered and sorted."""
    page = listing.list_tasks(call.deps, call.user_id, call.query())
    return reply({"items": [t.to_public() for t in page.items], "next_cursor": page.next_cursor})
