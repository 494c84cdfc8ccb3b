"""GET, PATCH, DELETE /v1/me"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call, no_content, reply
from chalicelib.lazy import lazy_module
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import accounts
else:
    accounts = lazy_module("taskcore.services.accounts")

bp = Blueprint(__name__)


@endpoint(bp, "GET", "/v1/me", Operation("The caller's account", 200, response="User"))
def get_me(call: Call) -> Response:
    """The caller's account."""
    return reply(accounts.get_profile(call.deps, call.claims))


@endpoint(
    bp,
    "PATCH",
    "/v1/me",
    Operation("Change the account", 200, "ProfileUpdate", "User", errors=(400, 422)),
)
def update_me(call: Call) -> Response:
    """Change name, time zone or reminder lead time."""
    return reply(accounts.update_profile(call.deps, call.claims, call.json()))


@endpoint(bp, "DELETE", "/v1/me", Operation("Delete the account", 204, "DeleteAccountRequest"))
def delete_me(call: Call) -> Response:
    """Delete the account with its lists, tasks and notifications; every session of it
    ends at once. The password is asked again (401 without it)."""
    accounts.delete_account(call.deps, call.claims, call.json(optional=True), client=call.client_ip)
    return no_content()
