"""Accounts and sessions: register, log in, refresh, log out, profile."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from taskcore.auth import (
    AccessClaims,
    new_refresh_token,
    split_refresh_token,
    successor_refresh_token,
    token_digest,
)
from taskcore.clock import format_instant
from taskcore.domain.lists import new_inbox
from taskcore.domain.user import User
from taskcore.errors import DependencyUnavailable, Unauthorized
from taskcore.schemas import (
    DeleteAccountRequest,
    LoginRequest,
    LogoutRequest,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    validate,
)
from taskcore.services import email_tokens, limits
from taskcore.services.deps import Deps
from taskcore.services.ports import RefreshState

_PROFILE_RETRIES = 5
# How long a spent refresh token still yields the session it was spent for.
REFRESH_GRACE = timedelta(seconds=30)


def register(deps: Deps, body: Any, client: str | None = None) -> dict[str, Any]:
    """Create an account and start a session. One transaction for the account, its
    address verification token and the message that carries it (the outbox).

    ``client`` is the caller's network address, for the per-address limit.
    """
    limits.check_registration(deps, client)  # before any work on the body
    request = validate(RegisterRequest, body)
    now = deps.clock()
    stamp = format_instant(now)
    user = User(
        id=deps.new_id(),
        email=request.email,
        name=request.name,
        timezone=request.timezone,
        reminder_lead_minutes=60,
        password_hash=deps.hasher.hash(request.password),
        created_at=stamp,
        updated_at=stamp,
        # The Inbox is made in the account's transaction and takes change number 1.
        change_seq=1,
        list_count=1,
        lists_ready=True,
    )
    deps.users.create(user, email_tokens.verification_mail(deps, user), new_inbox(user.id, now))
    return start_session(deps, user)


def login(deps: Deps, body: Any, client: str | None = None) -> dict[str, Any]:
    """Check credentials (one read) and start a session.

    Unknown e-mail and wrong password are refused alike, after the same bcrypt work.
    Attempts are limited per account and per ``client`` address before any of that work.
    """
    limits.check_login_client(deps, client)  # before any work on the body
    request = validate(LoginRequest, body)
    limits.check_login_account(deps, request.email, client)
    # The session counts as started when the password was read, not after the bcrypt
    # work: a reset or change that ends all sessions while this login checks the old
    # password then ends this one too.
    read_at = deps.clock()
    user = deps.users.get_by_email(request.email)
    if not deps.hasher.verify(request.password, user.password_hash if user else None):
        raise Unauthorized("Wrong e-mail or password", code="invalid_credentials")
    assert user is not None  # verify() is never true without a stored hash
    limits.login_succeeded(deps, request.email, client)
    if deps.hasher.needs_rehash(user.password_hash):
        user = _rehashed(deps, user, request.password)
    return start_session(deps, user, started_at=read_at)


def _rehashed(deps: Deps, user: User, password: str) -> User:
    """The account with its password hashed at the configured cost (raised or lowered
    since it was stored). The one moment the password is known; a concurrent change of
    the account wins, and the next login tries again."""
    updated = replace(user, password_hash=deps.hasher.hash(password))
    return updated if deps.users.update_profile(user, updated) else user


def refresh(deps: Deps, body: Any) -> dict[str, Any]:
    """Spend a refresh token for a new session in the same family.

    Presented again within :data:`REFRESH_GRACE` (a client resuming on two threads),
    it gets the same new session. Later, it revokes its family: whoever holds either
    copy is logged out, which is the safe reading of a leaked token.
    """
    request = validate(RefreshRequest, body)
    user_id, family_id = split_refresh_token(request.refresh_token)
    digest = token_digest(request.refresh_token)
    successor = successor_refresh_token(request.refresh_token, deps.settings.cursor_key)
    now = deps.clock()
    state = deps.sessions.read(user_id, family_id, digest, now)
    if not state.token_known or state.family_revoked or state.owner is None:
        raise Unauthorized("The refresh token is invalid or expired", code="token_invalid")
    if not state.token_spent:
        ttl = timedelta(seconds=deps.settings.refresh_token_ttl_seconds)
        if deps.sessions.rotate(user_id, family_id, digest, token_digest(successor), now, ttl):
            return _session_reply(deps, state.owner, family_id, successor)
        state = deps.sessions.read(user_id, family_id, digest, now)  # the twin won the race
    if _within_grace(state, token_digest(successor), now) and state.owner is not None:
        return _session_reply(deps, state.owner, family_id, successor)
    _revoke(deps, family_id, user_id)
    raise Unauthorized(
        "The refresh token was already used; the session is revoked", code="token_invalid"
    )


def _within_grace(state: RefreshState, successor_digest: str, now: datetime) -> bool:
    return (
        state.token_spent
        and not state.family_revoked
        and state.spent_at is not None
        and now - state.spent_at <= REFRESH_GRACE
        and state.successor_digest == successor_digest
    )


def logout(deps: Deps, authorization: str | None, body: Any) -> None:
    """End a session: the access token's refresh family (and so its access tokens), and
    the family of a refresh token given in the body.

    Either credential is enough (a client whose access token expired logs out with its
    refresh token alone). With both, a refresh token of another user is ignored.
    """
    request = validate(LogoutRequest, body if body is not None else {})
    claims = None
    if authorization or not request.refresh_token:
        claims = authenticate(deps, authorization)
        _revoke(deps, claims.family_id, claims.user_id)
    if not request.refresh_token:
        return
    if claims is None:
        owner, family_id = _genuine_family(deps, request.refresh_token)
        _revoke(deps, family_id, owner)
        return
    try:
        owner, family_id = split_refresh_token(request.refresh_token)
    except Unauthorized:
        return
    if owner == claims.user_id and family_id != claims.family_id:
        _revoke(deps, family_id, claims.user_id)


def _genuine_family(deps: Deps, refresh_token: str) -> tuple[str, str]:
    """``(user id, family id)`` of a refresh token this service issued (spent or not);
    :class:`Unauthorized` otherwise."""
    user_id, family_id = split_refresh_token(refresh_token)
    state = deps.sessions.read(user_id, family_id, token_digest(refresh_token), deps.clock())
    if not state.token_known:
        raise Unauthorized("The refresh token is invalid or expired", code="token_invalid")
    return user_id, family_id


def authenticate(deps: Deps, authorization: str | None) -> AccessClaims:
    """The claims of the request's bearer token; :class:`Unauthorized` otherwise."""
    if not authorization:
        raise Unauthorized("An access token is required", code="unauthenticated")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use the Bearer authentication scheme", code="unauthenticated")
    claims = deps.tokens.verify(token.strip(), deps.clock())
    cache = deps.cache
    memory = cache.session_live(claims.user_id, claims.family_id)
    if memory.live:
        return claims
    if deps.sessions.is_family_revoked(claims.user_id, claims.family_id, deps.clock()):
        raise Unauthorized("The session has been revoked", code="token_invalid")
    if memory.generation is not None:
        cache.remember_session_live(claims.user_id, claims.family_id, memory.generation)
    return claims


