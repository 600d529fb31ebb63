"""The W3C SPARQL 1.1 Protocol and Service Description tests, run against a real server.

Cases are read from the manifests in ``../shared/w3c-rdf-tests/sparql/sparql11/``
(next to the repository; never copied into it). The graphs each test names
(``ut:graphData``) are loaded into the server as named graphs. ``data0.rdf``, which several
query tests name as ``default-graph-uri`` but give no data, is held as a graph with one
placeholder triple: cxgraph refuses (400) a dataset naming a graph it does not hold, and
tests of that refusal are in test_sparql_protocol.py. Update tests that need
``using-graph-uri`` or begin with ``CLEAR ALL`` / ``DROP ALL`` are skipped with the reason:
cxgraph refuses both by design (its ontology, inferred and gaps graphs are read-only).
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection

from .conftest import LiveServer, start_server, stop_server

W3C = (
    Path(__file__).resolve().parents[2].parent / "shared" / "w3c-rdf-tests" / "sparql" / "sparql11"
)
PROTOCOL = W3C / "protocol"
SERVICE_DESCRIPTION = W3C / "service-description"

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        not (PROTOCOL / "manifest.ttl").is_file(), reason=f"the W3C test suite is not at {W3C}"
    ),
]

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
TOKEN = "w3c-protocol-token"
DATA0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"

NOT_APPLICABLE = {
    "update_dataset_default_graph": "needs using-graph-uri (refused: write USING in the update)",
    "update_dataset_default_graphs": "needs using-graph-uri and DROP ALL (refused: read-only "
    "ontology, inferred and gaps graphs)",
    "update_dataset_named_graphs": "needs using-named-graph-uri and DROP ALL (refused)",
    "update_dataset_full": "needs using-graph-uri and DROP ALL (refused)",
    "update_post_form": "CLEAR ALL would clear the read-only ontology graph (refused, 400)",
    "update_post_direct": "CLEAR ALL would clear the read-only ontology graph (refused, 400)",
}
RESULT_TYPES = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ),
    "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples"),
}


@dataclass
class Step:
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    statuses: set[str]
    boolean: bool | None = None
    result: str | None = None


@dataclass
class Case:
    name: str
    steps: list[Step] = field(default_factory=list)
    graphs: dict[str, Path] = field(default_factory=dict)


def _read_cases() -> list[Case]:
    if not (PROTOCOL / "manifest.ttl").is_file():
        return []
    manifest = rdflib.Graph().parse(
        PROTOCOL / "manifest.ttl", format="turtle", publicID=PROTOCOL.as_uri() + "/manifest.ttl"
    )
    root = next(manifest.subjects(rdflib.RDF.type, MF.Manifest))
    entries = Collection(manifest, manifest.value(root, MF.entries))
    cases = []
    for entry in entries:
        case = Case(str(entry).rsplit("#", 1)[1])
        for data in manifest.objects(entry, UT.graphData):
            path = Path(urlsplit(str(manifest.value(data, UT.graph))).path)
            case.graphs[str(manifest.value(data, rdflib.RDFS.label))] = path
        action = manifest.value(entry, MF.action)
        for request in Collection(manifest, manifest.value(action, HT.requests)):
            body_node = manifest.value(request, HT.body)
            body = None
            if body_node is not None:
                encoding = str(manifest.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(manifest.value(body_node, CNT.chars)).encode(encoding.lower())
            headers = {}
            header_list = manifest.value(request, HT.headers)
            if header_list is not None:
                for header in Collection(manifest, header_list):
                    headers[str(manifest.value(header, HT.fieldName))] = str(
                        manifest.value(header, HT.fieldValue)
                    )
            response = manifest.value(request, HT.resp)
            expected_boolean = manifest.value(response, MF.expectedBoolean)
            expected_format = manifest.value(response, MF.expectedFormat)
            case.steps.append(
                Step(
                    method=str(manifest.value(request, HT.methodName)),
                    path=str(manifest.value(request, HT.absolutePath)),
                    body=body,
                    headers=headers,
                    statuses={
                        str(s).removeprefix(HTS)
                        for s in manifest.objects(response, MF.expectedStatus)
                    },
                    boolean=None if expected_boolean is None else bool(expected_boolean.toPython()),
                    result=None if expected_format is None else str(expected_format),
                )
            )
        cases.append(case)
    return cases


CASES = _read_cases()


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server holding the graphs the manifest names, with writes enabled."""
    graphs: dict[str, Path] = {}
    for case in CASES:
        graphs.update(case.graphs)
    lines = [f"GRAPH <{DATA0}> {{ <{DATA0}> <urn:x:placeholder> true }}"]
    for name, path in sorted(graphs.items()):
        content = (PROTOCOL / path.name).read_text(encoding="utf-8")
        lines.append(f"GRAPH <{name}> {{\n{content}\n}}")
    trig = tmp_path_factory.mktemp("w3c") / "w3c-protocol.trig"
    trig.write_text("\n".join(lines), encoding="utf-8")
    env = {**os.environ, "CXGRAPH_WRITE_TOKEN": TOKEN}
    server = start_server("--data", str(trig), env=env)
    yield server
    stop_server(server)


