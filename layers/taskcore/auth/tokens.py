"""Access tokens (JWT, HS256 pinned) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
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


class AccessTokens:
    """Issues and verifies access tokens."""

    def __init__(self, secret: str, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._secret = secret
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
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

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
            raise Unauthorized("The access token has expired")
        if not isinstance(claims["nbf"], int) or claims["nbf"] - _LEEWAY_SECONDS > moment:
            raise Unauthorized("The access token is not valid yet")
        if not all(isinstance(claims[k], str) for k in ("sub", "jti", "fid")):
            raise Unauthorized("The access token is invalid")
        return AccessClaims(
            user_id=claims["sub"],
            token_id=claims["jti"],
            family_id=claims["fid"],
            expires_at=claims["exp"],
        )

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=_LEEWAY_SECONDS,
                options={"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            raise Unauthorized("The access token is invalid") from None
        return claims


def new_refresh_token(user_id: str, family_id: str) -> str:
    """An opaque refresh token; its parts let one request fetch everything it needs."""
    return f"{user_id}.{family_id}.{secrets.token_urlsafe(32)}"


def split_refresh_token(token: str) -> tuple[str, str]:
    """``(user_id, family_id)`` of a refresh token; :class:`Unauthorized` when malformed."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise Unauthorized("The refresh token is invalid")
    return parts[0], parts[1]


def token_digest(token: str) -> str:
    """The stored form of a refresh token (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
