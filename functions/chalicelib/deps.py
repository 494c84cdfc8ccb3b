"""The process-wide dependencies, built on first use and replaceable by tests."""

from __future__ import annotations

from taskcore.bootstrap import Deps, bootstrap
from taskcore.config import get_settings
from taskcore.logs import configure_logging

_deps: Deps | None = None


def deps() -> Deps:
    """The dependencies of this process (bootstrapped once, lazily, to keep cold starts
    short for requests such as ``/v1/health`` that need none)."""
    global _deps
    if _deps is None:
        settings = get_settings()
        configure_logging(settings.log_level)
        _deps = bootstrap(settings)
    return _deps


def use(replacement: Deps | None) -> None:
    """Serve with ``replacement`` (tests), or go back to lazy bootstrapping with ``None``."""
    global _deps
    _deps = replacement
