"""GET /v1/docs, GET /v1/docs/assets/{name} and GET /v1/problems/{code}: pages for people."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import docs
from chalicelib.http import request_id_var
from chalicelib.problems import problem
from chalicelib.routes import Operation, endpoint

bp = Blueprint(__name__)
_HTML = "text/html; charset=utf-8"


def _page(text: str) -> Response:
    return Response(
        body=text,
        status_code=200,
        headers={"Content-Type": _HTML, "Content-Security-Policy": docs.CSP},
    )


@endpoint(
    bp,
    "GET",
    "/v1/docs",
    Operation(
        "The documentation page",
        200,
        auth=False,
        operation_id="getDocsPage",
        media_type="text/html",
        success_headers=("Content-Security-Policy",),
    ),
    bare=True,
)
def docs_page() -> Response:
    """This API for people: every operation of the OpenAPI document (Swagger UI) and what
    each problem code means."""
    return _page(docs.docs_page())


@endpoint(
    bp,
    "GET",
    "/v1/docs/assets/{name}",
    Operation(
        "A file of the documentation page",
        200,
        auth=False,
        errors=(404,),
        operation_id="getDocsAsset",
        media_type="text/javascript",
    ),
    bare=True,
)
def docs_asset(name: str) -> Response:
    """A script or style sheet of the documentation page, served by the API itself."""
    found = docs.asset(name)
    if found is None:
        return problem(404, f"No documentation file {name!r}", request_id_var.get())
    text, media_type = found
    headers: dict[str, str | list[str]] = {
        "Content-Type": media_type,
        "Cache-Control": "public, max-age=3600",
    }
    return Response(body=text, status_code=200, headers=headers)


@endpoint(
    bp,
    "GET",
    "/v1/problems/{code}",
    Operation(
        "What a problem code means",
        200,
        auth=False,
        errors=(404,),
        operation_id="getProblemPage",
        media_type="text/html",
        success_headers=("Content-Security-Policy",),
    ),
    bare=True,
)
def problem_page(code: str) -> Response:
    """The page a problem document's ``type`` (``/v1/problems/<code>``) points to."""
    text = docs.problem_page(code)
    if text is None:
        return problem(404, f"No problem code {code!r}", request_id_var.get())
    return _page(text)
