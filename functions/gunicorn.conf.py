"""Gunicorn settings for the HTTP server of the container image and the native stack.

Run as ``gunicorn -c functions/gunicorn.conf.py`` from any directory. Everything that
differs between deployments comes from the environment:

PORT             port to listen on (default 3000)
HOST             address to bind (default 0.0.0.0 for containers; the native stack
                 passes 127.0.0.1)
WEB_CONCURRENCY  worker processes (default 2)
GUNICORN_WORKER_CLASS  ``sync`` (default) or ``gthread``
"""

from __future__ import annotations

import os
from typing import Any

# The app module lives next to this file; gunicorn adds it to sys.path before loading.
pythonpath = os.path.dirname(os.path.abspath(__file__))
wsgi_app = "wsgi:application"

# Containers must listen on every interface to be reachable from the load balancer.
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{int(os.environ.get('PORT', '3000'))}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

# One request at a time per process, as on Lambda: Chalice keeps the current request on
# the app object, so threads would only queue behind the adapter's lock. Measured with
# 2 workers on 2 cores (wrk -t2 -c16, GET /v1/health, same settings for both servers),
# sync served 0.7-0.8x of a bare WSGI hello world, gthread (threads=1) 0.6-0.7x: its
# keep-alive makes the hello world faster, so the app's share weighs more. Sync is also
# the simpler one; gthread remains available for clients that talk to gunicorn directly.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# The same workers, answering their own errors (bad request line, 414, 431) as problem+json.
worker_class = {
    "sync": "gunicorn_errors.ProblemSyncWorker",
    "gthread": "gunicorn_errors.ProblemThreadWorker",
}.get(worker_class, worker_class)
threads = 1
# Keep-alive (gthread only): longer than nginx's upstream keepalive_timeout (4 s), so
# nginx always drops an idle connection first and never reuses one gunicorn is closing.
keepalive = 5

# A request that takes longer than this is stuck (API Gateway's own limit is 29 s).
timeout = 30
# On SIGTERM, finish in-flight requests within this window before exiting.
graceful_timeout = 20

# Importing the app in the master would share boto3/Redis connection pools created at
# import time across forked workers; each worker imports it itself instead.
preload_app = False

# The app writes one structured JSON line per request itself; gunicorn's access log
# would only duplicate it. Errors (worker boots, crashes, timeouts) still go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn heartbeats through a temp file; tmpfs avoids stalls on slow container disks.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "taskapp"
# gunicorn >= 25 opens a control socket at one fixed per-user path by default; several
# instances (the native stack's workers) would fight over it, and nothing here uses it.
control_socket_disable = True


class _HeldHead:
    """A response's socket that holds the head back until the first body bytes.

    gunicorn writes the status line and headers with one system call and the body with
    the next. A worker killed between the two leaves nginx with a response head it has
    already forwarded, so it can no longer retry the request elsewhere and the client gets
    a truncated reply. Sent together, a crash delivers either nothing (nginx retries the
    request on another worker) or the whole response. It also saves a system call and a
    packet per request.
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
        """Send a head still held (a response without body bytes)."""
        if self._head is not None:
            head, self._head = self._head, None
            self._sock.sendall(head)

    def __getattr__(self, name: str) -> Any:
        # Any other use of the socket (sendfile, ...) must find the head already sent.
        self.flush()
        return getattr(self._sock, name)


def _send_head_with_body() -> None:
    """Patch gunicorn's HTTP/1 response to write head and body with one ``sendall``."""
    from gunicorn.http.wsgi import Response  # type: ignore[import-untyped, unused-ignore]

    if getattr(Response, "_taskapp_head_with_body", False):
        return
    send_headers = Response.send_headers
    close = Response.close

    def patched_send_headers(self: Any) -> None:
        if not self.headers_sent and not isinstance(self.sock, _HeldHead):
            self.sock = _HeldHead(self.sock)
        send_headers(self)

    def patched_close(self: Any) -> None:
        close(self)
        if isinstance(self.sock, _HeldHead):
            self.sock.flush()

    Response.send_headers = patched_send_headers
    Response.close = patched_close
    Response._taskapp_head_with_body = True


# Applied in the master, so every forked worker has it.
_send_head_with_body()
