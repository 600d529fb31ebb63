"""The library's write API (``KnowledgeGraph.update``, ``put_graph``, ``post_graph``,
``drop_graph``, ``load``) and ``cxgraph update``: each write all or nothing, refusals as
library exceptions with the store exactly as before, and the inferred graph and findings
after a write equal to a full recompute. HTTP runs the same code (tests/api/test_writes.py)."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from cxgraph import build_knowledge_graph, resources
from cxgraph.cli import app, hoist_shared_options
from cxgraph.errors import InputError, ShapesViolated, WriteRefused
from cxgraph.namespaces import GAPS_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.profiles import WriteValidation
from cxgraph.sources import Source, SourceFormat
from cxgraph.store import Store
from tests.salon_edits import FIX_UNMET_NEED, FIXES_GRAPH, SALON, UNMET

CX = "https://w3id.org/cxgraph#"
FIXES = ox.NamedNode(FIXES_GRAPH)
FIX_TRIPLES = [
    ox.Triple(
        ox.NamedNode(SALON + "WaitBoardProcess"),
        ox.NamedNode(CX + "delivers"),
        ox.NamedNode(SALON + "WaitBoard"),
    ),
    ox.Triple(
        ox.NamedNode(SALON + "WaitBoard"),
        ox.NamedNode(CX + "fulfils"),
        ox.NamedNode(SALON + "NeedKnowWait"),
    ),
]


def samples() -> KnowledgeGraph:
    return build_knowledge_graph()


def findings(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    return sorted((f.rule, f.focus) for f in kg.findings)


def everything(kg: KnowledgeGraph) -> tuple[set[ox.Quad], set[ox.NamedNode], list[object]]:
    """What a reader can see: every quad, every graph (empty ones too), the findings."""
    return set(kg.store), set(kg.store.graphs()), [f.as_json() for f in kg.findings]


def derived(kg: KnowledgeGraph) -> set[ox.Quad]:
    return {q for q in kg.store if q.graph_name in (INFERRED_GRAPH, GAPS_GRAPH)}


def assert_as_recomputed(kg: KnowledgeGraph) -> None:
    """The incremental result equals recomputing inference and gaps from scratch."""
    incremental, found = derived(kg), findings(kg)
    kg.refresh()
    assert derived(kg) == incremental
    assert findings(kg) == found


def test_an_update_closes_a_gap_and_reports_what_it_changed() -> None:
    kg = samples()
    assert UNMET in findings(kg)
    summary = kg.update(FIX_UNMET_NEED)
    assert UNMET not in findings(kg)
    assert summary["graphs"] == {FIXES.value: {"added": 2, "removed": 0}}
    assert summary["created"] == [FIXES.value]
    assert summary["findings"] == len(kg.findings)
    assert_as_recomputed(kg)


def test_deleting_from_the_union_removes_asserted_copies_and_keeps_derived_ones() -> None:
    kg = samples()
    kg.update(FIX_UNMET_NEED)
    summary = kg.update(
        f"DELETE WHERE {{ <{SALON}WaitBoard> cx:fulfils ?need . "
        f"<{SALON}WaitBoardProcess> cx:meetsNeed ?need }}"
    )
    assert summary["graphs"] == {FIXES.value: {"added": 0, "removed": 1}}
    assert summary["derived_triples_kept"] == 1
    assert UNMET in findings(kg)
    assert_as_recomputed(kg)


def test_an_update_moving_a_triple_between_graphs_moves_it() -> None:
    """``DELETE { t } INSERT { GRAPH <g> { t } }``: deleted from the graph asserting it,
    inserted into g (not deleted from g as well)."""
    kg = samples()
    need = f"<{SALON}WalkInRegular> cx:hasNeed <{SALON}NeedGoodHaircut>"
    moved = "urn:cxgraph:graph:data:moved"
    summary = kg.update(f"DELETE {{ {need} }} INSERT {{ GRAPH <{moved}> {{ {need} }} }} WHERE {{}}")
    assert summary["graphs"] == {
        moved: {"added": 1, "removed": 0},
        "urn:cxgraph:graph:data:salon": {"added": 0, "removed": 1},
    }
    assert kg.store.count(ox.NamedNode(moved)) == 1
    assert_as_recomputed(kg)


def test_graph_store_operations() -> None:
    kg = samples()
    created = kg.put_graph(FIXES, FIX_TRIPLES[:1])
    assert created["created"] == [FIXES.value]
    kg.post_graph(FIXES, FIX_TRIPLES[1:])
    assert set(kg.store.triples([FIXES])) == set(FIX_TRIPLES)
    assert UNMET not in findings(kg)
    replaced = kg.put_graph(FIXES, FIX_TRIPLES[1:])
    assert replaced["graphs"] == {FIXES.value: {"added": 0, "removed": 1}}
    assert UNMET in findings(kg)
    assert_as_recomputed(kg)
    dropped = kg.drop_graph(FIXES)
    assert dropped["dropped"] == [FIXES.value]
    assert not kg.store.has_graph(FIXES)


RefusedWrite = Callable[[KnowledgeGraph], object]
REFUSED: dict[str, tuple[RefusedWrite, str]] = {
    "update of the inferred graph": (
        lambda kg: kg.update(
            f"INSERT DATA {{ GRAPH <{INFERRED_GRAPH.value}> {{ <urn:x:a> a cx:Persona }} }}"
        ),
        "read_only_graph",
    ),
    "deleting an ontology triple": (
        lambda kg: kg.update("DELETE WHERE { cx:Persona a owl:Class }"),
        "read_only_graph",
    ),
    "put on the ontology": (lambda kg: kg.put_graph(ONTOLOGY_GRAPH, []), "read_only_graph"),
    "post to the gaps graph": (
        lambda kg: kg.post_graph(GAPS_GRAPH, FIX_TRIPLES),
        "read_only_graph",
    ),
    "drop of the inferred graph": (lambda kg: kg.drop_graph(INFERRED_GRAPH), "read_only_graph"),
    "drop of a graph the store lacks": (lambda kg: kg.drop_graph(FIXES), "not_found"),
    "a syntax error": (lambda kg: kg.update("INSERT DATA { <urn:x:a> cx:hasNeed"), "syntax_error"),
    "an undeclared prefix": (
        lambda kg: kg.update("INSERT DATA { <urn:x:a> nope:b <urn:x:c> }"),
        "syntax_error",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_writes_change_nothing(name: str) -> None:
    write, code = REFUSED[name]
    kg = samples()
    before = everything(kg)
    with pytest.raises(WriteRefused) as refused:
        write(kg)
    assert refused.value.code == code
    assert str(refused.value)
    assert everything(kg) == before


def test_an_undeclared_prefix_is_named() -> None:
    with pytest.raises(WriteRefused, match=re.escape("'nope:' is not declared")):
        samples().update("INSERT DATA { <urn:x:a> nope:b <urn:x:c> }")


NAMELESS = "INSERT DATA { <urn:x:nameless> a cx:Persona }"  # breaks cxsh:LabelShape


def test_validation_refuses_a_write_that_breaks_the_shapes() -> None:
    kg = samples()
    kg.write_validation = WriteValidation.REFUSE
    before = everything(kg)
    with pytest.raises(ShapesViolated) as refused:
        kg.update(NAMELESS)
    assert refused.value.code == "shapes_violated"
    assert any("nameless" in json.dumps(r) for r in refused.value.report)
    assert everything(kg) == before
    accepted = kg.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
    assert accepted["graphs"] == {"urn:cxgraph:graph:data:updates": {"added": 1, "removed": 0}}
    assert "validation" in accepted


def test_validation_reports_and_applies() -> None:
    kg = samples()
    kg.write_validation = WriteValidation.REPORT
    summary = kg.update(NAMELESS)
    results = summary["validation"]["results"]  # type: ignore[index]
    assert any("nameless" in json.dumps(r) for r in results)
    assert ox.NamedNode("urn:x:nameless") in {q.subject for q in kg.store}


def test_load_replaces_a_graph_and_a_bad_file_changes_nothing() -> None:
    kg = samples()
    turtle = f"@prefix cx: <{CX}> .\n" + "\n".join(
        f"<{t.subject.value}> <{t.predicate.value}> <{t.object.value}> ." for t in FIX_TRIPLES
    )
    loaded = kg.load([Source("fixes.ttl", turtle.encode(), SourceFormat.TURTLE)])
    assert loaded["sources"] == {"fixes.ttl": 2}
    assert UNMET not in findings(kg)
    before = everything(kg)
    bad = Source("fixes.ttl", b"<urn:x:a> <urn:x:b> .", SourceFormat.TURTLE)
    with pytest.raises(InputError, match=re.escape("fixes.ttl")):
        kg.load([bad])
    assert everything(kg) == before


def test_writes_persist_in_a_store_directory(tmp_path: Path) -> None:
    kg = build_knowledge_graph(store_path=tmp_path / "store")
    kg.update(FIX_UNMET_NEED)
    expected = findings(kg)
    del kg
    reopened = build_knowledge_graph(store_path=tmp_path / "store")
    assert set(reopened.store.triples([FIXES])) == set(FIX_TRIPLES)
    assert findings(reopened) == expected


def run(*args: str) -> tuple[int, str, str]:
    """A command in this process; the store directory is free again afterwards (the
    result's traceback keeps the command's knowledge graph, and its lock, alive)."""
    result = CliRunner().invoke(app, hoist_shared_options(list(args)))
    outcome = (result.exit_code, result.stdout, result.stderr)
    del result
    gc.collect()
    return outcome


def test_cli_update_on_a_store(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    code, first, _ = run("gaps", "--store", store, "--format", "json")
    assert code == 1  # the samples have error findings
    code, out, _ = run("update", FIX_UNMET_NEED, "--store", store)
    assert code == 0, out
    summary = json.loads(out)
    assert summary["created"] == [FIXES.value]
    _, report, _ = run("gaps", "--store", store, "--format", "json")
    assert summary["findings"] == len(json.loads(report))
    assert summary["findings_before"] == len(json.loads(first))
    assert UNMET[1] not in {f["focus"] for f in json.loads(report) if f["rule"] == UNMET[0]}


def test_cli_update_refusals_exit_2_and_change_nothing(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    run("gaps", "--store", store)
    _, before, _ = run("export", "--store", store, "--format", "nquads")
    update_file = tmp_path / "nameless.ru"
    update_file.write_text(NAMELESS)
    for args in (
        ("update", "CLEAR GRAPH <urn:cxgraph:graph:ontology>"),
        ("update", "INSERT DATA { <urn:x:a> cx:hasNeed"),
        ("update", str(update_file), "--validation", "refuse"),
    ):
        code, _, err = run(*args, "--store", store)
        assert code == 2
        assert "error:" in err
    _, after, _ = run("export", "--store", store, "--format", "nquads")
    assert sorted(after.splitlines()) == sorted(before.splitlines())


def test_resources_are_the_samples() -> None:
    assert any(p.name == "salon.ttl" for p in resources.sample_files())


def test_load_replaces_graphs_with_empty_sources_too() -> None:
    kg = samples()
    telecom = ox.NamedNode("urn:cxgraph:graph:data:telecom")
    salon = ox.NamedNode("urn:cxgraph:graph:data:salon")
    loaded = kg.load(
        [
            Source("telecom.ttl", b"<urn:x:a> <urn:x:b> <urn:x:c> .", SourceFormat.TURTLE),
            Source("salon.ttl", b"", SourceFormat.TURTLE),
        ]
    )
    assert loaded["sources"] == {"telecom.ttl": 1, "salon.ttl": 0}
    assert kg.store.count(telecom) == 1
    assert kg.store.has_graph(salon) and kg.store.count(salon) == 0
    assert not any(f.focus.startswith(SALON) for f in kg.findings)
    assert not [g for g in kg.store.graphs() if "loading" in g.value]
    assert_as_recomputed(kg)


def test_load_replaces_the_graphs_a_dataset_names() -> None:
    kg = samples()
    fixes = f"<{FIXES_GRAPH}> {{ " + " ".join(
        f"<{t.subject.value}> <{t.predicate.value}> <{t.object.value}> ." for t in FIX_TRIPLES
    )
    kg.load([Source("first.trig", (fixes + " }").encode(), SourceFormat.TRIG)])
    assert set(kg.store.triples([FIXES])) == set(FIX_TRIPLES)
    assert UNMET not in findings(kg)
    again = f"<{FIXES_GRAPH}> {{ <urn:x:a> <urn:x:b> <urn:x:c> }}"
    kg.load([Source("second.trig", again.encode(), SourceFormat.TRIG)])
    assert kg.store.count(FIXES) == 1
    assert UNMET in findings(kg)
    assert not [g for g in kg.store.graphs() if "loading" in g.value]


def test_cli_update_needs_a_store_holding_a_model(tmp_path: Path) -> None:
    """Nothing is loaded into a store by ``update``: not the samples into an empty one,
    not ``--data`` next to ``--store``; the store is not even created."""
    store = tmp_path / "store"
    code, _, err = run(
        "update", "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", "--store", str(store)
    )
    assert code == 2 and "no store here" in err
    assert not store.exists()
    code, _, err = run("update", FIX_UNMET_NEED, "--store", str(store), "--data", str(tmp_path))
    assert code == 2 and "--data" in err


def test_cli_update_does_not_recompute_a_current_store(tmp_path: Path) -> None:
    """A store whose inference and gaps are current is updated incrementally: a marker
    planted in the inferred graph (which a full recompute would drop) survives."""
    store = tmp_path / "store"
    run("gaps", "--store", str(store))
    kg = build_knowledge_graph(store_path=store)
    marker = ox.Quad(ox.NamedNode("urn:x:m"), ox.NamedNode("urn:x:m"), ox.NamedNode("urn:x:m"))
    kg.store.insert([ox.Quad(marker.subject, marker.predicate, marker.object, INFERRED_GRAPH)])
    kg.store.flush()
    del kg
    gc.collect()
    code, out, _ = run(
        "update", "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", "--store", str(store)
    )
    assert code == 0, out
    assert json.loads(out)["findings"] == json.loads(out)["findings_before"]
    reopened = Store(store)
    held = set(reopened.quads(None, None, None, INFERRED_GRAPH))
    assert ox.Quad(marker.subject, marker.predicate, marker.object, INFERRED_GRAPH) in held
