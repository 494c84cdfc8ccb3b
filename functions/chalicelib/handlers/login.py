"""POST /v1/auth/login"""

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
    "/v1/auth/login",
    Operation(
        "Log in",
        200,
        "LoginRequest",
        "Session",
        auth=False,
        errors=(401, 429),
        operation_id="logIn",
    ),
)
def login(call: Call) -> Response:
    """Exchange e-mail and password for a session (rate limited per account and client)."""
    return reply(accounts.login(call.deps, call.json(), client=call.client_ip))
