"""The benchmark generator plants exactly the gaps cxgraph reports; the runner's smoke check
passes on a good model and fails on a wrong manifest. Timing lives in ``benchmarks/``; these
tests only check behaviour, on a model of about 5,000 triples."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cxgraph import ReasoningProfile, build_knowledge_graph
from cxgraph.gaps import rule_ids
from cxgraph.validation import validate

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def generate(out: Path, triples: int = 5000, seed: int = 7) -> Path:
    command = [sys.executable, str(BENCH / "generate.py"), "--triples", str(triples)]
    command += ["--out", str(out), "--seed", str(seed)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return out


def expected(folder: Path) -> set[tuple[str, str]]:
    return {(m["rule"], m["focus"]) for m in json.loads((folder / "manifest.json").read_text())}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("bench") / "5k")


def test_gap_report_matches_the_manifest(model: Path) -> None:
    kg = build_knowledge_graph([model / "model.ttl"])
    assert {(f.rule, f.focus) for f in kg.findings} == expected(model)


def test_every_rule_is_planted_at_least_twice(model: Path) -> None:
    counts = Counter(rule for rule, _ in expected(model))
    assert set(counts) == set(rule_ids())
    assert min(counts.values()) >= 2


def test_manifest_is_sorted_and_stats_agree(model: Path) -> None:
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest == sorted(manifest, key=lambda m: (m["rule"], m["focus"]))
    stats = json.loads((model / "stats.json").read_text())
    assert stats["findings"] == len(manifest)
    assert 3500 <= stats["triples"] <= 6500
    assert sum(stats["planted"].values()) == len(manifest)


def test_the_model_needs_reasoning(model: Path) -> None:
    """Without reasoning, needs met through sub-processes look unmet: the report differs."""
    kg = build_knowledge_graph([model / "model.ttl"], profile=ReasoningProfile.NONE)
    assert {(f.rule, f.focus) for f in kg.findings} != expected(model)


def test_the_model_conforms_to_the_shapes(model: Path) -> None:
    report = validate(build_knowledge_graph([model / "model.ttl"]).store)
    assert report.conforms, report.results[:5]


def test_generation_is_deterministic(model: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again")
    assert (again / "model.ttl").read_bytes() == (model / "model.ttl").read_bytes()
    assert (again / "manifest.json").read_bytes() == (model / "manifest.json").read_bytes()
    other = generate(tmp_path / "other", seed=8)
    assert (other / "model.ttl").read_bytes() != (model / "model.ttl").read_bytes()


def smoke(out: Path) -> tuple[int, dict[str, object]]:
    results = out / "results.json"
    command = [sys.executable, str(BENCH / "run.py"), "--smoke", "--sizes", "5k"]
    command += ["--out", str(out), "--json", str(results), "--timeout", "120"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    return done.returncode, json.loads(results.read_text())["sizes"]["5k"]


def test_smoke_run_checks_the_manifest_and_runs_every_stage(tmp_path: Path) -> None:
    code, figures = smoke(tmp_path)
    assert code == 0
    assert figures["manifest"] == "ok"
    stages = figures["cxgraph"]
    assert isinstance(stages, dict)
    assert {name: s["status"] for name, s in stages.items()} == dict.fromkeys(stages, "ok")
    assert stages["lookup"]["lookups"] == 200
    assert stages["lookup"]["p50_ms"] > 0


def test_smoke_run_fails_when_the_report_and_the_manifest_differ(tmp_path: Path) -> None:
    folder = generate(tmp_path / "5k")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(manifest[1:]))
    code, figures = smoke(tmp_path)
    assert code == 1
    assert figures["manifest"] == "mismatch"
