"""Access tokens (JWT, HS256 pinned) and opaque refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from taskcore.errors import Unauthorized

ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["exp", "iat", "nbf", "jti", "sub", "iss", "aud", "fid"]
_LEEWAY_SECONDS = 5
# Signature checks remembered per process: a client sends the same token for minutes.
_VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True)
class AccessClaims:
    """The verified claims of an access token."""

    user_id: str
    token_id: str
    family_id: str
    expires_at: int


def key_id(secret: str) -> str:
    """The ``kid`` of a key: names it in token headers without revealing it."""
    return hashlib.sha256(b"kid\n" + secret.encode()).hexdigest()[:12]


class AccessTokens:
    """Issues and verifies access tokens.

    Several keys may be given (key rotation): the first signs, with its ``kid`` in the
    header; a token verifies with the key its ``kid`` names, so adding a new first key
    logs nobody out, and a retired key stops verifying when it is removed.
    """

    def __init__(
        self, secret: str | Sequence[str], issuer: str, audience: str, ttl_seconds: int
    ) -> None:
        keys = [secret] if isinstance(secret, str) else list(secret)
        if not keys:
            raise ValueError("at least one signing key is required")
        self._secret = keys[0]
        self._keys = {key_id(key): key for key in keys}
        self._issuer = issuer
        self._audience = audience
        self.ttl_seconds = ttl_seconds
        self._verified: dict[str, dict[str, Any]] = {}

    def issue(self, user_id: str, family_id: str, now: datetime) -> str:
        """A signed token for ``user_id`` in refresh family ``family_id``."""
        issued = int(now.timestamp())
        claims = {
            "sub": user_id,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": issued,
            "nbf": issued,
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
            "jti": secrets.token_urlsafe(16),
            "fid": family_id,
        }
        return jwt.encode(
            claims, self._secret, algorithm=ALGORITHM, headers={"kid": key_id(self._secret)}
        )

    def verify(self, token: str, now: datetime) -> AccessClaims:
        """The claims of a valid token; :class:`Unauthorized` for anything else.

        Signature, algorithm, issuer and audience depend on the token alone, so their
        verdict is remembered; the time checks run on every call.
        """
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            if len(self._verified) >= _VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        # Expiry is checked against the injected clock, not the wall clock, so tests and
        # the service agree on "now".
        moment = now.timestamp()
        if not isinstance(claims["exp"], int) or claims["exp"] + _LEEWAY_SECONDS < moment:
            raise Unauthorized("The access token has expired", code="token_expired")
        if not isinstance(claims["nbf"], int) or claims["nbf"] - _LEEWAY_SECONDS > moment:
            raise Unauthorized("The access token is not valid yet", code="token_invalid")
        if not all(isinstance(claims[k], str) for k in ("sub", "jti", "fid")):
            raise Unauthorized("The access token is invalid", code="token_invalid")
        return AccessClaims(
            user_id=claims["sub"],
            token_id=claims["jti"],
            family_id=claims["fid"],
            expires_at=claims["exp"],
        )

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            # Tokens from before key ids were added carry none: the signing key checks them.
            key = self._keys.get(kid) if isinstance(kid, str) else None
            if kid is None:
                key = self._secret
            if key is None:
                raise Unauthorized("The access token is invalid", code="token_invalid")
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            raise Unauthorized("The access token is invalid", code="token_invalid") from None
        return claims


def new_refresh_token(user_id: str, family_id: str) -> str:
    """An opaque refresh token; its parts let one request fetch everything it needs."""
    return f"{user_id}.{family_id}.{secrets.token_urlsafe(32)}"


def successor_refresh_token(token: str, key: str) -> str:
    """The token that replaces ``token`` when it is spent: derived from it with the
    server's key, so a client that presents the same token twice (two threads resuming
    at once) gets the same successor both times, while nothing but its digest is stored."""
    user_id, family_id = split_refresh_token(token)
    mac = hmac.new(key.encode(), b"refresh-successor\n" + token.encode(), hashlib.sha256)
    secret = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()
    return f"{user_id}.{family_id}.{secret}"


def split_refresh_token(token: str) -> tuple[str, str]:
    """``(user_id, family_id)`` of a refresh token; :class:`Unauthorized` when malformed."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise Unauthorized("The refresh token is invalid", code="token_invalid")
    return parts[0], parts[1]


def token_digest(token: str) -> str:
    """The stored form of a refresh token (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
