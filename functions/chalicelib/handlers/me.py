"""GET, PATCH, DELETE /v1/me"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, no_content, reply
from chalicelib.lazy import lazy_module

accounts = lazy_module("taskcore.services.accounts")
bp = Blueprint(__name__)


@bp.route("/v1/me", methods=["GET"])
@api(bp)
def get_me(call: Call) -> Response:
    """The caller's account."""
    return reply(accounts.get_profile(call.deps, call.claims))


@bp.route("/v1/me", methods=["PATCH"])
@api(bp)
def update_me(call: Call) -> Response:
    """Change name, time zone or reminder lead time."""
    return reply(accounts.update_profile(call.deps, call.claims, call.json()))


@bp.route("/v1/me", methods=["DELETE"])
@api(bp)
def delete_me(call: Call) -> Response:
    """Delete the account with its tasks."""
    accounts.delete_account(call.deps, call.claims)
    return no_content()
