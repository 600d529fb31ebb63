"""``create_app(settings)``: the one FastAPI app behind ``cxgraph serve``.

The knowledge graph is built in the lifespan (load → infer → detect gaps), never at
import. Routers: SPARQL at ``/sparql``, GraphQL at ``/graphql``, health, the dashboard at
``/`` with its locally served assets, and entity pages for the served IRIs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cxgraph import __version__
from cxgraph.api import graph_store, graphql, linked_data, sparql, web
from cxgraph.config import Settings
from cxgraph.errors import CxGraphError
from cxgraph.pipeline import build_knowledge_graph
from cxgraph.sandbox import EvaluationTimeout, Overloaded, ResourceLimit, Sandbox


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the knowledge graph is loaded when the app starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kg = await asyncio.to_thread(
            build_knowledge_graph,
            list(settings.data) or None,
            store_path=settings.store_path,
            profile=settings.profile,
        )
        sandbox = Sandbox(
            deadline=settings.query_timeout,
            workers=settings.max_workers,
            queue_size=settings.queue_size,
            memory_limit=settings.worker_memory_limit or None,
            fork_lock=kg.store.lock,
            version=lambda: kg.version,
        )
        sparql.register(app, sandbox)
        graphql.register(app, sandbox)
        app.state.sandbox = sandbox
        app.state.kg = kg
        try:
            yield
        finally:
            sandbox.close()
            kg.store.flush()

    app = FastAPI(
        title="cxgraph",
        version=__version__,
        description="Customer-experience knowledge graph: SPARQL 1.1, GraphQL, linked data.",
        lifespan=lifespan,
        docs_url=None,  # served by cxgraph.api.web with the vendored Swagger UI (no CDN)
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.kg = None

    @app.api_route("/health", methods=["GET", "HEAD"], tags=["health"])
    def health(request: Request) -> JSONResponse:
        kg = request.app.state.kg
        if kg is None:
            return JSONResponse({"status": "loading"}, status_code=503)
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "triples": len(kg.store),
                "findings": len(kg.findings),
            }
        )

    @app.exception_handler(EvaluationTimeout)
    async def timeout(_request: Request, exc: EvaluationTimeout) -> JSONResponse:
        return JSONResponse({"error": "query_timeout", "message": str(exc)}, status_code=503)

    @app.exception_handler(Overloaded)
    async def overloaded(_request: Request, exc: Overloaded) -> JSONResponse:
        return JSONResponse(
            {"error": "overloaded", "message": str(exc)},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(ResourceLimit)
    async def resource_limit(_request: Request, exc: ResourceLimit) -> JSONResponse:
        return JSONResponse({"error": "resource_limit", "message": str(exc)}, status_code=503)

    @app.exception_handler(CxGraphError)
    async def cxgraph_error(_request: Request, exc: CxGraphError) -> JSONResponse:
        return JSONResponse({"error": "bad_request", "message": str(exc)}, status_code=400)

    _include_routers(app, settings)
    return app


def _include_routers(app: FastAPI, settings: Settings) -> None:
    """Mount each surface; linked data last, as its entity route matches any path."""
    for surface in (sparql, graph_store, graphql, web, linked_data):
        surface.mount(app, settings)


def serve(settings: Settings) -> None:
    """Run the app with uvicorn on ``settings.host``/``settings.port`` (h11: with
    httptools, POSTs from Java clients broke)."""
    import uvicorn

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        http="h11",
        log_level="warning",
    )
