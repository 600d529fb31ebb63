"""The RULES reasoner against the owlrl reference, and what reasoning may not touch."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cxgraph import ReasoningProfile, build_knowledge_graph
from cxgraph.namespaces import CX, INFERRED_GRAPH, RDF
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.reasoning import infer
from tests.conftest import GAP_FIXTURES

FIXTURE_FILES = sorted(GAP_FIXTURES.glob("*/*.ttl"))


def cx_instance_closure(kg: KnowledgeGraph) -> set[tuple[str, str, str]]:
    """cx: instance triples (cx: predicates, or rdf:type to a cx: class) of the union."""
    result = set()
    for q in kg.store:
        s, p, o = q.subject, q.predicate.value, q.object
        if isinstance(s, ox.NamedNode) and s.value.startswith(CX):
            continue
        if p.startswith(CX) or (
            p == RDF + "type" and isinstance(o, ox.NamedNode) and o.value.startswith(CX)
        ):
            if p in (CX + "rule", CX + "focus", CX + "severity", CX + "evidence"):
                continue
            result.add((str(s), p, str(o)))
    return result


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rules_equal_owlrl_on_fixtures(path: Path) -> None:
    rules = build_knowledge_graph([path])
    reference = build_knowledge_graph([path], profile=ReasoningProfile.OWLRL)
    assert cx_instance_closure(rules) == cx_instance_closure(reference)


def test_asserted_graphs_are_never_changed() -> None:
    kg = build_knowledge_graph([GAP_FIXTURES / "unmet-need" / "clean.ttl"])
    asserted = {
        g.value: sorted(map(str, kg.store.triples([g]))) for g in kg.store.asserted_graphs()
    }
    infer(kg.store)
    infer(kg.store, ReasoningProfile.OWLRL)
    after = {g.value: sorted(map(str, kg.store.triples([g]))) for g in kg.store.asserted_graphs()}
    assert after == asserted
    assert kg.store.count(INFERRED_GRAPH) > 0


def test_user_extension_is_reasoned_over(tmp_model) -> None:  # type: ignore[no-untyped-def]
    """Axioms in user data are compiled like the ontology's: nothing is hard-coded."""
    path = tmp_model(
        """
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        ex:VipCustomer rdfs:subClassOf cx:Persona .
        ex:bundles a owl:ObjectProperty ; rdfs:subPropertyOf cx:delivers .
        ex:concierge owl:propertyChainAxiom ( ex:bundles cx:fulfils cx:needOf ) .
        ex:partnerOf a owl:SymmetricProperty .
        ex:vip a ex:VipCustomer ; rdfs:label "VIP" ; cx:hasNeed ex:n .
        ex:p ex:bundles ex:o . ex:o cx:fulfils ex:n .
        ex:a ex:partnerOf ex:b .
        """
    )
    kg = build_knowledge_graph([path])
    ask = kg.query(
        "PREFIX cx: <https://w3id.org/cxgraph#> PREFIX ex: <https://example.org/t#> "
        "ASK { ex:vip a cx:Persona . ex:p cx:delivers ex:o ; cx:meetsNeed ex:n ; "
        "ex:concierge ex:vip ; cx:servesPersona ex:vip . ex:b ex:partnerOf ex:a . "
        "ex:p a cx:Process }"
    )
    assert bool(ask)
    assert kg.gaps(["unmet-need"]) == []


def test_restrictions_used_by_an_extension(tmp_model) -> None:  # type: ignore[no-untyped-def]
    path = tmp_model(
        """
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        ex:Digital owl:equivalentClass [ a owl:Restriction ; owl:onProperty cx:viaChannel ;
                                         owl:hasValue ex:web ] .
        ex:Served owl:equivalentClass [ owl:intersectionOf ( cx:Persona ex:Known ) ] .
        [ a owl:Restriction ; owl:onProperty cx:seeksOutcome ;
          owl:someValuesFrom ex:Ambitious ] rdfs:subClassOf ex:Striver .
        ex:m cx:viaChannel ex:web .
        ex:z a ex:Digital .
        ex:p a ex:Known ; cx:hasNeed ex:n ; cx:seeksOutcome ex:o . ex:o a ex:Ambitious .
        """
    )
    rules = build_knowledge_graph([path])
    ask = rules.query(
        "PREFIX cx: <https://w3id.org/cxgraph#> PREFIX ex: <https://example.org/t#> "
        "ASK { ex:m a ex:Digital . ex:z cx:viaChannel ex:web . ex:p a ex:Served , ex:Striver }"
    )
    assert bool(ask)


def test_inference_report_counts_per_rule() -> None:
    kg = build_knowledge_graph([GAP_FIXTURES / "unmet-need" / "clean-grandchild.ttl"])
    report = kg.inference
    assert report is not None
    assert report.total == kg.store.count(INFERRED_GRAPH)
    # rules concluding the same property are merged; the name lists each of them
    assert any("prp-spo2 meetsNeed" in name for name in report.added)


def test_conclusions_keep_stored_blank_nodes_and_literals_exact(tmp_model) -> None:  # type: ignore[no-untyped-def]
    """The embedded store's rounds load what their CONSTRUCTs find as N-Triples: a stored
    blank node must stay that node (not a fresh one per parse) and a literal must come
    back exactly (escapes, language and datatype)."""
    path = tmp_model(
        """
        ex:note rdfs:subPropertyOf rdfs:comment .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        [] a cx:Process ; cx:delivers ex:svc ;
            ex:note "Quote \\" and\\nline, \\u00e9t\\u00e9"@fr-CA .
        ex:p2 ex:note "42"^^xsd:integer ; cx:delivers [ a cx:Service ] .
        """
    )
    kg = build_knowledge_graph([path])
    stated = {q.subject for q in kg.store if q.predicate.value == CX + "delivers"}
    (blank_process,) = [s for s in stated if isinstance(s, ox.BlankNode)]
    inferred = list(kg.store.quads(None, None, None, INFERRED_GRAPH))
    delivered_by = {
        (q.subject, q.object) for q in inferred if q.predicate.value == CX + "deliveredBy"
    }
    assert (ox.NamedNode("https://example.org/t#svc"), blank_process) in delivered_by
    # the blank service object of ex:p2 is the stored node too
    (blank_service,) = [
        q.object
        for q in kg.store
        if q.predicate.value == CX + "delivers" and isinstance(q.object, ox.BlankNode)
    ]
    assert (blank_service, ox.NamedNode("https://example.org/t#p2")) in delivered_by
    comments = {
        q.object
        for q in inferred
        if q.predicate.value == "http://www.w3.org/2000/01/rdf-schema#comment"
    }
    assert comments == {
        ox.Literal('Quote " and\nline, été', language="fr-ca"),
        ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    }
    # every blank node the inferred graph names is one the data states
    data_blanks = {
        t
        for q in kg.store.quads(None, None, None, None)
        if q.graph_name != INFERRED_GRAPH
        for t in (q.subject, q.object)
        if isinstance(t, ox.BlankNode)
    }
    inferred_blanks = {
        t for q in inferred for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)
    }
    assert inferred_blanks and inferred_blanks <= data_blanks
