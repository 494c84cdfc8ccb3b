"""POST /v1/auth/logout"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, no_content
from chalicelib.lazy import lazy_module

accounts = lazy_module("taskcore.services.accounts")
bp = Blueprint(__name__)


@bp.route("/v1/auth/logout", methods=["POST"])
@api(bp)
def logout(call: Call) -> Response:
    """End the session: its access token and refresh family stop working."""
    accounts.logout(call.deps, call.claims, call.json(optional=True))
    return no_content()
