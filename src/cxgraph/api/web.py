"""The dashboard at ``/``, the HTTP API docs at ``/api/docs``, the favicon, and cxgraph's
own assets at ``/assets``.

The dashboard reads the model only through the public SPARQL endpoint, with the saved
report queries embedded in the page; its libraries, and Swagger UI for the API docs, are
served locally from ``/static/vendor`` (see ``cxgraph.api.static``). No page loads
anything from another origin.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from cxgraph.api import static
from cxgraph.queries import saved_queries

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
FAVICON = STATIC_DIR / "favicon.svg"
DOCS_PATH = "/api/docs"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")
DASHBOARD_QUERIES = (
    "reports/summary",
    "reports/findings",
    "reports/persona-needs-by-process",
    "reports/promise-experience",
    "reports/value-chain",
    "reports/scope",
    "reports/breakpoints",
    "reports/focus-labels",
)


@cache
def dashboard_html() -> str:
    queries = {q.id: q.text for q in saved_queries() if q.id in DASHBOARD_QUERIES}
    blob = json.dumps(queries).replace("<", "\\u003c")
    return (
        (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("__SAVED_QUERIES__", blob)
    )


def docs_page(title: str, openapi_url: str) -> HTMLResponse:
    """Swagger UI from the vendored ``swagger-ui-dist`` files, or a page saying how to get
    them (with a link to the OpenAPI document itself)."""
    if all(static.vendored(name) for name in SWAGGER_FILES):
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} · HTTP API",
            swagger_js_url=f"{static.VENDOR_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{static.VENDOR_PATH}/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
            # The validator badge would call validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )
    url = html.escape(openapi_url)
    return HTMLResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)} · HTTP API</title>"
        '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'
        '<link rel="stylesheet" href="/assets/cxgraph.css"></head><body><main>'
        "<h1>HTTP API</h1>" + static.MISSING_NOTICE + f'<p>The OpenAPI document: <a href="{url}">'
        f"{url}</a>.</p></main></body></html>"
    )


router = APIRouter()
"""The dashboard, the API docs page and the favicon; ``STATIC_DIR`` is served at
``/assets`` by the app."""


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def dashboard() -> HTMLResponse:
    return HTMLResponse(dashboard_html())


@router.api_route(DOCS_PATH, methods=["GET", "HEAD"], include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    app = request.app
    return docs_page(app.title, app.openapi_url or "/api/openapi.json")


@router.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
def favicon() -> FileResponse:
    return FileResponse(FAVICON, media_type="image/svg+xml")
