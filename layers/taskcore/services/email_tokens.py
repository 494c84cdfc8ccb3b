"""E-mailed tokens: how they are made, stored and read back, and the message that
carries each.

A token is ``<user id>.<32 random bytes, base64url>``: the user id lets one read find the
stored token (``ETOK#<purpose>#<user id>``); only the token's SHA-256 digest is stored,
so a copy of the table yields no usable token (except a message still in the outbox,
see SECURITY.md). A user has at most one live token per purpose: a new one replaces the
older, which then stops working.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from taskcore.auth import token_digest
from taskcore.domain.email import Template
from taskcore.domain.user import User
from taskcore.errors import BadRequest
from taskcore.services.deps import Deps
from taskcore.services.ports import EmailToken, OutboxMessage, TokenMail, TokenPurpose

RESET_TOKEN_TTL = timedelta(minutes=30)  # DESIGN §3
_TEMPLATES = {
    TokenPurpose.VERIFY_EMAIL: Template.VERIFY_EMAIL,
    TokenPurpose.PASSWORD_RESET: Template.PASSWORD_RESET,
}


def lifetime(deps: Deps, purpose: TokenPurpose) -> timedelta:
    """How long a token of ``purpose`` is valid."""
    if purpose is TokenPurpose.PASSWORD_RESET:
        return RESET_TOKEN_TTL
    return timedelta(seconds=deps.settings.verification_token_ttl_seconds)


def new_token(user_id: str) -> str:
    """A fresh random token of ``user_id``."""
    return f"{user_id}.{secrets.token_urlsafe(32)}"


def token_mail(
    deps: Deps, purpose: TokenPurpose, user: User, token: str, now: datetime
) -> TokenMail:
    """The stored form of ``token`` and the message that carries it to ``user``."""
    valid_for = lifetime(deps, purpose)
    expires = now + valid_for
    message = OutboxMessage(
        id=deps.new_id(),
        template=_TEMPLATES[purpose].value,
        recipient=user.email,
        params={
            "token": token,
            "name": user.name,
            "expires_at": expires.isoformat(),
            "valid_for_seconds": str(int(valid_for.total_seconds())),
        },
        created_at=now,
        discard_after=expires,
    )
    return TokenMail(EmailToken(purpose, user.id, token_digest(token), expires), message)


def verification_mail(deps: Deps, user: User) -> TokenMail:
    """A new verification token for ``user`` and its message."""
    token = new_token(user.id)
    return token_mail(deps, TokenPurpose.VERIFY_EMAIL, user, token, deps.clock())


def invalid_token() -> BadRequest:
    """The one answer to any token that does not work (malformed, unknown, replaced,
    spent, expired), so a caller learns nothing about which."""
    return BadRequest(
        "The link or code is invalid, already used or expired; ask for a new one",
        code="invalid_email_token",
    )


def token_owner(token: str) -> str:
    """The user id a token names; :func:`invalid_token` when it is malformed."""
    user_id, dot, secret = token.partition(".")
    if not dot or not user_id.isalnum() or len(user_id) > 64 or len(secret) < 16:
        raise invalid_token()
    return user_id


def read_valid(
    deps: Deps, purpose: TokenPurpose, token: str, now: datetime
) -> tuple[EmailToken, User]:
    """The stored token that ``token`` is, and its account; :func:`invalid_token`
    otherwise (one consistent read)."""
    stored, user = deps.credentials.read_token(purpose, token_owner(token), now)
    if stored is None or user is None or stored.user_id != user.id:
        raise invalid_token()
    if not hmac.compare_digest(stored.digest, token_digest(token)):
        raise invalid_token()
    return stored, user
