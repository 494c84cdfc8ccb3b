"""HTTP shape of a task reply: body, ETag, conditional-request matching."""

from __future__ import annotations

from chalice import Response

from chalicelib.http import reply
from taskcore.domain.task import Task


def task_reply(task: Task, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A task with its ETag."""
    return reply(task.to_public(), status=status, headers={"ETag": task.etag, **(headers or {})})


def etag_in(header: str | None, task: Task) -> bool:
    """Whether an ``If-None-Match`` header names the task's current version."""
    return bool(header) and task.matches_etag(header or "")
