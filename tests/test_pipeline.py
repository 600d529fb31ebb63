"""The data flow of :mod:`cxgraph.pipeline`: load → infer → detect gaps into a
``KnowledgeGraph``, over a fresh or a reopened store; reading it back (findings, filters,
export); bad input refused with the store as it was."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from cxgraph import build_knowledge_graph, resources
from cxgraph.errors import InputError
from cxgraph.gaps import Severity
from cxgraph.namespaces import GAPS_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from cxgraph.pipeline import attach_knowledge_graph, open_store
from cxgraph.profiles import ReasoningProfile
from cxgraph.sources import SourceFormat

SALON = resources.sample_files()[0].parent / "salon.ttl"


def test_without_data_the_samples_are_loaded_reasoned_and_checked() -> None:
    kg = build_knowledge_graph()
    assert {g.value.rsplit(":", 1)[-1] for g in kg.store.data_graphs()} == {
        p.stem for p in resources.sample_files()
    }
    assert kg.inference is not None and kg.inference.total > 0
    assert kg.store.count(INFERRED_GRAPH) > 0
    assert kg.findings and kg.store.count(GAPS_GRAPH) > 0


def test_gaps_filter_by_rule_and_severity() -> None:
    kg = build_knowledge_graph([SALON])
    errors = kg.gaps(severities=[Severity.ERROR])
    assert errors and all(f.severity is Severity.ERROR for f in errors)
    unmet = kg.gaps(rules=["unmet-need"])
    assert unmet and {f.rule for f in unmet} == {"unmet-need"}
    assert len(kg.gaps()) == len(kg.findings)


def test_findings_depend_on_the_profile() -> None:
    reasoned = build_knowledge_graph([SALON])
    unreasoned = build_knowledge_graph([SALON], profile=ReasoningProfile.NONE)
    assert unreasoned.store.count(INFERRED_GRAPH) == 0
    assert {(f.rule, f.focus) for f in reasoned.findings} != {
        (f.rule, f.focus) for f in unreasoned.findings
    }


def test_a_store_directory_is_reopened_without_reloading(tmp_path: Path) -> None:
    first = build_knowledge_graph([SALON], store_path=tmp_path / "store")
    expected = [f.as_json() for f in first.findings]
    del first
    again = build_knowledge_graph(store_path=tmp_path / "store")  # no data: what it holds
    assert [g.value for g in again.store.data_graphs()] == ["urn:cxgraph:graph:data:salon"]
    assert [f.as_json() for f in again.findings] == expected


def test_the_ontology_graph_is_loaded_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    size = store.count(ONTOLOGY_GRAPH)
    assert size > 0
    del store
    assert open_store(tmp_path / "store").count(ONTOLOGY_GRAPH) == size


def test_bad_input_is_refused_and_a_store_keeps_what_it_had(tmp_path: Path) -> None:
    kg = build_knowledge_graph([SALON], store_path=tmp_path / "store")
    before = set(kg.store)
    del kg
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix cx: <https://w3id.org/cxgraph#> .\ncx:a cx:b .\n")
    with pytest.raises(InputError) as refused:
        build_knowledge_graph([SALON, bad], store_path=tmp_path / "store")
    assert refused.value.file is not None and refused.value.file.endswith("bad.ttl")
    assert refused.value.line == 2
    del refused  # its traceback holds the store open
    gc.collect()
    assert set(build_knowledge_graph(store_path=tmp_path / "store").store) == before


def test_a_missing_file_and_an_unknown_format_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=re.escape("missing.ttl")):
        build_knowledge_graph([tmp_path / "missing.ttl"])
    odd = tmp_path / "model.txt"
    odd.write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n")
    with pytest.raises(InputError, match=re.escape("model.txt")):
        build_knowledge_graph([odd])
    kg = build_knowledge_graph([odd], source_format=SourceFormat.NTRIPLES)
    assert ox.Triple(
        ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b"), ox.NamedNode("urn:x:c")
    ) in set(kg.store.triples(kg.store.data_graphs()))


def test_export_defaults_to_data_inferred_and_gaps() -> None:
    kg = build_knowledge_graph([SALON])
    exported = set(ox.parse(kg.export(SourceFormat.NQUADS), format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name for q in exported}
    assert graphs == {*kg.store.data_graphs(), INFERRED_GRAPH, GAPS_GRAPH}
    assert ONTOLOGY_GRAPH not in graphs


def test_copy_is_independent() -> None:
    kg = build_knowledge_graph([SALON])
    copy = kg.copy()
    copy.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
    assert len(copy.store) > len(kg.store)
    assert [f.as_json() for f in kg.findings] == [
        f.as_json() for f in build_knowledge_graph([SALON]).findings
    ]


def test_only_a_remote_store_can_be_attached(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only a remote store"):
        attach_knowledge_graph(tmp_path / "store")
