"""DELETE /v1/lists/{list_id}"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib import etags
from chalicelib.http import Call, no_content
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import lists
else:
    lists = lazy_module("taskcore.services.lists")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "DELETE",
    "/v1/lists/{list_id}",
    Operation(
        "Delete a list",
        204,
        query="DeleteListParams",
        errors=(404, 409, 412, 429),
        headers=("If-Match",),
    ),
)
def delete_list(call: Call, list_id: str) -> Response:
    """Delete a list: 409 when it has tasks, unless ``cascade=true`` deletes them too
    (each with a tombstone in sync); the Inbox cannot be deleted (409)."""
    expected = etags.expected_version(call.header("If-Match"))
    lists.delete_list(call.deps, call.user_id, list_id, call.query(), expected)
    return no_content()
