"""The instance closure of a reasoned store: what the differential tests compare.

The RULES profile promises the same conclusions about instances as owlrl, the reference
OWL 2 RL reasoner. :func:`instance_closure` is the part of a store both must agree on:
every asserted or inferred triple about an individual, leaving out the schema (triples
whose subject is a class, a property or part of an axiom, and the RDF/RDFS/OWL vocabulary
as predicate or as type), reflexive ``owl:sameAs`` and triples with a literal subject
(which a store cannot hold). Membership in an anonymous class expression (``x rdf:type
_:restriction``) is left out too: it is how a reasoner gets to a conclusion, and two sound
OWL 2 RL reasoners may take different ways; what the conclusions say about named classes
and properties is what must agree. So are owlrl's inconsistency messages (its error
resources), which the OWLRL profile reports as diagnostics. Blank nodes keep their store
labels, which owlrl's copy of the store keeps too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from cxgraph.namespaces import GAPS_GRAPH, OWL, RDF, RDFS
from cxgraph.store import Store

_SCHEMA_NAMESPACES = (RDF, RDFS, OWL)
OWLRL_ERRORS = "http://www.daml.org/2002/03/agents/agent-ont#"
_KEPT = {RDF + "type", OWL + "sameAs"}
_AXIOM_PREDICATES = {
    RDFS + "subClassOf",
    RDFS + "subPropertyOf",
    RDFS + "domain",
    RDFS + "range",
    RDF + "first",
    RDF + "rest",
}

Triple = tuple[str, str, str]


def schema_nodes(store: Store) -> set[ox.NamedNode | ox.BlankNode]:
    """Classes, properties and axiom parts: subjects or objects of schema statements in the
    asserted graphs, and anything typed with an RDF/RDFS/OWL class there."""
    nodes: set[ox.NamedNode | ox.BlankNode] = set()
    for triple in store.triples(store.asserted_graphs()):
        p = triple.predicate.value
        schema = p in _AXIOM_PREDICATES or (p.startswith(OWL) and p != OWL + "sameAs")
        typed = (
            p == RDF + "type"
            and isinstance(triple.object, ox.NamedNode)
            and triple.object.value.startswith(_SCHEMA_NAMESPACES)
            and triple.object.value != OWL + "Thing"
        )
        if schema or typed:
            nodes.add(triple.subject)  # type: ignore[arg-type]
            if schema and not isinstance(triple.object, ox.Literal):
                nodes.add(triple.object)  # type: ignore[arg-type]
    return nodes


def instance_closure(store: Store) -> set[Triple]:
    """Asserted and inferred triples about individuals (see the module docstring)."""
    schema = schema_nodes(store)
    graphs = [g for g in store.graphs() if g != GAPS_GRAPH]
    result: set[Triple] = set()
    for t in store.triples(graphs):
        s, p, o = t.subject, t.predicate.value, t.object
        if isinstance(s, ox.Literal) or s in schema:
            continue
        if (p.startswith(_SCHEMA_NAMESPACES) and p not in _KEPT) or p.startswith(OWLRL_ERRORS):
            continue
        if p == RDF + "type" and (
            isinstance(o, ox.Literal | ox.BlankNode)
            or (isinstance(o, ox.NamedNode) and o.value.startswith(_SCHEMA_NAMESPACES))
        ):
            continue
        if p == OWL + "sameAs" and s == o:
            continue
        result.add((str(s), p, str(o)))
    return result


@dataclass
class Difference:
    """Where the RULES profile and owlrl disagree on one store."""

    rules_only: set[Triple]
    owlrl_only: set[Triple]

    def __bool__(self) -> bool:
        return bool(self.rules_only or self.owlrl_only)


def compare_with_owlrl(store: Store) -> Difference:
    """Reason over ``store`` with both profiles (the same blank nodes for both) and return
    how their instance closures differ. Leaves the store reasoned with owlrl."""
    from cxgraph.reasoning import ReasoningProfile, infer

    infer(store, ReasoningProfile.RULES)
    rules = instance_closure(store)
    infer(store, ReasoningProfile.OWLRL)
    reference = instance_closure(store)
    return Difference(rules - reference, reference - rules)
