"""Send a response's status line and headers with its first body bytes, in one write.

gunicorn's HTTP/1 ``Response`` writes the head (status line and headers) with one
``sendall`` and the body with the next. A worker killed between the two (OOM killer,
``timeout`` expiry, a crash in C code) leaves nginx with a response head it has already
forwarded to the client: nginx can no longer retry the request on another worker, and
the client gets a truncated reply. With the head held back until the first body bytes
and sent along with them, a killed worker delivers either nothing (nginx retries an
idempotent request elsewhere) or the whole response of an app that answers in one body
chunk, as ``functions/wsgi.py`` does. It also saves a system call and a packet per
request. tests/e2e/test_gunicorn_head.py kills a worker between the two writes and
shows the difference.

This patches a private part of gunicorn, so :func:`install` only does it on the
versions it was tested on (:data:`TESTED_FROM` to :data:`TESTED_UP_TO`); on any other
it logs a warning and leaves gunicorn alone: the server works the same, without the
guarantee. To test a new version, install it and run ``pytest
tests/unit/test_gunicorn_conf.py tests/e2e/test_gunicorn_head.py``, then move the bound.

Installed in gunicorn's master by the ``on_starting`` hook of functions/gunicorn.conf.py,
so every forked worker has it; ``GUNICORN_HOLD_HEAD=0`` in the environment skips it.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any, Protocol

# Every gunicorn release from 22.0.0 to 27.0.1 (both inclusive, 17 releases) passed
# tests/unit/test_gunicorn_conf.py (below 26.1 less its test of gunicorn's own dropping of
# HEAD bodies, which those versions send) and tests/e2e/test_gunicorn_head.py.
TESTED_FROM = (22, 0, 0)
TESTED_UP_TO = (27, 0, 1)

# Set on gunicorn's Response class once patched.
_MARK = "_taskapp_head_with_body"


class _Log(Protocol):
    """What is needed of a logger: gunicorn's (``server.log``) or a ``logging`` one."""

    def warning(self, msg: str, *args: Any) -> None: ...


class HeldHead:
    """A response's socket that holds the head back until the first body bytes.

    The first ``sendall`` of a response is its head: it is kept, and sent in front of
    the next one. :meth:`flush` sends a head still held (a response without body bytes);
    any other use of the socket (``sendfile``, ...) flushes it first.
    """

    __slots__ = ("_head", "_sock", "_started")

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._head: bytes | None = None
        self._started = False

    def sendall(self, data: bytes) -> None:
        """The first call is the head: hold it. Later calls carry it along."""
        if not self._started:
            self._started = True
            self._head = bytes(data)
            return
        if self._head is not None:
            data, self._head = self._head + data, None
        self._sock.sendall(data)

    def flush(self) -> None:
        """Send a head still held."""
        if self._head is not None:
            head, self._head = self._head, None
            self._sock.sendall(head)

    def __getattr__(self, name: str) -> Any:
        # Any other use of the socket must find the head already sent.
        self.flush()
        return getattr(self._sock, name)


def parse_version(text: str) -> tuple[int, ...] | None:
    """``"27.0.1"`` as ``(27, 0, 1)``; None for anything but plain release numbers."""
    if not re.fullmatch(r"\d+(\.\d+){0,2}", text):
        return None
    numbers = tuple(int(part) for part in text.split("."))
    return numbers + (0,) * (3 - len(numbers))


def is_tested(version: str) -> bool:
    """Whether gunicorn ``version`` is one this patch was tested on."""
    numbers = parse_version(version)
    return numbers is not None and TESTED_FROM <= numbers <= TESTED_UP_TO


def is_installed() -> bool:
    """Whether gunicorn's Response is patched (in this process)."""
    from gunicorn.http.wsgi import Response  # type: ignore[import-untyped, unused-ignore]

    return bool(getattr(Response, _MARK, False))


def install(log: _Log | None = None) -> bool:
    """Patch gunicorn's Response to send head and body together; True when it is patched.

    Idempotent. On a gunicorn version outside the tested range nothing is patched: a
    warning goes to ``log`` (gunicorn's error log when not given) and False is returned.
    """
    import gunicorn  # type: ignore[import-untyped, unused-ignore]
    from gunicorn.http.wsgi import Response  # type: ignore[import-untyped, unused-ignore]

    if getattr(Response, _MARK, False):
        return True
    version = str(getattr(gunicorn, "__version__", "unknown"))
    if not is_tested(version):
        (log or logging.getLogger("gunicorn.error")).warning(
            "gunicorn %s is outside the versions the head-with-body patch was tested on "
            "(%s to %s): not installed. Responses still work, but a worker killed between "
            "head and body leaves a truncated reply instead of one nginx can retry. See "
            "functions/gunicorn_head.py.",
            version,
            ".".join(map(str, TESTED_FROM)),
            ".".join(map(str, TESTED_UP_TO)),
        )
        return False

    send_headers = Response.send_headers
    close = Response.close

    # functools.wraps keeps gunicorn's own method as ``__wrapped__``.
    @functools.wraps(send_headers)
    def patched_send_headers(self: Any) -> None:
        if not self.headers_sent and not isinstance(self.sock, HeldHead):
            self.sock = HeldHead(self.sock)
        send_headers(self)

    @functools.wraps(close)
    def patched_close(self: Any) -> None:
        close(self)
        if isinstance(self.sock, HeldHead):
            self.sock.flush()

    Response.send_headers = patched_send_headers
    Response.close = patched_close
    setattr(Response, _MARK, True)
    return True
