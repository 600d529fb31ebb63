"""Writes over HTTP: SPARQL Update, Graph Store PUT/POST/DELETE and ``POST /upload``.

Writes are off unless the server has a write token; then each write needs
``Authorization: Bearer <token>`` (a token in the URL is refused: URLs end up in logs).
Every write is all-or-nothing and leaves the inferred graph and the findings up to date
before it answers (incrementally, through :meth:`KnowledgeGraph.change`). Only data graphs
can be written: the ontology, inferred and gaps graphs (and any other ``urn:cxgraph:graph:``
name outside ``urn:cxgraph:graph:data:``) are read-only.

Every write runs inside :func:`cxgraph.api.state.writing` (the store lock, then the new
state published to the readers before the answer). What reads arbitrary input runs in a
sandbox worker under the query deadline, before anything is applied: the parsing of an
upload or a Graph Store body, and the evaluation of a SPARQL update. A SPARQL update runs
there on a scratch copy of the committed dataset whose default graph is the union of
every graph (as queries see it); the difference it makes is then checked and applied:

- triples inserted into the default graph go to ``urn:cxgraph:graph:data:updates``;
- triples deleted from the default graph are deleted from every data graph asserting them;
  a derived triple (inferred graph, gaps graph) is not deleted, it is recomputed; deleting
  an ontology triple is refused;
- any change to a read-only graph refuses the whole update (400), nothing is applied.

Every write is checked against the SHACL shapes as ``Settings.write_validation`` says
(see :mod:`cxgraph.api.write_validation`).
"""

from __future__ import annotations

import asyncio
import hmac
import pickle
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.types import Message

from cxgraph.api.inspection import inspect_sparql
from cxgraph.api.protocol import (
    ProtocolError,
    bad_request,
    base_url,
    media_type_of,
    query_params,
    read_body,
)
from cxgraph.api.state import get_kg, get_sandbox, get_settings, in_worker, writing
from cxgraph.api.write_validation import (
    ShapesViolated,
    WriteValidation,
    shapes_violated_response,
    validated,
)
from cxgraph.config import Settings
from cxgraph.errors import InputError
from cxgraph.namespaces import DATA_GRAPH_PREFIX, ONTOLOGY_GRAPH, PREFIXES, is_data_graph
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.sandbox import Sandbox
from cxgraph.sources import (
    Source,
    SourceFormat,
    format_for_media_type,
    format_for_path,
    graph_for_source,
    parse_into,
)
from cxgraph.store import Store

UPDATES_GRAPH = ox.NamedNode(DATA_GRAPH_PREFIX + "updates")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cxgraph"'}
_URL_TOKENS = ("token", "access_token")


