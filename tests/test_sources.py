"""Loading model files: formats, error messages naming file:line:column, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxgraph.errors import InputError
from cxgraph.pipeline import build_knowledge_graph, open_store
from cxgraph.sources import Source, SourceFormat, format_for_path, graph_for_source

ONTOLOGY = "urn:cxgraph:graph:ontology"
GOOD = (
    "@prefix cx: <https://w3id.org/cxgraph#> .\n<https://e.org/p> cx:hasNeed <https://e.org/n> .\n"
)


def test_format_by_extension() -> None:
    assert format_for_path(Path("a.ttl")) is SourceFormat.TURTLE
    assert format_for_path(Path("a.TRIG")) is SourceFormat.TRIG
    assert format_for_path(Path("a.jsonld")) is SourceFormat.JSONLD
    assert format_for_path(Path("a.rdf")) is SourceFormat.RDFXML
    assert format_for_path(Path("a.nq")) is SourceFormat.NQUADS
    with pytest.raises(InputError, match=r"a\.docx.*cannot tell the RDF format"):
        format_for_path(Path("a.docx"))


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(GOOD + '<https://e.org/p> cx:hasNeed "open .\n')
    with pytest.raises(InputError) as info:
        build_knowledge_graph([bad])
    assert info.value.file == str(bad)
    assert info.value.line == 3
    assert info.value.column is not None
    assert str(info.value).startswith(f"{bad}:3:")


def test_batch_with_bad_last_file_leaves_store_unchanged(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    first = tmp_path / "first.ttl"
    first.write_text(GOOD)
    kg = build_knowledge_graph([first], store_path=store_dir)
    before = sorted(str(q) for q in kg.store)
    del kg
    good = tmp_path / "second.ttl"
    good.write_text(GOOD.replace("/n>", "/n2>"))
    bad = tmp_path / "third.nt"
    bad.write_text("<https://e.org/a> <https://e.org/b> .\n")
    store = open_store(store_dir)
    with pytest.raises(InputError, match=r"third\.nt:1"):
        store.load_sources([Source.from_path(good), Source.from_path(bad)])
    assert sorted(str(q) for q in store) == before


def test_rdfxml_with_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lol.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaa">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    )
    with pytest.raises(InputError, match="DOCTYPE or ENTITY"):
        build_knowledge_graph([path])


def test_jsonld_remote_context_is_not_fetched(tmp_path: Path) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://e/a"}')
    with pytest.raises(InputError, match="remote JSON-LD contexts are not fetched"):
        build_knowledge_graph([path])


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        build_knowledge_graph([tmp_path / "nope.ttl"])
    folder = tmp_path / "dir.ttl"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        build_knowledge_graph([folder])


def test_all_formats_load_the_same_triples(tmp_path: Path) -> None:
    ttl = tmp_path / "m.ttl"
    ttl.write_text(GOOD)
    kg = build_knowledge_graph([ttl])
    for fmt, ext in [
        (SourceFormat.NTRIPLES, "nt"),
        (SourceFormat.JSONLD, "jsonld"),
        (SourceFormat.RDFXML, "rdf"),
        (SourceFormat.TRIG, "trig"),
        (SourceFormat.NQUADS, "nq"),
    ]:
        path = tmp_path / f"m.{ext}"
        path.write_bytes(kg.export(fmt, kg.store.data_graphs()))
        other = build_knowledge_graph([path])
        assert [f.as_json() for f in other.findings] == [f.as_json() for f in kg.findings], ext


def test_reserved_graph_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.trig"
    path.write_text("<urn:cxgraph:graph:gaps> { <https://e/a> <https://e/b> <https://e/c> . }")
    with pytest.raises(InputError, match="reserved"):
        build_knowledge_graph([path])


def test_persistent_store_is_reopened(tmp_path: Path) -> None:
    model = tmp_path / "m.ttl"
    model.write_text(GOOD)
    first = build_knowledge_graph([model], store_path=tmp_path / "db")
    expected = [f.as_json() for f in first.findings]
    del first
    reopened = build_knowledge_graph(None, store_path=tmp_path / "db")
    assert [f.as_json() for f in reopened.findings] == expected
    assert expected


def test_reloading_a_source_replaces_its_graph_only_when_the_batch_loads(tmp_path: Path) -> None:
    first = tmp_path / "first.ttl"
    first.write_text(GOOD)
    store = open_store()
    store.load_sources([Source.from_path(first)])
    before = sorted(str(q) for q in store)
    first.write_text(GOOD.replace("/n>", "/n2>"))
    bad = tmp_path / "bad.nt"
    bad.write_text("<https://e.org/a> <https://e.org/b> .\n")
    with pytest.raises(InputError, match=r"bad\.nt:1"):
        store.load_sources([Source.from_path(first), Source.from_path(bad)])
    assert sorted(str(q) for q in store) == before
    store.load_sources([Source.from_path(first)])
    graph = graph_for_source("first")
    assert {q.object.value for q in store.quads(None, None, None, graph)} == {"https://e.org/n2"}
    assert [g.value for g in store.graphs()] == ["urn:cxgraph:graph:data:first", ONTOLOGY]


def test_deeply_nested_triple_terms_in_ntriples_are_refused(tmp_path: Path) -> None:
    term = "<https://e.org/o>"
    for _ in range(200):
        term = f"<<( <https://e.org/s> <https://e.org/p> {term} )>>"
    deep = tmp_path / "deep.nt"
    deep.write_text(f"<https://e.org/s> <https://e.org/p> {term} .\n")
    store = open_store()
    with pytest.raises(InputError, match="nests deeper"):
        store.load_sources([Source.from_path(deep)])
    assert [g.value for g in store.graphs()] == [ONTOLOGY]


def test_sources_with_the_same_name_in_one_batch_share_their_graph(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "model.ttl", tmp_path / "b" / "model.ttl"
    first.write_text(GOOD)
    second.write_text(GOOD.replace("/n>", "/n2>"))
    store = open_store()
    for _ in range(2):  # into a new graph, then over the graph the first batch made
        store.load_sources([Source.from_path(first), Source.from_path(second)])
        graph = graph_for_source("model")
        objects = {q.object.value for q in store.quads(None, None, None, graph)}
        assert objects == {"https://e.org/n", "https://e.org/n2"}
        assert [g.value for g in store.graphs()] == [graph.value, ONTOLOGY]
