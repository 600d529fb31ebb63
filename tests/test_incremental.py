"""Incremental maintenance equals a full re-run on the same asserted data."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from cxgraph import build_knowledge_graph, resources
from cxgraph.namespaces import CX, INFERRED_GRAPH, RDF
from cxgraph.pipeline import KnowledgeGraph

TELECOM = resources.data_dir() / "telecom.ttl"
TEL = "https://example.org/telecom#"


def snapshot(kg: KnowledgeGraph) -> tuple[set[str], list[tuple[str, str, str]]]:
    # blank nodes (the ontology's anonymous classes) are labelled per store: compare shapes
    inferred = {re.sub(r"_:\w+", "_:", str(t)) for t in kg.store.triples([INFERRED_GRAPH])}
    findings = [(f.rule, f.focus, f.message) for f in kg.findings]
    return inferred, findings


def assert_same_as_full(kg: KnowledgeGraph, tmp_path: Path) -> None:
    """A full re-run over the same store (so the ontology's anonymous classes, whose
    blank nodes are store-local, keep their labels) gives what the change gave."""
    from cxgraph.gaps import read_findings

    assert read_findings(kg.store) == kg.findings
    incremental = snapshot(kg)
    kg.refresh()
    assert incremental == snapshot(kg)


def data_graph(kg: KnowledgeGraph) -> ox.NamedNode:
    (graph,) = kg.store.data_graphs()
    return graph


def q(kg: KnowledgeGraph, s: str, p: str, o: str) -> ox.Quad:
    obj = ox.NamedNode(o) if o.startswith("http") else ox.Literal(o)
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, data_graph(kg))


@pytest.fixture
def kg() -> KnowledgeGraph:
    return build_knowledge_graph([TELECOM])


def test_adding_a_delivering_process_meets_the_need(kg: KnowledgeGraph, tmp_path: Path) -> None:
    (unmet,) = kg.gaps(["unmet-need"])
    report = kg.change(
        additions=[
            q(kg, TEL + "NewProcess", CX + "subProcessOf", TEL + "Install"),
            q(kg, TEL + "NewProcess", CX + "delivers", TEL + "NewOffering"),
            q(kg, TEL + "NewOffering", CX + "fulfils", unmet.focus),
            q(kg, TEL + "NewProcess", "http://www.w3.org/2000/01/rdf-schema#label", "New"),
            q(kg, TEL + "NewOffering", "http://www.w3.org/2000/01/rdf-schema#label", "Offer"),
        ]
    )
    assert not report.full and report.added == 5
    assert unmet.focus not in {f.focus for f in kg.gaps(["unmet-need"])}
    assert "unmet-need" in report.rules_rerun
    assert_same_as_full(kg, tmp_path)


def test_removing_an_sla_creates_unmanaged_handoffs(kg: KnowledgeGraph, tmp_path: Path) -> None:
    sla = next(
        quad.subject.value for quad in kg.store.quads(None, ox.NamedNode(CX + "provider"), None)
    )
    before = len(kg.gaps(["unmanaged-handoff"]))
    removals = list(kg.store.quads(ox.NamedNode(sla), None, None, data_graph(kg)))
    report = kg.change(removals=removals)
    assert report.removed == len(removals) and report.overdeleted > 0
    assert len(kg.gaps(["unmanaged-handoff"])) > before
    assert_same_as_full(kg, tmp_path)


def test_removing_and_restoring_a_sub_process_link(kg: KnowledgeGraph, tmp_path: Path) -> None:
    link = next(kg.store.quads(None, ox.NamedNode(CX + "subProcessOf"), None, data_graph(kg)))
    kg.change(removals=[link])
    assert_same_as_full(kg, tmp_path)
    kg.change(additions=[link])
    assert snapshot(kg) == snapshot(build_knowledge_graph([TELECOM]))


def test_removing_a_triple_that_is_also_inferred_keeps_it(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    """An asserted inverse (cx:needOf next to cx:hasNeed) is rederived when removed."""
    quads = list(kg.store.quads(None, ox.NamedNode(CX + "hasNeed"), None, data_graph(kg)))
    report = kg.change(removals=quads[:3])
    assert report.rederived >= 0
    assert_same_as_full(kg, tmp_path)


def test_tbox_change_falls_back_to_a_full_run(kg: KnowledgeGraph, tmp_path: Path) -> None:
    report = kg.change(
        additions=[
            q(kg, TEL + "Vip", "http://www.w3.org/2000/01/rdf-schema#subClassOf", CX + "Persona")
        ]
    )
    assert report.full
    assert_same_as_full(kg, tmp_path)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_match_full_rerun(seed: int, tmp_path: Path) -> None:
    kg = build_knowledge_graph([TELECOM])
    rng = random.Random(seed)
    graph = data_graph(kg)
    asserted = [
        quad
        for quad in kg.store.quads(None, None, None, graph)
        if quad.predicate.value != RDF + "first" and quad.predicate.value != RDF + "rest"
    ]
    removed = rng.sample(asserted, 12)
    kg.change(removals=removed[:6])
    assert_same_as_full(kg, tmp_path)
    kg.change(additions=removed[:3], removals=removed[6:])
    assert_same_as_full(kg, tmp_path)
    kg.change(additions=[*removed[3:6], *removed[6:]])
    assert snapshot(kg) == snapshot(build_knowledge_graph([TELECOM]))


def test_relabelling_a_focus_updates_its_message(kg: KnowledgeGraph, tmp_path: Path) -> None:
    (unmet,) = kg.gaps(["unmet-need"])
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    old = list(kg.store.quads(ox.NamedNode(unmet.focus), ox.NamedNode(label), None, data_graph(kg)))
    report = kg.change(additions=[q(kg, unmet.focus, label, "Renamed need")], removals=old)
    assert report.rules_rerun and "unmet-need" in report.rules_rerun
    assert "Renamed need" in kg.gaps(["unmet-need"])[0].message
    assert_same_as_full(kg, tmp_path)


def test_untouched_rules_are_not_rerun(kg: KnowledgeGraph) -> None:
    sla = next(kg.store.quads(None, ox.NamedNode(CX + "provider"), None))
    report = kg.change(removals=[sla])
    assert "unmanaged-handoff" in report.rules_rerun
    assert "unmet-need" not in report.rules_rerun
