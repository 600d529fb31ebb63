"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graphs/service``.

``?graph=IRI`` names one graph of the store, ``?default`` the default graph (the union of
every graph, as queries see it); with neither, GET answers the whole dataset in TriG or
N-Quads. GET and HEAD are open to everyone (with CORS); PUT, POST and DELETE need the
write token and may only touch data graphs (see :mod:`cxgraph.api.writes`). POST to
``?default`` adds to ``urn:cxgraph:graph:data:updates``; the union itself cannot be
replaced or deleted (405).

A GET runs in a sandbox worker on the committed state, under the query deadline, and is
streamed: at most ``settings.max_export_quads`` quads (counted first: 413 beyond) and
``settings.max_response_bytes`` bytes (413 when found before the first chunk; the stream
is broken off when found later, so an export is never cut silently).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from contextlib import suppress
from dataclasses import dataclass
from itertools import islice
from typing import IO, cast

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from cxgraph.api.protocol import (
    READ_CORS,
    ProtocolError,
    bad_request,
    choose_format,
    media_type_of,
    query_params,
    read_body,
    render_rdf,
)
from cxgraph.api.state import SettingsDep, get_kg, get_sandbox, writing
from cxgraph.api.writes import authorize, parse_in_worker
from cxgraph.changes import UPDATES_GRAPH, require_data_graph
from cxgraph.config import Settings
from cxgraph.errors import InputError, QueryError
from cxgraph.formats import DATASET_FORMATS, GRAPH_FORMATS, listed
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.sandbox import Sandbox
from cxgraph.sources import Source, format_for_media_type

PATH = "/rdf-graphs/service"
_ALLOW_DEFAULT = {"Allow": "GET, HEAD, POST"}


@dataclass(frozen=True)
class Target:
    """What a request addresses: one named graph, the default graph, or the dataset."""

    graph: ox.NamedNode | None = None
    default: bool = False


def target_of(request: Request) -> Target:
    params = query_params(request)
    graphs = params.get("graph", [])
    if "default" in params and graphs:
        raise bad_request("use either ?default or ?graph=IRI, not both")
    if len(graphs) > 1:
        raise bad_request("name one graph per request")
    if graphs:
        try:
            return Target(graph=ox.NamedNode(graphs[0]))
        except ValueError:
            raise bad_request(f"graph={graphs[0]!r} is not an absolute IRI", "bad_graph") from None
    return Target(default="default" in params)


router = APIRouter()
"""Register the Graph Store Protocol routes."""


@router.api_route(PATH, methods=["GET", "HEAD"], tags=["graph store"])
async def read_graph(request: Request, settings: SettingsDep) -> Response:
    """A graph (``?graph=``), the union (``?default``) or the dataset (neither)."""
    get_kg(request)
    target = target_of(request)
    if target.graph is not None:
        fmt = choose_format(request, (*GRAPH_FORMATS, *DATASET_FORMATS), "a graph")
    elif target.default:
        fmt = choose_format(request, GRAPH_FORMATS, "the default graph")
    else:
        fmt = choose_format(request, DATASET_FORMATS, "the dataset")
    sandbox = get_sandbox(request.app)
    chunks = sandbox.stream(
        EXPORT,
        target.graph.value if target.graph is not None else None,
        target.default,
        fmt.name,
        settings.max_export_quads,
        settings.max_response_bytes,
    )
    # the deadline covers the whole stream, a client that stops reading included
    watchdog = asyncio.get_running_loop().call_later(sandbox.deadline, _stop, chunks)
    try:
        first = await asyncio.to_thread(next, chunks)
    except BaseException:
        watchdog.cancel()
        raise
    head, _, start = first.partition(b"\n")
    meta = json.loads(head)
    if meta["status"] != 200:
        watchdog.cancel()
        chunks.close()
        raise ProtocolError(meta["status"], meta["error"], meta["message"], READ_CORS)

    headers = {**READ_CORS, "Vary": "Accept", "X-Cxgraph-Quads": str(meta["quads"])}
    try:
        second = await asyncio.to_thread(next, chunks, None)
    except QueryError as err:  # past the byte cap before anything was sent
        watchdog.cancel()
        raise ProtocolError(413, "too_large", str(err), READ_CORS) from None
    except BaseException:
        watchdog.cancel()
        raise
    if second is None:  # all of it came in the first chunk (256 KiB): with its length
        watchdog.cancel()
        return Response(start, media_type=fmt.content_type, headers=headers)

    async def body() -> AsyncIterator[bytes]:
        try:
            yield start
            yield second
            while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
                yield chunk
        finally:
            watchdog.cancel()
            _stop(chunks)

    return StreamingResponse(body(), media_type=fmt.content_type, headers=headers)


