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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from cxgraph.axioms import AxiomCompiler
from cxgraph.diagnostics import Diagnostic
from cxgraph.fixpoint import FixpointEngine
from cxgraph.namespaces import INFERRED_GRAPH
from cxgraph.profiles import ReasoningProfile as ReasoningProfile  # re-exported
from cxgraph.relevance import inverses_last, relevant_rules, settling_keys
from cxgraph.rules import TYPE, Keys, Rule
from cxgraph.store import Store, quiet_rdflib_literals

_OWLRL_ERRORS = "http://www.daml.org/2002/03/agents/agent-ont#"


@dataclass
class InferenceReport:
    """What a reasoning run added, per rule, and how long it took."""

    profile: ReasoningProfile
    added: Counter[str] = field(default_factory=Counter)
    rounds: int = 0
    seconds: float = 0.0
    complete: bool = True
    """False when only what some queries read was inferred (see ``infer``'s ``goals``)."""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.added.values())


def infer(
    store: Store,
    profile: ReasoningProfile = ReasoningProfile.RULES,
    goals: Sequence[Keys | None] | None = None,
    settled: Callable[[list[int]], None] | None = None,
) -> InferenceReport:
    """Recompute the inferred graph of ``store`` from its asserted graphs. With ``goals``
    (the keys each of some queries reads, see :mod:`cxgraph.relevance`), the rules profile
    infers only what those queries can see, and tells ``settled``, after a round of the
    fixpoint, which goals can no longer change (so their queries can run while the rest is
    inferred); those it has not named by the end settle then. Their answers are the full
    closure's. Other profiles infer everything."""
    started = time.perf_counter()
    with store.lock:
        store.replace_graph(INFERRED_GRAPH, [])
        if profile is ReasoningProfile.RULES:
            report = _infer_rules(store, goals, settled)
        elif profile is ReasoningProfile.OWLRL:
            report = _infer_owlrl(store)
        else:
            report = InferenceReport(profile)
    report.seconds = time.perf_counter() - started
    return report


def compile_rules(store: Store, diagnostics: list[Diagnostic] | None = None) -> list[Rule]:
    """The rules the loaded axioms give (read from the asserted graphs); axioms skipped
    because OWL 2 RL draws no conclusion from them are added to ``diagnostics``."""
    compiler = AxiomCompiler(store.backend, store.asserted_graphs())  # type: ignore[arg-type]
    rules = compiler.compile()
    if diagnostics is not None:
        diagnostics.extend(compiler.diagnostics)
    return rules


def _infer_rules(
    store: Store, goals: Sequence[Keys | None] | None, settled: Callable[[list[int]], None] | None
) -> InferenceReport:
    report = InferenceReport(ReasoningProfile.RULES)
    rules = compile_rules(store, report.diagnostics)
    changing: Callable[[Keys], None] | None = None
    if goals is not None:
        reads = None if None in goals else set().union(*goals)  # type: ignore[arg-type]
        relevant = relevant_rules(rules, reads, _StoreData(store))
        report.complete = relevant is rules
        rules = relevant
        if settled is not None:
            changing = _settling(rules, goals, settled)
            changing(_concluded(rules, goals))  # what no rule concludes: settled at once
    turning: list[Rule] = []
    if goals is None:
        rules, turning = inverses_last(rules, _StoreData(store))
    engine = FixpointEngine(store.backend, [*store.asserted_graphs(), INFERRED_GRAPH])
    report.rounds = engine.run(rules, report.added, changing=changing)
    if turning:
        report.rounds += engine.run(turning, report.added)
    return report


def _concluded(rules: list[Rule], goals: Sequence[Keys | None]) -> Keys:
    """The keys the rules can add to; a head ``x rdf:type ?c`` can add to every class."""
    keys = {k for r in rules for h in r.head for k in ((h.p.value, None), h.key)}
    if any(
        h.p == TYPE and not isinstance(h.o, ox.NamedNode | ox.BlankNode)
        for r in rules
        for h in r.head
    ):
        keys |= {k for g in goals if g is not None for k in g if k[0] == TYPE.value}
    return keys


def _settling(
    rules: list[Rule], goals: Sequence[Keys | None], settled: Callable[[list[int]], None]
) -> Callable[[Keys], None]:
    """What the fixpoint tells after each round: ``settled`` hears of the goals none of
    whose keys (:func:`cxgraph.relevance.settling_keys`) the round added to."""
    waiting = {
        i: keys for i, g in enumerate(goals) if (keys := settling_keys(rules, g)) is not None
    }

    def changing(added: Keys) -> None:
        done = [i for i, keys in waiting.items() if keys.isdisjoint(added)]
        for i in done:
            del waiting[i]
        if done:
            settled(done)

    return changing


@dataclass
class _StoreData:
    """What :func:`cxgraph.relevance.relevant_rules` asks of the data, asked of the store."""

    store: Store

    def stated(self, properties: set[str]) -> dict[str, tuple[int, int]]:
        values = " ".join(f"<{p}>" for p in sorted(properties))
        rows = self.store.query(
            "SELECT ?p (COUNT(*) AS ?n) (SUM(IF(isIRI(?o) || isBlank(?o), 0, 1)) AS ?literals) "
            f"WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o }} GROUP BY ?p"
        )
        return {
            row["p"].value: (int(row["n"].value), int(row["literals"].value))
            for row in rows  # type: ignore[union-attr]
        }


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
