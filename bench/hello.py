"""The baseline of the HTTP tier: a bare WSGI hello world, served by the same gunicorn
settings as the app (``gunicorn -c functions/gunicorn.conf.py bench.hello:application``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_BODY = b'{"status":"ok"}'
_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))]


def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Answer every request with the same body as ``GET /v1/health``."""
    start_response("200 OK", list(_HEADERS))
    return [_BODY]
