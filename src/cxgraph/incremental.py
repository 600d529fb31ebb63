"""Incremental maintenance after a small write: the inferred graph and the gaps are
brought up to date without re-reasoning everything (delete-and-rederive, DRed).

1. Removed triples that are no longer asserted anywhere seed an *overdeletion*: every
   inferred triple with a derivation through them, transitively, is taken out.
2. *Rederivation*: each overdeleted (or removed) triple that still has a derivation in one
   step from what remains is put back; it seeds step 3 with the added triples.
3. *Insertion*: the semi-naive engine runs from that seed (``FixpointEngine(seeded=True)``).
4. Gap rules that read a changed predicate or class are re-run; the others keep their
   findings. Changes to the ontology's axioms (a TBox change) fall back to a full run.

Tests prove the result equal to a full re-run on the same asserted data.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cxgraph.gaps import Finding, detect_gaps, gap_rules, gap_triples, sort_findings
from cxgraph.namespaces import CX, GAPS_GRAPH, GRAPH_PREFIX, INFERRED_GRAPH, OWL, RDF, RDFS
from cxgraph.reasoning import (
    DELTA,
    FixpointEngine,
    Keys,
    ReasoningProfile,
    compile_rules,
    forget_known,
    graph_keys,
    graph_size,
    infer,
    render_rule,
)
from cxgraph.rules import Atom, Rule
from cxgraph.store import Store

_REMOVED = ox.NamedNode(GRAPH_PREFIX + "reasoning:removed")
_OVERDELETED = ox.NamedNode(GRAPH_PREFIX + "reasoning:overdeleted")
_SCRATCH = ox.NamedNode(GRAPH_PREFIX + "reasoning:dred-scratch")
_TBOX_NAMESPACES = (OWL, RDFS)
_TBOX_TYPES = {
    OWL + "Class",
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    OWL + "TransitiveProperty",
    OWL + "SymmetricProperty",
    OWL + "Restriction",
    OWL + "AllDisjointClasses",
    RDFS + "Class",
}
_LABEL = RDFS + "label"
_TYPE = RDF + "type"


@dataclass
class ChangeReport:
    """What an incremental update did."""

    added: int = 0
    removed: int = 0
    overdeleted: int = 0
    rederived: int = 0
    inferred_added: Counter[str] = field(default_factory=Counter)
    rules_rerun: list[str] = field(default_factory=list)
    full: bool = False
    seconds: float = 0.0


def touches_tbox(quads: Iterable[ox.Quad]) -> bool:
    """Whether a change alters axioms the rules are compiled from."""
    for q in quads:
        p = q.predicate.value
        if p.startswith(_TBOX_NAMESPACES) and p != _LABEL and not p.startswith(RDFS + "comment"):
            return True
        if p == _TYPE and isinstance(q.object, ox.NamedNode) and q.object.value in _TBOX_TYPES:
            return True
    return False


def apply_change(
    store: Store,
    findings: list[Finding],
    additions: list[ox.Quad],
    removals: list[ox.Quad],
    profile: ReasoningProfile = ReasoningProfile.RULES,
) -> tuple[ChangeReport, list[Finding]]:
    """Apply a change to the asserted graphs and maintain inferred triples and findings.

    Returns the report and the new findings. Callers hold ``store.lock``."""
    started = time.perf_counter()
    report = ChangeReport()
    if profile is not ReasoningProfile.RULES or touches_tbox([*additions, *removals]):
        return _full(store, additions, removals, profile, report, started)
    rules = compile_rules(store)
    db = store.ox
    sources = [*store.asserted_graphs(), INFERRED_GRAPH]
    for g in (_REMOVED, _OVERDELETED, _SCRATCH, DELTA):
        if db.contains_named_graph(g):
            db.remove_graph(g)

    gone = _remove(store, removals, report)
    touched: Keys = set()
    if gone:
        db.extend(ox.Quad(t.subject, t.predicate, t.object, _REMOVED) for t in gone)
        touched |= graph_keys(db, _REMOVED)
        _overdelete(db, rules, sources, report)
        touched |= graph_keys(db, _OVERDELETED) if db.contains_named_graph(_OVERDELETED) else set()
        _rederive(db, rules, sources, report)
    new = [q for q in additions if q not in db]
    db.extend(new)
    report.added = len(new)
    if new:
        # a triple now asserted is no longer the reasoner's to hold
        for q in new:
            db.remove(ox.Quad(q.subject, q.predicate, q.object, INFERRED_GRAPH))
        db.extend(ox.Quad(q.subject, q.predicate, q.object, DELTA) for q in new)
    if db.contains_named_graph(DELTA):
        touched |= graph_keys(db, DELTA)
        engine = FixpointEngine(db, sources)
        engine.run(rules, report.inferred_added, seeded=True)
        touched |= engine.touched
    for g in (_REMOVED, _OVERDELETED, _SCRATCH):
        if db.contains_named_graph(g):
            db.remove_graph(g)
    findings = _refresh_gaps(store, findings, touched, report)
    report.seconds = time.perf_counter() - started
    return report, findings


def _full(
    store: Store,
    additions: list[ox.Quad],
    removals: list[ox.Quad],
    profile: ReasoningProfile,
    report: ChangeReport,
    started: float,
) -> tuple[ChangeReport, list[Finding]]:
    for q in removals:
        if q in store.ox:
            store.ox.remove(q)
            report.removed += 1
    new = [q for q in additions if q not in store.ox]
    store.ox.extend(new)
    report.added = len(new)
    report.full = True
    inference = infer(store, profile)
    report.inferred_added = inference.added
    findings = detect_gaps(store)
    report.rules_rerun = [r.name for r in gap_rules()]
    report.seconds = time.perf_counter() - started
    return report, findings


def _remove(store: Store, removals: list[ox.Quad], report: ChangeReport) -> list[ox.Triple]:
    """Remove asserted quads; return the triples no asserted graph holds any more."""
    db = store.ox
    present = [q for q in removals if q in db]
    for q in present:
        db.remove(q)
    report.removed = len(present)
    asserted = set(store.asserted_graphs())
    gone = []
    for q in present:
        still = any(
            other.graph_name in asserted
            for other in db.quads_for_pattern(q.subject, q.predicate, q.object)
        )
        if not still:
            gone.append(q.triple)
    return gone


def _using(graphs: list[ox.NamedNode]) -> str:
    return " ".join(f"USING {g}" for g in graphs)


def _overdelete(
    db: ox.Store, rules: list[Rule], sources: list[ox.NamedNode], report: ChangeReport
) -> None:
    """Move to the overdeleted graph every inferred triple derivable through the removed
    ones, evaluating bodies over the old database (what remains plus what was removed)."""
    old = _using([*sources, _REMOVED, _OVERDELETED])
    db.update(f"ADD {_REMOVED} TO {DELTA}")
    while True:
        keys = graph_keys(db, DELTA)
        for rule in rules:
            for i, atom in enumerate(rule.body):
                if atom.key in keys:
                    db.update(render_rule(rule, i, _SCRATCH, old))
        if not db.contains_named_graph(_SCRATCH):
            break
        db.update(
            f"DELETE {{ GRAPH {_SCRATCH} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {_SCRATCH} "
            f"{{ ?s ?p ?o }} MINUS {{ GRAPH {INFERRED_GRAPH} {{ ?s ?p ?o }} }} }}"
        )
        db.update(
            f"DELETE {{ GRAPH {_SCRATCH} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {_SCRATCH} "
            f"{{ ?s ?p ?o }} GRAPH {_OVERDELETED} {{ ?s ?p ?o }} }}"
        )
        if not graph_size(db, _SCRATCH):
            db.update(f"DROP SILENT GRAPH {_SCRATCH}")
            break
        db.update(f"ADD {_SCRATCH} TO {_OVERDELETED}")
        db.update(f"MOVE {_SCRATCH} TO {DELTA}")
    db.update(f"DROP SILENT GRAPH {DELTA}")
    if db.contains_named_graph(_OVERDELETED):
        report.overdeleted = graph_size(db, _OVERDELETED)
        db.update(
            f"DELETE {{ GRAPH {INFERRED_GRAPH} {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH {_OVERDELETED} {{ ?s ?p ?o }} }}"
        )


def _rederive(
    db: ox.Store, rules: list[Rule], sources: list[ox.NamedNode], report: ChangeReport
) -> None:
    """Put back the overdeleted or removed triples that still follow in one step from what
    remains; they seed the insertion phase in :data:`DELTA`."""
    candidates = [g for g in (_OVERDELETED, _REMOVED) if db.contains_named_graph(g)]
    using = _using(sources)
    keys = {g: graph_keys(db, g) for g in candidates}
    for rule in rules:
        for head in rule.head:
            for candidate in candidates:
                if head.key not in keys[candidate]:
                    continue
                body = " ".join(a.sparql() for a in rule.body)
                db.update(
                    f"INSERT {{ GRAPH {_SCRATCH} {{ {head.sparql()} }} }} {using} "
                    f"USING NAMED {candidate} WHERE {{ GRAPH {candidate} {{ {head.sparql()} }} "
                    f"{body} }}"
                )
    if not db.contains_named_graph(_SCRATCH):
        return
    forget_known(db, _SCRATCH, sources)
    report.rederived = graph_size(db, _SCRATCH)
    db.update(f"ADD {_SCRATCH} TO {INFERRED_GRAPH}")
    db.update(f"ADD {_SCRATCH} TO {DELTA}")
    db.update(f"DROP SILENT GRAPH {_SCRATCH}")


def _mentions(text: str, key: tuple[str, str | None]) -> bool:
    iri = key[1] if key[0] == _TYPE and key[1] else key[0]
    if iri.startswith(CX):
        return re.search(r"cx:" + re.escape(iri[len(CX) :]) + r"(?![\w-])", text) is not None
    return iri in text


def _refresh_gaps(
    store: Store, findings: list[Finding], touched: Keys, report: ChangeReport
) -> list[Finding]:
    """Re-run the gap rules that read something the change touched."""
    if not touched:
        return findings
    relabelled = any(p == _LABEL for p, _ in touched)
    foreign = any(not (p.startswith(CX) or p in (_TYPE, _LABEL)) for p, _ in touched)
    rerun = [
        rule.name
        for rule in gap_rules()
        if relabelled or foreign or any(_mentions(rule.text, key) for key in touched)
    ]
    report.rules_rerun = rerun
    if not rerun:
        return findings
    fresh = detect_gaps(store, rerun, write=False)
    kept = [f for f in findings if f.rule not in rerun]
    merged = sort_findings([*kept, *fresh])
    store.replace_graph(GAPS_GRAPH, gap_triples(merged))
    return merged


__all__ = ["Atom", "ChangeReport", "apply_change", "touches_tbox"]
