"""Access to the knowledge graph the app's lifespan built, for route handlers, and the
committed state readers see.

Every write runs inside :func:`writing`: it holds the store lock, and when the write
changed the knowledge graph it *publishes* the new state before the lock is released (and
so before the write is acknowledged): the sandbox's workers are forked afresh at the new
version (see :mod:`cxgraph.sandbox`). Readers never take the store lock: they are
answered by workers of the last committed state, even while a write is in progress.

With an on-disk store (``--store DIR``) workers evaluate against an in-memory snapshot of
the committed state, copied under the lock at publication: RocksDB is not fork-safe, and
no worker ever calls into the forked RocksDB handle. In memory, workers read the store of
record as it was at their fork (copy-on-write), at no copy cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request

from cxgraph.api.protocol import ProtocolError
from cxgraph.config import Settings
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.sandbox import Overloaded, Sandbox


@dataclass(frozen=True)
class Committed:
    """What the last acknowledged write left: readers and ``/health`` see this."""

    version: int
    triples: int
    findings: int
    warnings: tuple[str, ...] = ()


@dataclass
class Service:
    """Everything a running app holds, typed: the one object on ``app.state`` (as
    ``app.state.service``). ``create_app`` makes it with the settings; the lifespan fills in
    the knowledge graph, the sandbox and the committed state, and empties them at the end."""

    settings: Settings
    kg: KnowledgeGraph | None = None
    sandbox: Sandbox | None = None
    committed: Committed | None = None
    graphql_schema: Any = field(default=None, repr=False)
    """The strawberry schema the app serves (built from the settings)."""


def service_of(app: FastAPI) -> Service:
    """The app's :class:`Service`."""
    service: Service = app.state.service
    return service


def get_kg(request: Request) -> KnowledgeGraph:
    """The served knowledge graph; 503 while it is still being built."""
    kg = service_of(request.app).kg
    if kg is None:
        raise ProtocolError(
            503, "loading", "the knowledge graph is still loading", {"Retry-After": "1"}
        )
    return kg


def get_settings(request: Request) -> Settings:
    """The app's settings (built once, before the app); a dependency of routes."""
    return service_of(request.app).settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
"""A route parameter typed ``SettingsDep`` is given the app's settings."""


def get_sandbox(app: FastAPI) -> Sandbox:
    """The app's evaluation sandbox (made in the app's lifespan)."""
    sandbox = service_of(app).sandbox
    if sandbox is None:
        raise ProtocolError(503, "unavailable", "the server is not running")
    return sandbox


async def in_worker(request: Request, name: str, *args: object) -> bytes:
    """Run the sandbox's evaluation ``name`` on the committed state, under the deadline,
    off the event loop."""
    return await asyncio.to_thread(get_sandbox(request.app).run, name, *args)


def capped(request: Request, body: bytes, what: str) -> bytes:
    """``body``, or 413 ``response_too_large`` when it is over ``max_response_bytes``."""
    limit = get_settings(request).max_response_bytes
    if len(body) > limit:
        raise ProtocolError(
            413,
            "response_too_large",
            f"{what} would be {len(body)} bytes, more than this server sends ({limit})",
        )
    return body


def committed(app: FastAPI) -> Committed:
    """The state readers are answered from."""
    state = service_of(app).committed
    assert state is not None, "published when the app starts"
    return state


def publish(app: FastAPI) -> None:
    """Make the knowledge graph as it is now what readers see. Call with the store lock
    held (or before serving)."""
    kg = service_of(app).kg
    assert kg is not None
    # an on-disk store's readers get an in-memory copy (RocksDB is not fork-safe)
    context = kg if kg.store.path is None else kg.copy()
    service_of(app).committed = Committed(
        kg.version, len(context.store), len(kg.findings), tuple(map(str, kg.warnings))
    )
    get_sandbox(app).publish(kg.version, context)


@contextmanager
def writing(app: FastAPI) -> Iterator[KnowledgeGraph]:
    """Hold the store lock for one write; publish its result (even a failed write's
    recovery) before releasing it. A write that cannot have the lock within the query
    deadline (the writes before it are slow) gets Overloaded (503, Retry-After)."""
    kg = service_of(app).kg
    if kg is None:
        raise ProtocolError(503, "loading", "the knowledge graph is not loaded")
    settings = service_of(app).settings
    if not kg.store.lock.acquire(timeout=settings.query_timeout):
        raise Overloaded(
            f"other writes held the store for {settings.query_timeout:g} s; retry shortly"
        )
    try:
        yield kg
    finally:
        try:
            if kg.version != committed(app).version:
                publish(app)
        finally:
            kg.store.lock.release()
