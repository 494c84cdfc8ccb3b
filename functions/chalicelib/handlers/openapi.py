"""GET /v1/openapi.json"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import reply
from chalicelib.routes import Operation, endpoint

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/v1/openapi.json",
    Operation("This OpenAPI document", 200, auth=False, operation_id="getOpenApiDocument"),
    bare=True,
)
def get_openapi_document() -> Response:
    """The OpenAPI 3.1 description of this API."""
    from chalicelib.openapi_doc import document  # builds every schema: only when asked

    return reply(document())
