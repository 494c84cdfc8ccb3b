"""GET /v1/sync"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call, reply
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import sync
else:
    sync = lazy_module("taskcore.services.sync")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/v1/sync",
    Operation(
        "Changes since the last sync",
        200,
        response="SyncPage",
        query="SyncParams",
        errors=(400, 410),
    ),
)
def sync_changes(call: Call) -> Response:
    """Changes to the caller's tasks since the last sync, in the order they happened."""
    page = sync.changes_since(call.deps, call.user_id, call.query())
    return reply(
        {"changes": page.changes, "next_since": page.next_since, "has_more": page.has_more}
    )
