"""GET /v1/openapi.json"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.http import reply

bp = Blueprint(__name__)


@bp.route("/v1/openapi.json", methods=["GET"])
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    from chalicelib.openapi_doc import document  # builds every schema: only when asked

    return reply(document())
