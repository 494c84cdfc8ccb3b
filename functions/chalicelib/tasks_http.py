"""HTTP shape of a task reply: body and ETag."""

from __future__ import annotations

from chalice import Response

from chalicelib.etags import etag
from chalicelib.http import reply
from taskcore.domain.task import Task


def task_reply(task: Task, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A task with its ETag."""
    return reply(
        task.to_public(), status=status, headers={"ETag": etag(task.version), **(headers or {})}
    )
