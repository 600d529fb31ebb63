"""Impact analysis on the hand-made model of ``test_graphql_support``, whose answers are
worked out by hand below, and its consistency with the gap rules on the samples."""

from __future__ import annotations

from typing import Any

import pytest

from cxgraph import KnowledgeGraph, build_knowledge_graph
from cxgraph.api.graphql.impact import CoverageFacts, assess_impact, coverage
from cxgraph.api.graphql.kinds import Kind
from cxgraph.api.graphql.loaders import select
from tests.api.test_graphql_support import build_model, data, ex, execute

QUERY = """query ($iri: String!) { impact(iri: $iri) {
  subject { iri } subjectKind
  removedProcesses { iri } activities { iri } momentsOfTruth { iri } experiences { iri }
  promises { iri } needs { iri } personas { iri } outcomes { iri } } }"""

FIELDS = (
    "removedProcesses",
    "activities",
    "momentsOfTruth",
    "experiences",
    "promises",
    "needs",
    "personas",
    "outcomes",
)


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return build_model(tmp_path_factory.mktemp("impact"))


def impact(kg: KnowledgeGraph, local: str) -> dict[str, Any]:
    result = data(kg, QUERY, iri=ex(local))["impact"]
    assert result["subject"]["iri"] == ex(local)
    locals_ = {f: sorted(n["iri"].rsplit("#", 1)[1] for n in result[f]) for f in FIELDS}
    return {"kind": result["subjectKind"], **locals_}


def test_removing_a_sub_process(kg: KnowledgeGraph) -> None:
    # Child goes with Grandchild. n1 was met only through Grandchild's offering (Serve
    # meets it only through them), so n1 is lost, and Dave (who needs only n1) with it;
    # Alice keeps n2 through Other. o1 was achieved only by Grandchild. Their steps m1
    # and a1 stop; e1 and e3 happen at m1, so b1 (kept only by e1) is lost, b2 is kept
    # by e2.
    assert impact(kg, "child") == {
        "kind": "PROCESS",
        "removedProcesses": ["child", "grandchild"],
        "activities": ["a1", "m1"],
        "momentsOfTruth": ["m1"],
        "experiences": ["e1", "e3"],
        "promises": ["b1"],
        "needs": ["n1"],
        "personas": ["dave"],
        "outcomes": ["o1"],
    }


def test_removing_a_top_level_process_and_an_idle_one(kg: KnowledgeGraph) -> None:
    other = impact(kg, "other")
    assert other["needs"] == ["n3"]  # n2 is still met through Child
    assert other["personas"] == [] and other["momentsOfTruth"] == ["m2"]
    assert other["experiences"] == ["e2"] and other["promises"] == []  # e3 keeps b2
    idle = impact(kg, "idle")
    assert idle["removedProcesses"] == ["idle"]
    assert all(idle[f] == [] for f in FIELDS if f != "removedProcesses")


def test_removing_a_party(kg: KnowledgeGraph) -> None:
    # team1 alone performs m1 (a1 is also performed by team2).
    assert impact(kg, "team1") == {
        "kind": "PARTY",
        "removedProcesses": [],
        "activities": ["m1"],
        "momentsOfTruth": ["m1"],
        "experiences": ["e1", "e3"],
        "promises": ["b1"],
        "needs": [],
        "personas": [],
        "outcomes": [],
    }
    # boss owns Serve; m1 (a step of Grandchild, ownerless, under Child, ownerless)
    # answers to Serve's owner, so without boss nobody is accountable for it. m2 is
    # owned by team2 itself.
    boss = impact(kg, "boss")
    assert boss["activities"] == [] and boss["momentsOfTruth"] == ["m1"]
    assert boss["promises"] == ["b1"]
    # team2 owns m2 and Other and performs m2 alone.
    assert impact(kg, "team2")["momentsOfTruth"] == ["m2"]


def test_removing_a_system(kg: KnowledgeGraph) -> None:
    assert impact(kg, "sys1") == {
        "kind": "INFORMATION_SYSTEM",
        "removedProcesses": [],
        "activities": ["a1", "m2"],
        "momentsOfTruth": ["m2"],
        "experiences": ["e2"],
        "promises": [],
        "needs": [],
        "personas": [],
        "outcomes": [],
    }


def test_impact_of_something_else_is_an_error(kg: KnowledgeGraph) -> None:
    for iri in (ex("alice"), "https://example.org/none"):
        result = execute(kg, QUERY, {"iri": iri})
        assert result.errors and "process, a party or an information system" in (
            result.errors[0].message
        )
    bad = execute(kg, QUERY, {"iri": "<nope>"})
    assert bad.errors and "not a valid IRI" in bad.errors[0].message


def test_coverage_agrees_with_reasoning_and_gap_rules_on_the_samples() -> None:
    kg = build_knowledge_graph(None)
    parents: dict[str, tuple[str, ...]] = {}
    for row in select(kg.store, "graphql/process-tree"):
        parents[row["child"].value] = (*parents.get(row["child"].value, ()), row["parent"].value)
    facts = CoverageFacts.from_rows(select(kg.store, "graphql/impact-facts"), parents)
    meets: dict[str, set[str]] = {}
    for row in kg.query(MEETS):  # type: ignore[union-attr]
        meets.setdefault(row["p"].value, set()).add(row["n"].value)
    met = set().union(*meets.values())
    assert coverage(facts).needs == met
    assert not {f.focus for f in kg.gaps(["unmet-need"])} & met
    processes = {s for s, classes in facts.get("type").items() if PROCESS in classes}
    assert coverage(facts, frozenset(processes)).needs == frozenset()
    # Taking away a top-level process loses exactly the needs no other one meets.
    tops = {p for p in processes if p not in parents}
    assert len(tops) > 5
    for top in tops:
        others = set().union(*(meets.get(t, set()) for t in tops - {top}))
        expected = meets.get(top, set()) - others
        assert assess_impact(facts, top, Kind.PROCESS).needs == expected, top


MEETS = "PREFIX cx: <https://w3id.org/cxgraph#> SELECT ?p ?n WHERE { ?p cx:meetsNeed ?n }"
PROCESS = "https://w3id.org/cxgraph#Process"
