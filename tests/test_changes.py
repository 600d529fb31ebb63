"""What a write changes (:mod:`cxgraph.changes`): updates made only of ``INSERT DATA`` and
``DELETE DATA`` are worked out from their own triples, every other update on a copy of the
store; the two must agree, so each update below is worked out both ways and compared
(the summary, every added and removed triple, graphs created and dropped, refusals)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cxgraph import build_knowledge_graph
from cxgraph.changes import Changes, by_copy, by_data, data_operations, updating
from cxgraph.errors import WriteRefused
from cxgraph.pipeline import KnowledgeGraph
from tests.salon_edits import FIX_UNMET_NEED, SALON

CX = "https://w3id.org/cxgraph#"
HAIRCUT = f"<{SALON}WalkInRegular> cx:hasNeed <{SALON}NeedGoodHaircut>"  # asserted in salon
MET = f"<{SALON}WalkInRegular> a cx:Persona"  # asserted
LABEL = f'<{SALON}WalkInRegular> rdfs:label "Walk-in regular"@en'
SERVED = f"<{SALON}WalkInRegular> cx:servedBy <{SALON}HaircutVisit>"  # inferred only

DATA_UPDATES = {
    "insert into the default graph": 'INSERT DATA { <urn:x:a> <urn:x:b> "c" }',
    "insert what the union holds": f"INSERT DATA {{ {HAIRCUT} }}",
    "insert into a new data graph": FIX_UNMET_NEED,
    "insert into an existing data graph": (
        f"INSERT DATA {{ GRAPH <urn:cxgraph:graph:data:salon> {{ {HAIRCUT} . "
        "<urn:x:a> <urn:x:b> <urn:x:c> } }"
    ),
    "delete from the union": f"DELETE DATA {{ {HAIRCUT} }}",
    "delete a language-tagged literal": f"DELETE DATA {{ {LABEL} }}",
    "delete from a named graph": (
        f"DELETE DATA {{ GRAPH <urn:cxgraph:graph:data:salon> {{ {MET} }} }}"
    ),
    "delete what is not there": "DELETE DATA { <urn:x:none> <urn:x:b> <urn:x:c> }",
    "delete a derived triple": f"DELETE DATA {{ {SERVED} }}",
    "insert then delete": (
        'INSERT DATA { <urn:x:a> <urn:x:b> "c" } ; DELETE DATA { <urn:x:a> <urn:x:b> "c" }'
    ),
    "delete then insert": f"DELETE DATA {{ {HAIRCUT} }} ; INSERT DATA {{ {HAIRCUT} }}",
    "prefixes and a base": (
        "PREFIX s: <https://example.org/salon#> BASE <https://example.org/salon>\n"
        "PREFIX t: <urn:t:> INSERT DATA { <#x> s:y s:z } ;\n"
        "INSERT DATA { GRAPH <urn:cxgraph:graph:data:t> { t:a s:y <#x> } }"
    ),
    "blank nodes": 'INSERT DATA { _:b <urn:x:b> "c" . _:b <urn:x:d> _:c }',
    "comments and strings with braces": (
        '# INSERT { } WHERE { }\nINSERT DATA { <urn:x:a> <urn:x:b> "} ; DELETE WHERE {" }'
    ),
    "insert into the inferred graph what it holds": (
        f"INSERT DATA {{ GRAPH <urn:cxgraph:graph:inferred> {{ {SERVED} }} }}"
    ),
}
REFUSED_DATA_UPDATES = {
    "insert into the inferred graph": (
        "INSERT DATA { GRAPH <urn:cxgraph:graph:inferred> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
    ),
    "delete an ontology triple": (
        "DELETE DATA { cx:Persona a <http://www.w3.org/2002/07/owl#Class> }"
    ),
    "delete from the ontology graph": (
        "DELETE DATA { GRAPH <urn:cxgraph:graph:ontology> { cx:Persona a "
        "<http://www.w3.org/2002/07/owl#Class> } }"
    ),
}
OTHER_UPDATES = [
    f"DELETE WHERE {{ {HAIRCUT} }}",
    "INSERT { ?p a cx:Persona } WHERE { ?p a cx:Persona }",
    "CLEAR GRAPH <urn:cxgraph:graph:data:salon>",
    "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> } ; DELETE WHERE { <urn:x:a> ?p ?o }",
    "INSERTDATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
    'INSERT DATA { <urn:x:a> <urn:x:b> "unclosed }',
]


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return build_knowledge_graph()


def _as_compared(changes: Changes) -> tuple[object, ...]:
    """Changes with blank nodes left out of the triples (each way mints its own)."""

    def named(triples: dict[ox.NamedNode, set[ox.Triple]]) -> dict[str, set[str]]:
        return {
            g.value: {str(t) for t in ts if "_:" not in str(t)} for g, ts in triples.items() if ts
        }

    return (
        named(changes.additions),
        named(changes.removals),
        sorted(g.value for g in changes.created),
        sorted(g.value for g in changes.dropped),
        changes.kept_derived,
        {g: {k: v for k, v in c.items()} for g, c in changes.summary()["graphs"].items()},  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("name", sorted(DATA_UPDATES))
def test_data_updates_are_worked_out_as_a_copy_works_them_out(
    kg: KnowledgeGraph, name: str
) -> None:
    text = DATA_UPDATES[name]
    operations = data_operations(text)
    assert operations is not None, "read as INSERT DATA / DELETE DATA"
    assert _as_compared(by_data(kg.store, operations, text)) == _as_compared(
        by_copy(kg.store, text)
    )


@pytest.mark.parametrize("name", sorted(REFUSED_DATA_UPDATES))
def test_data_updates_are_refused_as_a_copy_refuses_them(kg: KnowledgeGraph, name: str) -> None:
    text = REFUSED_DATA_UPDATES[name]
    operations = data_operations(text)
    assert operations is not None
    with pytest.raises(WriteRefused) as by_lookup:
        by_data(kg.store, operations, text)
    with pytest.raises(WriteRefused) as copied:
        by_copy(kg.store, text)
    assert by_lookup.value.code == copied.value.code == "read_only_graph"


@pytest.mark.parametrize("text", OTHER_UPDATES)
def test_other_updates_are_not_read_as_data(text: str) -> None:
    assert data_operations(text) is None


def test_a_syntax_error_is_the_same_either_way(kg: KnowledgeGraph) -> None:
    text = "INSERT DATA { <urn:x:a> <urn:x:b> } ; DELETE DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    assert data_operations(text) is not None
    with pytest.raises(WriteRefused) as lookup:
        updating(kg.store, text)
    with pytest.raises(WriteRefused) as copied:
        by_copy(kg.store, text)
    assert lookup.value.code == copied.value.code == "syntax_error"
    assert str(lookup.value) == str(copied.value)


def test_a_data_update_reads_no_copy_of_the_store(
    kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of the fast path: the store's graphs are not read whole."""

    def refuse(*_args: object) -> object:
        raise AssertionError("the whole store was read")

    monkeypatch.setattr(type(kg.store), "triples", refuse)
    changes = updating(kg.store, DATA_UPDATES["delete from the union"])
    assert changes.removals
