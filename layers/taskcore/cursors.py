"""Opaque, tamper-proof tokens handed to clients: list cursors bound to a user and a
query, and the other continuation tokens (sync), each signed for its own purpose."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from taskcore.errors import BadRequest


@dataclass(frozen=True)
class Position:
    """Where the previous page ended: a segment of the plan and the last key read."""

    segment: int
    key: dict[str, str]


class CursorCodec:
    """Signs cursors with the service secret so clients cannot forge or move them."""

    def __init__(self, secret: str, salt: str = "list-cursor") -> None:
        self._secret = secret
        self._serializer = URLSafeSerializer(secret, salt=salt)
        self._sealers: dict[str, URLSafeSerializer] = {}

    def seal(self, purpose: str, payload: dict[str, Any]) -> str:
        """A signed token carrying ``payload``, valid only for ``purpose`` (a token of
        one purpose never opens as another)."""
        return str(self._sealer(purpose).dumps(payload))

    def unseal(self, purpose: str, token: str) -> dict[str, Any]:
        """The payload of a token sealed for ``purpose``; :class:`BadRequest` otherwise."""
        try:
            payload: Any = self._sealer(purpose).loads(token)
        except BadSignature:
            raise BadRequest(f"The {purpose} token is invalid", code="invalid_cursor") from None
        if not isinstance(payload, dict):
            raise BadRequest(f"The {purpose} token is invalid", code="invalid_cursor")
        return payload

    def _sealer(self, purpose: str) -> URLSafeSerializer:
        if purpose not in self._sealers:
            self._sealers[purpose] = URLSafeSerializer(self._secret, salt=purpose)
        return self._sealers[purpose]

    def encode(self, user_id: str, query_fingerprint: str, position: Position) -> str:
        """The cursor string for ``position``."""
        payload = {"u": user_id, "q": query_fingerprint, "s": position.segment, "k": position.key}
        return str(self._serializer.dumps(payload))

    def decode(self, cursor: str, user_id: str, query_fingerprint: str) -> Position:
        """The position in ``cursor``; :class:`BadRequest` unless it was issued for this
        user and this query."""
        try:
            payload: Any = self._serializer.loads(cursor)
        except BadSignature:
            raise BadRequest("The cursor is invalid", code="invalid_cursor") from None
        if not isinstance(payload, dict) or payload.get("u") != user_id:
            raise BadRequest("The cursor is invalid", code="invalid_cursor")
        if payload.get("q") != query_fingerprint:
            raise BadRequest("The cursor belongs to a different query", code="invalid_cursor")
        key = payload.get("k")
        segment = payload.get("s")
        if not isinstance(key, dict) or not isinstance(segment, int):
            raise BadRequest("The cursor is invalid", code="invalid_cursor")
        return Position(segment=segment, key={str(k): str(v) for k, v in key.items()})


def fingerprint(parameters: dict[str, Any]) -> str:
    """A short digest of the query parameters that define a result set."""
    canonical = json.dumps(parameters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
