"""The Store wrapper: the methods cxgraph uses instead of the pyoxigraph handle, on a real
pyoxigraph store in memory and on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from cxgraph.errors import QueryError, StoreError
from cxgraph.store import Store
from cxgraph.store.backend import StoreBackend

EX = "https://example.org/"
G1 = ox.NamedNode("urn:cxgraph:graph:data:one")
G2 = ox.NamedNode("urn:cxgraph:graph:data:two")
A, B, C = (ox.NamedNode(EX + n) for n in "abc")
P = ox.NamedNode(EX + "p")
Q1 = ox.Quad(A, P, B, G1)
Q2 = ox.Quad(B, P, C, G1)
Q3 = ox.Quad(A, P, C, G2)


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield Store(tmp_path / "db" if request.param == "disk" else None)


def test_embedded_and_remote_stores_have_every_method_of_the_interface() -> None:
    """mypy checks the signatures (``Store`` holds either as a ``StoreBackend``); this
    checks that the interface is not empty and both classes have all of it."""
    from cxgraph.store.remote import RemoteStore

    wanted = {n for n, v in vars(StoreBackend).items() if callable(v) and n not in _PLUMBING}
    assert {"query", "update", "quads_for_pattern", "extend", "__contains__"} <= wanted
    assert [n for n in sorted(wanted) if not hasattr(ox.Store, n)] == []
    assert [n for n in sorted(wanted) if not hasattr(RemoteStore, n)] == []


_PLUMBING = {"__init__", "_proto_hook", "__subclasshook__", "__class_getitem__"}


def test_insert_quads_iterate_and_contain(store: Store) -> None:
    store.insert([Q1, Q2, Q3])
    assert len(store) == 3
    assert set(store) == {Q1, Q2, Q3}
    assert Q1 in store
    assert ox.Quad(C, P, A, G1) not in store
    assert set(store.quads(A, None, None)) == {Q1, Q3}
    assert set(store.quads(None, None, C, G1)) == {Q2}
    assert set(store.quads(graph=G2)) == {Q3}
    assert list(store.quads(C, None, None)) == []


def test_delete_removes_only_the_given_quads(store: Store) -> None:
    store.insert([Q1, Q2, Q3])
    store.delete([Q1, ox.Quad(C, P, A, G1)])  # an absent quad is ignored
    assert set(store) == {Q2, Q3}


def test_graphs_are_added_tested_and_removed(store: Store) -> None:
    assert not store.has_graph(G1)
    store.add_graph(G1)
    assert store.has_graph(G1)  # empty, but held
    assert store.graphs() == [G1]
    store.insert([Q3])
    assert store.graphs() == [G1, G2]
    store.remove_graph(G2)
    assert not store.has_graph(G2)
    assert list(store.quads(graph=G2)) == []
    assert store.graphs() == [G1]


def test_update_writes_and_takes_a_base(store: Store) -> None:
    store.update(f"INSERT DATA {{ GRAPH {G1} {{ <a> {P} <b> }} }}", base_iri=EX)
    assert set(store) == {Q1}
    store.update(f"DELETE WHERE {{ GRAPH {G1} {{ ?s {P} ?o }} }}")
    assert len(store) == 0


def test_query_reads_the_union_unless_told_otherwise(store: Store) -> None:
    store.insert([Q1, Q3])
    text = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    union = store.query(text)
    assert isinstance(union, ox.QuerySolutions)
    assert [row["o"] for row in union] == [B, C]
    own = store.query(text, union=False)  # the store's own default graph is empty
    assert isinstance(own, ox.QuerySolutions)
    assert list(own) == []
    chosen = store.query(text, default_graph=[G2])
    assert isinstance(chosen, ox.QuerySolutions)
    assert [row["o"] for row in chosen] == [C]


def test_query_bindings_prefixes_and_errors(store: Store) -> None:
    store.insert([Q1, Q2])
    result = store.query(
        "SELECT ?s ?o WHERE { ?s ex:p ?o }",
        prefixes={"ex": EX},
        substitutions={ox.Variable("s"): B},
    )
    assert isinstance(result, ox.QuerySolutions)
    assert [row["o"] for row in result] == [C]
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        store.query("SELECT WHERE {")
    with pytest.raises(SyntaxError):  # evaluate leaves the backend's errors alone
        store.evaluate("SELECT WHERE {")


def test_evaluate_uses_the_dataset_it_is_given(store: Store) -> None:
    store.insert([Q1, Q3])
    ask = f"ASK {{ {A} {P} {C} }}"
    assert not store.evaluate(ask)
    assert store.evaluate(ask, use_default_graph_as_union=True)
    assert store.evaluate(ask, default_graph=[G2])
    assert not store.evaluate(ask, default_graph=[G1])
    named = f"ASK {{ GRAPH ?g {{ {A} {P} {C} }} }}"
    assert not store.evaluate(named, default_graph=[G1], named_graphs=[G1])
    assert store.evaluate(named, default_graph=[G1], named_graphs=[G2])


def test_copy_into_copies_every_graph_and_quad(store: Store) -> None:
    store.insert([Q1, Q3])
    empty = ox.NamedNode("urn:cxgraph:graph:data:empty")
    store.add_graph(empty)
    copy = Store()
    store.copy_into(copy)
    assert set(copy) == {Q1, Q3}
    assert copy.graphs() == store.graphs()
    assert copy.has_graph(empty)
    copy.delete([Q1])  # a copy, not a view
    assert Q1 in store


def test_disk_store_keeps_what_was_written(tmp_path: Path) -> None:
    first = Store(tmp_path / "db")
    first.insert([Q1, Q2])
    first.add_graph(G2)
    first.flush()
    del first
    again = Store(tmp_path / "db")
    assert set(again) == {Q1, Q2}
    assert again.has_graph(G2)


def test_an_embedded_store_makes_no_requests(store: Store) -> None:
    store.insert([Q1])
    assert store.traffic() == (0, 0.0)


def test_a_scratch_graph_lives_for_its_block(store: Store) -> None:
    quad = ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b"), ox.NamedNode("urn:x:c"))
    with pytest.raises(RuntimeError), store.scratch_graph("test") as graph:
        assert store.has_graph(graph)
        store.insert([ox.Quad(quad.subject, quad.predicate, quad.object, graph)])
        with pytest.raises(StoreError, match="in use"), store.scratch_graph("test"):
            pass
        raise RuntimeError("the block fails")
    assert not store.has_graph(graph)
    assert not list(store.quads(None, None, None, graph))


def test_held_in_names_the_triples_some_of_the_graphs_hold(store: Store) -> None:
    first, second = ox.NamedNode("urn:g:1"), ox.NamedNode("urn:g:2")
    a = ox.Triple(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:p"), ox.Literal("1"))
    b = ox.Triple(ox.NamedNode("urn:x:b"), ox.NamedNode("urn:x:p"), ox.Literal("2"))
    store.insert([ox.Quad(a.subject, a.predicate, a.object, first)])
    store.insert([ox.Quad(b.subject, b.predicate, b.object, second)])
    assert store.held_in([a, b], [first]) == {a}
    assert store.held_in([a, b], [first, second]) == {a, b}
    assert store.held_in([a, b], []) == set()
