"""Credentials over e-mail and re-authentication: password change, password reset,
address verification (DESIGN §3, v1.1 account routes).

Every change of a password ends every earlier session of the account at once, in the
same transaction as the new password (the "ended" mark of
:mod:`taskcore.services.accounts`), and returns a new session that survives it.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from taskcore.auth import AccessClaims
from taskcore.clock import format_instant
from taskcore.domain.user import User
from taskcore.errors import Conflict, DependencyUnavailable, Unauthorized
from taskcore.schemas import (
    EmailTokenRequest,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    validate,
)
from taskcore.services import accounts, email_tokens, limits
from taskcore.services.deps import Deps
from taskcore.services.ports import SessionsEnd, SpendOutcome, TokenPurpose

_RETRIES = 5
ACCEPTED = {"status": "accepted"}


def change_password(
    deps: Deps, claims: AccessClaims, body: Any, client: str | None = None
) -> dict[str, Any]:
    """Set a new password, given the current one; every other session ends. Wrong
    guesses count against the account's login limit (as for account deletion)."""
    request = validate(PasswordChange, body)
    user = deps.users.require(claims.user_id)
    limits.check_login_account(deps, user.email, client)
    if not deps.hasher.verify(request.current_password, user.password_hash):
        raise Unauthorized("The current password is wrong", code="invalid_credentials")
    limits.login_succeeded(deps, user.email, client)
    verified_hash = user.password_hash
    new_hash = deps.hasher.hash(request.new_password)
    family_id = accounts.new_family_id()
    for _ in range(_RETRIES):
        now = deps.clock()
        after = replace(user, password_hash=new_hash, updated_at=format_instant(now))
        if deps.credentials.change_password(user, after, SessionsEnd(now, family_id)):
            return _signed_in_again(deps, after, family_id)
        user = deps.users.require(claims.user_id)
        # A task write moves the account on harmlessly; a reset (or another change) that
        # landed meanwhile replaced the password checked above, and must not be undone.
        if user.password_hash != verified_hash:
            raise Unauthorized(
                "The password was changed meanwhile; sign in again", code="invalid_credentials"
            )
    raise DependencyUnavailable("The account is being changed concurrently; retry")


def request_password_reset(deps: Deps, body: Any, client: str | None = None) -> dict[str, Any]:
    """Queue a reset token for the address, if it has an account; the same reply, and
    the same work, either way (one read, one two-item transaction), so neither the
    answer nor its timing tells whether the address is registered."""
    limits.check_reset_client(deps, client)  # before any work on the body
    request = validate(PasswordResetRequest, body)
    limits.check_reset_account(deps, request.email)  # counted for unknown addresses too
    now = deps.clock()
    user = deps.users.get_by_email(request.email)
    # Made whether or not it is needed, so both paths do the same work.
    token = email_tokens.new_token(user.id if user else deps.new_id())
    if user is None:
        deps.credentials.issue_nothing(_subject(request.email), now)
    else:
        mail = email_tokens.token_mail(deps, TokenPurpose.PASSWORD_RESET, user, token, now)
        deps.credentials.issue(mail)
    return ACCEPTED


def confirm_password_reset(deps: Deps, body: Any) -> dict[str, Any]:
    """Spend a reset token for a new password: every earlier session ends, the token
    is spent, and the reply is a new session. Receiving the token proves the address,
    so the account counts as verified from then on."""
    request = validate(PasswordResetConfirm, body)
    purpose = TokenPurpose.PASSWORD_RESET
    stored, user = email_tokens.read_valid(deps, purpose, request.token, deps.clock())
    new_hash = deps.hasher.hash(request.new_password)  # only for a genuine token
    family_id = accounts.new_family_id()
    for _ in range(_RETRIES):
        now = deps.clock()
        after = replace(
            user, password_hash=new_hash, email_verified=True, updated_at=format_instant(now)
        )
        outcome = deps.credentials.spend(stored, user, after, SessionsEnd(now, family_id))
        if outcome is SpendOutcome.COMMITTED:
            return _signed_in_again(deps, after, family_id)
        if outcome is SpendOutcome.TOKEN_GONE:
            raise email_tokens.invalid_token()
        stored, user = email_tokens.read_valid(deps, purpose, request.token, deps.clock())
    raise DependencyUnavailable("The account is being changed concurrently; retry")


def verify_email(deps: Deps, body: Any) -> dict[str, Any]:
    """Spend a verification token: the account's address is verified."""
    request = validate(EmailTokenRequest, body)
    purpose = TokenPurpose.VERIFY_EMAIL
    for _ in range(_RETRIES):
        stored, user = email_tokens.read_valid(deps, purpose, request.token, deps.clock())
        after = replace(user, email_verified=True, updated_at=format_instant(deps.clock()))
        outcome = deps.credentials.spend(stored, user, after, None)
        if outcome is SpendOutcome.COMMITTED:
            return after.to_public()
        if outcome is SpendOutcome.TOKEN_GONE:
            raise email_tokens.invalid_token()
    raise DependencyUnavailable("The account is being changed concurrently; retry")


def resend_verification(deps: Deps, claims: AccessClaims) -> dict[str, Any]:
    """Queue a new verification message (the older token stops working); 409 when the
    address is verified already."""
    limits.check_verification(deps, claims.user_id)
    user = deps.users.require(claims.user_id)
    if user.email_verified:
        raise Conflict("The e-mail address is verified already")
    deps.credentials.issue(email_tokens.verification_mail(deps, user))
    return ACCEPTED


def _signed_in_again(deps: Deps, user: User, family_id: str) -> dict[str, Any]:
    # The end mark is stored: forget the cached "live" marks of the ended sessions
    # before answering, so no worker accepts their access tokens from its cache.
    deps.cache.forget_sessions(user.id)
    return accounts.start_session(deps, user, family_id)


def _subject(email: str) -> str:
    return hashlib.sha256(f"reset\n{email}".encode()).hexdigest()
