"""POST /v1/lists/{list_id}/move"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

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
    "/v1/lists/{list_id}/move",
    Operation(
        "Move a list", 200, "ListMove", "ListOut", errors=(404, 429), success_headers=("ETag",)
    ),
)
def move_list(call: Call, list_id: str) -> Response:
    """Put a list after ``after_id`` (null: at the end) or before ``before_id`` (null: at
    the start) in the manual order; only the moved list is written."""
    return list_reply(lists.move_list(call.deps, call.user_id, list_id, call.json()))