def get_profile(deps: Deps, claims: AccessClaims) -> dict[str, Any]:
    """The caller's account."""
    return deps.users.require(claims.user_id).to_public()


def update_profile(deps: Deps, claims: AccessClaims, body: Any) -> dict[str, Any]:
    """Change name, time zone or reminder lead time."""
    request = validate(ProfileUpdate, body)
    changes = request.model_dump(exclude_unset=True, exclude_none=True)
    for _ in range(_PROFILE_RETRIES):
        user = deps.users.require(claims.user_id)
        if not changes:
            return user.to_public()
        updated = replace(user, **changes, updated_at=format_instant(deps.clock()))
        if deps.users.update_profile(user, updated):
            if (user.timezone, user.reminder_lead_minutes) != (
                updated.timezone,
                updated.reminder_lead_minutes,
            ):
                # All-day deadlines and reminder times are stored per time zone and lead.
                deps.tasks.rekey_owner_tasks(updated, deps.clock())
            deps.cache.bump(user.id)  # cached pages may depend on the time zone
            return updated.to_public()
    raise DependencyUnavailable("The account is being changed concurrently; retry")


def delete_account(deps: Deps, claims: AccessClaims, body: Any, client: str | None = None) -> None:
    """Delete the account, its tasks and sessions, once the caller has given the
    password again: a stolen access token alone cannot destroy an account. Guesses
    count against the account's login limit."""
    request = validate(DeleteAccountRequest, body if body is not None else {})
    user = deps.users.require(claims.user_id)
    limits.check_login_account(deps, user.email, client)
    if not request.password or not deps.hasher.verify(request.password, user.password_hash):
        raise Unauthorized(
            "The password is required and must be the account's", code="invalid_credentials"
        )
    limits.login_succeeded(deps, user.email, client)
    # Sessions first: from here on every route refuses the account's tokens, even while
    # the rest is being deleted (and if the deletion fails half-way).
    _end_all_sessions(deps, user.id)
    deps.tasks.delete_everything(user.id)
    deps.notifications.delete_everything(user.id)
    deps.users.delete(user)
    deps.cache.bump(user.id)


def _end_all_sessions(deps: Deps, user_id: str, keep_family: str | None = None) -> None:
    # The durable mark first: once it is written, a cache miss anywhere sees it.
    deps.sessions.end_all(user_id, deps.clock(), keep_family)
    deps.cache.forget_sessions(user_id)


def _revoke(deps: Deps, family_id: str, user_id: str) -> None:
    # The durable record first: once it is written, a cache miss anywhere sees it.
    deps.sessions.revoke_family(family_id, user_id)
    deps.cache.forget_session(family_id)


def new_family_id() -> str:
    """The id of a new refresh family (a session)."""
    return secrets.token_urlsafe(12)


def start_session(
    deps: Deps,
    user: User,
    family_id: str | None = None,
    *,
    started_at: datetime | None = None,
) -> dict[str, Any]:
    """Start a session (a refresh family, ``family_id`` when chosen beforehand) and
    reply with its tokens. ``started_at``: when the credentials it rests on were read
    (now by default); an end of all sessions at or after it ends this one."""
    family_id = family_id or new_family_id()
    token = new_refresh_token(user.id, family_id)
    ttl = timedelta(seconds=deps.settings.refresh_token_ttl_seconds)
    started = started_at or deps.clock()
    deps.sessions.start_family(user.id, family_id, token_digest(token), started, ttl)
    return _session_reply(deps, user, family_id, token)


def _session_reply(deps: Deps, user: User, family_id: str, refresh_token: str) -> dict[str, Any]:
    return {
        "user": user.to_public(),
        "access_token": deps.tokens.issue(user.id, family_id, deps.clock()),
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": deps.tokens.ttl_seconds,
    }
