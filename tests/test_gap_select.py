"""Findings straight from the rules' SELECTs (``cxgraph.gap_select``) are the findings the
gaps graph holds, on every sample and fixture, in any label language, filtered or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxgraph import resources
from cxgraph.gap_select import select_findings
from cxgraph.gaps import Severity, detect_gaps, read_findings, write_gaps
from cxgraph.namespaces import GAPS_GRAPH
from cxgraph.pipeline import build_knowledge_graph
from tests.conftest import FIXTURES, GAP_FIXTURES

MODELS = [
    *resources.sample_files(),
    *sorted(GAP_FIXTURES.glob("*/*.ttl")),
    *sorted((FIXTURES / "blank").iterdir()),
    *sorted((FIXTURES / "labels").iterdir()),
]


@pytest.mark.parametrize("path", MODELS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_selected_findings_are_the_stored_ones(path: Path) -> None:
    kg = build_knowledge_graph([path])
    stored = [f.as_json() for f in read_findings(kg.store)]
    assert [f.as_json() for f in select_findings(kg.store)] == stored


@pytest.mark.parametrize("language", ["de", "fr"])
def test_label_language_is_honoured(language: str) -> None:
    path = FIXTURES / "labels" / "several-labels.ttl"
    kg = build_knowledge_graph([path], language=language)
    assert select_findings(kg.store, language=language) == read_findings(kg.store)
    assert select_findings(kg.store, language=language) != select_findings(kg.store)


def test_rules_and_severities_filter() -> None:
    kg = build_knowledge_graph()
    every = select_findings(kg.store)
    assert {f.rule for f in every} > {"unmet-need"}
    assert select_findings(kg.store, ["unmet-need"]) == [f for f in every if f.rule == "unmet-need"]
    warnings = select_findings(kg.store, severities=[Severity.WARNING])
    assert warnings == [f for f in every if f.severity is Severity.WARNING] and warnings


def test_nothing_is_written() -> None:
    kg = build_knowledge_graph()
    before = len(list(kg.store.quads(graph=GAPS_GRAPH)))
    kg.store.replace_graph(GAPS_GRAPH, [])
    assert select_findings(kg.store) and before
    assert list(kg.store.quads(graph=GAPS_GRAPH)) == []
    write_gaps(kg.store)
    assert len(list(kg.store.quads(graph=GAPS_GRAPH))) == before


def test_detect_gaps_without_writing_leaves_the_gaps_graph_as_it_was() -> None:
    kg = build_knowledge_graph()
    before = sorted(map(str, kg.store.quads(graph=GAPS_GRAPH)))
    assert detect_gaps(kg.store, write=False) == read_findings(kg.store)
    assert detect_gaps(kg.store, ["unmet-need"], write=False) == [
        f for f in read_findings(kg.store) if f.rule == "unmet-need"
    ]
    assert sorted(map(str, kg.store.quads(graph=GAPS_GRAPH))) == before
