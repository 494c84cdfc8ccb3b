"""Authentication: password hashing and tokens."""

from __future__ import annotations

from taskcore.auth.passwords import PasswordHasher
from taskcore.auth.tokens import (
    AccessClaims,
    AccessTokens,
    new_refresh_token,
    split_refresh_token,
    successor_refresh_token,
    token_digest,
)

__all__ = [
    "AccessClaims",
    "AccessTokens",
    "PasswordHasher",
    "new_refresh_token",
    "split_refresh_token",
    "successor_refresh_token",
    "token_digest",
]
