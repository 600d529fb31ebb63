"""The GraphQL schema's SDL is a golden file: a change to the schema shows up in review.

To accept a change, run ``python -m pytest
tests/api/test_graphql_schema.py --update-golden`` and commit ``tests/api/golden/schema.graphql``
(see ``tests/api/golden/README.md``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cxgraph.api.graphql import build_schema
from cxgraph.config import Settings

GOLDEN = Path(__file__).parent / "golden" / "schema.graphql"


def test_schema_matches_the_golden_sdl(request: pytest.FixtureRequest) -> None:
    sdl = str(build_schema(Settings())) + "\n"
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(sdl, encoding="utf-8")
    assert GOLDEN.is_file(), "no golden SDL: run pytest with --update-golden to write it"
    assert sdl == GOLDEN.read_text(encoding="utf-8"), (
        "the GraphQL schema changed: review the difference, then accept it with "
        "python -m pytest tests/api/test_graphql_schema.py --update-golden"
    )


def test_the_settings_do_not_change_the_schema() -> None:
    closed = Settings(graphiql=False, introspection=False)
    assert str(build_schema(closed)) == str(build_schema(Settings()))


def test_the_schema_is_typed_not_a_triple_api() -> None:
    schema = build_schema(Settings())
    for name in (
        "BrandPromise",
        "ValueProposition",
        "Persona",
        "Need",
        "Outcome",
        "Offering",
        "Process",
        "Activity",
        "MomentOfTruth",
        "Party",
        "InformationSystem",
        "BusinessRule",
        "SLA",
        "Metric",
        "Experience",
        "Insight",
        "Gap",
        "Node",
    ):
        assert schema.get_type_by_name(name) is not None, name
    query = schema.get_type_by_name("Query")
    fields = {f.python_name for f in query.fields}  # type: ignore[union-attr]
    assert {"node", "personas", "gaps", "alignment", "impact"} <= fields
    assert not {"triples", "subject", "predicate", "sparql"} & fields
