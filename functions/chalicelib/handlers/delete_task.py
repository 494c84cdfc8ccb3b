"""DELETE /v1/tasks/{task_id}"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib import etags
from chalicelib.http import Call, no_content
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import tasks
else:
    tasks = lazy_module("taskcore.services.tasks")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "DELETE",
    "/v1/tasks/{task_id}",
    Operation("Delete a task", 204, errors=(404, 412, 429), headers=("If-Match",)),
)
def delete_task(call: Call, task_id: str) -> Response:
    """Delete a task; ``If-Match`` makes it conditional."""
    expected = etags.expected_version(call.header("If-Match"))
    tasks.delete_task(call.deps, call.user_id, task_id, expected)
    return no_content()
