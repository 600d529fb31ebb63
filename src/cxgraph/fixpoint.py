"""The fixpoint engine: runs compiled rules inside the store until nothing new follows.

The rules are merged into conclusions (:mod:`cxgraph.conclusion`: one per class or
property concluded), each derived triple once per round and de-duplicated in the store.
A conclusion runs as one SPARQL update; in the embedded store a round's conclusions run
instead as CONSTRUCT queries, two at a time, whose N-Triples output is loaded into the store
(no derived triple is a Python object either way; see :meth:`FixpointEngine._conclude_round`).
Rules that name a stored blank node (anonymous class expressions; an update cannot bind
one) or conclude with a constant run as CONSTRUCT queries whose new triples Python inserts.

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

import pyoxigraph as ox

from cxgraph.conclusion import Conclusion, class_of, plan
from cxgraph.namespaces import GRAPH_PREFIX, INFERRED_GRAPH
from cxgraph.rules import TYPE, Keys, Rule, key_of, render_construct, restore_blanks
from cxgraph.store.backend import StoreBackend

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
        names = {(c.head.p.value, class_of(c.head)): c.name for c in conclusions}
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


__all__ = ["FixpointEngine", "graph_keys", "graph_size", "key_of", "scratch_graph"]
