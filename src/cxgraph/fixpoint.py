"""The fixpoint engine: runs compiled rules inside the store until nothing new follows.

Rules that conclude the same thing (``?x rdf:type C`` for one class C, or ``?x p ?y`` for
one property p) are merged into one conclusion: the bodies become the branches of a UNION,
what the store already holds is taken out with MINUS, and the new triples go into the
inferred graph and into the next round's delta graph. So each triple is derived once per
round and de-duplicated in the store. A conclusion runs as one SPARQL update; in the
embedded store a round's conclusions run instead as CONSTRUCT queries, two at a time, whose
N-Triples output is loaded into the store (no derived triple is a Python object either way;
see :meth:`FixpointEngine._conclude_round`). Rules that name a stored blank node (anonymous class
expressions; an update cannot bind one) or conclude with a constant run as CONSTRUCT queries
whose new triples Python inserts.

Evaluation is semi-naive: after the first round, a rule only runs with one body atom
matched against the last round's delta (one branch per atom that can match it). Each
round's delta is a graph with a name never used before (:func:`scratch_graph`), dropped
after the next round. ``run(seed=graph)`` starts from triples a caller put in ``graph``
(already in the store): incremental maintenance.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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

_HS, _HO = ox.Variable("hs"), ox.Variable("ho")
_SCRATCH = itertools.count(1)
# graph names are written into the text: a substituted ?g made these scan every graph
_COUNTS = (
    "SELECT ?p ?c (COUNT(*) AS ?n) WHERE { GRAPH $g { ?s ?p ?o } "
    f"BIND(IF(?p = {TYPE}, ?o, 0) AS ?c) }} GROUP BY ?p ?c"
)
_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { { SELECT * WHERE { GRAPH $g { ?s ?p ?o } } LIMIT $cap } }"
SMALL_DELTA = 2000
"""Below this many triples a round's delta is checked against the store triple by triple."""

_KEYS = (
    "SELECT DISTINCT ?p ?c WHERE { GRAPH $g { ?s ?p ?o } "
    f"BIND(IF(?p = {TYPE} && !isLiteral(?o), ?o, 0) AS ?c) }}"
)


def graph_size(store: StoreBackend, graph: ox.NamedNode, cap: int) -> int:
    """How many quads ``graph`` holds, counting no further than ``cap``; counted in the
    store (nothing travels from a remote one)."""
    rows = store.query(_SIZE.replace("$g", str(graph)).replace("$cap", str(cap)))
    return int(next(iter(rows))["n"].value)  # type: ignore[arg-type]


def scratch_graph(name: str) -> ox.NamedNode:
    """A reasoning scratch graph under a name this process has not used before. The
    in-memory store keeps what a dropped graph held as dead entries that every later scan
    of the same name walks through again (10 ms a query once 500k triples passed through
    it), so delta graphs are never reused."""
    return ox.NamedNode(f"{GRAPH_PREFIX}reasoning:{name}-{next(_SCRATCH)}")


