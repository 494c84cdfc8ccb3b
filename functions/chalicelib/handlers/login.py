"""POST /v1/auth/login"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, reply
from chalicelib.lazy import lazy_module

accounts = lazy_module("taskcore.services.accounts")
bp = Blueprint(__name__)


@bp.route("/v1/auth/login", methods=["POST"])
@api(bp)
def login(call: Call) -> Response:
    """Exchange e-mail and password for a session (rate limited per account and client)."""
    return reply(accounts.login(call.deps, call.json(), client=call.client_ip))
