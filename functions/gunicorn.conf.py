"""Gunicorn settings for the HTTP server of the container image and the native stack.

Run as ``gunicorn -c functions/gunicorn.conf.py`` from any directory. Everything that
differs between deployments comes from the environment:

PORT             port to listen on (default 3000)
HOST             address to bind (default 0.0.0.0 for containers; the native stack
                 passes 127.0.0.1)
WEB_CONCURRENCY  worker processes (default 2)
GUNICORN_WORKER_CLASS  ``sync`` (default) or ``gthread``
GUNICORN_LOG_LEVEL     gunicorn's log level (default info)
GUNICORN_HOLD_HEAD     ``0`` sends a response's head on its own instead of with its
                 first body bytes (functions/gunicorn_head.py, installed by the
                 ``on_starting`` hook below); default on
"""

from __future__ import annotations

import os
import sys
from typing import Any

# The app module lives next to this file; gunicorn adds it to sys.path before loading.
_HERE = os.path.dirname(os.path.abspath(__file__))
pythonpath = _HERE
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
# gunicorn_errors.py lives next to this file and is loaded by name before any hook runs,
# also when --pythonpath names another directory (appended: it shadows nothing).
worker_class = {
    "sync": "gunicorn_errors.ProblemSyncWorker",
    "gthread": "gunicorn_errors.ProblemThreadWorker",
}.get(worker_class, worker_class)
if _HERE not in sys.path:
    sys.path.append(_HERE)
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


def on_starting(server: Any) -> None:
    """In the master, before any worker forks: send each response's head with its body.

    See functions/gunicorn_head.py for why. It refuses (with a warning in the error log)
    gunicorn versions it was not tested on; GUNICORN_HOLD_HEAD=0 turns it off.
    """
    if os.environ.get("GUNICORN_HOLD_HEAD", "1") == "0":
        server.log.info("GUNICORN_HOLD_HEAD=0: response heads are sent on their own")
        return
    # gunicorn_head.py lives next to this file, which --pythonpath may have left off the
    # path (the benchmark serves bench/hello.py with these settings); appended, it
    # shadows nothing.
    if _HERE not in sys.path:
        sys.path.append(_HERE)
    import gunicorn_head

    gunicorn_head.install(server.log)
