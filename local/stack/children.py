"""The stack's child processes: each in its own process group, stopped as a whole."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from .config import ROOT, StackError

log = logging.getLogger("taskapp.stack")

# critical: the stack is broken when it exits; restart: restarted when it dies;
# optional: the API carries on without it.
Role = Literal["critical", "restart", "optional"]


def _die_with_parent_linux() -> None:
    # Runs in the child between fork and exec: if the launcher dies without cleaning up
    # (SIGKILL, a test runner's timeout), the kernel sends this process SIGTERM, so no
    # stack is left behind holding its ports. Only async-signal-safe work happens here:
    # libc was loaded before the fork.
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


if sys.platform == "linux":
    import ctypes

    _LIBC = ctypes.CDLL(None, use_errno=True)
    _PR_SET_PDEATHSIG = 1
    _die_with_parent: Callable[[], None] | None = _die_with_parent_linux
else:
    _die_with_parent = None


def find_executable(name: str) -> str:
    """The path of a system program the stack needs (nginx, redis-server)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        raise StackError(
            f"{name} is not installed: run `make up`, which installs nginx and "
            f"redis-server with apt-get (or install the {name} package yourself)"
        )
    return found


class Child:
    """One process of the stack, in its own process group so it can be stopped whole."""

    def __init__(
        self, name: str, argv: Sequence[str], role: Role, log_path: Path, stop_timeout: float = 10
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.role = role
        self.log_path = log_path
        self.stop_timeout = stop_timeout
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts: list[float] = []

    @property
    def pid(self) -> int:
        """Process id (also the process group id)."""
        assert self.popen is not None, f"{self.name} was never started"
        return self.popen.pid

    def start(self, env: dict[str, str]) -> None:
        """Start (or restart) the process, appending to its log file."""
        with self.log_path.open("ab") as log_file:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the launcher only; it stops us
                preexec_fn=_die_with_parent,
            )
        self.starts.append(time.monotonic())

    def alive(self) -> bool:
        """Whether the process is running."""
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the whole process group (gunicorn master and workers)."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signum)

    def stop(self) -> None:
        """SIGTERM the group, wait up to ``stop_timeout`` seconds, then SIGKILL it."""
        if self.popen is None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs; killing it", self.name, self.stop_timeout)
        # Leftover group members (e.g. orphaned gunicorn workers) go too.
        self.signal(signal.SIGKILL)
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            log.error("%s (pid %d) survived SIGKILL", self.name, self.popen.pid)

    def log_tail(self, lines: int = 20) -> str:
        """The end of the process's log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
