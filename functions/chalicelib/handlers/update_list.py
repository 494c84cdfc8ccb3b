"""PATCH /v1/lists/{list_id}"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib import etags
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
    "PATCH",
    "/v1/lists/{list_id}",
    Operation(
        "Rename a list",
        200,
        "ListUpdate",
        "ListOut",
        errors=(404, 412, 429),
        headers=("If-Match",),
        success_headers=("ETag",),
    ),
)
def update_list(call: Call, list_id: str) -> Response:
    """Change a list's name; ``If-Match`` makes it conditional."""
    expected = etags.expected_version(call.header("If-Match"))
    task_list = lists.rename_list(call.deps, call.user_id, list_id, call.json(), expected)
    return list_reply(task_list)
