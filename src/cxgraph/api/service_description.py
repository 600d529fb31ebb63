"""What the endpoint says about itself: the SPARQL 1.1 Service Description (GET /sparql
without a query), the VoID description at ``/.well-known/void``, the saved queries for the
editor at ``/sparql/queries``, and the editor page a browser gets at ``/sparql``.

Both descriptions are built from the store as it is now (graph names and triple counts)
and negotiated like CONSTRUCT results (Turtle unless the client asks otherwise).
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from cxgraph.api import static
from cxgraph.api.protocol import (
    READ_CORS,
    base_url,
    choose_format,
    render_rdf,
)
from cxgraph.api.state import SettingsDep, capped, get_kg, in_worker
from cxgraph.config import Settings
from cxgraph.formats import GRAPH_FORMATS, HTML, SOLUTIONS_FORMATS, Format
from cxgraph.namespaces import CX, PREFIXES, RDF_TYPE
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.queries import saved_queries
from cxgraph.sandbox import Sandbox

EVALUATION = "description"

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
# What /sparql answers in (TriG and N-Quads are for the Graph Store's dataset only).
RESULT_FORMATS = tuple(f.iri for f in (*SOLUTIONS_FORMATS, *GRAPH_FORMATS) if f.iri)
DESCRIPTION_PREFIXES = {"sd": SD, "void": VOID, "dcterms": DCTERMS, "formats": FORMATS}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _t(
    s: ox.NamedNode | ox.BlankNode,
    p: str,
    o: ox.NamedNode | ox.BlankNode | ox.Literal,
) -> ox.Triple:
    return ox.Triple(s, _n(p), o)


def _count(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n("http://www.w3.org/2001/XMLSchema#integer"))


def service_triples(kg: KnowledgeGraph, endpoint: str, writable: bool) -> list[ox.Triple]:
    """The sd:Service description of the endpoint at ``endpoint``."""
    service = _n(endpoint)
    triples = [
        ox.Triple(service, RDF_TYPE, _n(SD + "Service")),
        _t(service, SD + "endpoint", service),
        _t(service, SD + "supportedLanguage", _n(SD + "SPARQL11Query")),
        _t(service, SD + "feature", _n(SD + "UnionDefaultGraph")),
        _t(service, DCTERMS + "title", ox.Literal("cxgraph SPARQL endpoint", language="en")),
    ]
    if writable:
        triples.append(_t(service, SD + "supportedLanguage", _n(SD + "SPARQL11Update")))
    triples += [_t(service, SD + "resultFormat", _n(f)) for f in RESULT_FORMATS]
    dataset, default = ox.BlankNode(), ox.BlankNode()
    counts = {g: kg.store.count(g) for g in kg.store.graphs()}
    triples += [
        _t(service, SD + "defaultDataset", dataset),
        ox.Triple(dataset, RDF_TYPE, _n(SD + "Dataset")),
        _t(dataset, SD + "defaultGraph", default),
        ox.Triple(default, RDF_TYPE, _n(SD + "Graph")),
        _t(
            default,
            DCTERMS + "description",
            ox.Literal(
                "The union of every named graph (ontology, data, inferred, gaps).", language="en"
            ),
        ),
        _t(default, VOID + "triples", _count(sum(counts.values()))),
    ]
    for graph, count in counts.items():
        named, described = ox.BlankNode(), ox.BlankNode()
        triples += [
            _t(dataset, SD + "namedGraph", named),
            ox.Triple(named, RDF_TYPE, _n(SD + "NamedGraph")),
            _t(named, SD + "name", graph),
            _t(named, SD + "graph", described),
            ox.Triple(described, RDF_TYPE, _n(SD + "Graph")),
            _t(described, VOID + "triples", _count(count)),
        ]
    return triples


def void_triples(kg: KnowledgeGraph, base: str) -> list[ox.Triple]:
    """The VoID description: the dataset, its endpoint, and one subset per named graph."""
    dataset = _n(base + "/.well-known/void#dataset")
    counts = {g: kg.store.count(g) for g in kg.store.graphs()}
    triples = [
        ox.Triple(dataset, RDF_TYPE, _n(VOID + "Dataset")),
        _t(dataset, DCTERMS + "title", ox.Literal("cxgraph knowledge graph", language="en")),
        _t(dataset, VOID + "sparqlEndpoint", _n(base + "/sparql")),
        _t(dataset, VOID + "dataDump", _n(base + "/rdf-graphs/service")),
        _t(dataset, VOID + "vocabulary", _n(CX)),
        _t(dataset, VOID + "triples", _count(sum(counts.values()))),
    ]
    for graph, count in counts.items():
        subset = ox.BlankNode()
        triples += [
            _t(dataset, VOID + "subset", subset),
            ox.Triple(subset, RDF_TYPE, _n(VOID + "Dataset")),
            _t(subset, SD + "name", graph),
            _t(subset, VOID + "triples", _count(count)),
            _t(
                subset,
                VOID + "dataDump",
                _n(base + "/rdf-graphs/service?graph=" + quote(graph.value, safe="")),
            ),
        ]
    return triples


async def describe(request: Request, settings: Settings) -> Response:
    """GET /sparql without a query: the editor to a browser, else the service description
    (built in a sandbox worker: counting graphs reads the whole store)."""
    fmt = choose_format(request, (*GRAPH_FORMATS, HTML), "the service description")
    if fmt.same(HTML):
        return static.editor_page(request.url.path)
    endpoint = base_url(request, settings.base_url) + "/sparql"
    body = await in_worker(
        request, EVALUATION, "service", endpoint, bool(settings.write_token), fmt.name
    )
    return _rdf_response(capped(request, body, "the service description"), fmt)


def register(sandbox: Sandbox) -> None:
    """Make the descriptions available to the sandbox's workers."""
    sandbox.register(EVALUATION, _describe_in_worker, contextual=True)


def _describe_in_worker(
    kg: KnowledgeGraph, what: str, iri: str, writable: bool, format_name: str
) -> bytes:
    """Runs in a worker: the service description (``iri``: the endpoint) or the VoID
    description (``iri``: the base URL), serialised."""
    fmt = next(f for f in GRAPH_FORMATS if f.name == format_name)
    triples = service_triples(kg, iri, writable) if what == "service" else void_triples(kg, iri)
    return render_rdf(triples, fmt, DESCRIPTION_PREFIXES)


def _rdf_response(body: bytes, fmt: Format) -> Response:
    return Response(body, media_type=fmt.content_type, headers={**READ_CORS, "Vary": "Accept"})


router = APIRouter()
"""Register /.well-known/void and /sparql/queries."""


@router.api_route("/.well-known/void", methods=["GET", "HEAD"], tags=["sparql"])
async def void(request: Request, settings: SettingsDep) -> Response:
    """The VoID description of the served dataset."""
    get_kg(request)
    fmt = choose_format(request, GRAPH_FORMATS, "the VoID description")
    base = base_url(request, settings.base_url)
    body = await in_worker(request, EVALUATION, "void", base, False, fmt.name)
    return _rdf_response(capped(request, body, "the VoID description"), fmt)


@router.api_route("/sparql/queries", methods=["GET", "HEAD"], tags=["sparql"])
def queries() -> JSONResponse:
    """The saved queries of ``queries/`` and the prefixes the endpoint declares."""
    return JSONResponse(
        {
            "prefixes": {**PREFIXES},
            "default_query": static.DEFAULT_QUERY,
            "queries": [
                {"id": q.id, "title": q.title, "description": q.description, "text": q.text}
                for q in saved_queries()
            ],
        },
        headers=READ_CORS,
    )
