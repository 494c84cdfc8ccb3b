"""What every handler shares: the request wrapper, body parsing, replies, error mapping."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from chalicelib.deps import deps
from chalicelib.lazy import lazy_module
from chalicelib.problems import from_domain_error, problem
from taskcore.errors import (
    BadRequest,
    DomainError,
    FieldError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

if TYPE_CHECKING:
    from taskcore.auth import AccessClaims
    from taskcore.services import accounts
    from taskcore.services.deps import Deps
else:
    accounts = lazy_module("taskcore.services.accounts")

MAX_BODY_BYTES = 64 * 1024
# A body is JSON when declared so: application/json or a structured "+json" type, in
# UTF-8 (RFC 8259 allows no other encoding). Chalice itself refuses a declared non-JSON
# type before the view runs (415, rewritten as a problem by the middleware) but lets a
# body through without Content-Type (it assumes JSON) or with another charset.
_JSON_MEDIA_TYPE = re.compile(r"application/(?:json|[a-z0-9!#$&^_.-]+\+json)")

# Query parameters that may be given more than once (DESIGN §3: every given tag).
REPEATABLE = frozenset({"tag"})

log = logging.getLogger("taskapp.http")
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
user_id_var: ContextVar[str | None] = ContextVar("user_id", default=None)
# The ``code`` of the problem a view's error became (DESIGN 3), for the error metrics.
error_code_var: ContextVar[str | None] = ContextVar("error_code", default=None)


class Call:
    """The current request, as handlers need it."""

    def __init__(self, blueprint: Blueprint) -> None:
        self._request = blueprint.current_request
        self.deps: Deps = deps()
        self._claims: AccessClaims | None = None

    @property
    def claims(self) -> AccessClaims:
        """The verified access token of the caller (authenticates on first use)."""
        if self._claims is None:
            self._claims = accounts.authenticate(self.deps, self.header("Authorization"))
            user_id_var.set(self._claims.user_id)
        return self._claims

    @property
    def user_id(self) -> str:
        """The authenticated caller's id."""
        return self.claims.user_id

    @property
    def client_ip(self) -> str | None:
        """The caller's address as API Gateway saw it (behind the local nginx, the WSGI
        adapter puts the peer nginx saw there), for per-client rate limits."""
        identity = (self._request.context or {}).get("identity") or {}
        source = identity.get("sourceIp")
        return str(source) if source else None

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive)."""
        value = self._request.headers.get(name)
        return str(value) if value is not None else None

    def query(self) -> dict[str, str | list[str]]:
        """Query parameters: every value of those that may repeat (``tag``), the last
        value of any other one given twice."""
        params = self._request.query_params
        if not params:
            return {}
        return {
            str(k): [str(v) for v in params.getlist(k)] if k in REPEATABLE else str(params[k])
            for k in params
        }

    def json(self, *, optional: bool = False) -> Any:
        """The decoded JSON body; ``None`` when absent and ``optional``."""
        raw = self._request.raw_body or b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The body is over {MAX_BODY_BYTES} bytes")
        if raw:
            require_json_media_type(self.header("Content-Type"))
        if not raw.strip():
            if optional:
                return None
            raise BadRequest("A JSON body is required", code="malformed_json")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("The body is not valid JSON", code="malformed_json") from None
        except RecursionError:
            # 64 KiB of "[" nests deeper than the parser's recursion limit.
            raise BadRequest("The body is nested too deeply", code="malformed_json") from None
        if optional and body is None:
            # An optional body may be left out, but a body that is sent must be an object.
            raise ValidationFailed([FieldError("body", "must be a JSON object")])
        return body


def require_json_media_type(content_type: str | None) -> None:
    """Refuse (415) a body whose ``Content-Type`` is missing, not JSON, or not UTF-8."""
    if not content_type:
        raise UnsupportedMediaType("A body needs Content-Type: application/json")
    media_type, *params = (part.strip() for part in content_type.split(";"))
    if not _JSON_MEDIA_TYPE.fullmatch(media_type.lower()):
        raise UnsupportedMediaType("The body must be application/json")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise UnsupportedMediaType("A JSON body must be encoded in UTF-8")


View = Callable[..., Response]


def api(blueprint: Blueprint) -> Callable[[View], Callable[..., Response]]:
    """Give a view its :class:`Call` and turn whatever it raises into a problem document."""

    def decorate(view: View) -> Callable[..., Response]:
        @functools.wraps(view)
        def handler(**params: str) -> Response:
            rid = request_id_var.get()
            try:
                return view(Call(blueprint), **params)
            except DomainError as exc:
                error_code_var.set(exc.code)
                return from_domain_error(exc, rid)
            except Exception:
                error_code_var.set("internal")
                log.exception("unhandled error", extra={"request_id": rid})
                return problem(500, "An unexpected error occurred", rid, code="internal")

        return handler

    return decorate


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def no_content() -> Response:
    """An empty 204 response."""
    return Response(body="", status_code=204, headers={})