@router.put(PATH, tags=["graph store"])
async def put_graph(request: Request, settings: SettingsDep) -> JSONResponse:
    """Replace a data graph with the body (creating it if needed)."""
    target, triples = await _write_request(request, settings, allow_default=False)
    graph = target.graph
    assert graph is not None
    return await _commit(request, lambda kg: kg.put_graph(graph, triples), graph)


@router.post(PATH, tags=["graph store"])
async def post_graph(request: Request, settings: SettingsDep) -> JSONResponse:
    """Add the body's triples to a data graph (``?default``: the updates graph)."""
    target, triples = await _write_request(request, settings, allow_default=True)
    graph = target.graph if target.graph is not None else UPDATES_GRAPH
    return await _commit(request, lambda kg: kg.post_graph(graph, triples), graph)


@router.delete(PATH, tags=["graph store"])
async def delete_graph(request: Request, settings: SettingsDep) -> JSONResponse:
    """Drop a data graph."""
    authorize(request, settings)
    graph = _named_target(request, allow_default=False).graph
    assert graph is not None
    return await _commit(request, lambda kg: kg.drop_graph(graph), graph)


EXPORT = "graph_store_export"


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Make Graph Store exports available to the sandbox's workers."""
    del app
    sandbox.register(EXPORT, _export_in_worker, contextual=True, streaming=True)


def _export_in_worker(
    kg: KnowledgeGraph,
    emit: Callable[[bytes], None],
    graph_iri: str | None,
    default: bool,
    format_name: str,
    max_quads: int,
    max_bytes: int,
) -> bytes:
    """Runs in a worker: a JSON line (the refusal, or status and quad count), then the
    serialisation of one graph, the union (``default``) or the dataset, emitted in chunks
    as it is written. More than ``max_quads`` quads are refused before anything is sent
    (413 ``too_large``), and so is more than ``max_bytes`` bytes found before the first
    chunk went out; found later, the stream is broken off (QueryError), so a client sees
    an incomplete response: an export is never cut silently."""
    store = kg.store
    fmt = next(f for f in (*GRAPH_FORMATS, *DATASET_FORMATS) if f.name == format_name)
    items: Callable[[], Iterable[ox.Triple] | Iterable[ox.Quad]]
    if graph_iri is not None:
        graph = ox.NamedNode(graph_iri)
        if not store.has_graph(graph):
            return _refusal(404, "not_found", f"the store holds no graph <{graph_iri}>")
        as_quads = any(fmt.same(f) for f in DATASET_FORMATS)

        def items() -> Iterable[ox.Triple] | Iterable[ox.Quad]:
            quads = store.quads(None, None, None, graph)
            return quads if as_quads else (q.triple for q in quads)

    elif default:
        triples: set[ox.Triple] = set()
        for quad in store:
            triples.add(quad.triple)
            if len(triples) > max_quads:
                break
        union = sorted(triples, key=str)

        def items() -> Iterable[ox.Triple] | Iterable[ox.Quad]:
            return union

    else:

        def items() -> Iterable[ox.Triple] | Iterable[ox.Quad]:
            return (quad for quad in store)

    count = sum(1 for _ in islice(items(), max_quads + 1))
    if count > max_quads:
        return _refusal(
            413, "too_large", f"the export has more than {max_quads} quads (triples); {_HINT}"
        )
    head = json.dumps({"status": 200, "quads": count}).encode() + b"\n"
    output = _Chunks(emit, max_bytes, head)
    try:
        render_rdf(items(), fmt, output=cast(IO[bytes], output))
    except OSError:  # what pyoxigraph makes of an exception raised in write()
        if not output.exceeded:
            raise
        if not output.started:
            return _refusal(
                413, "too_large", f"the export is larger than {max_bytes} bytes; {_HINT}"
            )
        raise QueryError(
            f"the export passed {max_bytes} bytes and was broken off; {_HINT}"
        ) from None
    output.flush()
    return b""


