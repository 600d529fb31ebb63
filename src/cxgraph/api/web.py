"""The dashboard at ``/`` and cxgraph's own assets at ``/assets``.

The page reads the model only through the public SPARQL endpoint, with the saved report
queries embedded in the page; its libraries are served locally from ``/static/vendor``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from cxgraph.config import Settings
from cxgraph.queries import saved_queries

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
DASHBOARD_QUERIES = (
    "reports/summary",
    "reports/findings",
    "reports/persona-process-alignment",
    "reports/value-chain",
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


def mount(app: FastAPI, settings: Settings) -> None:
    del settings

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(dashboard_html())

    app.mount("/assets", StaticFiles(directory=STATIC_DIR), name="assets")
