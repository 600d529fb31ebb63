"""Limits: hostile documents are refused before any resolver runs (a resolver counter and
a store-query counter stay at zero); errors are masked unless meant for the client;
introspection can be turned off; batched requests are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from graphql import get_introspection_query

from cxgraph import KnowledgeGraph
from cxgraph.api import create_app
from cxgraph.api.graphql import build_schema
from cxgraph.api.graphql.limits import MASKED_MESSAGE
from cxgraph.config import Settings
from tests.api.conftest import SAMPLES
from tests.api.test_graphql_support import Counter, build_model, count_store_queries, execute


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return build_model(tmp_path_factory.mktemp("limits"))


def nested(levels: int) -> str:
    """personas > nodes > needs > personas > needs ..., ``levels`` selection levels deep."""
    inner = "label"
    for level in range(levels - 2, 0, -1):
        inner = f"{'needs' if level % 2 else 'personas'} {{ {inner} }}"
    return f"{{ personas {{ nodes {{ {inner} }} }} }}"


HOSTILE = {
    "depth 11": nested(11),
    "deep nesting": "{ personas " + "{ nodes " * 400 + "{ label }" + " }" * 400 + " }",
    "16 aliases": "{ " + " ".join(f"a{i}: personas {{ totalCount }}" for i in range(16)) + " }",
    "alias flood": "{ " + " ".join(f"a{i}: brands {{ totalCount }}" for i in range(200)) + " }",
    "aliases through fragments": (
        "query { personas { nodes { ...F ...G } } } "
        "fragment F on Persona { " + " ".join(f"f{i}: label" for i in range(8)) + " } "
        "fragment G on Persona { " + " ".join(f"g{i}: iri" for i in range(8)) + " }"
    ),
    "fragment cycle": (
        "query { personas { nodes { ...A } } } "
        "fragment A on Persona { needs { personas { ...B } } } "
        "fragment B on Persona { needs { personas { ...A } } }"
    ),
    "undefined fragment": "query { personas { nodes { ...Missing } } }",
    "__schema-named fragment": (
        nested(9).replace("label", "...__schema")
        + " fragment __schema on Persona { needs { personas { needs { label } } } }"
    ),
    "token flood": "{ personas { nodes { " + "label " * 2100 + "} } }",
}

EXPECTED = {
    "depth 11": "nested deeper than the maximum depth of 10",
    "deep nesting": "nested too deeply",
    "16 aliases": "16 aliases found. Allowed: 15",
    "alias flood": "200 aliases found. Allowed: 15",
    "aliases through fragments": "16 aliases found. Allowed: 15",
    "fragment cycle": "Cannot spread fragment 'A' within itself",
    "undefined fragment": "Unknown fragment 'Missing'",
    "__schema-named fragment": "nested deeper than the maximum depth of 10",
    "token flood": "Document contains more than 2000 tokens",
}


def run_counted(
    kg: KnowledgeGraph, document: str, settings: Settings | None = None
) -> tuple[list[str], int, int]:
    resolvers = Counter()
    schema = build_schema(settings or Settings(), extensions=[resolvers.extension()])
    with count_store_queries(kg) as queries:
        result = execute(kg, document, schema=schema)
    return [e.message for e in result.errors or []], resolvers.calls, queries.calls


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_are_refused_before_any_resolver(kg: KnowledgeGraph, name: str) -> None:
    messages, resolvers, queries = run_counted(kg, HOSTILE[name])
    assert messages and any(EXPECTED[name] in m for m in messages), messages
    assert resolvers == 0 and queries == 0


def test_documents_at_the_limits_run(kg: KnowledgeGraph) -> None:
    messages, resolvers, queries = run_counted(kg, nested(10))
    assert messages == [] and resolvers > 0 and queries > 0
    fifteen = "{ " + " ".join(f"a{i}: personas {{ totalCount }}" for i in range(15)) + " }"
    assert run_counted(kg, fifteen)[0] == []


def test_introspection_passes_the_limits_and_can_be_turned_off(kg: KnowledgeGraph) -> None:
    messages, resolvers, _ = run_counted(kg, get_introspection_query(descriptions=True))
    assert messages == [] and resolvers > 0
    closed = Settings(introspection=False)
    for document in (
        get_introspection_query(),
        "query { ...S } fragment S on Query { __schema { types { name } } }",
        '{ personas { totalCount } __type(name: "Persona") { name } }',
    ):
        messages, resolvers, queries = run_counted(kg, document, closed)
        assert any("introspection has been disabled" in m for m in messages), messages
        assert resolvers == 0 and queries == 0
    assert run_counted(kg, "{ personas { totalCount } }", closed)[0] == []


def test_unexpected_errors_are_masked_and_input_errors_are_not(kg: KnowledgeGraph) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret detail of the store")

    original = kg.store.query
    kg.store.query = broken  # type: ignore[assignment, method-assign]
    try:
        # a filtered list reads the store on every request (an unfiltered one may be cached)
        result = execute(kg, '{ personas(labelContains: "a") { totalCount } }')
    finally:
        kg.store.query = original  # type: ignore[method-assign]
    assert result.errors and [e.message for e in result.errors] == [MASKED_MESSAGE]
    informative = execute(kg, "{ personas(first: 1000) { totalCount } nope }")
    messages = [e.message for e in informative.errors or []]
    assert any("Cannot query field 'nope' on type 'Query'" in m for m in messages), messages
    first = execute(kg, "{ personas(first: 1000) { totalCount } }")
    assert first.errors and "first must be between 0 and 100, not 1000" in first.errors[0].message


@pytest.fixture(scope="module")
def closed_client() -> Iterator[TestClient]:
    settings = Settings(data=SAMPLES, graphiql=False, introspection=False)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_over_http_batches_are_refused_and_hostile_documents_rejected(client: TestClient) -> None:
    batch = [{"query": "{ personas { totalCount } }"}] * 2
    response = client.post("/graphql", json=batch)
    assert response.status_code == 400 and "Batching is not enabled" in response.text
    response = client.post("/graphql", json={"query": HOSTILE["depth 11"]})
    body = response.json()
    assert body["data"] is None and EXPECTED["depth 11"] in body["errors"][0]["message"]
    response = client.post("/graphql", json={"query": "{ personas(first: 101) { totalCount } }"})
    assert "first must be between 0 and 100" in response.json()["errors"][0]["message"]


def test_over_http_graphiql_and_introspection_can_be_turned_off(
    closed_client: TestClient,
) -> None:
    page = closed_client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404
    response = closed_client.post("/graphql", json={"query": get_introspection_query()})
    assert "introspection has been disabled" in response.json()["errors"][0]["message"]
    response = closed_client.post("/graphql", json={"query": "{ personas { totalCount } }"})
    assert response.json() == {"data": {"personas": {"totalCount": 8}}}
