"""SPARQL 1.1 Protocol at /sparql (queries): operations, negotiation, datasets, errors,
limits, the service description, VoID and the editor page. In process (TestClient)."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from cxgraph.api import create_app, static
from cxgraph.api.protocol import negotiate, parse_accept
from cxgraph.api.state import service_of
from cxgraph.config import Settings
from cxgraph.formats import JSON, TURTLE, XML
from cxgraph.namespaces import PREFIXES

from .conftest import SAMPLES

SALON = "https://example.org/salon#"
NEEDS = f"SELECT ?need WHERE {{ <{SALON}WalkInRegular> cx:hasNeed ?need }} ORDER BY ?need"
SALON_NEEDS = sorted(f"{SALON}{n}" for n in ("NeedGoodHaircut", "NeedKnowWait", "NeedPayQuickly"))
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
FORM = {"content-type": "application/x-www-form-urlencoded"}
DIRECT = {"content-type": "application/sparql-query"}


def needs_of(response_json: dict[str, object]) -> list[str]:
    bindings = response_json["results"]["bindings"]  # type: ignore[index]
    return sorted(b["need"]["value"] for b in bindings)


# -- the three ways to send a query ----------------------------------------------------


def test_query_by_get(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NEEDS})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert needs_of(response.json()) == SALON_NEEDS


def test_query_by_form_post(client: TestClient) -> None:
    response = client.post("/sparql", content=f"query={quote(NEEDS)}", headers=FORM)
    assert response.status_code == 200
    assert needs_of(response.json()) == SALON_NEEDS


def test_query_by_direct_post(client: TestClient) -> None:
    response = client.post("/sparql", content=NEEDS.encode(), headers=DIRECT)
    assert response.status_code == 200
    assert needs_of(response.json()) == SALON_NEEDS


def test_head_answers_headers_only(client: TestClient) -> None:
    get = client.get("/sparql", params={"query": NEEDS})
    head = client.head("/sparql", params={"query": NEEDS})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert client.head("/sparql").status_code == 200


# -- results formats ---------------------------------------------------------------------


def expected_solutions(client: TestClient, query: str) -> list[dict[str, str]]:
    """What pyoxigraph itself answers over the served store, as {var: N-Triples term}."""
    store = service_of(client.app).kg.store  # type: ignore[attr-defined]
    result = store.query(query, prefixes=PREFIXES)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: str(row[n]) for n in names if row[n] is not None} for row in result]


LITERALS = (
    "SELECT ?s ?label ?score WHERE { ?s rdfs:label ?label OPTIONAL { ?s cx:score ?score } } "
    "ORDER BY ?s ?label LIMIT 40"
)


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_formats_round_trip(client: TestClient, accept: str, fmt: object) -> None:
    """Each serialisation parses back (with pyoxigraph's parser) to the same solutions,
    literal datatypes and language tags included."""
    response = client.get("/sparql", params={"query": LITERALS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept"
    parsed = ox.parse_query_results(response.content, format=fmt)  # type: ignore[arg-type]
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    rows = [{n: str(row[n]) for n in names if row[n] is not None} for row in parsed]
    assert rows == expected_solutions(client, LITERALS)
    assert any("@en" in r["label"] for r in rows)
    assert any("score" in r for r in rows)


def test_select_csv(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NEEDS}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["need"], *([n] for n in SALON_NEEDS)]


def test_ask_json_and_xml(client: TestClient) -> None:
    query = f"ASK {{ <{SALON}WalkInRegular> cx:hasNeed ?n }}"
    assert client.get("/sparql", params={"query": query}).json() == {"head": {}, "boolean": True}
    xml = client.get("/sparql", params={"query": query}, headers={"Accept": "application/xml"})
    assert xml.headers["content-type"].startswith("application/xml")
    assert "<boolean>true</boolean>" in xml.text
    csv_ask = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert csv_ask.status_code == 406


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_formats(client: TestClient, accept: str, rdf_format: ox.RdfFormat) -> None:
    query = "CONSTRUCT WHERE { ?p cx:hasNeed ?n }"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    triples = set(ox.parse(response.content, format=rdf_format))
    direct = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?p cx:hasNeed ?o }"})
    count = int(direct.json()["results"]["bindings"][0]["n"]["value"])
    assert len(triples) == count > 0


def test_describe_is_a_graph(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": f"DESCRIBE <{SALON}WalkInRegular>"})
    assert response.headers["content-type"].startswith("text/turtle")
    assert len(list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))) > 3


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_format_parameter_overrides_accept(client: TestClient, fmt: str, media: str) -> None:
    response = client.get(
        "/sparql", params={"query": NEEDS, "format": fmt}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media


def test_format_parameter_for_graphs_and_unknown_names(client: TestClient) -> None:
    construct = "CONSTRUCT WHERE { ?p cx:hasNeed ?n }"
    nt = client.get("/sparql", params={"query": construct, "format": "nt"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    wrong = client.get("/sparql", params={"query": NEEDS, "format": "turtle"})
    assert wrong.status_code == 400
    assert "json, xml, csv, tsv" in wrong.json()["message"]


# -- content negotiation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("*/*", "json"),
        ("application/*", "json"),
        ("text/*", "xml"),
        ("text/*, text/xml;q=0", "csv"),
        ("application/sparql-results+xml, application/sparql-results+json;q=0.9", "xml"),
        ("application/sparql-results+json;q=0.5, application/sparql-results+xml", "xml"),
        ("application/xml;q=0.9, */*;q=0.8", "xml"),
        ("text/csv;q=0.2, text/tab-separated-values;q=0.3", "tsv"),
        ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "xml"),
        ("application/json, */*;q=0", "json"),
        ("*/*, application/sparql-results+json;q=0", "json"),
        ("text/turtle", None),
        ("application/sparql-results+json;q=0", None),
        ("garbage, text/csv", "csv"),
    ],
)
def test_negotiation_for_solutions(accept: str | None, expected: str | None) -> None:
    from cxgraph.api.protocol import OFFERS, Answer

    chosen = negotiate(accept, OFFERS[Answer.SOLUTIONS])
    assert (chosen.name if chosen else None) == expected


def test_alias_media_types_are_sent_back(client: TestClient) -> None:
    asked = client.get("/sparql", params={"query": NEEDS}, headers={"Accept": "application/json"})
    assert asked.headers["content-type"].startswith("application/json")
    both = client.get(
        "/sparql",
        params={"query": NEEDS},
        headers={"Accept": "application/json, application/sparql-results+json"},
    )
    assert both.headers["content-type"].startswith("application/sparql-results+json")


def test_negotiation_prefers_specific_ranges() -> None:
    ranges = parse_accept("text/*;q=0.3, text/turtle;q=0.7, */*;q=0.1, bad")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "*", 0.3),
        ("text", "turtle", 0.7),
        ("*", "*", 0.1),
    ]
    first = negotiate("*/*;q=0.1, text/turtle;q=0.7", (JSON, XML))
    assert first is not None and first.same(JSON)
    assert first.media_type == "application/sparql-results+json"
    second = negotiate("*/*", (TURTLE, JSON))
    assert second is not None and second.same(TURTLE)


def test_refusals_of_queries_carry_cors_headers(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * {"})
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"


def test_trailing_slash_is_the_same_endpoint(client: TestClient) -> None:
    assert needs_of(client.get("/sparql/", params={"query": NEEDS}).json()) == SALON_NEEDS
    posted = client.post("/sparql/", content=NEEDS.encode(), headers=DIRECT)
    assert needs_of(posted.json()) == SALON_NEEDS


def test_unacceptable_accept_is_406(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NEEDS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.json()["message"]


# -- CORS ------------------------------------------------------------------------------


def test_read_responses_allow_any_origin_without_credentials(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NEEDS}, headers={"Origin": "http://a.b"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "http://a.b",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "authorization" not in preflight.headers["access-control-allow-headers"].lower()


# -- datasets --------------------------------------------------------------------------


def test_default_graph_is_the_union(client: TestClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    union = int(
        client.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]["n"][
            "value"
        ]
    )
    per_graph = client.get(
        "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}
    )
    assert union == int(per_graph.json()["results"]["bindings"][0]["n"]["value"]) > 1000


def test_default_graph_uri_restricts_the_default_graph(client: TestClient) -> None:
    params = {"query": NEEDS, "default-graph-uri": "urn:cxgraph:graph:data:salon"}
    asserted = [f"{SALON}NeedGoodHaircut", f"{SALON}NeedPayQuickly"]  # NeedKnowWait: needOf
    assert needs_of(client.get("/sparql", params=params).json()) == asserted
    params["default-graph-uri"] = "urn:cxgraph:graph:data:telecom"
    assert needs_of(client.get("/sparql", params=params).json()) == []


def test_named_graph_uri_limits_graph_patterns(client: TestClient) -> None:
    query = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    both = {
        "query": query,
        "named-graph-uri": ["urn:cxgraph:graph:gaps", "urn:cxgraph:graph:data:salon"],
    }
    graphs = [
        b["g"]["value"] for b in client.get("/sparql", params=both).json()["results"]["bindings"]
    ]
    assert graphs == ["urn:cxgraph:graph:data:salon", "urn:cxgraph:graph:gaps"]
    form = f"query={quote(query)}&named-graph-uri={quote('urn:cxgraph:graph:gaps')}"
    by_form = client.post("/sparql", content=form, headers=FORM).json()
    assert [b["g"]["value"] for b in by_form["results"]["bindings"]] == ["urn:cxgraph:graph:gaps"]


def test_from_clauses_choose_graphs(client: TestClient) -> None:
    query = (
        "SELECT ?need FROM <urn:cxgraph:graph:data:salon> FROM <urn:cxgraph:graph:inferred>"
        f" WHERE {{ <{SALON}WalkInRegular> cx:hasNeed ?need }}"
    )
    assert needs_of(client.get("/sparql", params={"query": query}).json()) == SALON_NEEDS
    only_named = (
        "SELECT ?g FROM NAMED <urn:cxgraph:graph:gaps> "
        "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } LIMIT 1"
    )
    rows = client.get("/sparql", params={"query": only_named}).json()["results"]["bindings"]
    assert rows == [{"g": {"type": "uri", "value": "urn:cxgraph:graph:gaps"}}]


def test_protocol_dataset_overrides_from(client: TestClient) -> None:
    query = (
        "SELECT ?need FROM <urn:cxgraph:graph:data:telecom> "
        f"WHERE {{ <{SALON}WalkInRegular> cx:hasNeed ?need }}"
    )
    params = {"query": query, "default-graph-uri": "urn:cxgraph:graph:data:salon"}
    asserted = [f"{SALON}NeedGoodHaircut", f"{SALON}NeedPayQuickly"]
    assert needs_of(client.get("/sparql", params=params).json()) == asserted


@pytest.mark.parametrize(
    "params",
    [
        {"default-graph-uri": "http://127.0.0.1:9/unknown"},
        {"named-graph-uri": "urn:cxgraph:graph:data:nothing-here"},
        {"default-graph-uri": "not an iri"},
    ],
)
def test_graphs_the_store_does_not_hold_are_refused(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/sparql", params={"query": "ASK {}", **params})
    assert response.status_code == 400
    assert next(iter(params.values())) in response.json()["message"]


def test_from_a_graph_the_store_does_not_hold_is_refused(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK FROM <http://127.0.0.1:9/x> {}"})
    assert response.status_code == 400
    assert response.json()["error"] == "unknown_graph"


# -- errors ----------------------------------------------------------------------------


def test_syntax_error_is_400_with_the_parsers_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "syntax_error"
    assert re.search(r"1:\d+", body["message"])


def test_update_by_get_is_405(client: TestClient) -> None:
    response = client.get("/sparql", params={"update": "CLEAR ALL"})
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_unsupported_content_type_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/sparql", content=b"ASK {}", headers=headers)
    assert response.status_code == 415


def test_other_charsets_are_415(client: TestClient) -> None:
    response = client.post(
        "/sparql",
        content="ASK {}".encode("utf-16"),
        headers={"content-type": "application/sparql-query; charset=UTF-16"},
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("get", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}),
        ("post", {"content": "query=ASK%20%7B%7D&update=CLEAR%20ALL", "headers": FORM}),
        ("post", {"content": "nothing=here", "headers": FORM}),
        ("post", {"content": "query=ASK%20%7B%7D&query=ASK%20%7B%7D", "headers": FORM}),
    ],
)
def test_malformed_requests_are_400(
    client: TestClient, method: str, kwargs: dict[str, object]
) -> None:
    response = getattr(client, method)("/sparql", **kwargs)
    assert response.status_code == 400
    assert response.json()["message"]


def test_other_methods_are_405(client: TestClient) -> None:
    assert client.put("/sparql", content=b"ASK {}", headers=DIRECT).status_code == 405
    assert client.delete("/sparql").status_code == 405


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("get", {"url": "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D"}),
        ("post", {"url": "/sparql", "content": b'ASK { ?s ?p "\xff" }', "headers": DIRECT}),
        ("post", {"url": "/sparql", "content": b"query=ASK%20%7B%7D%FF", "headers": FORM}),
        ("post", {"url": "/sparql", "content": b"query=ASK \xc3\x28", "headers": FORM}),
    ],
)
def test_malformed_utf8_is_400(client: TestClient, method: str, kwargs: dict[str, object]) -> None:
    response = getattr(client, method)(**kwargs)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_encoding"


def test_oversized_queries_are_413() -> None:
    settings = Settings(data=SAMPLES, max_query_bytes=200)
    big = "ASK { " + "?s ?p ?o . " * 30 + "}"
    with TestClient(create_app(settings)) as small:
        assert small.get("/sparql", params={"query": big}).status_code == 413
        assert small.post("/sparql", content=big, headers=DIRECT).status_code == 413
        assert small.post("/sparql", content=f"query={quote(big)}", headers=FORM).status_code == 413
        assert small.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# -- the guard: nothing is fetched, no file is read -----------------------------------


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "service"),
        ("SELECT * WHERE { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }", "service"),
        ("PREFIX : <http://127.0.0.1:9/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }", "service"),
        ("SELECT * WHERE { SERVICESILENT <http://127.0.0.1:9/> {} }", "service"),
        ("SELECT * WHERE { ?s ?p trueSERVICE <http://127.0.0.1:9/> {} }", "service"),
        ("SELECT * WHERE { ?s ?p 1e5SERVICE <http://127.0.0.1:9/> {} }", "service"),
        ("SELECT * WHERE { ?s ?p <file:///etc/passwd> }", "file_iri"),
        ("BASE <file:///etc/> SELECT * WHERE { ?s ?p <passwd> }", "file_iri"),
        ("SELECT * WHERE { ?s ?p 'unterminated }", "syntax_error"),
    ],
)
def test_refused_constructs(client: TestClient, query: str, error: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_words_that_only_look_like_keywords_pass(client: TestClient) -> None:
    query = (
        "SELECT ?service WHERE { ?service a cx:Service . ?service rdfs:label ?l "
        "FILTER(CONTAINS(?l, 'SERVICE') || ?l = 'LOAD') } # SERVICE LOAD"
    )
    assert client.get("/sparql", params={"query": query}).status_code == 200


# -- truncation ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_limit() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data=SAMPLES, row_limit=5))) as test_client:
        yield test_client


def test_row_cap_is_announced(small_limit: TestClient) -> None:
    response = small_limit.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
    assert response.headers["x-cxgraph-truncated"] == "true"
    assert response.headers["x-cxgraph-row-limit"] == "5"
    assert len(response.json()["results"]["bindings"]) == 5
    exact = small_limit.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 5"})
    assert exact.headers["x-cxgraph-truncated"] == "false"
    graph = small_limit.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert graph.headers["x-cxgraph-truncated"] == "true"
    assert len(list(ox.parse(graph.content, format=ox.RdfFormat.TURTLE))) == 5
    assert "X-Cxgraph-Truncated" in response.headers["access-control-expose-headers"]


# -- service description, VoID, editor ---------------------------------------------------


def to_rdflib(content: bytes, fmt: ox.RdfFormat) -> rdflib.Graph:
    """Parse with pyoxigraph, hand over as N-Triples (rdflib's JSON-LD parser warns)."""
    triples = ox.serialize(ox.parse(content, format=fmt), format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=triples, format="nt")


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("*/*", ox.RdfFormat.TURTLE),
        (None, ox.RdfFormat.TURTLE),
    ],
)
def test_service_description(client: TestClient, accept: str | None, fmt: ox.RdfFormat) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept"
    assert response.headers["content-type"].split(";")[0] == fmt.media_type
    graph = to_rdflib(response.content, fmt)
    endpoint = rdflib.URIRef("http://testserver/sparql")
    assert (endpoint, rdflib.RDF.type, SD.Service) in graph
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Update) not in graph  # no token
    assert (endpoint, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(endpoint, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert len(formats) == 8
    dataset = graph.value(endpoint, SD.defaultDataset)
    assert graph.value(dataset, SD.defaultGraph) is not None
    names = {str(graph.value(ng, SD.name)) for ng in graph.objects(dataset, SD.namedGraph)}
    assert names == {
        "urn:cxgraph:graph:ontology",
        "urn:cxgraph:graph:inferred",
        "urn:cxgraph:graph:gaps",
        *(f"urn:cxgraph:graph:data:{p.stem}" for p in SAMPLES),
    }


def test_void(client: TestClient) -> None:
    response = client.get("/.well-known/void")
    assert response.headers["access-control-allow-origin"] == "*"
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    dataset = rdflib.URIRef("http://testserver/.well-known/void#dataset")
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in graph
    assert (dataset, VOID.sparqlEndpoint, rdflib.URIRef("http://testserver/sparql")) in graph
    assert (dataset, VOID.vocabulary, rdflib.URIRef("https://w3id.org/cxgraph#")) in graph
    subsets = {
        str(graph.value(s, SD.name)): int(graph.value(s, VOID.triples))  # type: ignore[arg-type]
        for s in graph.objects(dataset, VOID.subset)
    }
    health = client.get("/health").json()
    assert sum(subsets.values()) == int(graph.value(dataset, VOID.triples)) == health["triples"]  # type: ignore[arg-type]
    salon = client.get(
        "/sparql",
        params={
            "query": "SELECT (COUNT(*) AS ?n) { GRAPH <urn:cxgraph:graph:data:salon> { ?s ?p ?o } }"
        },
    )
    assert subsets["urn:cxgraph:graph:data:salon"] == int(
        salon.json()["results"]["bindings"][0]["n"]["value"]
    )
    assert client.head("/.well-known/void").status_code == 200


URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


def test_editor_page_uses_only_local_assets(client: TestClient) -> None:
    response = client.get(
        "/sparql", headers={"Accept": "text/html,application/xml;q=0.9,*/*;q=0.8"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert URL.findall(page) == []
    assert 'src="/static/vendor/yasgui.min.js"' in page
    assert 'href="/static/vendor/yasgui.min.css"' in page
    assert 'Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"]' in page
    assert "requestConfig: { endpoint: endpoint" in page
    saved = client.get("/sparql/queries").json()
    assert saved["prefixes"]["cx"] == "https://w3id.org/cxgraph#"
    assert {"gaps/unmet-need", "reports/findings"} <= {q["id"] for q in saved["queries"]}
    assert all(q["text"] and q["title"] for q in saved["queries"])


def test_default_query_of_the_editor_runs(client: TestClient) -> None:
    saved = client.get("/sparql/queries").json()
    response = client.get("/sparql", params={"query": saved["default_query"]})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"]


@pytest.mark.skipif(not static.editor_ready(), reason="run scripts/install-ui.sh first")
def test_vendor_assets_are_served(client: TestClient) -> None:
    js = client.get("/static/vendor/yasgui.min.js")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert client.get("/static/vendor/yasgui.min.css").status_code == 200


def test_editor_page_without_vendor_files(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(static, "VENDOR_DIR", tmp_path)
    page = client.get("/sparql", headers={"Accept": "text/html"}).text
    assert "scripts/install-ui.sh" in page
    assert '<form method="get" action="/sparql">' in page
    assert URL.findall(page) == []


def test_saved_query_of_every_folder_runs(client: TestClient) -> None:
    """Every saved query the editor offers is accepted by the endpoint."""
    for query in client.get("/sparql/queries").json()["queries"]:
        response = client.post("/sparql", content=query["text"].encode(), headers=DIRECT)
        assert response.status_code == 200, (query["id"], response.text)


def test_never_a_500_on_odd_input(client: TestClient) -> None:
    odd = [
        "",
        " ",
        "}",
        "SELECT",
        "ASK {} ;",
        "\x00",
        "SELECT * {} LIMIT -1",
        "<<",
        "'''",
        "SELECT (1/0 AS ?x) {}",
        "SELECT * { ?s ?p ?o } ORDER BY (?s < ?o)",
        "DESCRIBE *",
        "CONSTRUCT { ?s ?p ?o } WHERE { BIND(1 AS ?s) }",
        "SELECT * { BIND(<<( <a> <b> <c> )>> AS ?t) }",
        json.dumps({"query": 1}),
    ]
    for text in odd:
        for response in (
            client.get("/sparql", params={"query": text}),
            client.post("/sparql", content=text.encode(), headers=DIRECT),
        ):
            assert response.status_code < 500, (text, response.text)


def test_a_runaway_query_is_stopped_at_the_deadline() -> None:
    runaway = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with TestClient(create_app(Settings(data=SAMPLES, query_timeout=1.0))) as short:
        started = time.monotonic()
        response = short.get("/sparql", params={"query": runaway})
        assert response.status_code == 503
        assert response.json()["error"] == "query_timeout"
        assert time.monotonic() - started < 10
        assert short.get("/sparql", params={"query": NEEDS}).status_code == 200
