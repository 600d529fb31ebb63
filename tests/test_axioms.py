"""The axiom compiler: OWL 2 RL rules on instances, each checked on a fixture that needs it
and against owlrl on the same store (tests/fixtures/models, see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxgraph import build_knowledge_graph
from cxgraph.closure import compare_with_owlrl
from cxgraph.errors import InputError
from cxgraph.gaps import detect_gaps
from cxgraph.pipeline import KnowledgeGraph
from tests.conftest import FIXTURES

MODELS = FIXTURES / "models"
PREFIXES = "PREFIX cx: <https://w3id.org/cxgraph#> PREFIX owl: <http://www.w3.org/2002/07/owl#> "


def ask(kg: KnowledgeGraph, namespace: str, pattern: str) -> bool:
    return bool(kg.query(f"{PREFIXES} PREFIX ex: <{namespace}> ASK {{ {pattern} }}"))


def test_intersection_with_restrictions_is_not_weakened() -> None:
    """Defect 2: a restriction inside an intersection was dropped, so every insight
    became a WebInsight."""
    kg = build_knowledge_graph([MODELS / "intersection-restriction.ttl"])
    ns = "https://example.org/m/int#"
    assert ask(kg, ns, "ex:i1 a ex:WebInsight")
    assert not ask(kg, ns, "ex:other a ex:WebInsight")
    assert ask(kg, ns, "ex:p1 a ex:Keen")
    assert not ask(kg, ns, "ex:p2 a ex:Keen")
    # cls-int2 the other way: a WebInsight is an insight about the web
    assert ask(kg, ns, "ex:i1 ex:about ex:web ; a cx:Insight")


def test_graph_named_by_a_blank_node_is_reasoned_over() -> None:
    """Defect 3: TriG `_:g { }` was queried but never reasoned over."""
    kg = build_knowledge_graph([MODELS / "blank-graph.trig"])
    ns = "https://example.org/m/bg#"
    assert ask(kg, ns, "ex:proc cx:meetsNeed ex:n ; cx:servesPersona ex:p")
    assert not [f for f in kg.findings if f.rule == "unmet-need"]
    names = [g.value for g in kg.store.data_graphs()]
    assert any(name.endswith("blank-graph:blank-1") for name in names)


def test_blank_graph_names_are_stable_on_reload(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = build_knowledge_graph([MODELS / "blank-graph.trig"], store_path=store)
    count = len(first.store)
    del first
    again = build_knowledge_graph([MODELS / "blank-graph.trig"], store_path=store)
    assert len(again.store) == count


def test_graph_in_cxgraph_namespace_is_refused() -> None:
    with pytest.raises(InputError, match=r"urn:cxgraph:graph:extra is refused"):
        build_knowledge_graph([MODELS / "reserved-graph.trig"])


def test_same_as_replaces_subjects_predicates_and_objects() -> None:
    """Defect 4: no owl:sameAs. ex:n3 = ex:n2 = ex:n, and ex:gives = cx:delivers."""
    kg = build_knowledge_graph([MODELS / "sameas.ttl"])
    ns = "https://example.org/m/same#"
    assert ask(kg, ns, "ex:n owl:sameAs ex:n3 . ex:n3 owl:sameAs ex:n")  # eq-sym, eq-trans
    assert ask(kg, ns, "ex:proc cx:meetsNeed ex:n")  # eq-rep-o
    assert ask(kg, ns, "ex:proc2 cx:delivers ex:o ; cx:meetsNeed ex:n2")  # eq-rep-p
    assert not [f for f in kg.findings if f.rule == "unmet-need"]


def test_functional_cardinality_existential_union_and_universal() -> None:
    kg = build_knowledge_graph([MODELS / "functional.ttl"])
    ns = "https://example.org/m/fp#"
    assert ask(kg, ns, "ex:a owl:sameAs ex:b")  # prp-fp
    assert ask(kg, ns, "ex:x owl:sameAs ex:y")  # prp-ifp
    assert ask(kg, ns, "ex:u owl:sameAs ex:v")  # cls-maxc2
    assert ask(kg, ns, "ex:q a ex:Seeker")  # cls-svf2
    assert ask(kg, ns, "ex:r a ex:Either")  # a restriction inside a union
    assert ask(kg, ns, "ex:app a ex:OnlineChannel")  # cls-avf
    assert not ask(kg, ns, "ex:q a ex:Either")


def test_constructs_outside_owl2rl_are_named_not_weakened() -> None:
    kg = build_knowledge_graph([MODELS / "functional.ttl"])
    assert kg.inference is not None
    messages = [d.message for d in kg.inference.diagnostics]
    assert "a union as a superclass on Either: outside OWL 2 RL, no conclusion drawn" in messages
    assert any("existential restriction as a superclass on Seeker" in m for m in messages)
    # Seeker ⊑ ∃seeksOutcome is not turned into anything: no invented outcome
    assert not [m for m in messages if "Single" in m]


REASONED_MODELS = [
    p
    for p in sorted(MODELS.iterdir())
    if p.suffix in (".ttl", ".trig") and "reserved" not in p.name
]


@pytest.mark.parametrize("path", REASONED_MODELS, ids=lambda p: p.name)
def test_rules_closure_equals_owlrl(path: Path) -> None:
    kg = build_knowledge_graph([path])
    findings = [f.as_json() for f in kg.findings]
    difference = compare_with_owlrl(kg.store)
    assert not difference, difference
    assert [f.as_json() for f in detect_gaps(kg.store)] == findings


def test_keys_equate_individuals_with_all_key_values_equal() -> None:
    """prp-key as OWL 2 RL says (owlrl 7.6.2 skips the last key property: see the fixture)."""
    kg = build_knowledge_graph([FIXTURES / "owlrl-deviations" / "has-key.ttl"])
    ns = "https://example.org/m/key#"
    assert ask(kg, ns, "ex:a1 owl:sameAs ex:a2 . ex:a2 owl:sameAs ex:a1")
    assert not ask(kg, ns, "ex:a1 owl:sameAs ex:a3")


def test_enumerations_and_qualified_cardinality() -> None:
    kg = build_knowledge_graph([MODELS / "enumerations.ttl"])
    ns = "https://example.org/m/key#"
    assert ask(kg, ns, "ex:gold a ex:Tier . ex:silver a ex:Tier")  # cls-oo
    assert ask(kg, ns, "ex:ann owl:sameAs ex:anne")  # cls-maxqc3
    assert not ask(kg, ns, "ex:ann owl:sameAs ex:kid")  # kid is not an Adult
    assert ask(kg, ns, "ex:h ex:reaches ex:bob")  # a chain through an inverse of an inverse
