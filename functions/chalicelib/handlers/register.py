"""POST /v1/auth/register"""

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
    "/v1/auth/register",
    Operation(
        "Register",
        201,
        "RegisterRequest",
        "Session",
        auth=False,
        errors=(409, 429),
        operation_id="registerAccount",
    ),
)
def register(call: Call) -> Response:
    """Create an account and start a session (rate limited per client address)."""
    return reply(accounts.register(call.deps, call.json(), client=call.client_ip), status=201)
