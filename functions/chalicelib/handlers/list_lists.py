"""GET /v1/lists"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import lists
else:
    lists = lazy_module("taskcore.services.lists")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/v1/lists",
    Operation("List the lists", 200, response="ListPage", query="ListsParams", errors=(400,)),
)
def list_lists(call: Call) -> Response:
    """The caller's lists in manual order (the Inbox is always among them)."""
    text = lists.list_lists_json(call.deps, call.user_id, call.query())
    return Response(body=text, status_code=200, headers={"Content-Type": "application/json"})
