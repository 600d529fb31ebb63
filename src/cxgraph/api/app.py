"""``create_app(settings)``: the one FastAPI app behind ``cxgraph serve``.

The knowledge graph is built in the lifespan (load → infer → detect gaps), never at
import. Routers: SPARQL at ``/sparql``, GraphQL at ``/graphql``, health, the dashboard at
``/`` with its locally served assets, and entity pages for the served IRIs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cxgraph import __version__
from cxgraph.api import graph_store, graphql, linked_data, sparql, web
from cxgraph.api.state import committed, publish
from cxgraph.config import Settings
from cxgraph.errors import CxGraphError, StoreError
from cxgraph.pipeline import KnowledgeGraph, build_knowledge_graph
from cxgraph.sandbox import EvaluationTimeout, Overloaded, ResourceLimit, Sandbox

log = logging.getLogger(__name__)
STORE_OPEN_WAIT = 15.0
"""How long a start waits for a store directory still locked by a process that is
exiting (a restart right after a stop), retrying every 0.25 s."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the knowledge graph is loaded when the app starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # a thread for every evaluation that may run or wait, so that the sandbox's queue
        # (not the executor's) decides who waits, and with a deadline
        threads = settings.max_workers + settings.queue_size + 8
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(threads))
        kg = await asyncio.to_thread(_build, settings)
        for warning in kg.warnings:
            log.warning("%s", warning)
        sandbox = Sandbox(
            deadline=settings.query_timeout,
            workers=settings.max_workers,
            queue_size=settings.queue_size,
            memory_limit=settings.worker_memory_limit or None,
            # in memory, a late fork must not see a write half done; a snapshot of an
            # on-disk store never changes
            fork_lock=kg.store.lock if kg.store.path is None else None,
            version=lambda: kg.version,
        )
        for surface in (sparql, graphql, graph_store, linked_data):
            surface.register(app, sandbox)
        app.state.sandbox = sandbox
        app.state.kg = kg
        with kg.store.lock:
            publish(app)
        try:
            yield
        finally:
            sandbox.close()
            _close(kg, settings.shutdown_grace)
            app.state.kg = None

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
        if request.app.state.kg is None:
            return JSONResponse({"status": "loading"}, status_code=503)
        state = committed(request.app)
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "triples": state.triples,
                "findings": state.findings,
                "warnings": list(state.warnings),
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


def _build(settings: Settings) -> KnowledgeGraph:
    """Build the knowledge graph; a store directory still locked by an exiting process
    (a restart right after a stop) is retried for up to ``STORE_OPEN_WAIT`` seconds."""
    give_up = time.monotonic() + STORE_OPEN_WAIT
    while True:
        try:
            return build_knowledge_graph(
                list(settings.data) or None,
                store_path=settings.store_path,
                profile=settings.profile,
            )
        except StoreError as err:
            if "lock" not in str(err).lower() or time.monotonic() > give_up:
                raise
            log.warning("%s; retrying in 0.25 s", err)
            time.sleep(0.25)


def _close(kg: KnowledgeGraph, grace: float) -> None:
    """Flush the store once no write is running (waiting at most ``grace`` seconds for
    one that is), so that the next start finds it consistent and unlocked."""
    if kg.store.lock.acquire(timeout=grace):
        try:
            kg.store.flush()
        finally:
            kg.store.lock.release()
    else:
        log.warning("a write was still running after %g s; not flushing", grace)


def serve(settings: Settings) -> None:
    """Run the app with uvicorn on ``settings.host``/``settings.port`` (h11: with
    httptools, POSTs from Java clients broke). SIGTERM or SIGINT stops accepting
    connections and lets requests in flight finish for ``settings.shutdown_grace``
    seconds; evaluations still running half a second before the end are stopped (503
    ``overloaded``, "shutting down"), then the workers are reaped and the store flushed."""
    import uvicorn

    grace = max(1.0, settings.shutdown_grace)
    app = create_app(settings)

    def stop_evaluations() -> None:
        sandbox: Sandbox | None = getattr(app.state, "sandbox", None)
        if sandbox is not None:
            sandbox.close()

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            loop = asyncio.get_running_loop()
            closer = loop.call_later(grace - 0.5, stop_evaluations)
            try:
                await super().shutdown(sockets)
            finally:
                closer.cancel()

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http="h11",
        log_level="warning",
        timeout_graceful_shutdown=math.ceil(grace),
    )
    Server(config).run()
