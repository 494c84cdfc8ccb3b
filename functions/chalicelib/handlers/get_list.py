"""GET /v1/lists/{list_id}"""

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
    "GET",
    "/v1/lists/{list_id}",
    Operation(
        "Get a list",
        200,
        response="ListOut",
        errors=(304, 404),
        headers=("If-None-Match",),
        success_headers=("ETag",),
    ),
)
def get_list(call: Call, list_id: str) -> Response:
    """One list; ``If-None-Match`` with its current ETag gives 304."""
    task_list = lists.get_list(call.deps, call.user_id, list_id)
    if etags.matches(call.header("If-None-Match"), task_list.version):
        return Response(body="", status_code=304, headers={"ETag": etags.etag(task_list.version)})
    return list_reply(task_list)
