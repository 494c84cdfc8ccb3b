"""POST /v1/auth/password-reset/confirm"""

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
    "/v1/auth/password-reset/confirm",
    Operation("Reset the password", 200, "PasswordResetConfirm", "Session", auth=False),
)
def confirm_password_reset(call: Call) -> Response:
    """Set a new password with the code from the reset e-mail. The code is spent; every
    earlier session of the account stops working; the reply is a new session. A code
    that is invalid, spent, replaced or expired is 400 `invalid_email_token`."""
    return reply(credentials.confirm_password_reset(call.deps, call.json()))
