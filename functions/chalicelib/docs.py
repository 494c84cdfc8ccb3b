"""The documentation pages: ``/v1/docs`` (Swagger UI over ``/v1/openapi.json`` and the
problem codes) and ``/v1/problems/<code>`` (one code, what a problem's ``type`` names).

Everything the pages load comes from this API: Swagger UI's files from the
``swagger-ui-bundle-v2`` distribution (read when first asked for, never on a cold start),
this module's own script and style sheet. The pages' Content-Security-Policy allows
nothing else: no inline script or style, no other origin.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

from chalicelib.problem_docs import PROBLEM_KINDS, PROBLEMS, ProblemKind

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# Every URL in the pages is relative, so they work wherever the API is mounted: at the
# host's root (nginx, the containers) or under API Gateway's stage (``/api/v1/docs``).
# From ``/v1/docs`` the base is ``/v1/``; from ``/v1/problems/<code>`` it is one level up.
ASSET_PREFIX = "docs/assets/"

# Swagger UI, started on this API's document. No validator badge (it would call a
# server elsewhere); operation ids shown, since clients generated from the document use them.
INITIALIZER = """\
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    defaultModelsExpandDepth: 0,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""
STYLE = """\
body { margin: 0; font-family: system-ui, sans-serif; color: #1b1f24; }
header, main > section { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
header h1 { margin: 24px 0 4px; font-size: 28px; }
header p { margin: 4px 0; }
table.problems { border-collapse: collapse; width: 100%; margin: 12px 0 40px; }
table.problems th, table.problems td { border-top: 1px solid #d0d7de; padding: 6px 8px;
  text-align: left; vertical-align: top; font-size: 14px; }
table.problems code { font-size: 13px; }
.problem { max-width: 760px; margin: 40px auto; padding: 0 20px; }
"""
_SWAGGER_FILES = {
    "swagger-ui-bundle.js": "swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui.css",
}
OWN_FILES = {"docs.js": INITIALIZER, "docs.css": STYLE}
ASSETS = (*_SWAGGER_FILES, *OWN_FILES)
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def asset(name: str) -> tuple[str, str] | None:
    """``(text, media type)`` of a page asset, or None for a name that is none."""
    if name in OWN_FILES:
        return OWN_FILES[name], MEDIA_TYPES[Path(name).suffix]
    if name in _SWAGGER_FILES:
        return _swagger_file(_SWAGGER_FILES[name]), MEDIA_TYPES[Path(name).suffix]
    return None


@functools.cache
def _swagger_file(name: str) -> str:
    # The package's files: only when the page is first asked for.
    import swagger_ui_bundle  # type: ignore[import-untyped, unused-ignore]

    return (Path(str(swagger_ui_bundle.swagger_ui_path)) / name).read_text(encoding="utf-8")


def _codes_table() -> str:
    rows = "\n".join(
        f'<tr id="problem-{kind.code}"><td><a href="problems/{kind.code}"><code>'
        f"{kind.code}</code></a></td><td>{', '.join(map(str, kind.statuses))}</td>"
        f"<td>{html.escape(kind.title)}</td><td>{html.escape(kind.meaning)}</td>"
        f"<td>{html.escape(kind.action)}</td></tr>"
        for kind in PROBLEM_KINDS
    )
    return (
        '<table class="problems"><thead><tr><th>code</th><th>status</th><th>title</th>'
        f"<th>meaning</th><th>what to do</th></tr></thead><tbody>\n{rows}\n</tbody></table>"
    )


def _page(title: str, body: str, *, swagger: bool = False, up: str = "") -> str:
    """A page; ``up``: the way from its folder to ``/v1/`` (``"../"`` one level down)."""
    assets = up + ASSET_PREFIX
    styles = [f"{assets}swagger-ui.css"] if swagger else []
    styles.append(f"{assets}docs.css")
    scripts = [f"{assets}swagger-ui-bundle.js", f"{assets}docs.js"] if swagger else []
    head = "".join(f'<link rel="stylesheet" href="{href}">' for href in styles)
    tail = "".join(f'<script src="{src}"></script>' for src in scripts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No favicon request: a 404 in the console is an error like any other.
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title>{head}</head><body>{body}{tail}</body></html>\n"
    )


@functools.cache
def docs_page() -> str:
    """The page of ``GET /v1/docs``."""
    body = (
        "<header><h1>Task management API</h1>"
        '<p>Every operation below comes from <a href="openapi.json">/v1/openapi.json</a>'
        ", the same models that validate requests. Errors are "
        "<code>application/problem+json</code> with a stable <code>code</code>: see "
        '<a href="#problems">problem codes</a>.</p></header>'
        '<main><div id="swagger-ui"></div>'
        '<section id="problems"><h2>Problem codes</h2>'
        "<p>Every error reply has <code>type: /v1/problems/&lt;code&gt;</code>, "
        "<code>title</code>, <code>status</code>, <code>code</code>, <code>detail</code> and "
        "<code>request_id</code> (and <code>errors</code> for <code>validation_failed</code>)."
        " Branch on <code>code</code>; an unknown code is handled by its status.</p>"
        f"{_codes_table()}</section></main>"
    )
    return _page("Task management API", body, swagger=True)


@functools.cache
def problem_page(code: str) -> str | None:
    """The page of ``GET /v1/problems/<code>``; None for a code that does not exist."""
    kind: ProblemKind | None = PROBLEMS.get(code)
    if kind is None:
        return None
    body = (
        f'<main class="problem"><p><a href="../docs#problems">All problem codes</a></p>'
        f"<h1><code>{kind.code}</code>: {html.escape(kind.title)}</h1>"
        f"<p>Status: {', '.join(map(str, kind.statuses))}</p>"
        f"<p>{html.escape(kind.meaning)}</p><h2>What to do</h2>"
        f"<p>{html.escape(kind.action)}</p></main>"
    )
    return _page(f"{kind.code}: {kind.title}", body, up="../")
