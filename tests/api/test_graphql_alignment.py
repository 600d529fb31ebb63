"""Alignment matrices on the hand-made model of ``test_graphql_support``, whose counts and
gaps are known, and their consistency on the bundled samples."""

from __future__ import annotations

from typing import Any

import pytest

from cxgraph import KnowledgeGraph, build_knowledge_graph
from cxgraph.api.graphql.alignment import PAIRINGS
from cxgraph.gaps import rule_ids
from cxgraph.queries import saved_query
from tests.api.test_graphql_support import build_model, data, ex, execute

QUERY = """query ($rows: Kind!, $columns: Kind!, $top: Boolean! = false) {
  alignment(rows: $rows, columns: $columns, topLevelOnly: $top) {
    rowKind columnKind link rules
    rows { iri label } columns { iri label }
    cells { row column count gapIds }
  } }"""


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return build_model(tmp_path_factory.mktemp("alignment"))


def matrix(kg: KnowledgeGraph, rows: str, columns: str, top: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = data(kg, QUERY, rows=rows, columns=columns, top=top)["alignment"]
    return result


def counts(alignment: dict[str, Any]) -> dict[tuple[str, str], int]:
    local = {n["iri"]: n["iri"].rsplit("#", 1)[1] for n in alignment["rows"] + alignment["columns"]}
    return {(local[c["row"]], local[c["column"]]): c["count"] for c in alignment["cells"]}


def gap_of(kg: KnowledgeGraph, rule: str, local: str) -> str:
    return next(f.iri for f in kg.findings if f.rule == rule and f.focus == ex(local))


def test_persona_by_process_counts_needs_met(kg: KnowledgeGraph) -> None:
    alignment = matrix(kg, "PERSONA", "PROCESS")
    assert [r["label"] for r in alignment["rows"]] == ["Alice", "Bob", "Carol", "Dave"]
    assert [c["label"] for c in alignment["columns"]] == [
        "Child",
        "Grandchild",
        "Idle",
        "Other",
        "Serve",
    ]
    assert len(alignment["cells"]) == 4 * 5
    found = counts(alignment)
    assert {k: v for k, v in found.items() if v} == {
        ("alice", "serve"): 2,
        ("alice", "child"): 2,
        ("alice", "grandchild"): 1,
        ("alice", "other"): 1,
        ("bob", "serve"): 1,
        ("bob", "child"): 1,
        ("bob", "other"): 2,
        ("dave", "serve"): 1,
        ("dave", "child"): 1,
        ("dave", "grandchild"): 1,
    }
    assert alignment["rules"] == ["inside-out-process", "unserved-persona"]
    cells = {(c["row"], c["column"]): c for c in alignment["cells"]}
    unserved, idle = (
        gap_of(kg, "unserved-persona", "carol"),
        gap_of(kg, "inside-out-process", "idle"),
    )
    assert cells[ex("carol"), ex("idle")]["gapIds"] == sorted([unserved, idle])
    assert cells[ex("carol"), ex("serve")]["gapIds"] == [unserved]
    assert cells[ex("alice"), ex("idle")]["gapIds"] == [idle]
    assert cells[ex("alice"), ex("serve")]["gapIds"] == []
    # Row-major order: every row's cells together, columns in column order.
    order = [(c["row"], c["column"]) for c in alignment["cells"]]
    assert order == [(r["iri"], c["iri"]) for r in alignment["rows"] for c in alignment["columns"]]


def test_top_level_only_and_transposition(kg: KnowledgeGraph) -> None:
    top = matrix(kg, "PERSONA", "PROCESS", top=True)
    assert [c["label"] for c in top["columns"]] == ["Idle", "Other", "Serve"]
    transposed = matrix(kg, "PROCESS", "PERSONA")
    assert transposed["rowKind"] == "PROCESS" and transposed["columnKind"] == "PERSONA"
    flipped = {(c, r): n for (r, c), n in counts(transposed).items()}
    assert flipped == counts(matrix(kg, "PERSONA", "PROCESS"))


def test_need_by_process_counts_offerings(kg: KnowledgeGraph) -> None:
    found = counts(matrix(kg, "NEED", "PROCESS"))
    assert {k: v for k, v in found.items() if v} == {
        ("n1", "serve"): 1,
        ("n1", "child"): 1,
        ("n1", "grandchild"): 1,
        ("n2", "serve"): 1,
        ("n2", "child"): 1,
        ("n2", "other"): 2,
        ("n3", "other"): 1,
    }
    alignment = matrix(kg, "NEED", "PROCESS")
    unmet = gap_of(kg, "unmet-need", "n4")
    assert all(unmet in c["gapIds"] for c in alignment["cells"] if c["row"] == ex("n4"))


def test_promise_by_experience_and_process_by_party(kg: KnowledgeGraph) -> None:
    promises = matrix(kg, "BRAND_PROMISE", "EXPERIENCE")
    assert {k: v for k, v in counts(promises).items() if v} == {
        ("b1", "e1"): 1,
        ("b2", "e2"): 1,
        ("b2", "e3"): 1,
    }
    below, without = (
        gap_of(kg, "experience-below-promise", "e3"),
        gap_of(kg, "promise-without-experience", "b3"),
    )
    cells = {(c["row"], c["column"]): c["gapIds"] for c in promises["cells"]}
    assert cells[ex("b3"), ex("e3")] == sorted([below, without])
    parties = counts(matrix(kg, "PROCESS", "PARTY"))
    assert {k: v for k, v in parties.items() if v} == {
        ("serve", "boss"): 1,
        ("serve", "team1"): 2,
        ("serve", "team2"): 1,
        ("child", "team1"): 2,
        ("child", "team2"): 1,
        ("grandchild", "team1"): 1,
        ("other", "team2"): 2,
    }


def test_process_by_metric_carries_measurement_gaps(kg: KnowledgeGraph) -> None:
    alignment = matrix(kg, "METRIC", "PROCESS", top=True)
    assert {k: v for k, v in counts(alignment).items() if v} == {("metric1", "serve"): 1}
    cells = {(c["row"], c["column"]): c["gapIds"] for c in alignment["cells"]}
    off, unmeasured = (
        gap_of(kg, "metric-off-target", "metric1"),
        gap_of(kg, "unmeasured-process", "idle"),
    )
    assert cells[ex("metric1"), ex("idle")] == sorted([off, unmeasured])
    assert cells[ex("metric1"), ex("serve")] == [off]


def test_an_unsupported_pair_names_the_supported_ones(kg: KnowledgeGraph) -> None:
    result = execute(kg, QUERY, {"rows": "CHANNEL", "columns": "JOURNEY"})
    assert result.errors
    message = result.errors[0].message
    assert "no alignment of CHANNEL x JOURNEY" in message and "PERSONA x PROCESS" in message


def test_every_pairing_has_a_query_and_known_rules() -> None:
    for pairing in PAIRINGS:
        assert saved_query(pairing.query_id).description
        assert pairing.rules <= set(rule_ids()), pairing


def test_every_pairing_runs_on_the_samples() -> None:
    kg = build_knowledge_graph(None)
    for pairing in PAIRINGS:
        alignment = matrix(kg, pairing.rows.name, pairing.columns.name)
        assert len(alignment["cells"]) == len(alignment["rows"]) * len(alignment["columns"])
        assert any(c["count"] for c in alignment["cells"]), pairing
    # On the samples, personas x top-level processes agrees with the dashboard's report.
    report = kg.query(saved_query("reports/persona-process-alignment").text)
    expected = {
        (r["persona"].value, r["process"].value): int(r["needsMet"].value)
        for r in report  # type: ignore[union-attr]
        if r["process"] is not None
    }
    alignment = matrix(kg, "PERSONA", "PROCESS", top=True)
    assert {(c["row"], c["column"]): c["count"] for c in alignment["cells"] if c["count"]} == (
        expected
    )
