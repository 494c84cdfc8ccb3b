"""Deferred imports, so that a cold start pays only for what its first request uses.

``GET /v1/health`` (and a Lambda's first event in general) should not wait for the
DynamoDB, Redis, JWT and validation libraries to load; each handler module therefore
names its service module through :func:`lazy_module`, which loads it on first use.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, executed on first attribute access (the standard library's
    :class:`importlib.util.LazyLoader`)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
