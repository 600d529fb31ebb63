"""Helpers for the GraphQL tests (this module has no tests of its own): a small
hand-made CX model with known answers, and running documents against the schema in
process, with counters of resolver calls and store queries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from cxgraph import KnowledgeGraph, build_knowledge_graph
from cxgraph.api.graphql import build_schema
from cxgraph.api.graphql.context import GraphQLContext
from cxgraph.config import Settings

EX = "https://example.org/gql#"

PREFIXES = """\
@prefix cx: <https://w3id.org/cxgraph#> .
@prefix ex: <https://example.org/gql#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

# Serve (top-level, owned by boss) ⊃ Child ⊃ Grandchild; Other (top-level, owned by
# team2); Idle (top-level, meets nothing, no owner). Grandchild delivers off1 (fulfils
# n1) and achieves o1; Child delivers off2 (n2); Other delivers off2 and off3 (n2, n3).
# So Serve meets n1 only through a sub-process. alice has n1, n2; bob n2, n3; carol n4
# (unmet, and a proposition targets her: unserved); dave n1. metric1 (on the scorecard,
# off target) measures Serve and b1; rule1 governs m2, justified by n1 and ins1.
MODEL = (
    PREFIXES
    + """
ex:alice rdfs:label "Alice" ; cx:hasNeed ex:n1 , ex:n2 ; cx:seeksOutcome ex:o1 .
ex:bob rdfs:label "Bob" ; cx:hasNeed ex:n2 , ex:n3 .
ex:carol rdfs:label "Carol" ; cx:hasNeed ex:n4 .
ex:dave rdfs:label "Dave" ; cx:hasNeed ex:n1 .
ex:vp rdfs:label "Carol's deal" ; cx:targets ex:carol ; cx:addresses ex:n4 .
ex:n1 rdfs:label "Need one" .
ex:n2 rdfs:label "Need two" .
ex:n3 rdfs:label "Need three" .
ex:n4 rdfs:label "Need four" .
ex:o1 rdfs:label "Outcome one" .
ex:off1 rdfs:label "Offering one" ; cx:fulfils ex:n1 .
ex:off2 rdfs:label "Offering two" ; cx:fulfils ex:n2 .
ex:off3 rdfs:label "Offering three" ; cx:fulfils ex:n2 , ex:n3 .
ex:serve a cx:Process ; rdfs:label "Serve" ; cx:hasSubProcess ex:child ; cx:ownedBy ex:boss .
ex:child rdfs:label "Child" ; cx:hasSubProcess ex:grandchild ; cx:delivers ex:off2 ;
    cx:hasStep ex:a1 .
ex:grandchild rdfs:label "Grandchild" ; cx:delivers ex:off1 ; cx:achieves ex:o1 ;
    cx:hasStep ex:m1 .
ex:other a cx:Process ; rdfs:label "Other" ; cx:delivers ex:off2 , ex:off3 ;
    cx:hasStep ex:m2 ; cx:ownedBy ex:team2 .
ex:idle a cx:Process ; rdfs:label "Idle" .
ex:m1 a cx:MomentOfTruth ; rdfs:label "Moment one" ; cx:performedBy ex:team1 ;
    cx:nextStep ex:a1 .
ex:a1 rdfs:label "Activity one" ; cx:performedBy ex:team1 , ex:team2 ;
    cx:usesSystem ex:sys1 .
ex:m2 a cx:MomentOfTruth ; rdfs:label "Moment two" ; cx:performedBy ex:team2 ;
    cx:usesSystem ex:sys1 ; cx:ownedBy ex:team2 .
ex:boss a cx:Role ; rdfs:label "Boss" .
ex:team1 a cx:OrgUnit ; rdfs:label "Team one" .
ex:team2 a cx:OrgUnit ; rdfs:label "Team two" .
ex:sys1 rdfs:label "System one" .
ex:e1 rdfs:label "Experience one" ; cx:occursAt ex:m1 ; cx:realises ex:b1 ; cx:score 9 .
ex:e2 rdfs:label "Experience two" ; cx:occursAt ex:m2 ; cx:realises ex:b2 ; cx:score 8 .
ex:e3 rdfs:label "Experience three" ; cx:occursAt ex:m1 ; cx:realises ex:b2 ; cx:score 3 .
ex:b1 a cx:BrandPromise ; rdfs:label "Promise one" ; cx:minimumScore 7 .
ex:b2 a cx:BrandPromise ; rdfs:label "Promise two" ; cx:minimumScore 7 .
ex:b3 a cx:BrandPromise ; rdfs:label "Promise three" ; cx:minimumScore 7 .
ex:metric1 rdfs:label "Metric one" ; cx:measures ex:serve , ex:b1 ; cx:targetValue 90 ;
    cx:actualValue 80.5 ; cx:onScorecard true .
ex:rule1 rdfs:label "Rule one" ; cx:justifiedBy ex:n1 , ex:ins1 .
ex:m2 cx:governedBy ex:rule1 .
ex:vp cx:informedBy ex:ins1 .
ex:ins1 a cx:RegulatoryInsight ; rdfs:label "Insight one" .
"""
)


def build_model(directory: Path, turtle: str = MODEL, name: str = "model.ttl") -> KnowledgeGraph:
    """A reasoned knowledge graph of ``turtle`` (with gaps detected)."""
    path = directory / name
    path.write_text(turtle, encoding="utf-8")
    return build_knowledge_graph([path])


@cache
def default_schema() -> strawberry.Schema:
    return build_schema(Settings())


def execute(
    kg: KnowledgeGraph,
    document: str,
    variables: Mapping[str, Any] | None = None,
    schema: strawberry.Schema | None = None,
) -> ExecutionResult:
    """Run ``document`` against the schema (default settings) over ``kg``."""
    chosen = schema or default_schema()
    return asyncio.run(
        chosen.execute(
            document, variable_values=dict(variables or {}), context_value=GraphQLContext(kg)
        )
    )


def data(kg: KnowledgeGraph, document: str, **variables: Any) -> dict[str, Any]:
    """The data of a document that must run without errors."""
    result = execute(kg, document, variables)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def ex(local: str) -> str:
    return EX + local


def labels(nodes: list[dict[str, Any]]) -> list[str]:
    return sorted(n["label"] for n in nodes)


class Counter:
    """Counts calls; ``wrap`` makes a counting version of a function."""

    def __init__(self) -> None:
        self.calls = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return function(*args, **kwargs)

        return counted

    def extension(self) -> Callable[[], SchemaExtension]:
        """A schema extension factory counting every field resolution."""
        counter = self

        class CountResolvers(SchemaExtension):
            def resolve(
                self,
                _next: Callable[..., Any],
                root: Any,
                info: GraphQLResolveInfo,
                *args: Any,
                **kwargs: Any,
            ) -> Any:
                counter.calls += 1
                return _next(root, info, *args, **kwargs)

        return CountResolvers


@contextmanager
def count_store_queries(kg: KnowledgeGraph) -> Iterator[Counter]:
    """Count the store's queries inside the ``with`` block."""
    counter = Counter()
    original = kg.store.query
    kg.store.query = counter.wrap(original)  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        kg.store.query = original  # type: ignore[method-assign]
