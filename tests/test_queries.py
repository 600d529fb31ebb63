"""The saved-query registry and the analyst reports, run on the samples."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cxgraph import build_knowledge_graph
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.queries import saved_queries, saved_query


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return build_knowledge_graph(None)


def rows(kg: KnowledgeGraph, query_id: str) -> list[dict[str, str]]:
    result = kg.query(saved_query(query_id).text)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: r[n].value for n in names if r[n] is not None} for r in result]


def test_every_saved_query_has_a_title_and_runs(kg: KnowledgeGraph) -> None:
    for query in saved_queries():
        assert query.title and query.description, query.id
        if "?entity" in query.text:
            continue
        kg.query(query.text)


def test_ids_are_folder_and_stem() -> None:
    ids = {q.id for q in saved_queries()}
    assert {"gaps/unmet-need", "reports/needs-per-persona", "reports/breakpoints"} <= ids


def test_needs_per_persona_lists_meeting_processes(kg: KnowledgeGraph) -> None:
    result = rows(kg, "reports/needs-per-persona")
    unmet = {g.focus for g in kg.gaps(["unmet-need"])}
    assert result
    for row in result:
        assert (row["processCount"] == "0") == (row["need"] in unmet)


def test_breakpoints_agree_with_unmanaged_handoffs(kg: KnowledgeGraph) -> None:
    unmanaged = {r["from"] for r in rows(kg, "reports/breakpoints") if r["managed"] == "false"}
    managed = {r["from"] for r in rows(kg, "reports/breakpoints") if r["managed"] == "true"}
    assert unmanaged == {g.focus for g in kg.gaps(["unmanaged-handoff"])}
    assert managed


def test_promise_experience_flags_broken_promises(kg: KnowledgeGraph) -> None:
    broken = {
        r["experience"] for r in rows(kg, "reports/promise-experience") if r.get("keeps") == "false"
    }
    assert broken == {g.focus for g in kg.gaps(["experience-below-promise"])}


def test_scorecard_off_target_matches_rule(kg: KnowledgeGraph) -> None:
    off = {r["metric"] for r in rows(kg, "reports/scorecard") if r.get("onTarget") == "false"}
    flagged = {g.focus for g in kg.gaps(["metric-off-target"])}
    assert off and off <= flagged
