"""Routes that carry their own documentation.

A handler module declares its route with :func:`endpoint`, giving the OpenAPI
:class:`Operation` right where the route is defined; :mod:`chalicelib.openapi_doc`
builds the document from :data:`OPERATIONS`, so a route cannot exist undocumented (a
test compares the two). Schemas are named, not imported, so that declaring a route
costs a cold start nothing: the document resolves them in :mod:`taskcore.schemas` when
it is first asked for.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace

from chalice import Blueprint, Response

from chalicelib.http import View, api


@dataclass(frozen=True)
class Operation:
    """What the document says about one route, besides its view's docstring."""

    summary: str
    status: int
    request: str | None = None  # a model of taskcore.schemas, by name
    response: str | None = None
    query: str | None = None
    auth: bool = True
    errors: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()  # request headers, names in openapi_doc.REQUEST_HEADERS
    success_headers: tuple[str, ...] = ()  # names in openapi_doc.RESPONSE_HEADERS
    operation_id: str = ""  # camelCase, a verb first; default: from the view's name
    description: str = ""  # from the view's docstring
    media_type: str = "application/json"  # of the success reply


# (method, path) -> operation, filled as handler modules are imported.
OPERATIONS: dict[tuple[str, str], Operation] = {}


def endpoint(
    bp: Blueprint, method: str, path: str, doc: Operation, *, bare: bool = False
) -> Callable[[View], Callable[..., Response]]:
    """Route ``method path`` to the decorated view and record its documentation.

    The view gets a :class:`~chalicelib.http.Call` and its errors become problem
    documents (:func:`~chalicelib.http.api`), unless ``bare``: a view that needs no
    request, such as liveness, is served as it is. A page for browsers (a ``media_type``
    other than JSON) takes requests of any content type: a browser's GET names none.
    """

    def decorate(view: View) -> Callable[..., Response]:
        key = (method.lower(), path)
        if key in OPERATIONS:
            raise ValueError(f"{method} {path} is declared twice")
        OPERATIONS[key] = replace(
            doc,
            operation_id=doc.operation_id or _camel(view.__name__),
            description=inspect.getdoc(view) or "",
        )
        handler = view if bare else api(bp)(view)
        if doc.media_type == "application/json":
            bp.route(path, methods=[method])(handler)
        else:
            bp.route(path, methods=[method], content_types=["*/*"])(handler)
        return handler

    return decorate


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)
