"""Brute-force limits on the credential endpoints (OWASP API2 and API4).

* Login, per client address: every attempt counts, so one address cannot try many
  accounts quickly (credential stuffing).
* Login, per account and client address: attempts since the last successful login
  count, so an address gets few guesses at one account. Counted per address, not per
  account alone, so that nobody can lock the owner out by failing on purpose from
  elsewhere (the owner's own address keeps its own count). The count is taken before
  the password is checked and whether or not the account exists, so the limit itself
  reveals nothing about which addresses are registered.
* Registration, per client address: bounds account spam and probing which e-mail
  addresses are registered (the 409 on a taken address).

The limits come from :class:`taskcore.config.Settings` and are checked before any
bcrypt work, so a refused attempt costs the service no CPU.
"""

from __future__ import annotations

from taskcore.services.deps import Deps
from taskcore.services.ports import Limit


def check_login_client(deps: Deps, client: str | None) -> None:
    """Count a login attempt from ``client`` (the caller's address, when known);
    :class:`~taskcore.errors.RateLimited` when over the limit. Checked before the body
    is even validated."""
    if client:
        deps.limiter.hit(_login_per_client(deps), client)


def check_login_account(deps: Deps, email: str, client: str | None) -> None:
    """Count a login attempt at the account of ``email`` (normalised) from ``client``."""
    deps.limiter.hit(_login_per_account(deps), _account_subject(email, client))


def login_succeeded(deps: Deps, email: str, client: str | None) -> None:
    """The account proved its password from ``client``: that count starts over."""
    deps.limiter.reset(_login_per_account(deps), _account_subject(email, client))


def _account_subject(email: str, client: str | None) -> str:
    return f"{email}\n{client or '-'}"


def check_registration(deps: Deps, client: str | None) -> None:
    """Count a registration attempt; :class:`~taskcore.errors.RateLimited` when over."""
    if client:
        settings = deps.settings
        limit = Limit(
            "register-client",
            settings.register_max_per_client,
            settings.register_client_window_seconds,
        )
        deps.limiter.hit(limit, client)


def _login_per_client(deps: Deps) -> Limit:
    settings = deps.settings
    return Limit(
        "login-client", settings.login_max_attempts_per_client, settings.login_client_window_seconds
    )


def _login_per_account(deps: Deps) -> Limit:
    settings = deps.settings
    return Limit(
        "login-account",
        settings.login_max_failures_per_account,
        settings.login_account_window_seconds,
    )
