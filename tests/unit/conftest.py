"""Fixtures of the service-layer unit tests: the services on in-memory fakes."""

from __future__ import annotations

import pytest

from fakes import fake_deps
from support import FakeClock
from taskcore.services.deps import Deps


@pytest.fixture
def clock() -> FakeClock:
    """The test's clock: 2026-03-01T12:00:00Z until moved."""
    return FakeClock()


@pytest.fixture
def deps(clock: FakeClock) -> Deps:
    """Every port faked in memory (see tests/fakes.py), on the test's clock."""
    return fake_deps(clock)
