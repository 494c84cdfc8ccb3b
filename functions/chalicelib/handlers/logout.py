"""POST /v1/auth/logout"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call, no_content
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
    "/v1/auth/logout",
    Operation("Log out", 204, "LogoutRequest", auth=False, errors=(401,), operation_id="logOut"),
)
def logout(call: Call) -> Response:
    """End the session: its access token and refresh family stop working. The access
    token or the refresh token alone is enough."""
    accounts.logout(call.deps, call.header("Authorization"), call.json(optional=True))
    return no_content()
