"""GraphiQL, served from this server only: the page and its assets, no CDN.

strawberry's own GraphiQL page loads React and GraphiQL from unpkg.com, so it is blank
offline. This page loads the GraphiQL 3.8.3 and React 18 UMD builds that
``scripts/install-ui.sh`` puts in ``cxgraph/web/vendor`` (not committed) from
``/static/vendor`` (see ``cxgraph.api.static``), and its start script from
``/graphql/graphiql-start.js``; its Content-Security-Policy allows no other origin.
Without the vendored files the page says how to install them.
"""

from __future__ import annotations

import html

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from strawberry.fastapi import GraphQLRouter

from cxgraph.api import static
from cxgraph.api.graphql.context import GraphQLContext

START_PATH = "/graphql/graphiql-start.js"
VENDORED = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)

_START = """\
(function () {
  var root = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({ url: root.getAttribute("data-endpoint") });
  var example = [
    "# Personas, their needs and the processes that meet them (inferred).",
    "{",
    "  personas(first: 10) {",
    "    totalCount",
    "    nodes {",
    "      label",
    "      needs { label metBy { label } gaps { rule severity } }",
    "    }",
    "  }",
    "}",
    ""
  ].join("\\n");
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: example,
      defaultEditorToolsVisibility: true
    })
  );
})();
"""

_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cxgraph GraphQL</title>
<link rel="icon" href="{prefix}/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="{vendor}/graphiql.min.css">
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql" data-endpoint="{endpoint}">Loading GraphiQL…</div>
<script src="{vendor}/react.production.min.js"></script>
<script src="{vendor}/react-dom.production.min.js"></script>
<script src="{vendor}/graphiql.min.js"></script>
<script src="{start}"></script>
</body>
</html>
"""

_MISSING = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>cxgraph GraphQL</title></head>
<body>
<h1>GraphiQL is not installed</h1>
<p>Run <code>scripts/install-ui.sh</code> and restart the server. GraphQL itself works:
POST queries to <code>{endpoint}</code>.</p>
</body>
</html>
"""


def graphiql_ready() -> bool:
    """Whether GraphiQL's vendored files are installed."""
    return all((static.VENDOR_DIR / name).is_file() for name in VENDORED)


def graphiql_page(root_path: str = "") -> str:
    """The GraphiQL page; every URL in it is on this server (under ``root_path``)."""
    prefix = html.escape(root_path.rstrip("/"), quote=True)
    endpoint = prefix + "/graphql"
    if not graphiql_ready():
        return _MISSING.format(endpoint=endpoint)
    return _PAGE.format(
        vendor=prefix + static.VENDOR_PATH,
        start=prefix + START_PATH,
        endpoint=endpoint,
        prefix=prefix,
    )


class LocalGraphiQLRouter(GraphQLRouter[GraphQLContext, None]):
    """strawberry's FastAPI router with the GraphiQL page above."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        page = graphiql_page(request.scope.get("root_path", ""))
        return HTMLResponse(page, headers={"Content-Security-Policy": CSP, "Vary": "Accept"})


def mount_graphiql(app: FastAPI) -> None:
    """Serve GraphiQL's files: the vendored ones and the start script."""
    static.mount(app)

    @app.api_route(START_PATH, methods=["GET", "HEAD"], include_in_schema=False)
    def start_script() -> Response:
        return Response(_START, media_type="text/javascript")
