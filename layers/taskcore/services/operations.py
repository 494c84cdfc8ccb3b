"""Operational use cases: readiness."""

from __future__ import annotations

import logging
from typing import Any

from taskcore.errors import DependencyUnavailable
from taskcore.services.deps import Deps

log = logging.getLogger(__name__)


def readiness(deps: Deps) -> dict[str, Any]:
    """``{"status": "ok"|"unavailable", "dynamodb": ..., "redis": ...}``.

    DynamoDB decides readiness; Redis only makes things faster, so it is reported as
    ``degraded`` when unreachable without failing the check.
    """
    try:
        deps.users.get("readiness-probe")
        dynamodb = "ok"
    except DependencyUnavailable:
        log.warning("readiness: DynamoDB unavailable")
        dynamodb = "unavailable"
    redis = "ok" if deps.cache.available() else "degraded"
    status = "ok" if dynamodb == "ok" else "unavailable"
    return {"status": status, "dynamodb": dynamodb, "redis": redis}
