"""POST /v1/auth/refresh"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call, reply
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import accounts
else:
    accounts = lazy_module("taskcore.services.accounts")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "POST",
    "/v1/auth/refresh",
    Operation(
        "Refresh a session",
        200,
        "RefreshRequest",
        "Session",
        auth=False,
        errors=(400, 401, 422),
        operation_id="refreshSession",
    ),
)
def refresh(call: Call) -> Response:
    """Spend a refresh token for a new session; a reused token revokes its family."""
    return reply(accounts.refresh(call.deps, call.json()))
