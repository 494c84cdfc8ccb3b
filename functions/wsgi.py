"""WSGI entry point of the container and native-stack HTTP server (``wsgi:application``).

Serves the Chalice app exactly as API Gateway + Lambda would, through :mod:`gateway`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)  # the Chalice project imports as top-level modules

from gateway import ChaliceWSGI, create_application, lambda_context  # noqa: E402

__all__ = ["ChaliceWSGI", "create_application", "lambda_context"]


def _load() -> ChaliceWSGI:
    from app import app

    return create_application(app)


def __getattr__(name: str) -> Any:
    # `application` is built on first access so that importing this module (tests, the
    # scheduler) does not import the whole app; gunicorn's lookup triggers it once.
    if name == "application":
        value = _load()
        globals()["application"] = value
        return value
    raise AttributeError(name)
