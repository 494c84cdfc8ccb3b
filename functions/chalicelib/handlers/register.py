"""POST /v1/auth/register"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, reply
from chalicelib.lazy import lazy_module

accounts = lazy_module("taskcore.services.accounts")
bp = Blueprint(__name__)


@bp.route("/v1/auth/register", methods=["POST"])
@api(bp)
def register(call: Call) -> Response:
    """Create an account and return a session (rate limited per client)."""
    return reply(accounts.register(call.deps, call.json(), client=call.client_ip), status=201)
