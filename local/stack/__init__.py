"""The native dev stack: the docker-compose topology from local processes, no Docker.

    python -m local.stack [--port 8080] [--workers 3] [--fresh] ...   (what `make up` runs)

starts, on 127.0.0.1 only:

- moto server as the DynamoDB endpoint (local/dynamodb_emulator.py: one DynamoDB request
  at a time, so concurrent writes are safe), its data snapshotted into the run directory;
- Redis: the one already answering on --redis-port, else its own redis-server;
- the tables (``taskapp-admin create-tables``, idempotent);
- N app workers, each a gunicorn serving functions/wsgi.py on its own port;
- the scheduler (local/scheduler.py), which runs the ``@app.schedule`` handlers;
- nginx from local/nginx.conf (the template docker compose uses too) on --port.

It waits until ``GET /v1/health`` answers through nginx, prints the URL and the log
directory, restarts an app worker, the scheduler or the DynamoDB emulator that dies (the
emulator on its port, from its snapshot, its tables created again; the API answers 503
while it is away), and stops everything on
Ctrl-C or SIGTERM. nginx and redis-server must be installed (``make up`` does that).

Modules: :mod:`.config` (settings, paths), :mod:`.commands` (each process's command line
and environment), :mod:`.children` (processes), :mod:`.nginx` (the load balancer's
configuration), :mod:`.probes` (ports, health, Redis), :mod:`.state` (what the run
directory keeps), :mod:`.launcher` (:class:`Stack`), ``__main__`` (the command line).
Tests use :class:`Stack` directly, on free ports.
"""

from __future__ import annotations

from .children import Child
from .config import LOCAL_LIMITS, ROOT, UPSTREAM_HEALTH, StackConfig, StackError
from .launcher import Stack
from .nginx import render_template
from .probes import redis_ping
from .state import redis_key_prefix

__all__ = [
    "LOCAL_LIMITS",
    "ROOT",
    "UPSTREAM_HEALTH",
    "Child",
    "Stack",
    "StackConfig",
    "StackError",
    "redis_key_prefix",
    "redis_ping",
    "render_template",
]
