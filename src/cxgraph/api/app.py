"""``create_app(settings)``: the one FastAPI app behind ``cxgraph serve``.

The knowledge graph is built in the lifespan (load → infer → detect gaps), never at
import. What the app holds is one typed :class:`cxgraph.api.state.Service`. Its routes are
the module-level routers of ``ROUTERS`` (SPARQL at ``/sparql``, the VoID and saved
queries, uploads, the Graph Store Protocol, the dashboard), GraphQL at ``/graphql`` (its
schema follows the settings), health, the locally served assets, and last the entity pages
(a catch-all). Every error is answered by the handlers of :mod:`cxgraph.api.errors`.
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

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from cxgraph import __version__
from cxgraph.api import (
    errors,
    graph_store,
    graphql,
    linked_data,
    service_description,
    sparql,
    static,
    web,
    writes,
)
from cxgraph.api.state import Service, committed, publish, service_of
from cxgraph.config import Settings
from cxgraph.errors import StoreError
from cxgraph.pipeline import KnowledgeGraph, attach_knowledge_graph, build_knowledge_graph
from cxgraph.sandbox import Sandbox
from cxgraph.store import RemoteLocation

log = logging.getLogger(__name__)
STORE_OPEN_WAIT = 15.0
"""How long a start waits for a store directory still locked by a process that is
exiting (a restart right after a stop), retrying every 0.25 s."""

health = APIRouter(tags=["health"])


@health.api_route("/health", methods=["GET", "HEAD"])
def health_check(request: Request) -> JSONResponse:
    """Whether the knowledge graph is served, and its size, findings and warnings."""
    if service_of(request.app).kg is None:
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


ROUTERS = (
    health,
    sparql.router,
    service_description.router,
    writes.router,
    graph_store.router,
    web.router,
)
"""Every module-level router, in the order they match; the entity pages
(``linked_data.router``) come after GraphQL, last, as they match any path."""
EVALUATIONS = (sparql, graphql, graph_store, linked_data)
"""The surfaces whose evaluations run in the sandbox's workers (each has ``register``)."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the knowledge graph is loaded when the app starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = service_of(app)
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
            # on-disk store never changes; a remote store is read over HTTP, not forked
            fork_lock=kg.store.lock if kg.store.path is None and not kg.store.remote else None,
            version=lambda: kg.version,
        )
        for surface in EVALUATIONS:
            surface.register(app, sandbox)
        service.sandbox = sandbox
        service.kg = kg
        with kg.store.lock:
            publish(app)
        try:
            yield
        finally:
            sandbox.close()
            _close(kg, settings.shutdown_grace)
            service.kg = None

    app = FastAPI(
        title="cxgraph",
        version=__version__,
        description="Customer-experience knowledge graph: SPARQL 1.1, GraphQL, linked data.",
        lifespan=lifespan,
        docs_url=None,  # served by cxgraph.api.web with the vendored Swagger UI (no CDN)
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.service = Service(settings)
    for router in ROUTERS:
        app.include_router(router)
    static.mount(app)
    app.mount("/assets", StaticFiles(directory=web.STATIC_DIR), name="assets")
    graphql.mount(app, settings)
    app.include_router(linked_data.router)
    errors.install(app)
    return app


def _build(settings: Settings) -> KnowledgeGraph:
    """Build the knowledge graph; a store directory still locked by an exiting process
    (a restart right after a stop) is retried for up to ``STORE_OPEN_WAIT`` seconds."""
    if settings.attach:  # Settings made sure the store is a remote one
        assert isinstance(settings.store_path, RemoteLocation)
        return attach_knowledge_graph(settings.store_path, profile=settings.profile)
    give_up = time.monotonic() + STORE_OPEN_WAIT
    while True:
        try:
            return build_knowledge_graph(
                list(settings.data) or None,
                store_path=settings.store_path,
                profile=settings.profile,
                write_validation=settings.write_validation,
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
        sandbox = service_of(app).sandbox
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
