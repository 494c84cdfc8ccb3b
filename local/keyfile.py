"""A signing key kept in a file: made once, readable by its owner only, never printed.

Used by the native stack (``.run/jwt-secret``) and the container entrypoint
(``/data/jwt-secret``), so sessions survive a restart.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

# Shorter content is not a key this module wrote (nor one Settings would accept in prod).
MIN_KEY_LENGTH = 32


class KeyFileError(RuntimeError):
    """The key file exists but holds no usable key."""


def read_or_create_key(path: Path) -> str:
    """The key stored at ``path``; a new random one, written with mode 600, if none is.

    ``O_CREAT | O_EXCL`` makes the file with its final permissions in one step, so the
    key is never readable by others, and two processes racing here agree on one key.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as key_file:
        key_file.write(key + "\n")
    return key


def _read(path: Path) -> str:
    # Another process may have created the file an instant ago and not written it yet.
    for _ in range(20):
        key = path.read_text().strip()
        if key:
            break
        time.sleep(0.05)
    if len(key) < MIN_KEY_LENGTH:
        raise KeyFileError(f"{path} holds no usable key; delete it to have a new one made")
    return key