def authorize(
    request: Request, settings: Settings, form: Mapping[str, list[str]] | None = None
) -> None:
    """Let a write through only with the configured bearer token; raise otherwise."""
    for name in _URL_TOKENS:
        if name in query_params(request) or (form is not None and name in form):
            raise bad_request(
                f"{name}= is refused: send the token in the Authorization "
                "header (Bearer), never in the URL or the form",
                "token_in_url",
            )
    if not settings.write_token:
        raise ProtocolError(
            403,
            "writes_disabled",
            "writes are disabled: start the server "
            "with a write token (CXGRAPH_WRITE_TOKEN or --token-file)",
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ProtocolError(
            401,
            "unauthorized",
            "this write needs an Authorization: Bearer <token> header",
            _CHALLENGE,
        )
    if not hmac.compare_digest(given.strip().encode(), settings.write_token.encode()):
        raise ProtocolError(403, "forbidden", "the bearer token is not valid")


# -- changes and their application -------------------------------------------------------


@dataclass
class Changes:
    """What a write does to the data graphs."""

    additions: dict[ox.NamedNode, set[ox.Triple]] = field(default_factory=dict)
    removals: dict[ox.NamedNode, set[ox.Triple]] = field(default_factory=dict)
    created: set[ox.NamedNode] = field(default_factory=set)
    dropped: set[ox.NamedNode] = field(default_factory=set)
    kept_derived: int = 0

    def add(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        self.additions.setdefault(graph, set()).update(triples)

    def remove(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        triples = set(triples)
        self.removals.setdefault(graph, set()).update(triples)
        self.additions.get(graph, set()).difference_update(triples)

    def summary(self) -> dict[str, object]:
        graphs = sorted(
            {*self.additions, *self.removals, *self.created, *self.dropped}, key=lambda g: g.value
        )
        return {
            "graphs": {
                g.value: {
                    "added": len(self.additions.get(g, ())),
                    "removed": len(self.removals.get(g, ())),
                }
                for g in graphs
            },
            "created": sorted(g.value for g in self.created),
            "dropped": sorted(g.value for g in self.dropped),
            "derived_triples_kept": self.kept_derived,
        }


def require_data_graph(graph: ox.NamedNode) -> None:
    if not is_data_graph(graph):
        raise bad_request(
            f"<{graph.value}> is read-only: only data graphs "
            f"({DATA_GRAPH_PREFIX}… or graphs outside urn:cxgraph:graph:) can be "
            "written",
            "read_only_graph",
        )


def commit(kg: KnowledgeGraph, changes: Changes, settings: Settings) -> dict[str, object]:
    """Apply ``changes`` through :meth:`KnowledgeGraph.change`, which brings the inferred
    graph and the findings up to date, validated as ``settings.write_validation`` says
    (raises ShapesViolated, store unchanged, when refused). The caller holds
    ``kg.store.lock``."""
    for graph in (*changes.additions, *changes.removals, *changes.created, *changes.dropped):
        require_data_graph(graph)
    summary, validation = validated(kg, lambda k: _apply(k, changes), WriteValidation.of(settings))
    return {**summary, **validation}


def _apply(kg: KnowledgeGraph, changes: Changes) -> dict[str, object]:
    """Apply ``changes``; if that fails, undo and recompute in full, then re-raise."""
    store = kg.store
    additions = [q for q in _quads(changes.additions) if q not in store]
    removals = [q for q in _quads(changes.removals) if q in store]
    for graph in changes.created:
        store.add_graph(graph)
    try:
        report = kg.change(additions, removals)
    except BaseException:
        store.delete(additions)
        store.insert(removals)
        for graph in changes.created:
            store.remove_graph(graph)
        kg.refresh()
        raise
    for graph in changes.dropped:
        store.remove_graph(graph)
    if changes.dropped:
        kg.store.flush()
    return {
        **changes.summary(),
        "inferred_added": sum(report.inferred_added.values()),
        "findings": len(kg.findings),
    }


def _quads(triples: dict[ox.NamedNode, set[ox.Triple]]) -> list[ox.Quad]:
    return [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for graph, content in triples.items()
        for t in content
    ]


def _contents(store: ox.Store) -> dict[ox.NamedNode, set[ox.Triple]]:
    graphs: dict[ox.NamedNode, set[ox.Triple]] = {}
    for graph in store.named_graphs():
        if not isinstance(graph, ox.NamedNode):
            raise bad_request("blank nodes cannot name graphs here", "bad_graph")
        graphs[graph] = {q.triple for q in store.quads_for_pattern(None, None, None, graph)}
    return graphs


# -- SPARQL Update ------------------------------------------------------------------------


async def answer_update(request: Request, text: str, params: Mapping[str, list[str]]) -> Response:
    """Check and run one SPARQL update (the caller has authorised it)."""
    settings = get_settings(request)
    get_kg(request)
    if len(text.encode("utf-8")) > settings.max_update_bytes:
        raise ProtocolError(
            413, "too_large", f"the update is larger than {settings.max_update_bytes} bytes"
        )
    for name in (
        "using-graph-uri",
        "using-named-graph-uri",
        "default-graph-uri",
        "named-graph-uri",
    ):
        if params.get(name):
            raise bad_request(
                f"{name}= is not supported for updates; write USING, USING "
                "NAMED or WITH in the update itself",
                "unsupported_parameter",
            )
    base = base_url(request, settings.base_url) + "/sparql"
    inspect_sparql(text, base)
    summary = await asyncio.to_thread(run_update, request.app, text, base, settings)
    return JSONResponse(summary)


UPDATE_EVALUATION = "sparql_update"
UPLOAD_PARSING = "upload_parsing"


def register(sandbox: Sandbox) -> None:
    """Make the evaluation of updates and the parsing of uploads available to the
    sandbox's workers."""
    sandbox.register(UPDATE_EVALUATION, _update_in_worker, contextual=True)
    sandbox.register(UPLOAD_PARSING, _parse_in_worker)


def run_update(app: FastAPI, text: str, base_iri: str, settings: Settings) -> dict[str, object]:
    """Work out what ``text`` changes in a sandbox worker, on the committed state and under
    the deadline, then apply that (see above). The write lock is held throughout, so the
    state the worker saw is the state the change is applied to; past the deadline the
    worker is killed and the store is left unchanged (503 ``query_timeout``). Call only
    with text :func:`inspect_sparql` accepted."""
    with writing(app) as kg:
        outcome = pickle.loads(get_sandbox(app).run(UPDATE_EVALUATION, text, base_iri))
        if outcome[0] == "refused":
            raise ProtocolError(*outcome[1:])
        changes: Changes = outcome[1]
        return commit(kg, changes, settings)


def _update_in_worker(kg: KnowledgeGraph, text: str, base_iri: str) -> bytes:
    """Runs in a worker: the changes of the update (or why it is refused), pickled."""
    try:
        outcome: tuple[object, ...] = ("changes", update_changes(kg.store, text, base_iri))
    except ProtocolError as err:
        outcome = ("refused", err.status, err.error, err.message)
    return pickle.dumps(outcome)


def update_changes(store: Store, text: str, base_iri: str) -> Changes:
    """Run ``text`` on a scratch copy of ``store`` whose default graph is the union of
    every graph, and return the difference it makes (see above)."""
    before = {graph: set(store.triples([graph])) for graph in store.graphs()}
    union = set().union(*before.values())
    scratch = ox.Store()
    for graph in before:
        scratch.add_graph(graph)  # empty graphs too
    scratch.extend(store)
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in union)
    try:
        scratch.update(text, base_iri=base_iri, prefixes=PREFIXES)
    except SyntaxError as err:
        raise bad_request(str(err.args[0] if err.args else err), "syntax_error") from None
    except (OSError, RuntimeError, ValueError) as err:
        raise bad_request(f"the update failed: {err}", "update_failed") from None
    default_after = {
        q.triple for q in scratch.quads_for_pattern(None, None, None, ox.DefaultGraph())
    }
    return _diff(before, _contents(scratch), union, default_after)


def _diff(
    before: dict[ox.NamedNode, set[ox.Triple]],
    after: dict[ox.NamedNode, set[ox.Triple]],
    union: set[ox.Triple],
    default_after: set[ox.Triple],
) -> Changes:
    changes = Changes()
    for graph in before.keys() | after.keys():
        old, new = before.get(graph), after.get(graph)
        if old == new:
            continue
        require_data_graph(graph)
        if new is None:
            changes.dropped.add(graph)
        elif old is None:
            changes.created.add(graph)
        if new:
            changes.add(graph, new - (old or set()))
        if old:
            changes.remove(graph, old - (new or set()))
    inserted = default_after - union
    if inserted:
        if UPDATES_GRAPH not in after:
            changes.created.add(UPDATES_GRAPH)
        changes.dropped.discard(UPDATES_GRAPH)
        changes.add(UPDATES_GRAPH, inserted)
    for triple in union - default_after:
        holders = [g for g, content in after.items() if triple in content and is_data_graph(g)]
        for graph in holders:
            changes.remove(graph, [triple])
        if not holders:
            if triple in before.get(ONTOLOGY_GRAPH, set()):
                raise bad_request(
                    f"the update would delete the ontology triple {triple}; the "
                    "ontology graph is read-only",
                    "read_only_graph",
                )
            changes.kept_derived += 1
    return changes


# -- uploads ------------------------------------------------------------------------------


def mount(app: FastAPI, settings: Settings) -> None:
    """Register ``POST /upload`` and the 409 answer of a refused write."""
    WriteValidation.of(settings)  # an unknown mode stops the app from being built
    app.add_exception_handler(ShapesViolated, shapes_violated_response)

    @app.post("/upload", tags=["writes"])
    async def upload(request: Request) -> JSONResponse:
        """Load one model file (multipart field ``file``, or the raw body with an RDF
        Content-Type and ``?name=``); it replaces the data graph of the same name."""
        settings = get_settings(request)
        authorize(request, settings)
        kg = get_kg(request)
        media, _ = media_type_of(request)
        body = await read_body(request, settings.max_upload_bytes, "the upload")
        source = await _upload_source(request, media, body, settings)
        parsed = await parse_in_worker(request, source)
        mode = WriteValidation.of(settings)

        def write() -> tuple[dict[str, int], dict[str, object]]:
            with writing(request.app) as current:
                return validated(current, _loader(parsed), mode)

        counts, validation = await asyncio.to_thread(write)
        graph = graph_for_source(Path(source.name).stem)
        return JSONResponse(
            {
                "graph": graph.value,
                "triples": counts[source.name],
                "findings": len(kg.findings),
                **validation,
            }
        )


async def parse_in_worker(
    request: Request, source: Source, graph: ox.NamedNode | None = None
) -> Source:
    """``source`` parsed in a sandbox worker, under the deadline (a 48 MB Turtle file
    full of blank nodes took 67 s to parse), and handed back as N-Quads, which the server
    then reads in linear time, outside and then inside the write lock."""
    nquads = await in_worker(request, UPLOAD_PARSING, source, graph)
    return Source(source.name, nquads, SourceFormat.NQUADS)


def _parse_in_worker(source: Source, graph: ox.NamedNode | None) -> bytes:
    """Runs in a worker: ``source`` as N-Quads (InputError when it does not parse)."""
    scratch = ox.Store()
    parse_into(scratch, source, graph)
    return ox.serialize(scratch, format=ox.RdfFormat.N_QUADS) or b""


def _loader(source: Source) -> Callable[[KnowledgeGraph], dict[str, int]]:
    def load(kg: KnowledgeGraph) -> dict[str, int]:
        return kg.apply_sources([source])

    return load


async def _upload_source(request: Request, media: str, body: bytes, settings: Settings) -> Source:
    if media == "multipart/form-data":

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async with Request(request.scope, replay).form(
            max_files=1, max_fields=10, max_part_size=settings.max_upload_bytes
        ) as form:
            part = form.get("file")
            if not isinstance(part, UploadFile):
                raise bad_request("a multipart upload needs one file part named 'file'")
            name = Path(part.filename or "upload").name or "upload"
            fmt: SourceFormat | None
            try:
                fmt = format_for_path(Path(name))
            except InputError:
                fmt = format_for_media_type(part.content_type or "")
            content = await part.read()
    else:
        fmt = format_for_media_type(media)
        name = Path(query_params(request).get("name", ["upload"])[-1]).name or "upload"
        content = body
    if fmt is None:
        raise ProtocolError(
            415,
            "unsupported_media_type",
            "send Turtle, TriG, N-Triples, N-Quads, JSON-LD or RDF/XML with "
            "its Content-Type (or a file name with its extension)",
        )
    return Source(name, content, fmt)