def send(server: LiveServer, step: Step) -> tuple[int, str, bytes]:
    path = step.path  # "/sparql/...": cxgraph answers at /sparql and /sparql/
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        headers = {**step.headers, "Authorization": f"Bearer {TOKEN}"}
        connection.request(step.method, path, body=step.body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("content-type") or "", response.read()
    finally:
        connection.close()


def boolean_of(content_type: str, body: bytes) -> bool:
    if content_type.startswith("application/sparql-results+json"):
        return bool(json.loads(body)["boolean"])
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
    assert isinstance(parsed, ox.QueryBoolean)
    return bool(parsed)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_protocol(w3c_server: LiveServer, case: Case) -> None:
    if case.name in NOT_APPLICABLE:
        pytest.skip(NOT_APPLICABLE[case.name])
    for step in case.steps:
        status, content_type, body = send(w3c_server, step)
        assert f"{status // 100}xx" in step.statuses, (step.method, step.path, status, body)
        if step.result is not None:
            assert content_type.split(";")[0] in RESULT_TYPES[step.result], content_type
        if step.boolean is not None:
            assert boolean_of(content_type, body) is step.boolean


def test_every_manifest_entry_was_read() -> None:
    assert len(CASES) == 34
    assert all(case.steps for case in CASES)


# -- service description ----------------------------------------------------------------

SD_ENTRIES = ("has-endpoint-triple", "returns-rdf", "conforms-to-schema")
LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
FEATURES = {
    SD.DereferencesURIs,
    SD.UnionDefaultGraph,
    SD.RequiresDataset,
    SD.EmptyGraphs,
    SD.BasicFederatedQuery,
}


def test_service_description_manifest_lists_the_three_tests() -> None:
    manifest = rdflib.Graph().parse(SERVICE_DESCRIPTION / "manifest.ttl", format="turtle")
    names = {str(n) for n in manifest.objects(None, MF.name)}
    assert len(names) == len(SD_ENTRIES) == 3


def description(server: LiveServer) -> tuple[rdflib.Graph, str]:
    status, content_type, body = send(
        server,
        Step("GET", "/sparql", None, {"Accept": "text/turtle, application/rdf+xml"}, {"2xx"}),
    )
    assert status == 200
    fmt = {"text/turtle": "turtle", "application/rdf+xml": "xml"}[content_type.split(";")[0]]
    return rdflib.Graph().parse(data=body, format=fmt), content_type


def test_sd_returns_rdf(w3c_server: LiveServer) -> None:
    graph, _ = description(w3c_server)
    assert len(graph) > 10


def test_sd_has_endpoint_triple(w3c_server: LiveServer) -> None:
    graph, _ = description(w3c_server)
    assert (None, SD.endpoint, rdflib.URIRef(w3c_server.url + "/sparql")) in graph


def test_sd_conforms_to_schema(w3c_server: LiveServer) -> None:
    graph, _ = description(w3c_server)
    services = list(graph.subjects(rdflib.RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    assert all(isinstance(e, rdflib.URIRef) for e in graph.objects(service, SD.endpoint))
    assert set(graph.objects(service, SD.supportedLanguage)) <= LANGUAGES
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) in graph  # token configured
    assert set(graph.objects(service, SD.feature)) <= FEATURES
    assert all(isinstance(f, rdflib.URIRef) for f in graph.objects(service, SD.resultFormat))
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, rdflib.RDF.type, SD.Dataset) in graph
    assert (graph.value(dataset, SD.defaultGraph), rdflib.RDF.type, SD.Graph) in graph
    named = list(graph.objects(dataset, SD.namedGraph))
    assert named
    for node in named:
        assert (node, rdflib.RDF.type, SD.NamedGraph) in graph
        assert len(list(graph.objects(node, SD.name))) == 1
        assert isinstance(graph.value(node, SD.name), rdflib.URIRef)
        assert (graph.value(node, SD.graph), rdflib.RDF.type, SD.Graph) in graph
    held = {str(graph.value(n, SD.name)) for n in named}
    assert {DATA0, "urn:cxgraph:graph:ontology"} <= held
