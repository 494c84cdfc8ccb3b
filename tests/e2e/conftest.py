"""End-to-end fixtures: the whole native stack (local/stack.py) on free local ports.

Everything talks to 127.0.0.1 only; Redis is shared with other tests (it answers on
6379 in CI and here), isolated by a key prefix unique to the run.
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
