"""SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graphs/service: reads (named graphs, the
union default graph, the whole dataset), negotiation, HEAD, 404s, and token-guarded
PUT/POST/DELETE on data graphs only."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from cxgraph.api import create_app
from cxgraph.api.state import service_of
from cxgraph.config import Settings

from .conftest import SAMPLES

SERVICE = "/rdf-graphs/service"
SALON_GRAPH = "urn:cxgraph:graph:data:salon"
TOKEN = "gsp-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"content-type": "text/turtle", **AUTH}


@pytest.fixture
def writer() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data=SAMPLES, write_token=TOKEN))) as test_client:
        yield test_client


def graph_quads(client: TestClient, graph: str) -> set[ox.Triple]:
    store = service_of(client.app).kg.store  # type: ignore[attr-defined]
    return {q.triple for q in store.quads(None, None, None, ox.NamedNode(graph))}


def triples_of(content: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(content, format=fmt)}


def all_quads(client: TestClient) -> set[ox.Quad]:
    return set(service_of(client.app).kg.store)  # type: ignore[attr-defined]


# -- reads -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("*/*", ox.RdfFormat.TURTLE),
    ],
)
def test_get_a_named_graph(client: TestClient, accept: str, fmt: ox.RdfFormat) -> None:
    response = client.get(SERVICE, params={"graph": SALON_GRAPH}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == fmt.media_type
    assert response.headers["vary"] == "Accept"
    assert response.headers["access-control-allow-origin"] == "*"
    assert triples_of(response.content, fmt) == graph_quads(client, SALON_GRAPH)


def test_get_a_named_graph_as_quads(client: TestClient) -> None:
    response = client.get(
        SERVICE, params={"graph": SALON_GRAPH}, headers={"Accept": "application/n-quads"}
    )
    parsed = set(ox.parse(response.content, format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name for q in parsed} == {ox.NamedNode(SALON_GRAPH)}
    assert {q.triple for q in parsed} == graph_quads(client, SALON_GRAPH)


def test_get_the_default_graph_is_the_union(client: TestClient) -> None:
    response = client.get(SERVICE + "?default", headers={"Accept": "application/n-triples"})
    triples = triples_of(response.content, ox.RdfFormat.N_TRIPLES)
    assert triples == {q.triple for q in all_quads(client)}
    assert (
        client.get(SERVICE + "?default", headers={"Accept": "application/trig"}).status_code == 406
    )


def test_get_the_dataset(client: TestClient) -> None:
    response = client.get(SERVICE)
    assert response.headers["content-type"].startswith("application/trig")
    assert set(ox.parse(response.content, format=ox.RdfFormat.TRIG)) == all_quads(client)
    nquads = client.get(SERVICE, params={"format": "nquads"})
    assert set(ox.parse(nquads.content, format=ox.RdfFormat.N_QUADS)) == all_quads(client)


def test_head(client: TestClient) -> None:
    get = client.get(SERVICE, params={"graph": SALON_GRAPH})
    head = client.head(SERVICE, params={"graph": SALON_GRAPH})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert client.head(SERVICE, params={"graph": "urn:nothing"}).status_code == 404


def test_unknown_graph_is_404(client: TestClient) -> None:
    response = client.get(SERVICE, params={"graph": "http://127.0.0.1:9/elsewhere"})
    assert response.status_code == 404
    assert "http://127.0.0.1:9/elsewhere" in response.json()["message"]


@pytest.mark.parametrize(
    "query",
    ["graph=not%20an%20iri", "graph=urn:a&graph=urn:b", "default&graph=urn:cxgraph:graph:gaps"],
)
def test_bad_graph_parameters_are_400(client: TestClient, query: str) -> None:
    assert client.get(f"{SERVICE}?{query}").status_code == 400


def test_unacceptable_is_406(client: TestClient) -> None:
    response = client.get(SERVICE, params={"graph": SALON_GRAPH}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


# -- writes ----------------------------------------------------------------------------

NEW = "<urn:x:a> <urn:x:b> <urn:x:c> .\n<urn:x:a> <urn:x:b> <urn:x:d> .\n"


def test_put_creates_then_replaces(writer: TestClient) -> None:
    created = writer.put(
        SERVICE, params={"graph": "http://example.org/g"}, content=NEW, headers=TURTLE
    )
    assert created.status_code == 201
    assert len(graph_quads(writer, "http://example.org/g")) == 2
    replaced = writer.put(
        SERVICE,
        params={"graph": "http://example.org/g"},
        content="<urn:x:a> <urn:x:b> <urn:x:e> .",
        headers=TURTLE,
    )
    assert replaced.status_code == 200
    assert replaced.json()["graphs"]["http://example.org/g"] == {"added": 1, "removed": 2}
    assert len(graph_quads(writer, "http://example.org/g")) == 1
    assert "access-control-allow-origin" not in replaced.headers


def test_post_adds_and_default_means_the_updates_graph(writer: TestClient) -> None:
    before = len(graph_quads(writer, SALON_GRAPH))
    response = writer.post(SERVICE, params={"graph": SALON_GRAPH}, content=NEW, headers=TURTLE)
    assert response.status_code == 200
    assert len(graph_quads(writer, SALON_GRAPH)) == before + 2
    default = writer.post(
        SERVICE + "?default", content=NEW, headers={"content-type": "application/n-triples", **AUTH}
    )
    assert default.status_code == 201
    assert len(graph_quads(writer, "urn:cxgraph:graph:data:updates")) == 2


def test_delete_drops_a_data_graph_and_gaps_follow(writer: TestClient) -> None:
    gaps = "SELECT (COUNT(*) AS ?n) { GRAPH <urn:cxgraph:graph:gaps> { ?g cx:focus ?f } }"

    def count() -> int:
        rows = writer.get("/sparql", params={"query": gaps}).json()["results"]["bindings"]
        return int(rows[0]["n"]["value"])

    before = count()
    response = writer.delete(SERVICE, params={"graph": SALON_GRAPH}, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["dropped"] == [SALON_GRAPH]
    assert writer.get(SERVICE, params={"graph": SALON_GRAPH}).status_code == 404
    assert count() < before
    assert writer.delete(SERVICE, params={"graph": SALON_GRAPH}, headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "graph",
    [
        "urn:cxgraph:graph:ontology",
        "urn:cxgraph:graph:inferred",
        "urn:cxgraph:graph:gaps",
        "urn:cxgraph:graph:anything-else",
    ],
)
def test_read_only_graphs_cannot_be_written(writer: TestClient, graph: str) -> None:
    before = all_quads(writer)
    for response in (
        writer.put(SERVICE, params={"graph": graph}, content=NEW, headers=TURTLE),
        writer.post(SERVICE, params={"graph": graph}, content=NEW, headers=TURTLE),
        writer.delete(SERVICE, params={"graph": graph}, headers=AUTH),
    ):
        assert response.status_code == 400
        assert response.json()["error"] == "read_only_graph"
    assert all_quads(writer) == before


def test_the_union_cannot_be_replaced_or_deleted(writer: TestClient) -> None:
    put = writer.put(SERVICE + "?default", content=NEW, headers=TURTLE)
    assert put.status_code == 405
    assert "POST" in put.headers["allow"]
    assert writer.delete(SERVICE + "?default", headers=AUTH).status_code == 405


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        ("<urn:x:a> <urn:x:b> .", TURTLE, 400),
        (NEW, {"content-type": "application/trig", **AUTH}, 415),
        (NEW, {"content-type": "text/csv", **AUTH}, 415),
        (NEW, {"content-type": "text/turtle"}, 401),
        (NEW, {"content-type": "text/turtle", "Authorization": "Bearer no"}, 403),
        (
            '{"@id": "urn:x:a", "@graph": [{"@id": "urn:x:b", "urn:x:p": "v"}]}',
            {"content-type": "application/ld+json", **AUTH},
            400,
        ),
    ],
)
def test_bad_writes_change_nothing(
    writer: TestClient, content: str, headers: dict[str, str], status: int
) -> None:
    before = all_quads(writer)
    response = writer.put(
        SERVICE, params={"graph": "http://example.org/g"}, content=content, headers=headers
    )
    assert response.status_code == status, response.text
    assert all_quads(writer) == before


def test_oversized_graph_is_413() -> None:
    with TestClient(
        create_app(Settings(data=SAMPLES, write_token=TOKEN, max_upload_bytes=20))
    ) as small:
        before = all_quads(small)
        response = small.put(
            SERVICE, params={"graph": "http://example.org/g"}, content=NEW, headers=TURTLE
        )
        assert response.status_code == 413
        assert all_quads(small) == before


def test_exports_past_their_caps_are_refused_never_cut() -> None:
    """Quads over ``max_export_quads``, or bytes over ``max_response_bytes`` found before
    the first chunk is sent, get 413 ``too_large``; a graph within both is answered whole,
    with its quad count."""
    settings = Settings(data=SAMPLES, max_export_quads=200, max_response_bytes=20_000)
    with TestClient(create_app(settings)) as capped:
        total = capped.get("/health").json()["triples"]
        assert total > 200
        for params in ({}, {"default": ""}):
            refused = capped.get(SERVICE, params=params)
            assert refused.status_code == 413, refused.text[:200]
            assert refused.json()["error"] == "too_large"
            assert "200 quads" in refused.json()["message"]
    settings = Settings(data=SAMPLES, max_response_bytes=100_000)  # the union: 160 kB
    with TestClient(create_app(settings)) as capped:
        refused = capped.get(SERVICE, params={"default": ""})
        assert refused.status_code == 413, refused.text[:200]
        assert "100000 bytes" in refused.json()["message"]
        small = capped.get(SERVICE, params={"graph": SALON_GRAPH, "format": "nt"})
        assert small.status_code == 200, small.text[:200]
        assert int(small.headers["X-Cxgraph-Quads"]) == small.content.count(b"\n") > 0