_HINT = "export less: name one graph (?graph=IRI) or use SPARQL CONSTRUCT with LIMIT"


class _Chunks:
    """A binary file that emits ``head`` and then what is written to it in chunks of
    about 256 KiB; a write past ``limit`` bytes fails (``exceeded``). Until the first
    chunk goes out (``started``) the export can still be refused cleanly."""

    SIZE = 256 * 1024

    def __init__(self, emit: Callable[[bytes], None], limit: int, head: bytes) -> None:
        self._emit = emit
        self._limit = limit
        self._buffer = bytearray(head)
        self.written = 0
        self.started = False
        self.exceeded = False

    def write(self, data: bytes) -> int:
        self.written += len(data)
        if self.written > self._limit:
            self.exceeded = True
            raise OSError("the export is too large")
        self._buffer += data
        if len(self._buffer) >= self.SIZE:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer or not self.started:
            self._emit(bytes(self._buffer))
            self._buffer.clear()
            self.started = True


def _stop(chunks: Generator[bytes, None, None]) -> None:
    """End an export stream (its worker is killed unless it finished); a stream being
    read right now stops at its own deadline instead."""
    with suppress(ValueError):  # "generator already executing"
        chunks.close()


def _refusal(status: int, error: str, message: str) -> bytes:
    return json.dumps({"status": status, "error": error, "message": message}).encode() + b"\n"


def _named_target(request: Request, *, allow_default: bool) -> Target:
    target = target_of(request)
    if target.graph is None and not (allow_default and target.default):
        if target.default:
            raise ProtocolError(
                405,
                "method_not_allowed",
                "the default graph is the union of every graph: name a data graph with ?graph=IRI",
                _ALLOW_DEFAULT,
            )
        raise bad_request("name the graph to write with ?graph=IRI (or ?default for POST)")
    if target.graph is not None:
        require_data_graph(target.graph)
    return target


async def _write_request(
    request: Request, settings: Settings, *, allow_default: bool
) -> tuple[Target, list[ox.Triple]]:
    authorize(request, settings)
    target = _named_target(request, allow_default=allow_default)
    media, _ = media_type_of(request)
    fmt = format_for_media_type(media)
    if fmt is None or fmt.is_dataset:
        raise ProtocolError(
            415,
            "unsupported_media_type",
            f"send a graph as one of {listed(GRAPH_FORMATS)}, with its Content-Type, "
            f"not {media or 'none'}",
        )
    body = await read_body(request, settings.max_upload_bytes, "the graph")
    graph = target.graph or UPDATES_GRAPH
    parsed = await parse_in_worker(
        request, Source(f"{graph.value} (request body)", body, fmt), graph
    )

    def triples() -> list[ox.Triple]:
        quads = list(ox.parse(parsed.content, format=ox.RdfFormat.N_QUADS))
        if any(q.graph_name != graph for q in quads):
            raise InputError("the body names other graphs")
        return [q.triple for q in quads]

    return target, await asyncio.to_thread(triples)


async def _commit(
    request: Request, write: Callable[[KnowledgeGraph], dict[str, object]], graph: ox.NamedNode
) -> JSONResponse:
    """Run ``write`` under the write lock; 201 when it created ``graph``."""

    def run() -> dict[str, object]:
        with writing(request.app) as kg:
            return write(kg)

    summary = await asyncio.to_thread(run)
    created = graph.value in cast(list[str], summary.get("created", []))
    return JSONResponse(summary, status_code=201 if created else 200)
