"""GraphQL reads: node, typed lists with filters and cursor pagination, relations in both
directions (inferred ones included), and gaps, on the hand-made model of
``test_graphql_support``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cxgraph import KnowledgeGraph
from tests.api.test_graphql_support import build_model, data, ex, execute, labels


def node(kg: KnowledgeGraph, local: str, selection: str) -> Any:
    """The ``node`` of ``ex:local`` with this selection."""
    query = "query ($iri: String!) { node(iri: $iri) { " + selection + " } }"
    return data(kg, query, iri=ex(local))["node"]


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return build_model(tmp_path_factory.mktemp("gql"))


def test_node_resolves_the_concrete_type(kg: KnowledgeGraph) -> None:
    query = """query ($iri: String!) { node(iri: $iri) { __typename iri label types } }"""
    cases = {
        "alice": "Persona",
        "n1": "Need",
        "serve": "Process",
        "m1": "MomentOfTruth",
        "a1": "Step",
        "team1": "Party",
        "sys1": "InformationSystem",
        "b1": "BrandPromise",
        "e1": "Experience",
        "off1": "Offering",
        "o1": "Outcome",
        "vp": "ValueProposition",
    }
    for local, typename in cases.items():
        node = data(kg, query, iri=ex(local))["node"]
        assert node["__typename"] == typename, local
        assert node["iri"] == ex(local)
    assert "https://w3id.org/cxgraph#Activity" in data(kg, query, iri=ex("m1"))["node"]["types"]


def test_node_of_an_unknown_iri_is_null_and_a_bad_iri_an_error(kg: KnowledgeGraph) -> None:
    assert data(kg, '{ node(iri: "https://example.org/nothing") { iri } }')["node"] is None
    result = execute(kg, '{ node(iri: "not an iri") { iri } }')
    assert result.errors and "is not a valid IRI" in result.errors[0].message


def test_inferred_relations_in_both_directions(kg: KnowledgeGraph) -> None:
    need = node(kg, "n1", "... on Need { metBy { label } personas { label } }")
    # Serve meets n1 only through its grand-child's offering.
    assert labels(need["metBy"]) == ["Child", "Grandchild", "Serve"]
    assert labels(need["personas"]) == ["Alice", "Dave"]
    process = node(
        kg,
        "serve",
        """... on Process {
             meetsNeeds { label } servesPersonas { label } offerings { label }
             outcomes { label } subProcesses { label } allSubProcesses { label }
             parent { label } isTopLevel steps { label } owners { label } }""",
    )
    assert labels(process["meetsNeeds"]) == ["Need one", "Need two"]
    assert labels(process["servesPersonas"]) == ["Alice", "Bob", "Dave"]
    assert labels(process["offerings"]) == ["Offering one", "Offering two"]
    assert labels(process["outcomes"]) == ["Outcome one"]
    assert labels(process["subProcesses"]) == ["Child"]
    assert labels(process["allSubProcesses"]) == ["Child", "Grandchild"]
    assert process["parent"] is None and process["isTopLevel"] is True
    assert process["steps"] == [] and labels(process["owners"]) == ["Boss"]
    grandchild = node(
        kg, "grandchild", "... on Process { parent { label parent { label } } isTopLevel }"
    )
    assert grandchild == {
        "parent": {"label": "Child", "parent": {"label": "Serve"}},
        "isTopLevel": False,
    }
    persona = node(kg, "bob", "... on Persona { servedBy { label } needs { label } }")
    assert labels(persona["servedBy"]) == ["Child", "Other", "Serve"]
    assert labels(persona["needs"]) == ["Need three", "Need two"]


def test_activity_flow_promises_and_metrics(kg: KnowledgeGraph) -> None:
    moment = node(
        kg,
        "m1",
        """... on Activity { isMomentOfTruth next { __typename label }
             previous { label } performedBy { label kind } processes { label } }
             ... on MomentOfTruth { experiences { label score } }""",
    )
    assert moment["isMomentOfTruth"] is True
    assert moment["next"] == [{"__typename": "Step", "label": "Activity one"}]
    assert moment["previous"] == []
    assert moment["performedBy"] == [{"label": "Team one", "kind": "ORG_UNIT"}]
    assert labels(moment["processes"]) == ["Grandchild"]
    assert sorted(e["score"] for e in moment["experiences"]) == [3.0, 9.0]
    step = node(kg, "a1", "... on Activity { previous { label } systems { label } }")
    assert step == {"previous": [{"label": "Moment one"}], "systems": [{"label": "System one"}]}
    promise = node(kg, "b2", "... on BrandPromise { minimumScore experiences { label } }")
    assert promise["minimumScore"] == 7.0
    assert labels(promise["experiences"]) == ["Experience three", "Experience two"]
    metric = node(
        kg,
        "metric1",
        """... on Metric { targetValue actualValue higherIsBetter onScorecard
             measures { __typename label } gaps { rule } }""",
    )
    assert metric["targetValue"] == 90.0 and metric["actualValue"] == 80.5
    assert metric["higherIsBetter"] is True and metric["onScorecard"] is True
    assert sorted((m["__typename"], m["label"]) for m in metric["measures"]) == [
        ("BrandPromise", "Promise one"),
        ("Process", "Serve"),
    ]
    assert metric["gaps"] == [{"rule": "metric-off-target"}]
    rule = node(kg, "rule1", "... on BusinessRule { governs { label } justifiedBy { __typename } }")
    assert rule["governs"] == [{"label": "Moment two"}]
    assert sorted(j["__typename"] for j in rule["justifiedBy"]) == ["Insight", "Need"]
    insight = node(kg, "ins1", "... on Insight { kind informs { label } justifies { label } }")
    assert insight == {
        "kind": "REGULATORY",
        "informs": [{"label": "Carol's deal"}],
        "justifies": [{"label": "Rule one"}],
    }
    party = node(kg, "team2", "... on Party { owns { __typename label } }")
    assert sorted((o["__typename"], o["label"]) for o in party["owns"]) == [
        ("MomentOfTruth", "Moment two"),
        ("Process", "Other"),
    ]


def test_gaps_on_nodes_and_at_the_root(kg: KnowledgeGraph) -> None:
    need = node(kg, "n4", "gaps { iri rule severity message focus { iri } }")
    rules = {g["rule"] for g in need["gaps"]}
    assert "unmet-need" in rules
    unmet = next(g for g in need["gaps"] if g["rule"] == "unmet-need")
    assert unmet["severity"] == "ERROR" and unmet["focus"]["iri"] == ex("n4")
    gap = data(kg, "query ($iri: String!) { node(iri: $iri) { __typename } }", iri=unmet["iri"])
    assert gap["node"] == {"__typename": "Gap"}
    everything = data(kg, "{ gaps { rule focus { iri } } }")["gaps"]
    assert len(everything) == len(kg.findings)
    on_processes = data(kg, "{ gaps(focusType: PROCESS) { rule focus { __typename } } }")["gaps"]
    assert on_processes and all(g["focus"]["__typename"] == "Process" for g in on_processes)
    assert {g["rule"] for g in on_processes} >= {"inside-out-process", "ownerless-process"}
    errors = data(kg, "{ gaps(severity: ERROR) { severity } }")["gaps"]
    assert errors and {g["severity"] for g in errors} == {"ERROR"}
    evidence = data(kg, '{ gaps(rule: "unserved-persona") { focus { iri } evidence { iri } } }')
    assert evidence["gaps"] == [{"focus": {"iri": ex("carol")}, "evidence": [{"iri": ex("vp")}]}]
    result = execute(kg, '{ gaps(rule: "no-such-rule") { rule } }')
    assert result.errors and "unknown gap rule 'no-such-rule'" in result.errors[0].message


def test_lists_page_with_cursors(kg: KnowledgeGraph) -> None:
    query = """query ($after: String) { personas(first: 3, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { label } } nodes { iri } } }"""
    first = data(kg, query)["personas"]
    assert first["totalCount"] == 4
    assert [e["node"]["label"] for e in first["edges"]] == ["Alice", "Bob", "Carol"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = data(kg, query, after=first["pageInfo"]["endCursor"])["personas"]
    assert [e["node"]["label"] for e in second["edges"]] == ["Dave"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["nodes"] == [{"iri": ex("dave")}]
    empty = data(kg, query, after=second["pageInfo"]["endCursor"])["personas"]
    assert empty["edges"] == [] and empty["pageInfo"]["endCursor"] is None
    bad = execute(kg, '{ personas(after: "bogus") { totalCount } }')
    assert bad.errors and "is not a cursor" in bad.errors[0].message


def test_every_list_returns_its_kind(kg: KnowledgeGraph) -> None:
    counts = data(
        kg,
        """{ brandPromises { totalCount } valuePropositions { totalCount } personas { totalCount }
             needs { totalCount } outcomes { totalCount } offerings { totalCount }
             processes { totalCount } activities { totalCount } momentsOfTruth { totalCount }
             parties { totalCount } informationSystems { totalCount } businessRules { totalCount }
             slas { totalCount } metrics { totalCount } experiences { totalCount }
             insights { totalCount } brands { totalCount } channels { totalCount }
             journeys { totalCount } }""",
    )
    assert {k: v["totalCount"] for k, v in counts.items()} == {
        "brandPromises": 3,
        "valuePropositions": 1,
        "personas": 4,
        "needs": 4,
        "outcomes": 1,
        "offerings": 3,
        "processes": 5,
        "activities": 3,
        "momentsOfTruth": 2,
        "parties": 3,
        "informationSystems": 1,
        "businessRules": 1,
        "slas": 0,
        "metrics": 1,
        "experiences": 3,
        "insights": 1,
        "brands": 0,
        "channels": 0,
        "journeys": 0,
    }
    activities = data(kg, "{ activities { nodes { __typename label } } }")["activities"]
    assert sorted((n["__typename"], n["label"]) for n in activities["nodes"]) == [
        ("MomentOfTruth", "Moment one"),
        ("MomentOfTruth", "Moment two"),
        ("Step", "Activity one"),
    ]


def test_filters(kg: KnowledgeGraph) -> None:
    by_label = data(kg, '{ needs(labelContains: "TWO") { nodes { label } } }')["needs"]
    assert labels(by_label["nodes"]) == ["Need two"]
    with_gaps = data(
        kg, '{ processes(hasGapsOf: {rule: "inside-out-process"}) { nodes { label } } }'
    )["processes"]
    assert labels(with_gaps["nodes"]) == ["Idle"]
    errors = data(kg, "{ personas(hasGapsOf: {severity: ERROR}) { nodes { label } } }")
    assert labels(errors["personas"]["nodes"]) == ["Carol"]
    warnings = data(
        kg, '{ processes(hasGapsOf: {rule: "ownerless-process", severity: ERROR}) { totalCount } }'
    )
    assert warnings["processes"]["totalCount"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        '") } ?s ?p ?o {',
        '\\") } ?s ?p ?o { #',
        "> } UNION { ?s ?p ?o } #",
        "' ; DROP ALL ; '",
    ],
)
def test_injection_in_a_filter_returns_only_legitimate_rows(
    kg: KnowledgeGraph, payload: str
) -> None:
    result = data(
        kg,
        "query ($q: String) { personas(labelContains: $q) { totalCount nodes { iri } } }",
        q=payload,
    )
    assert result["personas"] == {"totalCount": 0, "nodes": []}
    literal = execute(kg, '{ personas(labelContains: "\\") } ?s ?p ?o {") { totalCount } }')
    assert literal.errors is None and literal.data == {"personas": {"totalCount": 0}}
    for iri in ("https://example.org/gql#alice> } ?s ?p ?o {", 'https://example.org/gql#a" .'):
        result = execute(kg, "query ($iri: String!) { node(iri: $iri) { iri } }", {"iri": iri})
        assert result.errors and "is not a valid IRI" in result.errors[0].message


def test_a_label_holding_the_payload_is_found_as_data(tmp_path: Path) -> None:
    kg = build_model(
        tmp_path,
        "@prefix cx: <https://w3id.org/cxgraph#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://example.org/q#odd> rdfs:label "Odd \\") } ?s ?p ?o { persona" ;'
        " cx:hasNeed <https://example.org/q#n> .\n"
        '<https://example.org/q#plain> rdfs:label "Plain" ;'
        " cx:hasNeed <https://example.org/q#n> .\n",
    )
    found = data(
        kg,
        "query ($q: String) { personas(labelContains: $q) { nodes { iri } } }",
        q='") } ?s ?p ?o {',
    )
    assert found["personas"]["nodes"] == [{"iri": "https://example.org/q#odd"}]


def test_first_is_limited_to_100(kg: KnowledgeGraph) -> None:
    assert data(kg, "{ personas(first: 100) { totalCount } }")["personas"]["totalCount"] == 4
    for first in (101, -1):
        result = execute(
            kg, "query ($n: Int!) { personas(first: $n) { totalCount } }", {"n": first}
        )
        assert result.errors and "first must be between 0 and 100" in result.errors[0].message


def test_labels_fall_back_to_the_iri(tmp_path: Path) -> None:
    kg = build_model(
        tmp_path,
        "@prefix cx: <https://w3id.org/cxgraph#> .\n"
        "<https://example.org/x#Unnamed> cx:hasNeed <https://example.org/x/need-7> .\n"
        "<https://example.org/x/need-7> <http://www.w3.org/2000/01/rdf-schema#label>"
        ' "Sieben"@de .\n',
    )
    personas = data(kg, "{ personas { nodes { label needs { label } } } }")["personas"]
    assert personas["nodes"] == [{"label": "Unnamed", "needs": [{"label": "Sieben"}]}]


def test_a_finding_on_a_blank_node_is_served() -> None:
    from cxgraph import build_knowledge_graph

    blank = Path(__file__).parent.parent / "fixtures" / "blank" / "experience-below-promise.ttl"
    kg = build_knowledge_graph([blank])
    gaps = data(
        kg,
        '{ gaps(rule: "experience-below-promise") { rule focus { iri label } evidence { iri } } }',
    )["gaps"]
    expected = sorted(f.focus for f in kg.gaps(["experience-below-promise"]))
    assert sorted(g["focus"]["iri"] for g in gaps) == expected
    assert all(g["focus"]["iri"].startswith("_:") and g["focus"]["label"] for g in gaps)
    assert all(g["evidence"] == [{"iri": "https://example.org/fx/blank#p"}] for g in gaps)
