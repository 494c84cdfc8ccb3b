"""GET /v1/health (liveness) and GET /v1/ready (readiness)"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import Call, api, reply
from chalicelib.lazy import lazy_module

operations = lazy_module("taskcore.services.operations")
bp = Blueprint(__name__)


@bp.route("/v1/health", methods=["GET"])
def health() -> Response:
    """Alive: no dependency is called, so this is also the cheapest request there is."""
    return Response(
        body='{"status":"ok"}', status_code=200, headers={"Content-Type": "application/json"}
    )


@bp.route("/v1/ready", methods=["GET"])
@api(bp)
def ready(call: Call) -> Response:
    """Ready when DynamoDB answers; Redis is reported but optional."""
    report = operations.readiness(call.deps)
    return reply(report, status=200 if report["status"] == "ok" else 503)
