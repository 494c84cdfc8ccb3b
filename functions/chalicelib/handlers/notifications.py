"""GET /v1/notifications and POST /v1/notifications/{notification_id}/read"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, no_content, reply
from chalicelib.lazy import lazy_module

reminders = lazy_module("taskcore.services.reminders")
bp = Blueprint(__name__)


@bp.route("/v1/notifications", methods=["GET"])
@api(bp)
def list_notifications(call: Call) -> Response:
    """The caller's due-date notifications, newest first."""
    page = reminders.list_notifications(call.deps, call.user_id, call.query())
    return reply({"items": page.items, "next_cursor": page.next_cursor})


@bp.route("/v1/notifications/{notification_id}/read", methods=["POST"])
@api(bp)
def mark_read(call: Call, notification_id: str) -> Response:
    """Mark one notification read."""
    reminders.mark_read(call.deps, call.user_id, notification_id)
    return no_content()
