"""Password hashing with bcrypt, counting every character of the password.

bcrypt reads at most 72 bytes. To let long passwords count in full (and to keep NUL
bytes out of bcrypt), the password is first reduced with SHA-256 and base64-encoded:
44 ASCII bytes that depend on every byte of the input.
"""

from __future__ import annotations

import base64
import hashlib
import threading

import bcrypt


class PasswordHasher:
    """Hashes and checks passwords at a fixed bcrypt cost."""

    def __init__(self, cost: int) -> None:
        self._cost = cost
        self._dummy: bytes | None = None
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        """A salted bcrypt hash of ``password``."""
        return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self._cost)).decode("ascii")

    def verify(self, password: str, hashed: str | None) -> bool:
        """True when ``password`` matches ``hashed``.

        With ``hashed=None`` (no such account) a dummy hash of the same cost is checked,
        so an unknown e-mail takes as long to refuse as a wrong password.
        """
        target = hashed.encode("ascii") if hashed else self._dummy_hash()
        matched = bcrypt.checkpw(_prehash(password), target)
        return matched and hashed is not None

    def needs_rehash(self, hashed: str) -> bool:
        """True when ``hashed`` was made at another cost than the configured one (the
        cost is the two digits after the scheme: ``$2b$12$...``)."""
        parts = hashed.split("$")
        return len(parts) < 4 or parts[2] != f"{self._cost:02d}"

    def _dummy_hash(self) -> bytes:
        with self._lock:
            if self._dummy is None:
                self._dummy = bcrypt.hashpw(b"dummy-password", bcrypt.gensalt(self._cost))
            return self._dummy


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())
