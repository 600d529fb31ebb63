"""Inference: complete the graph with what the ontology implies (third step of the flow).

Two profiles sit behind one interface. ``RULES`` (default) compiles the loaded axioms into
rules (see ``rules``) and runs them inside the store to a fixpoint, semi-naively: after the
first round a rule only runs against what the previous round added. ``OWLRL`` runs the
owlrl reference reasoner on an rdflib copy. Either way, output goes only to the inferred
graph; asserted graphs never change. Triples with literal subjects and reflexive
``owl:sameAs`` are dropped.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pyoxigraph as ox

from cxgraph.axioms import AxiomCompiler
from cxgraph.diagnostics import Diagnostic
from cxgraph.namespaces import GRAPH_PREFIX, INFERRED_GRAPH
from cxgraph.rules import Keys, Rule, key_of, render_construct, restore_blanks
from cxgraph.store import Store, quiet_rdflib_literals

DELTA = ox.NamedNode(GRAPH_PREFIX + "reasoning:delta")
_OWLRL_ERRORS = "http://www.daml.org/2002/03/agents/agent-ont#"


class ReasoningProfile(Enum):
    """Which reasoner completes the graph."""

    RULES = "rules"
    OWLRL = "owlrl"
    NONE = "none"


@dataclass
class InferenceReport:
    """What a reasoning run added, per rule, and how long it took."""

    profile: ReasoningProfile
    added: Counter[str] = field(default_factory=Counter)
    rounds: int = 0
    seconds: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.added.values())


def infer(store: Store, profile: ReasoningProfile = ReasoningProfile.RULES) -> InferenceReport:
    """Recompute the inferred graph of ``store`` from its asserted graphs."""
    started = time.perf_counter()
    with store.lock:
        store.replace_graph(INFERRED_GRAPH, [])
        if profile is ReasoningProfile.RULES:
            report = _infer_rules(store)
        elif profile is ReasoningProfile.OWLRL:
            report = _infer_owlrl(store)
        else:
            report = InferenceReport(profile)
    report.seconds = time.perf_counter() - started
    return report


def compile_rules(store: Store, diagnostics: list[Diagnostic] | None = None) -> list[Rule]:
    """The rules the loaded axioms give (read from the asserted graphs); axioms skipped
    because OWL 2 RL draws no conclusion from them are added to ``diagnostics``."""
    compiler = AxiomCompiler(store.ox, store.asserted_graphs())  # type: ignore[arg-type]
    rules = compiler.compile()
    if diagnostics is not None:
        diagnostics.extend(compiler.diagnostics)
    return rules


def _infer_rules(store: Store) -> InferenceReport:
    report = InferenceReport(ReasoningProfile.RULES)
    rules = compile_rules(store, report.diagnostics)
    engine = FixpointEngine(store.ox, [*store.asserted_graphs(), INFERRED_GRAPH])
    report.rounds = engine.run(rules, report.added)
    return report


_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_PREDICATES = "SELECT DISTINCT ?g ?p WHERE { GRAPH ?g { ?s ?p ?o } }"
_CLASSES = (
    "SELECT DISTINCT ?g ?c WHERE { "
    "GRAPH ?g { ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?c } FILTER(!isLiteral(?c)) }"
)


def graph_keys(store: ox.Store, graph: ox.NamedNode) -> Keys:
    """The delta keys (predicates, and rdf:type with each class) of a graph's triples."""
    keys: Keys = set()
    for row in store.query(_PREDICATES, substitutions={ox.Variable("g"): graph}):  # type: ignore[union-attr]
        keys.add((row["p"].value, None))
    for row in store.query(_CLASSES, substitutions={ox.Variable("g"): graph}):  # type: ignore[union-attr]
        keys.add((_TYPE, row["c"].value))
    return keys


