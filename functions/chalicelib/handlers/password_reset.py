"""POST /v1/auth/password-reset"""

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
    "/v1/auth/password-reset",
    Operation(
        "Ask for a password reset e-mail",
        202,
        "PasswordResetRequest",
        "Accepted",
        auth=False,
        errors=(429,),
    ),
)
def request_password_reset(call: Call) -> Response:
    """E-mail a single-use reset code (valid 30 minutes) to the address if it has an
    account. The reply is 202 either way, so it tells nothing about which addresses are
    registered. A new request replaces the code of an earlier one. Rate limited per
    client address and per e-mail address."""
    result = credentials.request_password_reset(call.deps, call.json(), client=call.client_ip)
    return reply(result, status=202)
