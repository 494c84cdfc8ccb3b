"""POST /v1/auth/refresh"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, reply
from chalicelib.lazy import lazy_module

accounts = lazy_module("taskcore.services.accounts")
bp = Blueprint(__name__)


@bp.route("/v1/auth/refresh", methods=["POST"])
@api(bp)
def refresh(call: Call) -> Response:
    """Spend a refresh token for a new session."""
    return reply(accounts.refresh(call.deps, call.json()))
