"""The fixpoint engine: runs compiled rules inside the store until nothing new follows.

Rules that conclude the same thing (``?x rdf:type C`` for one class C, or ``?x p ?y`` for
one property p) are merged into one SPARQL update per conclusion: the bodies become the
branches of a UNION, what the store already holds is taken out with MINUS, and the new
triples are inserted into the inferred graph and into the next round's delta graph in the
same update. So each triple is derived once per round, de-duplicated in the store, and no
derived triple passes through Python. Rules that name a stored blank node (anonymous class
expressions; an update cannot bind one) or conclude with a constant run as CONSTRUCT queries
whose new triples Python inserts.

Evaluation is semi-naive: after the first round, a rule only runs with one body atom
matched against the last round's delta (one branch per atom that can match it). Delta
graphs alternate between two names and are dropped at the end.
``run(seeded=True)`` starts from triples a caller put in :data:`DELTA` (already in the
store): incremental maintenance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from cxgraph.namespaces import GRAPH_PREFIX, INFERRED_GRAPH
from cxgraph.rules import (
    SAME_AS,
    TYPE,
    Atom,
    Keys,
    Rule,
    Term,
    key_of,
    render_construct,
    restore_blanks,
)
from cxgraph.store.backend import StoreBackend

DELTA = ox.NamedNode(GRAPH_PREFIX + "reasoning:delta")
_NEXT = ox.NamedNode(GRAPH_PREFIX + "reasoning:delta-next")
_HS, _HO = ox.Variable("hs"), ox.Variable("ho")
_COUNT = "SELECT ?g ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ?p"
_COUNT_TYPED = "SELECT ?g ?p ?o (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ?p ?o"
_SIZE = (
    "SELECT ?g (COUNT(*) AS ?n) WHERE { { SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } "
    "LIMIT 2000 } } GROUP BY ?g"
)
SMALL_DELTA = 2000  # = the LIMIT of _SIZE
"""Below this many triples a round's delta is checked against the store triple by triple."""

_PREDICATES = "SELECT DISTINCT ?p ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_CLASSES = (
    "SELECT DISTINCT ?c ?g WHERE { "
    "GRAPH ?g { ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?c } FILTER(!isLiteral(?c)) }"
)


def graph_keys(store: StoreBackend, graph: ox.NamedNode) -> Keys:
    """The delta keys (predicates, and rdf:type with each class) of a graph's triples."""
    keys: Keys = set()
    for row in store.query(_PREDICATES, substitutions={ox.Variable("g"): graph}):  # type: ignore[union-attr]
        keys.add((row["p"].value, None))
    for row in store.query(_CLASSES, substitutions={ox.Variable("g"): graph}):  # type: ignore[union-attr]
        keys.add((TYPE.value, row["c"].value))
    return keys


@dataclass
class Conclusion:
    """Rules with one head atom concluding ``?x p ?y`` (or ``?x rdf:type C``), merged."""

    head: Atom
    rules: list[Rule]

    @property
    def name(self) -> str:
        """What it concludes and from which rules (the per-rule count of a report)."""
        kinds = sorted({r.name for r in self.rules})
        return kinds[0] if len(kinds) == 1 else f"{_show(self.head)} ← {'; '.join(kinds)}"

    def update(
        self,
        delta_keys: Keys | None,
        sources: list[ox.NamedNode],
        delta: ox.NamedNode,
        following: ox.NamedNode,
        small_delta: bool = False,
    ) -> str | None:
        """The SPARQL update inserting what these rules conclude that is not known yet
        into the inferred graph and ``following`` (from the last round's ``delta`` only,
        unless ``delta_keys`` is None). What is known is taken out with MINUS (a hash
        anti-join over every triple of the conclusion's predicate or class), or, from a
        ``small_delta``, with FILTER NOT EXISTS (a lookup per derived triple), which does not
        grow with the store: an incremental write at 1M stays small."""
        branches = []
        for rule in self.rules:
            body = [_renamed(a, rule.head[0]) for a in rule.body]
            variants: list[int | None] = (
                [None]
                if delta_keys is None
                else [i for i, a in enumerate(body) if a.matches(delta_keys)]
            )
            for variant in variants:
                # the delta atom first: pyoxigraph joins in the written order, so the
                # branch starts from the (small) delta, not from the whole store
                atoms = [
                    f"GRAPH {delta} {{ {a.sparql()} }}" if i == variant else a.sparql()
                    for i, a in sorted(enumerate(body), key=lambda ia: ia[0] != variant)
                ]
                branches.append("{ " + " ".join(atoms) + " }")
        if not branches:
            return None
        head = self.head.sparql()
        using = "".join(f"USING {g} " for g in sources) + f"USING NAMED {delta} "
        filters = f"FILTER(!isLiteral({_HS}))"
        if self.head.p == SAME_AS:
            filters += f" FILTER({_HS} != {_HO})"
        return (
            f"INSERT {{ GRAPH {INFERRED_GRAPH} {{ {head} }} GRAPH {following} {{ {head} }} }} "
            f"{using}WHERE {{ {{ {' UNION '.join(branches)} }} {filters} "
            + (f"FILTER NOT EXISTS {{ {head} }} }}" if small_delta else f"MINUS {{ {head} }} }}")
        )


def _renamed(atom: Atom, head: Atom) -> Atom:
    """The atom with the head's subject variable as ``?hs`` and object variable as ``?ho``."""

    def rename(term: Term) -> Term:
        if term == head.s:
            return _HS
        if term == head.o and isinstance(head.o, ox.Variable):
            return _HO
        return term

    return Atom(rename(atom.s), rename(atom.p), rename(atom.o))  # type: ignore[arg-type]