def graph_keys(store: StoreBackend, graph: ox.NamedNode) -> Keys:
    """The delta keys (predicates, and rdf:type with each class) of a graph's triples."""
    keys: Keys = set()
    for row in store.query(_KEYS.replace("$g", str(graph))):  # type: ignore[union-attr]
        p, c = row["p"].value, row["c"]
        keys.add((p, None))
        if isinstance(c, ox.NamedNode | ox.BlankNode):
            keys.add((p, c.value))
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

    def where(self, delta_keys: Keys | None, delta: ox.NamedNode, small_delta: bool) -> str | None:
        """The pattern whose ``?hs`` (``?ho``) are what these rules conclude that is not
        known yet, from the last round's ``delta`` only (the graph named ``delta``), unless
        ``delta_keys`` is None; None when no rule can match the delta. What is known is
        taken out with MINUS (a hash anti-join over every triple of the conclusion's
        predicate or class), or, from a ``small_delta``, with FILTER NOT EXISTS (a lookup
        per derived triple), which does not grow with the store: an incremental write at 1M
        stays small."""
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
        filters = f"FILTER(!isLiteral({_HS}))"
        if self.head.p == SAME_AS:
            filters += f" FILTER({_HS} != {_HO})"
        known = f"FILTER NOT EXISTS {{ {head} }}" if small_delta else f"MINUS {{ {head} }}"
        return f"{{ {{ {' UNION '.join(branches)} }} {filters} {known} }}"

    def update(
        self,
        delta_keys: Keys | None,
        sources: list[ox.NamedNode],
        delta: ox.NamedNode,
        following: ox.NamedNode,
        small_delta: bool = False,
    ) -> str | None:
        """The SPARQL update inserting what :meth:`where` finds into the inferred graph and
        ``following``, reading ``sources`` (and ``delta`` as a named graph)."""
        where = self.where(delta_keys, delta, small_delta)
        if where is None:
            return None
        head = self.head.sparql()
        using = "".join(f"USING {g} " for g in sources) + f"USING NAMED {delta} "
        into = f"GRAPH {INFERRED_GRAPH} {{ {head} }} " + (
            f"GRAPH {following} {{ {head} }} " if following != INFERRED_GRAPH else ""
        )
        return f"INSERT {{ {into}}} {using}WHERE {where}"

    def construct(self, delta_keys: Keys | None, delta: ox.NamedNode) -> str | None:
        """The CONSTRUCT query of what :meth:`where` finds (its dataset given by the
        caller: the sources as default graph, ``delta`` as a named graph)."""
        where = self.where(delta_keys, delta, small_delta=False)
        return None if where is None else f"CONSTRUCT {{ {self.head.sparql()} }} WHERE {where}"


def _renamed(atom: Atom, head: Atom) -> Atom:
    """The atom with the head's subject variable as ``?hs`` and object variable as ``?ho``."""

    def rename(term: Term) -> Term:
        if term == head.s:
            return _HS
        if term == head.o and isinstance(head.o, ox.Variable):
            return _HO
        return term

    return Atom(rename(atom.s), rename(atom.p), rename(atom.o))  # type: ignore[arg-type]


