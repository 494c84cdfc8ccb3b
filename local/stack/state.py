"""What a stack keeps in its run directory, and what sets one run directory apart.

* ``dynamodb.json``: the emulator's snapshot (``--state-file``), written every few
  seconds and on a clean stop;
* ``jwt-secret``: the signing key (mode 600), so sessions survive a restart;
* ``stack.lock``: held while a stack runs on the directory, so two never share it.

Each run directory also has its own Redis key prefix, so the counters of the stacks that
tests start (each on a temporary directory) never limit the developer's ``make up``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import IO

from .config import StackError

STATE_FILE = "dynamodb.json"
KEY_FILE = "jwt-secret"
LOCK_FILE = "stack.lock"


def redis_key_prefix(run_dir: Path) -> str:
    """A Redis key prefix of this run directory's own, stable across restarts."""
    digest = hashlib.sha256(str(run_dir.resolve()).encode()).hexdigest()[:12]
    return f"taskapp:local:{digest}:"


def discard(run_dir: Path) -> list[Path]:
    """Delete the kept data and key (``--fresh``); the paths that were deleted."""
    doomed = [run_dir / STATE_FILE, run_dir / KEY_FILE, *run_dir.glob(f"{STATE_FILE}.*")]
    removed = []
    for path in doomed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


class RunDirLock:
    """An exclusive lock on a run directory for as long as a stack runs on it."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or say which process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = self.path.open("a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or "another process"
            lock_file.close()
            raise StackError(
                f"a stack already runs on {self.path.parent} (pid {holder}): stop it, or "
                "give this one another --run-dir"
            ) from None
        lock_file.truncate(0)
        lock_file.write(f"{os.getpid()}\n")
        lock_file.flush()
        self._file = lock_file

    def release(self) -> None:
        """Let go of the lock (closing the file releases it)."""
        if self._file is not None:
            self._file.close()
            self._file = None
