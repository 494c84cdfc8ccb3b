"""POST /v1/auth/verify-email"""

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
    "/v1/auth/verify-email",
    Operation("Verify the e-mail address", 200, "EmailTokenRequest", "User", auth=False),
)
def verify_email(call: Call) -> Response:
    """Confirm the account's address with the code e-mailed at registration (or by
    `POST /v1/me/verification`); the reply is the account, `email_verified: true`. A
    code that is invalid, spent, replaced or expired is 400 `invalid_email_token`."""
    return reply(credentials.verify_email(call.deps, call.json()))
