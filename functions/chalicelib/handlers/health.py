"""GET /v1/health (liveness) and GET /v1/ready (readiness)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.http import Call, reply, request_id_var
from chalicelib.lazy import lazy_module
from chalicelib.problems import problem
from chalicelib.routes import Operation, endpoint

if TYPE_CHECKING:
    from taskcore.services import operations
else:
    operations = lazy_module("taskcore.services.operations")

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/v1/health",
    Operation("Liveness", 200, auth=False, operation_id="getHealth"),
    bare=True,
)
def health() -> Response:
    """Alive: no dependency is called, so this is also the cheapest request there is."""
    return Response(
        body='{"status":"ok"}', status_code=200, headers={"Content-Type": "application/json"}
    )


@endpoint(
    bp,
    "GET",
    "/v1/ready",
    Operation("Readiness", 200, auth=False, errors=(503,), operation_id="getReadiness"),
)
def ready(call: Call) -> Response:
    """Ready when DynamoDB answers; Redis is reported but optional.

    Not ready is a 503 problem document (DESIGN §3) with ``Retry-After``, carrying the
    state of each dependency (``dynamodb``, ``redis``) as extension members."""
    report = operations.readiness(call.deps)
    if report["status"] == "ok":
        return reply(report)
    unready = problem(
        503,
        "A dependency the service needs is unavailable",
        request_id_var.get(),
        headers={"Retry-After": "1"},
    )
    unready.body.update({k: v for k, v in report.items() if k != "status"})
    return unready
