"""Deadlines over HTTP: a request past the deadline gets 503 query_timeout, never a 200
with partial output, and the server answers the next request normally."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cxgraph.api import create_app
from cxgraph.config import Settings
from tests.api.conftest import SAMPLES

PERSONAS = "{ personas(first: 5) { totalCount edges { node { label } } } }"


def test_graphql_operation_past_the_deadline_is_503() -> None:
    with TestClient(create_app(Settings(data=SAMPLES, query_timeout=0.0001))) as short:
        response = short.post("/graphql", json={"query": PERSONAS})
        assert response.status_code == 503
        assert response.json()["error"] == "query_timeout"
        assert short.get("/health").status_code == 200


def test_graphql_runs_in_a_worker_and_sees_writes() -> None:
    settings = Settings(data=SAMPLES, write_token="s3cret-token-for-tests")
    with TestClient(create_app(settings)) as client:
        before = client.post("/graphql", json={"query": PERSONAS}).json()
        total = before["data"]["personas"]["totalCount"]
        update = (
            "PREFIX cx: <https://w3id.org/cxgraph#> "
            "INSERT DATA { <https://example.org/new#p> a cx:Persona ; "
            '<http://www.w3.org/2000/01/rdf-schema#label> "New persona" }'
        )
        written = client.post(
            "/sparql",
            content=update.encode(),
            headers={
                "Content-Type": "application/sparql-update",
                "Authorization": "Bearer s3cret-token-for-tests",
            },
        )
        assert written.status_code in (200, 204), written.text
        after = client.post("/graphql", json={"query": PERSONAS}).json()
        assert after["data"]["personas"]["totalCount"] == total + 1
