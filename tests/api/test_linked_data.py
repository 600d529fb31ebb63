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


def test_html_for_browsers_with_gaps(client: TestClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/telecom", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Install service" in response.text
    assert "unmeasured-process" in response.text or "ownerless-process" in response.text


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