class FixpointEngine:
    """Runs rules to a fixpoint, semi-naively. Each rule is a SPARQL CONSTRUCT over the
    source graphs (one variant per body atom that can match the last round's delta);
    derived triples the store does not hold yet go to the inferred graph at once and
    form the next round's delta.

    ``run(seeded=True)`` starts from triples a caller put in :data:`DELTA` (already in the
    store), evaluating only the rule variants they can feed: incremental maintenance."""

    def __init__(self, store: ox.Store, sources: list[ox.NamedNode]) -> None:
        self._store = store
        self._sources = [*sources, INFERRED_GRAPH] if INFERRED_GRAPH not in sources else sources
        self._known = set(self._sources)
        self.touched: Keys = set()

    def run(self, rules: list[Rule], added: Counter[str], *, seeded: bool = False) -> int:
        db = self._store
        if not seeded and db.contains_named_graph(DELTA):
            db.remove_graph(DELTA)
        delta_keys: Keys | None = graph_keys(db, DELTA) if seeded else None
        rounds = 0
        try:
            while delta_keys is None or delta_keys:
                rounds += 1
                fresh: list[ox.Triple] = []
                seen: set[ox.Triple] = set()
                for rule in rules:
                    self._apply(rule, delta_keys, added, fresh, seen)
                delta_keys = self._advance(fresh)
        finally:
            if db.contains_named_graph(DELTA):
                db.remove_graph(DELTA)
        return rounds

    def _apply(
        self,
        rule: Rule,
        delta_keys: Keys | None,
        added: Counter[str],
        fresh: list[ox.Triple],
        seen: set[ox.Triple],
    ) -> None:
        if delta_keys is None:
            variants: list[int | None] = [None]
        else:
            variants = [i for i, atom in enumerate(rule.body) if atom.matches(delta_keys)]
        db = self._store
        new: list[ox.Triple] = []
        for variant in variants:
            triples = db.query(
                render_construct(rule, variant, DELTA),
                default_graph=self._sources,  # type: ignore[arg-type]
                named_graphs=[DELTA] if variant is not None else [],
                substitutions=rule.bindings(),  # type: ignore[arg-type]
            )
            for derived in triples:  # type: ignore[union-attr]
                triple = restore_blanks(derived)
                if triple in seen:
                    continue
                seen.add(triple)
                holders = db.quads_for_pattern(triple.subject, triple.predicate, triple.object)
                if not any(q.graph_name in self._known for q in holders):
                    new.append(triple)
        if new:
            added[rule.name] += len(new)
            db.extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED_GRAPH) for t in new)
            fresh.extend(new)

    def _advance(self, fresh: list[ox.Triple]) -> Keys:
        """Make this round's new triples the next round's delta."""
        db = self._store
        if db.contains_named_graph(DELTA):
            db.remove_graph(DELTA)
        if not fresh:
            return set()
        db.extend(ox.Quad(t.subject, t.predicate, t.object, DELTA) for t in fresh)
        keys: Keys = {k for t in fresh for k in key_of(t)}
        self.touched |= keys
        return keys


def _infer_owlrl(store: Store) -> InferenceReport:
    import owlrl
    import rdflib

    report = InferenceReport(ReasoningProfile.OWLRL)
    with quiet_rdflib_literals():
        asserted = store.to_rdflib(store.asserted_graphs())
        closure = rdflib.Graph()
        for t in asserted:
            closure.add(_opaque(t))
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
        closure = _restored(closure)
    inferred = []
    errors = set(closure.subjects(rdflib.RDF.type, rdflib.URIRef(_OWLRL_ERRORS + "ErrorMessage")))
    for s, p, o in closure:
        if s in errors:  # an inconsistency owlrl found: a warning, not a statement
            if str(p) == _OWLRL_ERRORS + "error":
                report.diagnostics.append(Diagnostic(f"owlrl: {o}"))
            continue
        if isinstance(s, rdflib.Literal) or (p == rdflib.OWL.sameAs and s == o):
            continue
        if (s, p, o) in asserted:
            continue
        inferred.append(ox.Triple(_to_ox(s), ox.NamedNode(str(p)), _to_ox(o)))  # type: ignore[arg-type]
        report.added[f"owlrl {_local(str(p))}"] += 1
    store.replace_graph(INFERRED_GRAPH, inferred)
    report.rounds = 1
    return report


_ILL_TYPED = "urn:cxgraph:ill-typed:"


def _opaque(triple: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
    """owlrl raises on an ill-typed literal (``"high"^^xsd:decimal``); hand it one with an
    opaque datatype instead, which it carries through unchanged."""
    import rdflib

    s, p, o = triple
    if isinstance(o, rdflib.Literal) and o.datatype and o.ill_typed:
        o = rdflib.Literal(str(o), datatype=rdflib.URIRef(_ILL_TYPED + str(o.datatype)))
    return s, p, o


def _restored(graph: Any) -> Any:
    """The closure with the opaque literals of :func:`_opaque` turned back."""
    import rdflib

    restored = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, rdflib.Literal) and str(o.datatype or "").startswith(_ILL_TYPED):
            datatype = rdflib.URIRef(str(o.datatype)[len(_ILL_TYPED) :])
            o = rdflib.Literal(str(o), datatype=datatype)
        restored.add((s, p, o))
    return restored


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    datatype = term.datatype or rdflib.XSD.string
    return ox.Literal(str(term), datatype=ox.NamedNode(str(datatype)))
