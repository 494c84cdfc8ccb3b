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
* Password reset requests, per client address and per account (the e-mail address,
  counted whether or not it has an account, so the limit reveals nothing), and
  verification messages per account: bound the mail one can make the service send to
  someone else's mailbox (mail flooding) and the DynamoDB work behind it.
* Task writes, per user: every create, change, completion, reopening and deletion
  counts, before any DynamoDB work, so one account's write load (each write one bounded
  transaction) is bounded too.

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


def check_task_write(deps: Deps, user_id: str) -> None:
    """Count a task write of the user; :class:`~taskcore.errors.RateLimited` when over."""
    settings = deps.settings
    limit = Limit(
        "task-write", settings.task_write_max_per_user, settings.task_write_window_seconds
    )
    deps.limiter.hit(limit, user_id)


def check_reset_client(deps: Deps, client: str | None) -> None:
    """Count a password reset request from ``client``; checked before the body is read."""
    if client:
        settings = deps.settings
        limit = Limit(
            "reset-client",
            settings.password_reset_max_per_client,
            settings.password_reset_window_seconds,
        )
        deps.limiter.hit(limit, client)


def check_reset_account(deps: Deps, email: str) -> None:
    """Count a password reset request for ``email`` (normalised), registered or not."""
    settings = deps.settings
    limit = Limit(
        "reset-account",
        settings.password_reset_max_per_account,
        settings.password_reset_window_seconds,
    )
    deps.limiter.hit(limit, email)


def check_verification(deps: Deps, user_id: str) -> None:
    """Count a request for a new verification message by the user."""
    settings = deps.settings
    limit = Limit(
        "verification",
        settings.verification_max_per_account,
        settings.verification_window_seconds,
    )
    deps.limiter.hit(limit, user_id)