def _show(atom: Atom) -> str:
    if atom.p == TYPE:
        return f"type {atom.o.value.rsplit('#', 1)[-1]}"
    return atom.p.value.rsplit("#", 1)[-1]


def _mergeable(rule: Rule) -> bool:
    if len(rule.head) != 1 or not rule.body or rule.bindings():
        return False
    (head,) = rule.head
    if not isinstance(head.s, ox.Variable) or not isinstance(head.p, ox.NamedNode):
        return False
    if head.p == TYPE:
        return isinstance(head.o, ox.NamedNode)
    return isinstance(head.o, ox.Variable) and head.o != head.s


def plan(rules: list[Rule]) -> tuple[list[Conclusion], list[Rule]]:
    """Split rules into merged conclusions (one update each) and rules run on their own;
    a rule with several head atoms is split into one per atom first."""
    conclusions: dict[tuple[str, str], Conclusion] = {}
    single: list[Rule] = []
    for rule in rules:
        parts = (
            [Rule(rule.name, rule.body, (h,)) for h in rule.head] if len(rule.head) > 1 else [rule]
        )
        for part in parts:
            if not _mergeable(part):
                single.append(part)
                continue
            head = part.head[0]
            key = (head.p.value, head.o.value if head.p == TYPE else "")
            canonical = Atom(_HS, head.p, head.o if head.p == TYPE else _HO)
            conclusions.setdefault(key, Conclusion(canonical, [])).rules.append(part)
    return list(conclusions.values()), single


class FixpointEngine:
    """Runs rules to a fixpoint over ``sources`` (plus the inferred graph); see the module
    docstring."""

    def __init__(self, store: StoreBackend, sources: list[ox.NamedNode]) -> None:
        self._store = store
        self._sources = [*sources, INFERRED_GRAPH] if INFERRED_GRAPH not in sources else sources
        self._known = set(self._sources)
        self.touched: Keys = set()

    def run(self, rules: list[Rule], added: Counter[str], *, seeded: bool = False) -> int:
        db = self._store
        conclusions, single = plan(rules)
        for graph in (_NEXT, *(() if seeded else (DELTA,))):
            if db.contains_named_graph(graph):
                db.remove_graph(graph)
        delta, following = DELTA, _NEXT
        delta_keys: Keys | None = graph_keys(db, DELTA) if seeded else None
        rounds = 0
        try:
            while delta_keys is None or delta_keys:
                rounds += 1
                small = delta_keys is not None and self._size(delta, SMALL_DELTA) < SMALL_DELTA
                for conclusion in conclusions:
                    self._conclude(conclusion, delta_keys, delta, following, added, small)
                for rule in single:
                    self._apply(rule, delta_keys, delta, following, added)
                if db.contains_named_graph(delta):
                    db.remove_graph(delta)
                delta_keys = (
                    graph_keys(db, following) if db.contains_named_graph(following) else set()
                )
                self.touched |= delta_keys
                delta, following = following, delta
        finally:
            for graph in (DELTA, _NEXT):
                if db.contains_named_graph(graph):
                    db.remove_graph(graph)
        return rounds

    def _conclude(
        self,
        conclusion: Conclusion,
        delta_keys: Keys | None,
        delta: ox.NamedNode,
        following: ox.NamedNode,
        added: Counter[str],
        small_delta: bool,
    ) -> None:
        text = conclusion.update(delta_keys, self._sources, delta, following, small_delta)
        if text is None:
            return
        before = self._count(following, conclusion.head)
        self._store.update(text)
        new = self._count(following, conclusion.head) - before
        if new:
            added[conclusion.name] += new

    def _size(self, graph: ox.NamedNode, cap: int) -> int:
        """How many quads ``graph`` holds, counting no further than ``cap`` (2,000, the
        query's LIMIT); counted in the store: nothing travels from a remote one."""
        return self._number(_SIZE, {ox.Variable("g"): graph})

    def _count(self, graph: ox.NamedNode, head: Atom) -> int:
        """How many triples of ``graph`` have the head's predicate (and class)."""
        bindings = {ox.Variable("g"): graph, ox.Variable("p"): head.p}
        if head.p == TYPE:
            return self._number(_COUNT_TYPED, {**bindings, ox.Variable("o"): head.o})
        return self._number(_COUNT, bindings)

    def _number(self, query: str, bindings: Mapping[ox.Variable, object]) -> int:
        rows = list(self._store.query(query, substitutions=bindings))  # type: ignore[arg-type]
        return int(rows[0]["n"].value) if rows else 0

    def _apply(
        self,
        rule: Rule,
        delta_keys: Keys | None,
        delta: ox.NamedNode,
        following: ox.NamedNode,
        added: Counter[str],
    ) -> None:
        if delta_keys is None:
            variants: list[int | None] = [None]
        else:
            variants = [i for i, atom in enumerate(rule.body) if atom.matches(delta_keys)]
        db = self._store
        new: set[ox.Triple] = set()
        for variant in variants:
            triples = db.query(
                render_construct(rule, variant, delta),
                default_graph=self._sources,  # type: ignore[arg-type]
                named_graphs=[delta] if variant is not None else [],
                substitutions=rule.bindings(),  # type: ignore[arg-type]
            )
            for derived in triples:  # type: ignore[union-attr]
                triple = restore_blanks(derived)
                if triple in new:
                    continue
                holders = db.quads_for_pattern(triple.subject, triple.predicate, triple.object)
                if not any(q.graph_name in self._known for q in holders):
                    new.add(triple)
        if new:
            added[rule.name] += len(new)
            db.extend(
                ox.Quad(t.subject, t.predicate, t.object, g)
                for t in new
                for g in (INFERRED_GRAPH, following)
            )


__all__ = ["DELTA", "Conclusion", "FixpointEngine", "graph_keys", "key_of", "plan"]
