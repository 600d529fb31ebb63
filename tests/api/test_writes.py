"""Writes over HTTP: bearer-token authorisation, SPARQL Update semantics (data graphs
only, default graph mapped), uploads, atomicity (a failed write changes nothing) and
inference and gaps kept up to date. In process, one fresh app per test."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from cxgraph.api import create_app
from cxgraph.api.state import service_of
from cxgraph.config import Settings
from cxgraph.pipeline import KnowledgeGraph
from tests.salon_edits import FIX_UNMET_NEED, SALON

from .conftest import SAMPLES

TOKEN = "correct horse battery staple"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = {"content-type": "application/sparql-update", **AUTH}
UNMET_KNOW_WAIT = f"""ASK {{ GRAPH <urn:cxgraph:graph:gaps> {{
  ?gap cx:rule "unmet-need" ; cx:focus <{SALON}NeedKnowWait> }} }}"""


@pytest.fixture
def writer() -> Iterator[TestClient]:
    """A fresh app over the samples, with writes enabled by a token."""
    with TestClient(create_app(Settings(data=SAMPLES, write_token=TOKEN))) as test_client:
        yield test_client


def kg_of(client: TestClient) -> KnowledgeGraph:
    kg: KnowledgeGraph = service_of(client.app).kg  # type: ignore[attr-defined]
    return kg


def quads(client: TestClient) -> set[ox.Quad]:
    return set(kg_of(client).store)


def ask(client: TestClient, query: str) -> bool:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def update(client: TestClient, text: str, **kwargs: object) -> object:
    return client.post("/sparql", content=text.encode(), headers=UPDATE, **kwargs)  # type: ignore[arg-type]


# -- authorisation -------------------------------------------------------------------


def test_writes_are_off_without_a_configured_token(client: TestClient) -> None:
    before = quads(client)
    attempts = [
        client.post("/sparql", content=b"INSERT DATA { <a:a> <a:b> <a:c> }", headers=UPDATE),
        client.post(
            "/sparql",
            content=b"update=CLEAR%20ALL",
            headers={"content-type": "application/x-www-form-urlencoded", **AUTH},
        ),
        client.put(
            "/rdf-graphs/service?graph=urn:x:g",
            content=b"<a:a> <a:b> <a:c> .",
            headers={"content-type": "text/turtle", **AUTH},
        ),
        client.delete("/rdf-graphs/service?graph=urn:cxgraph:graph:data:salon", headers=AUTH),
        client.post(
            "/upload",
            content=b"<a:a> <a:b> <a:c> .",
            headers={"content-type": "text/turtle", **AUTH},
        ),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert response.json()["error"] == "writes_disabled"
    assert quads(client) == before


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "unauthorized"),
        ({"Authorization": "Bearer"}, 401, "unauthorized"),
        ({"Authorization": "Bearer wrong"}, 403, "forbidden"),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403, "forbidden"),
    ],
)
def test_token_is_required(
    writer: TestClient, headers: dict[str, str], status: int, error: str
) -> None:
    before = quads(writer)
    response = writer.post(
        "/sparql",
        content=b"INSERT DATA { <a:a> <a:b> <a:c> }",
        headers={"content-type": "application/sparql-update", **headers},
    )
    assert response.status_code == status
    assert response.json()["error"] == error
    if status == 401:
        assert response.headers["www-authenticate"] == 'Bearer realm="cxgraph"'
    assert quads(writer) == before


@pytest.mark.parametrize("name", ["token", "access_token"])
def test_token_in_the_url_is_refused(writer: TestClient, name: str) -> None:
    before = quads(writer)
    response = writer.post(
        f"/sparql?{name}={quote(TOKEN)}",
        content=b"INSERT DATA { <a:a> <a:b> <a:c> }",
        headers=UPDATE,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "token_in_url"
    form = writer.post(
        "/sparql",
        content=f"update=CLEAR%20ALL&{name}={quote(TOKEN)}".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 400
    upload = writer.post(
        f"/upload?{name}={quote(TOKEN)}",
        content=b"<a:a> <a:b> <a:c> .",
        headers={"content-type": "text/turtle", **AUTH},
    )
    assert upload.status_code == 400
    assert quads(writer) == before


def test_write_responses_carry_no_cors_headers(writer: TestClient) -> None:
    ok = update(
        writer,
        "INSERT DATA { <a:a> <a:b> <a:c> }",
    )
    refused = writer.post(
        "/sparql", content=b"CLEAR ALL", headers={"content-type": "application/sparql-update"}
    )
    for response in (ok, refused):
        assert not any(h.startswith("access-control-") for h in response.headers)  # type: ignore[attr-defined]


# -- SPARQL Update semantics ----------------------------------------------------------


def test_insert_without_graph_goes_to_the_updates_graph(writer: TestClient) -> None:
    response = update(writer, "INSERT DATA { <urn:x:a> <urn:x:b> 'c' }")
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["graphs"] == {"urn:cxgraph:graph:data:updates": {"added": 1, "removed": 0}}
    assert body["created"] == ["urn:cxgraph:graph:data:updates"]
    assert ask(writer, "ASK { GRAPH <urn:cxgraph:graph:data:updates> { <urn:x:a> <urn:x:b> 'c' } }")
    assert (
        ox.Quad(
            ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b"), ox.Literal("c"), ox.DefaultGraph()
        )
        not in kg_of(writer).store
    )


def test_form_update_and_relative_iris(writer: TestClient) -> None:
    response = writer.post(
        "/sparql",
        content=(
            "update=" + quote("INSERT DATA { GRAPH <http://e.org/g> { <s> <p> <o> } }")
        ).encode(),
        headers={"content-type": "application/x-www-form-urlencoded", **AUTH},
    )
    assert response.status_code == 200, response.text
    assert ask(writer, "ASK { GRAPH <http://e.org/g> { <http://testserver/s> ?p ?o } }")


def test_delete_from_the_union_deletes_asserted_copies(writer: TestClient) -> None:
    walk_in = f"<{SALON}WalkInRegular>"
    response = update(writer, f"DELETE WHERE {{ {walk_in} cx:hasNeed ?need }}")
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["graphs"]["urn:cxgraph:graph:data:salon"]["removed"] == 2
    assert body["derived_triples_kept"] == 1  # NeedKnowWait: inferred from cx:needOf
    assert ask(writer, f"ASK {{ {walk_in} cx:hasNeed <{SALON}NeedKnowWait> }}")
    assert not ask(writer, f"ASK {{ {walk_in} cx:hasNeed <{SALON}NeedGoodHaircut> }}")


@pytest.mark.parametrize(
    "text",
    [
        "CLEAR ALL",
        "DROP GRAPH <urn:cxgraph:graph:ontology>",
        "CLEAR GRAPH <urn:cxgraph:graph:gaps>",
        "INSERT DATA { GRAPH <urn:cxgraph:graph:inferred> { <urn:x:a> <urn:x:b> <urn:x:c> } }",
        "INSERT DATA { GRAPH <urn:cxgraph:graph:queries> { <urn:x:a> <urn:x:b> <urn:x:c> } }",
        "DELETE DATA { cx:Persona a owl:Class }",
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s cx:hasNeed ?o . ?s ?p ?o } }",
        "WITH <urn:cxgraph:graph:gaps> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "MOVE <urn:cxgraph:graph:data:salon> TO <urn:cxgraph:graph:inferred>",
    ],
)
def test_read_only_graphs_are_refused_and_nothing_changes(writer: TestClient, text: str) -> None:
    before = quads(writer)
    response = update(writer, text)
    assert response.status_code == 400, response.text  # type: ignore[attr-defined]
    assert response.json()["error"] == "read_only_graph"  # type: ignore[attr-defined]
    assert quads(writer) == before


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("INSERT DATA { <a:a> <a:b> }", "syntax_error"),
        ("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> } ; CLEAR XYZ", "syntax_error"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "load"),
        ("LOAD <file:///etc/hostname> INTO GRAPH <urn:x:g>", "load"),
        ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "service"),
        ("INSERT DATA { <urn:x:a> <urn:x:b> <file:///etc/passwd> }", "file_iri"),
    ],
)
def test_bad_updates_change_nothing(writer: TestClient, text: str, error: str) -> None:
    before = quads(writer)
    findings = list(kg_of(writer).findings)
    response = update(writer, text)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["error"] == error  # type: ignore[attr-defined]
    assert quads(writer) == before
    assert kg_of(writer).findings == findings


def test_empty_graphs_survive_other_updates(writer: TestClient) -> None:
    """The scratch copy keeps empty graphs, so an update elsewhere does not drop them."""
    created = writer.put(
        "/rdf-graphs/service",
        params={"graph": "urn:x:empty"},
        content=b"",
        headers={"content-type": "text/turtle", **AUTH},
    )
    assert created.status_code == 201
    assert update(writer, "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }").status_code == 200  # type: ignore[attr-defined]
    assert writer.get("/rdf-graphs/service", params={"graph": "urn:x:empty"}).status_code == 200


def test_protocol_dataset_parameters_are_refused_for_updates(writer: TestClient) -> None:
    response = update(
        writer,
        "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
        params={"using-graph-uri": "urn:cxgraph:graph:data:salon"},
    )
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["error"] == "unsupported_parameter"  # type: ignore[attr-defined]


def test_oversized_update_is_413() -> None:
    settings = Settings(data=SAMPLES, write_token=TOKEN, max_update_bytes=100)
    with TestClient(create_app(settings)) as small:
        before = quads(small)
        text = "INSERT DATA { " + "<urn:x:a> <urn:x:b> 'c' . " * 10 + "}"
        assert update(small, text).status_code == 413  # type: ignore[attr-defined]
        assert quads(small) == before


# -- inference and gaps after a write -------------------------------------------------


def test_gaps_follow_a_write(writer: TestClient) -> None:
    assert ask(writer, UNMET_KNOW_WAIT)
    response = update(writer, FIX_UNMET_NEED)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert not ask(writer, UNMET_KNOW_WAIT)
    assert ask(writer, f"ASK {{ <{SALON}WaitBoardProcess> cx:meetsNeed <{SALON}NeedKnowWait> }}")
    assert all(
        f.focus != f"{SALON}NeedKnowWait" or f.rule != "unmet-need" for f in kg_of(writer).findings
    )
    undo = update(writer, "DROP GRAPH <urn:cxgraph:graph:data:fixes>")
    assert undo.status_code == 200  # type: ignore[attr-defined]
    assert ask(writer, UNMET_KNOW_WAIT)


def test_incremental_result_equals_a_full_recompute(writer: TestClient) -> None:
    update(writer, FIX_UNMET_NEED)
    update(writer, f"DELETE WHERE {{ <{SALON}WalkInRegular> cx:seeksOutcome ?o }}")
    kg = kg_of(writer)
    derived = {
        q
        for q in kg.store
        if q.graph_name.value in ("urn:cxgraph:graph:inferred", "urn:cxgraph:graph:gaps")
    }  # type: ignore[union-attr]
    findings = sorted((f.rule, f.focus) for f in kg.findings)
    kg.refresh()
    assert {
        q
        for q in kg.store
        if q.graph_name.value in ("urn:cxgraph:graph:inferred", "urn:cxgraph:graph:gaps")
    } == derived  # type: ignore[union-attr]
    assert sorted((f.rule, f.focus) for f in kg.findings) == findings


# -- uploads -------------------------------------------------------------------------

MODEL = f"""@prefix cx: <https://w3id.org/cxgraph#> .
@prefix salon: <{SALON}> .
salon:WaitBoardProcess cx:delivers salon:WaitBoard .
salon:WaitBoard cx:fulfils salon:NeedKnowWait .
"""


def test_upload_raw_body(writer: TestClient) -> None:
    response = writer.post(
        "/upload?name=fixes.ttl",
        content=MODEL.encode(),
        headers={"content-type": "text/turtle", **AUTH},
    )
    assert response.status_code == 200, response.text
    assert response.json()["graph"] == "urn:cxgraph:graph:data:fixes"
    assert response.json()["triples"] == 2
    assert not ask(writer, UNMET_KNOW_WAIT)


def test_an_empty_upload_empties_the_graph_of_its_name(writer: TestClient) -> None:
    response = writer.post(
        "/upload?name=salon.ttl", content=b"", headers={"content-type": "text/turtle", **AUTH}
    )
    assert response.status_code == 200, response.text
    assert response.json()["triples"] == 0
    kg = kg_of(writer)
    salon = ox.NamedNode("urn:cxgraph:graph:data:salon")
    assert kg.store.has_graph(salon) and kg.store.count(salon) == 0
    assert not any(f.focus.startswith(SALON) for f in kg.findings)


def test_upload_multipart_replaces_the_graph_of_the_same_name(writer: TestClient) -> None:
    files = {"file": ("fixes.ttl", MODEL.encode(), "application/octet-stream")}
    assert writer.post("/upload", files=files, headers=AUTH).status_code == 200
    smaller = {"file": ("fixes.ttl", b"<urn:x:a> <urn:x:b> <urn:x:c> .", "text/turtle")}
    response = writer.post("/upload", files=smaller, headers=AUTH)
    assert response.json()["triples"] == 1
    assert ask(writer, UNMET_KNOW_WAIT)
    assert ask(writer, "ASK { GRAPH <urn:cxgraph:graph:data:fixes> { <urn:x:a> ?p ?o } }")


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (MODEL.replace("cx:fulfils", "cx:fulfils <"), "text/turtle", 400),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rdf:RDF '
            b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
            "application/rdf+xml",
            400,
        ),
        (
            "GRAPH <urn:cxgraph:graph:inferred> { <urn:x:a> <urn:x:b> <urn:x:c> }",
            "application/trig",
            400,
        ),
        (
            '{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "urn:x:a"}',
            "application/ld+json",
            400,
        ),
        (b'<urn:x:a> <urn:x:b> "\xff" .', "application/n-triples", 400),
        (MODEL, "application/pdf", 415),
        (MODEL, None, 415),
    ],
)
def test_bad_uploads_change_nothing(
    writer: TestClient, content: str | bytes, content_type: str | None, status: int
) -> None:
    before = quads(writer)
    headers = {**AUTH, **({"content-type": content_type} if content_type else {})}
    body = content.encode() if isinstance(content, str) else content
    response = writer.post("/upload?name=bad.ttl", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert quads(writer) == before


def test_oversized_upload_is_413() -> None:
    settings = Settings(data=SAMPLES, write_token=TOKEN, max_upload_bytes=64)
    with TestClient(create_app(settings)) as small:
        before = quads(small)
        response = small.post(
            "/upload", content=MODEL.encode(), headers={"content-type": "text/turtle", **AUTH}
        )
        assert response.status_code == 413
        files = {"file": ("m.ttl", MODEL.encode(), "text/turtle")}
        assert small.post("/upload", files=files, headers=AUTH).status_code == 413
        assert quads(small) == before


def test_multipart_without_a_file_part_is_400(writer: TestClient) -> None:
    response = writer.post(
        "/upload", data={"text": MODEL}, files={"other": ("x", b"", "text/plain")}, headers=AUTH
    )
    assert response.status_code == 400
