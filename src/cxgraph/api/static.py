"""Locally served front-end files: the vendored libraries at ``/static/vendor`` and the
SPARQL editor page.

``scripts/install-ui.sh`` (also run by the wheel build hook, ``hatch_build.py``, when npm
is present) installs YASGUI, GraphiQL, cytoscape and Swagger UI into ``cxgraph/web/vendor``;
they are not committed. When they are missing the editor page still
renders, says how to install them, and offers a plain query form. Nothing is loaded from
the internet: the page only references its own origin.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
VENDOR_DIR = WEB_DIR / "vendor"
VENDOR_PATH = "/static/vendor"
EDITOR_TEMPLATE = WEB_DIR / "templates" / "sparql.html"
EDITOR_FILES = ("yasgui.min.js", "yasgui.min.css")

# What every page says when the front-end files are missing.
MISSING_NOTICE = """<div class="notice" role="alert"><p>This page's front-end files (from npm)
are not installed. From a clone of cxgraph, run <code>scripts/install-ui.sh</code> (needs
<code>npm</code>) and restart the server; or install cxgraph with <code>pip install .</code>
on a machine with <code>npm</code>, which bundles them.</p></div>"""

_MISSING = """<div class="notice" role="alert"><p>The SPARQL editor's files are not installed.
Run <code>scripts/install-ui.sh</code> (needs <code>npm</code>) and restart the server.
Meanwhile, this plain form sends queries to <code>$endpoint</code>.</p>
<form method="get" action="$endpoint"><textarea name="query" rows="12" cols="100">$query</textarea>
<p><button type="submit">Run query</button></p></form></div>"""

# The endpoint declares cxgraph's prefixes (cx:, rdf:, rdfs:, owl:, xsd:, skos:) itself.
DEFAULT_QUERY = "SELECT ?persona ?need WHERE { ?persona cx:hasNeed ?need } LIMIT 50"


def mount(app: FastAPI) -> None:
    """Serve the vendored libraries at /static/vendor, unless already mounted."""
    if any(isinstance(r, Mount) and r.path == VENDOR_PATH for r in app.router.routes):
        return
    app.mount(VENDOR_PATH, StaticFiles(directory=VENDOR_DIR, check_dir=False), name="vendor")


def vendored(name: str) -> bool:
    """Whether the vendored front-end file ``name`` is installed."""
    return (VENDOR_DIR / name).is_file()


def editor_ready() -> bool:
    """Whether the editor's vendored files are installed."""
    return all(vendored(name) for name in EDITOR_FILES)


def editor_page(endpoint_path: str = "/sparql") -> HTMLResponse:
    """The SPARQL editor (YASGUI from /static/vendor, saved queries from /sparql/queries)."""
    notice = (
        ""
        if editor_ready()
        else Template(_MISSING).substitute(
            endpoint=html.escape(endpoint_path), query=html.escape(DEFAULT_QUERY)
        )
    )
    page = Template(EDITOR_TEMPLATE.read_text(encoding="utf-8")).substitute(
        notice=notice, vendor=VENDOR_PATH
    )
    return HTMLResponse(page, headers={"Vary": "Accept"})
