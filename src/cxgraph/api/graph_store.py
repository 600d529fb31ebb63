"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graphs/service``.

``?graph=IRI`` names one graph of the store, ``?default`` the default graph (the union of
every graph, as queries see it); with neither, GET answers the whole dataset in TriG or
N-Quads. GET and HEAD are open to everyone (with CORS); PUT, POST and DELETE need the
write token and may only touch data graphs (see :mod:`cxgraph.api.writes`). POST to
``?default`` adds to ``urn:cxgraph:graph:data:updates``; the union itself cannot be
replaced or deleted (405).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from cxgraph.api.protocol import (
    DATASET_FORMATS,
    GRAPH_FORMATS,
    READ_CORS,
    ProtocolError,
    bad_request,
    choose_format,
    media_type_of,
    query_params,
    read_body,
    render_rdf,
)
from cxgraph.api.state import get_kg, get_settings, in_worker, writing
from cxgraph.api.writes import (
    UPDATES_GRAPH,
    Changes,
    authorize,
    commit,
    parse_in_worker,
    require_data_graph,
)
from cxgraph.config import Settings
from cxgraph.errors import InputError
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


def mount(app: FastAPI, settings: Settings) -> None:
    """Register the Graph Store Protocol routes."""
    del settings

    @app.api_route(PATH, methods=["GET", "HEAD"], tags=["graph store"])
    async def read_graph(request: Request) -> Response:
        """A graph (``?graph=``), the union (``?default``) or the dataset (neither)."""
        get_kg(request)
        settings = get_settings(request)
        target = target_of(request)
        if target.graph is not None:
            fmt = choose_format(request, (*GRAPH_FORMATS, *DATASET_FORMATS), "a graph")
        elif target.default:
            fmt = choose_format(request, GRAPH_FORMATS, "the default graph")
        else:
            fmt = choose_format(request, DATASET_FORMATS, "the dataset")
        packed = await in_worker(
            request,
            EXPORT,
            target.graph.value if target.graph is not None else None,
            target.default,
            fmt.name,
            settings.max_export_quads,
            settings.max_response_bytes,
        )
        head, _, body = packed.partition(b"\n")
        meta = json.loads(head)
        if meta["status"] != 200:
            raise ProtocolError(meta["status"], meta["error"], meta["message"], READ_CORS)
        return Response(
            body,
            media_type=fmt.content_type,
            headers={**READ_CORS, "Vary": "Accept", "X-Cxgraph-Quads": str(meta["quads"])},
        )

    @app.put(PATH, tags=["graph store"])
    async def put_graph(request: Request) -> JSONResponse:
        """Replace a data graph with the body (creating it if needed)."""
        target, triples = await _write_request(request, allow_default=False)
        assert target.graph is not None
        return await _commit(request, _replacement, target.graph, triples)

    @app.post(PATH, tags=["graph store"])
    async def post_graph(request: Request) -> JSONResponse:
        """Add the body's triples to a data graph (``?default``: the updates graph)."""
        target, triples = await _write_request(request, allow_default=True)
        graph = target.graph if target.graph is not None else UPDATES_GRAPH
        return await _commit(request, _addition, graph, triples)

    @app.delete(PATH, tags=["graph store"])
    async def delete_graph(request: Request) -> JSONResponse:
        """Drop a data graph."""
        authorize(request, get_settings(request))
        target = _named_target(request, allow_default=False)
        assert target.graph is not None
        return await _commit(request, _deletion, target.graph, [])


EXPORT = "graph_store_export"


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Make Graph Store exports available to the sandbox's workers."""
    del app
    sandbox.register(EXPORT, _export_in_worker, contextual=True)


