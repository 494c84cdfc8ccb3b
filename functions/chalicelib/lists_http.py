"""HTTP shape of a list reply: body and ETag."""

from __future__ import annotations

from chalice import Response

from chalicelib.etags import etag
from chalicelib.http import reply
from taskcore.domain.lists import TaskList


def list_reply(
    task_list: TaskList, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A list with its ETag."""
    return reply(
        task_list.to_public(),
        status=status,
        headers={"ETag": etag(task_list.version), **(headers or {})},
    )
