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


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_is_consistent_under_owlrl(path: Path) -> None:
    """No owl:Nothing, no disjointness violated, in the owlrl closure."""
    from cxgraph.checks import run_checks

    kg = build_knowledge_graph([path], profile=ReasoningProfile.OWLRL)
    assert [v for v in run_checks(kg.store) if v.check == "disjointness-violated"] == []


def test_inconsistent_model_is_caught(tmp_path: Path) -> None:
    from cxgraph.checks import run_checks

    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix cx: <https://w3id.org/cxgraph#> .\n"
        "<https://e.org/x> cx:hasNeed <https://e.org/n> ; cx:delivers <https://e.org/o> .\n"
    )
    for profile in (ReasoningProfile.RULES, ReasoningProfile.OWLRL):
        kg = build_knowledge_graph([bad], profile=profile)
        found = [v for v in run_checks(kg.store) if v.check == "disjointness-violated"]
        assert [v.term for v in found] == ["https://e.org/x"]
