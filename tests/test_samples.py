"""The bundled sample models: each produces exactly its golden list of findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxgraph import ReasoningProfile, build_knowledge_graph, resources
from cxgraph.gaps import rule_ids

SAMPLES = resources.sample_files()


def golden(path: Path) -> list[tuple[str, str]]:
    entries = json.loads(path.with_suffix(".gaps.json").read_text())
    return sorted((e["rule"], e["focus"]) for e in entries)


def test_there_are_three_samples() -> None:
    assert [p.stem for p in SAMPLES] == ["car-retail", "salon", "telecom"]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_matches_golden_findings(path: Path) -> None:
    kg = build_knowledge_graph([path])
    assert sorted((f.rule, f.focus) for f in kg.findings) == golden(path)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_is_valid_and_consistent(path: Path) -> None:
    kg = build_knowledge_graph([path])
    report = kg.validate()
    assert report.conforms, report.results[:3]
    from cxgraph.checks import run_checks

    assert run_checks(kg.store) == []


def test_samples_together_give_the_union_and_cover_every_rule() -> None:
    kg = build_knowledge_graph(None)
    expected = sorted(g for p in SAMPLES for g in golden(p))
    assert sorted((f.rule, f.focus) for f in kg.findings) == expected
    assert {rule for rule, _ in expected} == set(rule_ids())


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_findings_depend_on_reasoning(path: Path) -> None:
    without = build_knowledge_graph([path], profile=ReasoningProfile.NONE)
    assert sorted((f.rule, f.focus) for f in without.findings) != golden(path)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_owlrl_gives_the_same_findings(path: Path) -> None:
    kg = build_knowledge_graph([path], profile=ReasoningProfile.OWLRL)
    assert sorted((f.rule, f.focus) for f in kg.findings) == golden(path)
