"""The process-wide dependencies, built on first use and replaceable by tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskcore.services.deps import Deps

_deps: Deps | None = None


def deps() -> Deps:
    """The dependencies of this process (bootstrapped once, lazily, to keep cold starts
    short for requests such as ``/v1/health`` that need none)."""
    global _deps
    if _deps is None:
        # Imported here: the libraries behind them (DynamoDB, Redis, JWT, validation)
        # are most of a cold start, and requests like /v1/health need none of them.
        from taskcore.bootstrap import bootstrap, get_settings

        _deps = bootstrap(get_settings())
    return _deps


def use(replacement: Deps | None) -> None:
    """Serve with ``replacement`` (tests), or go back to lazy bootstrapping with ``None``."""
    global _deps
    _deps = replacement
