"""Incremental maintenance's last step: which gap rules a write can change the findings
of, and re-running them (for the foci in scope, or over the whole store). See
:mod:`cxgraph.incremental` for the steps before and :mod:`cxgraph.gap_scope` for the scope
analysis."""

from __future__ import annotations

import re

import pyoxigraph as ox

from cxgraph.fixpoint import graph_size
from cxgraph.gap_scope import IN_SCOPE, rule_iri, scope_update
from cxgraph.gap_texts import scoped_insert_text
from cxgraph.gaps import gap_rules, rule_graphs, write_gaps, write_scoped_gaps
from cxgraph.namespaces import CX, GAPS_GRAPH, PREFIXES, RDF, RDFS
from cxgraph.rules import Keys
from cxgraph.store import Store
from cxgraph.store.backend import StoreBackend

_IN_SCOPE = ox.NamedNode(IN_SCOPE)
SCOPED_CHANGE_LIMIT = 20_000
"""Above this many changed triples the touched gap rules re-run over the whole store."""
_LABEL = RDFS + "label"
_TYPE = RDF + "type"
_FOCUS, _EVIDENCE, _RULE = (ox.NamedNode(CX + name) for name in ("focus", "evidence", "rule"))


def _mentions(text: str, key: tuple[str, str | None]) -> bool:
    """Whether a query's text names the key's predicate (or, for rdf:type, its class)."""
    iri = key[1] if key[0] == _TYPE and key[1] else key[0]
    if f"<{iri}>" in text:
        return True
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            local = re.escape(iri[len(namespace) :])
            return re.search(rf"\b{prefix}:{local}(?![\w-])", text) is not None
    return False


def refresh_gaps(
    store: Store,
    changed: ox.NamedNode,
    scope: ox.NamedNode,
    touched: Keys,
    relabelled: set[str],
    blanks: set[ox.BlankNode],
    language: str,
) -> list[str]:
    """Bring the findings up to date inside the store after a write whose changed triples
    are in the graph ``changed`` (``scope``: a fresh graph for the foci in scope; the keys
    it ``touched``, the IRIs it ``relabelled``, the ``blanks`` whose asserted description
    changed). Each rule the scope analysis reads is re-run for the foci the changed graph
    reaches (and for its findings on those blank nodes: their labels derive from their
    description); the others, or every rule after a change too large to scope, re-run over
    the whole store when they read something the change touched or their findings name a
    relabelled resource. Returns the rules re-run."""
    db = store.backend
    rules = gap_rules()
    size = graph_size(db, changed, SCOPED_CHANGE_LIMIT)
    scopable = {
        r.name: r.text
        for r in rules
        if size < SCOPED_CHANGE_LIMIT and scoped_insert_text(r, language) is not None
    }
    rerun: set[str] = set()
    if scopable and size:
        graphs = [g.value for g in rule_graphs(store)]
        update = scope_update(scopable, graphs, changed.value, scope.value)
        if update is not None:
            db.update(update)
        db.extend(
            ox.Quad(ox.NamedNode(rule_iri(name)), _IN_SCOPE, b, scope)
            for b, name in _rules_on(store, blanks)
            if name in scopable
        )
        scoped = _scoped_rules(db, scope)
        if scoped:
            write_scoped_gaps(store, sorted(scoped), scope, language=language)
        rerun |= scoped
    whole = {
        rule.name
        for rule in rules
        if rule.name not in scopable
        and any(_mentions(rule.text, key) for key in touched if key[0] != _LABEL)
    }
    whole |= _rules_naming(store, relabelled) - set(scopable)
    if whole:
        write_gaps(store, sorted(whole), replace=False, language=language)
    return sorted(rerun | whole)


_SCOPED_RULES = f"SELECT DISTINCT ?r WHERE {{ GRAPH $g {{ ?r <{IN_SCOPE}> ?f }} }}"


def _scoped_rules(db: StoreBackend, scope: ox.NamedNode) -> set[str]:
    """The rules the scope graph names foci for."""
    prefix = rule_iri("")
    rows = db.query(_SCOPED_RULES.replace("$g", str(scope)))
    return {row["r"].value.removeprefix(prefix) for row in rows}  # type: ignore[union-attr]


def _rules_on(store: Store, blanks: set[ox.BlankNode]) -> set[tuple[ox.BlankNode, str]]:
    """The stored findings on these blank nodes, as (focus, rule): their labels derive from
    the node's asserted description, so they are re-run when it changes."""
    found = set()
    for b in blanks:
        for q in store.quads(None, _FOCUS, b, GAPS_GRAPH):
            for r in store.quads(q.subject, _RULE, None, GAPS_GRAPH):
                if isinstance(r.object, ox.Literal):
                    found.add((b, r.object.value))
    return found


def _rules_naming(store: Store, iris: set[str]) -> set[str]:
    """The rules of the stored findings whose focus or evidence is one of ``iris``."""
    rules = set[str]()
    for iri in iris:
        for predicate in (_FOCUS, _EVIDENCE):
            for q in store.quads(None, predicate, ox.NamedNode(iri), GAPS_GRAPH):
                for r in store.quads(q.subject, _RULE, None):
                    if isinstance(r.object, ox.Literal):
                        rules.add(r.object.value)
    return rules


__all__ = ["SCOPED_CHANGE_LIMIT", "refresh_gaps"]
