"""POST /v1/auth/password"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call, reply
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import credentials
else:
    credentials = lazy_module("taskcore.services.credentials")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "POST",
    "/v1/auth/password",
    Operation("Change the password", 200, "PasswordChange", "Session", errors=(429,)),
)
def change_password(call: Call) -> Response:
    """Set a new password, given the current one (401 `invalid_credentials` when it is
    wrong; guesses count against the login limit). The reply is a new session; every
    other session of the account, this request's included, stops working at once."""
    claims = call.claims  # 401 before anything is read from the body
    return reply(credentials.change_password(call.deps, claims, call.json(), client=call.client_ip))
