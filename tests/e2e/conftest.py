"""End-to-end fixtures: the whole native stack (the local.stack package) on free local ports.

Everything talks to 127.0.0.1 only; Redis is shared with other tests (it answers on
6379 in CI and here), isolated by the key prefix each run directory (a fresh temporary
one per stack) derives, so no counter of theirs limits a developer's `make up`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import HttpApi, make_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The shared stack: 3 workers behind nginx, started once for the session."""
    with make_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="session")
def api(stack: Any) -> HttpApi:
    """A client of the shared stack, through nginx."""
    return HttpApi(stack.url)
