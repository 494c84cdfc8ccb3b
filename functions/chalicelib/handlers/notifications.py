"""GET /v1/notifications and POST /v1/notifications/{notification_id}/read"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call, no_content, reply
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import reminders
else:
    reminders = lazy_module("taskcore.services.reminders")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/v1/notifications",
    Operation(
        "Due-date notifications",
        200,
        response="NotificationPageOut",
        query="NotificationParams",
        errors=(400,),
    ),
)
def list_notifications(call: Call) -> Response:
    """The caller's due-date notifications, newest first."""
    page = reminders.list_notifications(call.deps, call.user_id, call.query())
    return reply({"items": page.items, "next_cursor": page.next_cursor})


@endpoint(
    bp,
    "POST",
    "/v1/notifications/{notification_id}/read",
    Operation("Mark a notification read", 204, errors=(404,)),
)
def mark_notification_read(call: Call, notification_id: str) -> Response:
    """Mark one notification read."""
    reminders.mark_read(call.deps, call.user_id, notification_id)
    return no_content()
