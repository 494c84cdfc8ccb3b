"""GET /v1/sync"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, reply
from chalicelib.lazy import lazy_module

sync = lazy_module("taskcore.services.sync")
bp = Blueprint(__name__)


@bp.route("/v1/sync", methods=["GET"])
@api(bp)
def sync_changes(call: Call) -> Response:
    """Changes to the caller's tasks since the last sync, in the order they happened."""
    page = sync.changes_since(call.deps, call.user_id, call.query())
    return reply(
        {"changes": page.changes, "next_since": page.next_since, "has_more": page.has_more}
    )