def _class_of(head: Atom) -> str | None:
    return head.o.value if head.p == TYPE else None


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

    def run(
        self,
        rules: list[Rule],
        added: Counter[str],
        *,
        seed: ox.NamedNode | None = None,
        record: ox.NamedNode | None = None,
        changing: Callable[[Keys], None] | None = None,
    ) -> int:
        """Run to the fixpoint; returns the number of rounds. With ``seed``, start from the
        triples in that graph (already in the store; dropped here) instead of from
        everything. With ``record``, every new triple is also added to that graph (what
        incremental maintenance re-checks). ``changing`` is told, after each round but
        the last, the keys of what it added: what the next round starts from. A key no
        rule adds to in a round, nor anything it is derived from, no longer changes."""
        db = self._store
        conclusions, single = plan(rules)
        names = {(c.head.p.value, _class_of(c.head)): c.name for c in conclusions}
        delta = seed if seed is not None else scratch_graph("delta")
        delta_keys: Keys | None = graph_keys(db, seed) if seed is not None else None
        # a run from nothing over an empty inferred graph: what the first round adds is
        # the inferred graph, so it is written once and read back as the second round's
        # delta (a second copy in a delta graph took 1 s of 12 at 1M dense)
        first = seed is None and self._size(INFERRED_GRAPH) == 0
        following = INFERRED_GRAPH if first else scratch_graph("delta")
        rounds = 0
        try:
            while delta_keys is None or delta_keys:
                rounds += 1
                small = delta_keys is not None and self._size(delta) < SMALL_DELTA
                ran = self._conclude_round(conclusions, delta_keys, delta, following, small)
                # the next round's delta keys: what the updates added, counted in the
                # store, and what the rules run on their own added (known here)
                new_keys = self._count_new(following, names, added) if ran else set()
                for rule in single:
                    new_keys |= self._apply(rule, delta_keys, delta, following, added)
                if delta != INFERRED_GRAPH and db.contains_named_graph(delta):
                    db.remove_graph(delta)
                if record is not None and db.contains_named_graph(following):
                    db.update(f"ADD {following} TO {record}")
                delta_keys = new_keys
                self.touched |= delta_keys
                if changing is not None and delta_keys:
                    changing(delta_keys)
                delta, following = following, scratch_graph("delta")
        finally:
            for graph in (delta, following):
                if graph != INFERRED_GRAPH and db.contains_named_graph(graph):
                    db.remove_graph(graph)
        return rounds

    def _conclude_round(
        self,
        conclusions: list[Conclusion],
        delta_keys: Keys | None,
        delta: ox.NamedNode,
        following: ox.NamedNode,
        small_delta: bool,
    ) -> bool:
        """Run a round's conclusions; whether any had something to run. In an embedded
        store (from anything but a small delta) their patterns are evaluated as CONSTRUCT
        queries two at a time (pyoxigraph evaluates queries without the GIL; updates run
        one at a time) and what they find is loaded here, as N-Triples, while the next
        ones are evaluated: 1M dense cold report 9.8-12.1 s -> 8.8-10.9 s. Elsewhere (a
        remote store: nothing travels) each conclusion is one update.

        A query may see what another conclusion of the same round loaded before it started
        (as one update sees the updates run before it): the closure is the same either
        way, but the number of rounds can differ by the threads' timing."""
        db = self._store
        if small_delta or not isinstance(db, ox.Store):
            ran = False
            for conclusion in conclusions:
                ran |= self._conclude(conclusion, delta_keys, delta, following, small_delta)
            return ran
        store: ox.Store = db
        sources: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [*self._sources]
        queries = [(c, q) for c in conclusions if (q := c.construct(delta_keys, delta))]

        def evaluate(query: str) -> bytes:
            found = store.query(query, default_graph=sources, named_graphs=[delta])
            assert isinstance(found, ox.QueryTriples)
            return found.serialize(format=ox.RdfFormat.N_TRIPLES) or b""

        with ThreadPoolExecutor(2) as pool:
            answers = pool.map(evaluate, [query for _, query in queries])
            for (conclusion, _), found in zip(queries, answers, strict=True):
                if b"_:" in found:
                    # a parser names blank nodes afresh: the update keeps the stored ones
                    self._conclude(conclusion, delta_keys, delta, following, small_delta)
                elif found:
                    for graph in {INFERRED_GRAPH, following}:
                        store.load(found, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        return bool(queries)

    def _conclude(
        self,
        conclusion: Conclusion,
        delta_keys: Keys | None,
        delta: ox.NamedNode,
        following: ox.NamedNode,
        small_delta: bool,
    ) -> bool:
        """Run a conclusion's update; whether there was one to run."""
        text = conclusion.update(delta_keys, self._sources, delta, following, small_delta)
        if text is None:
            return False
        self._store.update(text)
        return True

    def _count_new(
        self, following: ox.NamedNode, names: dict[tuple[str, str | None], str], added: Counter[str]
    ) -> Keys:
        """Count, per conclusion, what this round's updates added (one query: each
        conclusion adds triples of its own predicate, or rdf:type and class); returns the
        delta keys of what they added."""
        keys: Keys = set()
        if not self._store.contains_named_graph(following):
            return keys
        for row in self._store.query(_COUNTS.replace("$g", str(following))):  # type: ignore[union-attr]
            p, c = row["p"].value, row["c"]
            keys.add((p, None))
            typed = p == TYPE.value and isinstance(c, ox.NamedNode | ox.BlankNode)
            if typed:
                keys.add((p, c.value))
            key = (p, c.value if typed else None)
            if key in names:
                added[names[key]] += int(row["n"].value)
        return keys

    def _size(self, graph: ox.NamedNode) -> int:
        return graph_size(self._store, graph, SMALL_DELTA)

    def _apply(
        self,
        rule: Rule,
        delta_keys: Keys | None,
        delta: ox.NamedNode,
        following: ox.NamedNode,
        added: Counter[str],
    ) -> Keys:
        """Run a rule on its own (a CONSTRUCT whose new triples Python inserts); returns
        the delta keys of what it added."""
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
        return {key for t in new for key in key_of(t)}


__all__ = [
    "Conclusion",
    "FixpointEngine",
    "graph_keys",
    "graph_size",
    "key_of",
    "plan",
    "scratch_graph",
]
