"""Entity IRIs of the served model resolve: HTML for browsers, RDF by Accept (Turtle for
*/*), 406 otherwise; a plain rdflib.Graph().parse(iri) works against a real server."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import rdflib
from fastapi.testclient import TestClient

from tests.api.conftest import free_port

TEL = "https://example.org/telecom#"


def test_turtle_for_any_accept(client: TestClient) -> None:
    response = client.get("/telecom", headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "Vary" in response.headers
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    install = rdflib.URIRef(TEL + "InstallService")
    assert (install, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/cxgraph#Process")) in graph


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_document_page_is_an_index_of_its_resources(client: TestClient) -> None:
    response = client.get("/telecom", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    # one row per resource, anchored by its fragment, linking to the resource's own page
    href = "/telecom?iri=https%3A%2F%2Fexample.org%2Ftelecom%23InstallService"
    assert f'<tr id="InstallService" data-href="{href}"' in page
    assert "Install service" in page
    assert "unmeasured-process (warning)" in page
    assert "location.replace" in page  # /telecom#InstallService opens that resource's page
    assert len(page) < 80_000


def test_entity_page_shows_one_resource_compactly(client: TestClient) -> None:
    iri = TEL + "InstallService"
    response = client.get("/telecom", params={"iri": iri}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    page = response.text
    assert "<h1>Install service</h1>" in page
    assert "Household" not in page.split("<h1>")[0]
    # compact names, not full IRIs, for type, label and definition
    for name in ("rdf:type", "rdfs:label", "skos:definition", "cx:Process"):
        assert name in page, name
    assert ">http://www.w3.org/1999/02/22-rdf-syntax-ns#type<" not in page
    # inferred statements are marked; asserted ones are not
    assert '<tr class="inferred"><td class="prop">' in page
    assert '<tr class="asserted"><td class="prop">' in page
    # findings on it are listed, and gap resources under "Referenced by" are links
    assert "ownerless-process" in page
    assert 'class="gap-link" href="#gap-ownerless-process-' in page
    # another resource of the document is not on this page
    other = client.get("/telecom", headers={"Accept": BROWSER}).text
    assert len(page) < len(other)


def test_entity_iri_parameter_for_rdf_clients(client: TestClient) -> None:
    iri = TEL + "InstallService"
    response = client.get("/telecom", params={"iri": iri}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    subjects = {s for s in graph.subjects() if isinstance(s, rdflib.URIRef)}
    assert rdflib.URIRef(iri) in subjects
    assert rdflib.URIRef(TEL + "BillCustomer") not in subjects
    # an IRI of another document, or none served, is not found here
    assert (
        client.get("/telecom", params={"iri": "https://example.org/salon#Cut"}).status_code == 404
    )
    assert client.get("/telecom", params={"iri": TEL + "Nope"}).status_code == 404


def test_other_rdf_formats_and_406(client: TestClient) -> None:
    for media in ("application/n-triples", "application/ld+json", "application/rdf+xml"):
        response = client.get("/salon", headers={"Accept": media})
        assert response.status_code == 200, media
        assert response.headers["content-type"].startswith(media)
    assert client.get("/salon", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/no-such-document").status_code == 404


def test_rdflib_parses_entity_iris_from_a_real_server(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/model"
    model = tmp_path / "served.ttl"
    model.write_text(
        "@prefix cx: <https://w3id.org/cxgraph#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<{base}#smb> rdfs:label "Small business" ; cx:hasNeed <{base}#invoices> .\n'
        f'<{base}#invoices> rdfs:label "Accurate invoices" .\n'
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "cxgraph", "serve", "--port", str(port), "--data", str(model)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        graph = rdflib.Graph().parse(f"{base}#smb")
        smb = rdflib.URIRef(f"{base}#smb")
        assert (smb, rdflib.RDFS.label, rdflib.Literal("Small business")) in graph
        assert (smb, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/cxgraph#Persona")) in graph
    finally:
        server.terminate()
        server.wait(timeout=10)
