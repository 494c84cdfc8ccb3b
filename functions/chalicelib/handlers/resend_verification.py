"""POST /v1/me/verification"""

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
    "/v1/me/verification",
    Operation("Send the verification e-mail again", 202, response="Accepted", errors=(409, 429)),
)
def resend_verification(call: Call) -> Response:
    """E-mail a new verification code to the account's address (the earlier code stops
    working); 409 when the address is verified already. Rate limited per account."""
    return reply(credentials.resend_verification(call.deps, call.claims), status=202)
