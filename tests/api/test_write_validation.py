"""Writes checked against the SHACL shapes, as ``Settings.write_validation`` says: refused
with 409 and the store exactly as before (every quad, every graph, the findings), accepted
with the report, or not validated. In process, one fresh app per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from cxgraph.api import create_app
from cxgraph.api.state import service_of
from cxgraph.config import Settings
from cxgraph.errors import InputError
from cxgraph.pipeline import KnowledgeGraph

from .conftest import SAMPLES

TOKEN = "write-validation-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = {"content-type": "application/sparql-update", **AUTH}
SALON = "https://example.org/salon#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# A persona without rdfs:label breaks cxsh:LabelShape.
NAMELESS = "INSERT DATA { <urn:x:nameless> a cx:Persona }"
NAMELESS_TURTLE = b"<urn:x:nameless> a <https://w3id.org/cxgraph#Persona> ."
HARMLESS = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"

Write = Callable[[TestClient], httpx2.Response]


@contextmanager
def served(mode: str, data: tuple[Path, ...] = SAMPLES) -> Iterator[TestClient]:
    settings = Settings(data=data, write_token=TOKEN, write_validation=mode)
    with TestClient(create_app(settings)) as client:
        yield client


def kg_of(client: TestClient) -> KnowledgeGraph:
    kg: KnowledgeGraph = service_of(client.app).kg  # type: ignore[attr-defined]
    return kg


def state(client: TestClient) -> tuple[set[ox.Quad], set[object], list[tuple[str, str]]]:
    """Everything a reader can see: all quads, all graph names (empty ones too), findings."""
    kg = kg_of(client)
    return (
        set(kg.store),
        set(kg.store.graphs()),
        [(f.rule, f.focus) for f in kg.findings],
    )


def update(text: str) -> Write:
    return lambda client: client.post("/sparql", content=text.encode(), headers=UPDATE)


def graph_put(client: TestClient) -> httpx2.Response:
    return client.put(
        "/rdf-graphs/service",
        params={"graph": "urn:cxgraph:graph:data:salon"},
        content=NAMELESS_TURTLE,
        headers={"content-type": "text/turtle", **AUTH},
    )


def graph_post(client: TestClient) -> httpx2.Response:
    return client.post(
        "/rdf-graphs/service?default",
        content=NAMELESS_TURTLE,
        headers={"content-type": "text/turtle", **AUTH},
    )


def upload(client: TestClient) -> httpx2.Response:
    return client.post(
        "/upload?name=nameless.ttl",
        content=NAMELESS_TURTLE,
        headers={"content-type": "text/turtle", **AUTH},
    )


BREAKING: dict[str, Write] = {
    "insert": update(NAMELESS),
    "delete": update(f"DELETE WHERE {{ <{SALON}WalkInRegular> <{LABEL}> ?label }}"),
    "graph-store-put": graph_put,
    "graph-store-post": graph_post,
    "upload": upload,
}


# -- refuse ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BREAKING)
def test_refused_write_is_409_and_leaves_the_store_exactly_as_before(kind: str) -> None:
    with served("refuse") as client:
        before = state(client)
        version = kg_of(client).version
        response = BREAKING[kind](client)
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["error"] == "shapes_violated"
        assert body["report"], body
        assert all(r["severity"] == "Violation" for r in body["report"])
        assert state(client) == before
        assert kg_of(client).version == version  # readers' workers were not even retired
        assert kg_of(client).validate().conforms


def test_refusal_names_the_offending_focus_and_path() -> None:
    with served("refuse") as client:
        report = update(NAMELESS)(client).json()["report"]
        assert [(r["focus"], r["path"]) for r in report] == [("urn:x:nameless", LABEL)]


def test_refuse_accepts_a_conforming_write_with_its_report() -> None:
    with served("refuse") as client:
        response = update(HARMLESS)(client)
        assert response.status_code == 200, response.text
        assert response.json()["validation"] == {"conforms": True, "total": 0, "results": []}
        assert ox.Quad(
            ox.NamedNode("urn:x:a"),
            ox.NamedNode("urn:x:b"),
            ox.NamedNode("urn:x:c"),
            ox.NamedNode("urn:cxgraph:graph:data:updates"),
        ) in set(kg_of(client).store)


def test_refuse_only_refuses_violations_a_write_adds(tmp_path: Path) -> None:
    """A store loaded with a violation still takes writes that add none."""
    broken = tmp_path / "broken.ttl"
    broken.write_bytes(b"<urn:x:old> a <https://w3id.org/cxgraph#Persona> .")
    with served("refuse", (*SAMPLES, broken)) as client:
        accepted = update(HARMLESS)(client)
        assert accepted.status_code == 200, accepted.text
        validation = accepted.json()["validation"]
        assert validation["conforms"] is False
        assert [r["focus"] for r in validation["results"]] == ["urn:x:old"]
        before = state(client)
        refused = update(NAMELESS)(client)
        assert refused.status_code == 409, refused.text
        assert [r["focus"] for r in refused.json()["report"]] == ["urn:x:nameless"]
        assert state(client) == before
        fixed = update('INSERT DATA { <urn:x:old> rdfs:label "Old"@en }')(client)
        assert fixed.status_code == 200, fixed.text
        assert fixed.json()["validation"]["conforms"] is True


# -- report ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BREAKING)
def test_report_accepts_the_write_and_answers_the_report(kind: str) -> None:
    with served("report") as client:
        before = state(client)
        response = BREAKING[kind](client)
        assert response.status_code in (200, 201), response.text
        validation = response.json()["validation"]
        assert validation["conforms"] is False
        assert validation["total"] == len(validation["results"]) >= 1
        assert state(client) != before


def test_report_carries_the_first_100_results() -> None:
    personas = " ".join(f"<urn:x:p{i}> a cx:Persona ." for i in range(120))
    with served("report") as client:
        response = update(f"INSERT DATA {{ {personas} }}")(client)
        assert response.status_code == 200, response.text
        validation = response.json()["validation"]
        assert validation["total"] == 120
        assert len(validation["results"]) == 100


def test_report_of_a_conforming_write() -> None:
    with served("report") as client:
        response = update(HARMLESS)(client)
        assert response.json()["validation"] == {"conforms": True, "total": 0, "results": []}


# -- off ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BREAKING)
def test_off_accepts_without_validating(kind: str) -> None:
    with served("off") as client:
        response = BREAKING[kind](client)
        assert response.status_code in (200, 201), response.text
        assert "validation" not in response.json()
        assert not kg_of(client).validate().conforms


def test_an_unknown_mode_stops_the_app_from_being_built() -> None:
    with pytest.raises(InputError, match="write_validation"):
        create_app(Settings(data=SAMPLES, write_validation="warn"))
