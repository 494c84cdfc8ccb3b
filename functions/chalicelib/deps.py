"""The process-wide dependencies, built on first use and replaceable by tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib import observability

if TYPE_CHECKING:
    from taskcore.bootstrap import Usage
    from taskcore.services.deps import Deps

_deps: Deps | None = None
_usage: Callable[[], Usage] | None = None


def deps() -> Deps:
    """The dependencies of this process (bootstrapped once, lazily, to keep cold starts
    short for requests such as ``/v1/health`` that need none)."""
    global _deps, _usage
    if _deps is None:
        # Imported here: the libraries behind them (DynamoDB, Redis, JWT, validation)
        # are most of a cold start, and requests like /v1/health need none of them.
        from taskcore.bootstrap import build, get_settings

        # DynamoDB requests are counted only for the metrics that report them.
        counted = observability.current().config.metrics
        runtime = build(get_settings(), count_dynamodb_calls=counted)
        _deps, _usage = runtime.deps, runtime.usage
    return _deps


def usage() -> Usage | None:
    """What this process has asked of DynamoDB and Redis so far (``None`` before the
    dependencies exist, or when a test gave them without a reading)."""
    return _usage() if _usage is not None else None


def use(replacement: Deps | None, usage: Callable[[], Usage] | None = None) -> None:
    """Serve with ``replacement`` (tests; ``usage`` reads its store counters), or go back
    to lazy bootstrapping with ``None``."""
    global _deps, _usage
    _deps, _usage = replacement, usage
