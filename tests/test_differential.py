"""Differential tests: the RULES profile against owlrl, the reference OWL 2 RL reasoner.

For random models (``tests/random_models.py``) the instance closure (``cxgraph.closure``)
of both profiles over the same store must be equal, and so must the gap findings. CI runs
the ``ci`` hypothesis profile (a few hundred examples, derandomized: the same ones every
run); ``python benchmarks/differential.py --examples 10000`` runs a long search. A model on
which they ever differed is kept in ``tests/fixtures/differential/`` and checked here.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxgraph import build_knowledge_graph, resources
from cxgraph.closure import compare_with_owlrl
from cxgraph.gaps import detect_gaps
from cxgraph.namespaces import ONTOLOGY_GRAPH, RDFS, SKOS
from tests.conftest import FIXTURES
from tests.random_models import random_model

COUNTEREXAMPLES = FIXTURES / "differential"
BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
SAVE_TO = os.environ.get("CXGRAPH_DIFFERENTIAL_SAVE")
"""Where a failing model is written (the long search sets it), to keep as a fixture."""

settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("CXGRAPH_DIFFERENTIAL_EXAMPLES", "10000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("CXGRAPH_DIFFERENTIAL_PROFILE", "ci"))


LEAN = os.environ.get("CXGRAPH_DIFFERENTIAL_LEAN") == "1"
"""The long search's ``--lean``: both profiles compare on the ontology without its
annotations (labels, definitions, alignments), which take part in no OWL 2 RL rule on
instances; owlrl then takes about two thirds of the time."""
_ANNOTATIONS = {
    RDFS + "label",
    RDFS + "comment",
    SKOS + "definition",
    SKOS + "closeMatch",
}


def assert_profiles_agree(path: Path) -> None:
    kg = build_knowledge_graph([path])
    if LEAN:
        kg.store.delete(
            [q for q in kg.store.quads(graph=ONTOLOGY_GRAPH) if q.predicate.value in _ANNOTATIONS]
        )
        kg.refresh()
    rules_findings = [f.as_json() for f in kg.findings]
    difference = compare_with_owlrl(kg.store)
    assert not difference, f"{path}: {difference}"
    assert [f.as_json() for f in detect_gaps(kg.store)] == rules_findings


@given(st.randoms(use_true_random=False))
def test_random_models_agree_with_owlrl(
    tmp_path_factory: pytest.TempPathFactory, rng: random.Random
) -> None:
    path = tmp_path_factory.mktemp("model") / "model.trig"
    path.write_text(random_model(rng), encoding="utf-8")
    try:
        assert_profiles_agree(path)
    except AssertionError:
        if SAVE_TO:
            target = Path(SAVE_TO)
            target.mkdir(parents=True, exist_ok=True)
            (target / f"counterexample-{len(list(target.iterdir())) + 1}.trig").write_text(
                path.read_text(encoding="utf-8"), encoding="utf-8"
            )
        raise


@pytest.mark.parametrize("path", sorted(COUNTEREXAMPLES.glob("*.trig")), ids=lambda p: p.name)
def test_counterexamples_found_before_agree(path: Path) -> None:
    assert_profiles_agree(path)


@pytest.mark.parametrize("path", resources.sample_files(), ids=lambda p: p.name)
def test_samples_agree_with_owlrl(path: Path) -> None:
    assert_profiles_agree(path)


@pytest.mark.parametrize("profile", ["sparse", "dense"])
def test_generated_model_agrees_with_owlrl(tmp_path: Path, profile: str) -> None:
    """A benchmark model (``benchmarks/generate.py``, 3,000 triples); larger ones in
    ``python benchmarks/differential.py --models 10k,100k``."""
    command = [sys.executable, str(BENCH / "generate.py"), "--triples", "3000"]
    command += ["--out", str(tmp_path), "--seed", "11", "--profile", profile]
    subprocess.run(command, check=True, capture_output=True, text=True)
    assert_profiles_agree(tmp_path / "model.nt")