def _export_in_worker(
    kg: KnowledgeGraph,
    graph_iri: str | None,
    default: bool,
    format_name: str,
    max_quads: int,
    max_bytes: int,
) -> bytes:
    """Runs in a worker: a JSON line (status, or the refusal), then the serialisation of
    one graph, the union (``default``) or the dataset, refused past ``max_quads`` quads
    or ``max_bytes`` bytes (413 ``too_large``: an export is never cut)."""
    store = kg.store.ox
    fmt = next(f for f in (*GRAPH_FORMATS, *DATASET_FORMATS) if f.name == format_name)
    items: list[ox.Triple] | list[ox.Quad]
    if graph_iri is not None:
        graph = ox.NamedNode(graph_iri)
        if not store.contains_named_graph(graph):
            return _refusal(404, "not_found", f"the store holds no graph <{graph_iri}>")
        quads = list(islice(store.quads_for_pattern(None, None, None, graph), max_quads + 1))
        as_quads = any(fmt.same(f) for f in DATASET_FORMATS)
        items = quads if as_quads else [q.triple for q in quads]
    elif default:
        triples: set[ox.Triple] = set()
        for quad in store:
            triples.add(quad.triple)
            if len(triples) > max_quads:
                break
        items = sorted(triples, key=str)
    else:
        items = list(islice(store, max_quads + 1))
    hint = "export less: name one graph (?graph=IRI) or use SPARQL CONSTRUCT with LIMIT"
    if len(items) > max_quads:
        return _refusal(
            413, "too_large", f"the export has more than {max_quads} quads (triples); {hint}"
        )
    body = render_rdf(items, fmt)
    if len(body) > max_bytes:
        return _refusal(
            413,
            "too_large",
            f"the export would be {len(body)} bytes, more than {max_bytes}; {hint}",
        )
    return json.dumps({"status": 200, "quads": len(items)}).encode() + b"\n" + body


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
    request: Request, *, allow_default: bool
) -> tuple[Target, list[ox.Triple]]:
    settings = get_settings(request)
    authorize(request, settings)
    target = _named_target(request, allow_default=allow_default)
    media, _ = media_type_of(request)
    fmt = format_for_media_type(media)
    if fmt is None or fmt.is_dataset:
        raise ProtocolError(
            415,
            "unsupported_media_type",
            "send a graph as Turtle, N-Triples, JSON-LD or RDF/XML with its "
            f"Content-Type, not {media or 'none'}",
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


Plan = Callable[[KnowledgeGraph, ox.NamedNode, list[ox.Triple]], Changes]


def _replacement(kg: KnowledgeGraph, graph: ox.NamedNode, triples: list[ox.Triple]) -> Changes:
    changes = Changes()
    old = {q.triple for q in kg.store.ox.quads_for_pattern(None, None, None, graph)}
    if not kg.store.ox.contains_named_graph(graph):
        changes.created.add(graph)
    changes.add(graph, set(triples) - old)
    changes.remove(graph, old - set(triples))
    return changes


def _addition(kg: KnowledgeGraph, graph: ox.NamedNode, triples: list[ox.Triple]) -> Changes:
    changes = Changes()
    if not kg.store.ox.contains_named_graph(graph):
        changes.created.add(graph)
    changes.add(graph, triples)
    return changes


def _deletion(kg: KnowledgeGraph, graph: ox.NamedNode, _triples: list[ox.Triple]) -> Changes:
    if not kg.store.ox.contains_named_graph(graph):
        raise ProtocolError(404, "not_found", f"the store holds no graph <{graph.value}>")
    changes = Changes()
    changes.dropped.add(graph)
    changes.remove(
        graph, {q.triple for q in kg.store.ox.quads_for_pattern(None, None, None, graph)}
    )
    return changes


async def _commit(
    request: Request, plan: Plan, graph: ox.NamedNode, triples: list[ox.Triple]
) -> JSONResponse:
    kg = get_kg(request)

    def run() -> tuple[bool, dict[str, object]]:
        with writing(request.app):
            changes = plan(kg, graph, triples)
            return graph in changes.created, commit(kg, changes, get_settings(request))

    created, summary = await asyncio.to_thread(run)
    return JSONResponse(summary, status_code=201 if created else 200)
