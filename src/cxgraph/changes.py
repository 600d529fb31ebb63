"""What a write does to the data graphs, worked out before anything is applied.

Every write (a SPARQL update, a Graph Store PUT/POST/DELETE, from HTTP, the CLI or a
program) is first turned into :class:`Changes`: triples added to and removed from data
graphs, graphs created and dropped. Only data graphs can be written: the ontology,
inferred and gaps graphs (and any other ``urn:cxgraph:graph:`` name outside
``urn:cxgraph:graph:data:``) are read-only, and a write touching one is refused as a whole
(:class:`cxgraph.errors.WriteRefused`). :mod:`cxgraph.writes` applies the result.

A SPARQL update is evaluated on a scratch copy of the dataset whose default graph is the
union of every graph (as queries see it); the difference it makes is then read back:

- triples inserted into the default graph go to ``urn:cxgraph:graph:data:updates``;
- triples deleted from the default graph are deleted from every data graph asserting them;
  a derived triple (inferred graph, gaps graph) is not deleted, it is recomputed; deleting
  an ontology triple is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cxgraph.errors import WriteRefused
from cxgraph.namespaces import DATA_GRAPH_PREFIX, ONTOLOGY_GRAPH, PREFIXES, is_data_graph
from cxgraph.reports import readable_query_error
from cxgraph.sparql_tokens import tokens
from cxgraph.store import Store, StoreBackend, scratch_dataset

UPDATES_GRAPH = ox.NamedNode(DATA_GRAPH_PREFIX + "updates")
"""Where triples an update inserts into the default graph (or a POST to it) go."""


@dataclass
class Changes:
    """What a write does to the data graphs."""

    additions: dict[ox.NamedNode, set[ox.Triple]] = field(default_factory=dict)
    removals: dict[ox.NamedNode, set[ox.Triple]] = field(default_factory=dict)
    created: set[ox.NamedNode] = field(default_factory=set)
    dropped: set[ox.NamedNode] = field(default_factory=set)
    kept_derived: int = 0
    """Derived triples the write deleted from the union: they are recomputed, not deleted."""

    def add(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        self.additions.setdefault(graph, set()).update(triples)

    def remove(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        triples = set(triples)
        self.removals.setdefault(graph, set()).update(triples)
        self.additions.get(graph, set()).difference_update(triples)

    def graphs(self) -> set[ox.NamedNode]:
        """Every graph the write touches."""
        return {*self.additions, *self.removals, *self.created, *self.dropped}

    def check(self) -> None:
        """Refuse the whole write if it touches a graph that is not a data graph."""
        for graph in sorted(self.graphs(), key=lambda g: g.value):
            require_data_graph(graph)

    def added_quads(self) -> list[ox.Quad]:
        return _quads(self.additions)

    def removed_quads(self) -> list[ox.Quad]:
        return _quads(self.removals)

    def summary(self) -> dict[str, object]:
        graphs = sorted(self.graphs(), key=lambda g: g.value)
        return {
            "graphs": {
                g.value: {
                    "added": len(self.additions.get(g, ())),
                    "removed": len(self.removals.get(g, ())),
                }
                for g in graphs
            },
            "created": sorted(g.value for g in self.created),
            "dropped": sorted(g.value for g in self.dropped),
            "derived_triples_kept": self.kept_derived,
        }


def require_data_graph(graph: ox.NamedNode) -> None:
    """Raise WriteRefused (``read_only_graph``) unless ``graph`` is a data graph."""
    if not is_data_graph(graph):
        raise WriteRefused(
            "read_only_graph",
            f"<{graph.value}> is read-only: only data graphs ({DATA_GRAPH_PREFIX}… or "
            "graphs outside urn:cxgraph:graph:) can be written",
        )


# -- the changes of each kind of write ---------------------------------------------------


def replacing(store: Store, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> Changes:
    """``graph`` made to hold exactly ``triples`` (created if absent): Graph Store PUT."""
    require_data_graph(graph)
    new = set(triples)
    old = set(store.triples([graph]))
    changes = Changes()
    if not store.has_graph(graph):
        changes.created.add(graph)
    changes.add(graph, new - old)
    changes.remove(graph, old - new)
    return changes


def adding(store: Store, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> Changes:
    """``triples`` added to ``graph`` (created if absent): Graph Store POST."""
    require_data_graph(graph)
    changes = Changes()
    if not store.has_graph(graph):
        changes.created.add(graph)
    changes.add(graph, triples)
    return changes


def dropping(store: Store, graph: ox.NamedNode) -> Changes:
    """``graph`` dropped with its triples: Graph Store DELETE, SPARQL ``DROP GRAPH``."""
    require_data_graph(graph)
    if not store.has_graph(graph):
        raise WriteRefused("not_found", f"the store holds no graph <{graph.value}>")
    changes = Changes()
    changes.dropped.add(graph)
    changes.remove(graph, store.triples([graph]))
    return changes


def updating(store: Store, text: str, base_iri: str | None = None) -> Changes:
    """What the SPARQL update ``text`` changes (see the module's docstring). Raises
    WriteRefused (``syntax_error``, ``update_failed``, ``read_only_graph``, ``bad_graph``);
    ``store`` is never changed.

    An update made only of ``INSERT DATA`` and ``DELETE DATA`` operations is worked out
    from its own triples and membership lookups in the store (:func:`by_data`); any other
    is evaluated on a scratch copy of the store whose default graph is the union of every
    graph (:func:`by_copy`), which costs time in proportion to the model. Both give the
    same changes (``tests/test_changes.py`` compares them)."""
    operations = data_operations(text)
    if operations is not None:
        return by_data(store, operations, text, base_iri)
    return by_copy(store, text, base_iri)


def by_copy(store: Store, text: str, base_iri: str | None = None) -> Changes:
    """``text`` evaluated on a scratch copy of ``store`` (every graph, and their union as
    the default graph), and the difference it made."""
    before = {graph: set(store.triples([graph])) for graph in store.graphs()}
    union = set().union(*before.values())
    scratch = scratch_dataset()
    for graph in before:
        scratch.add_graph(graph)  # empty graphs too
    scratch.extend(_quads(before))
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in union)
    _evaluate(scratch, text, text, base_iri)
    default_after = {
        q.triple for q in scratch.quads_for_pattern(None, None, None, ox.DefaultGraph())
    }
    return _difference(before, _contents(scratch), union, default_after)


def _evaluate(dataset: StoreBackend, text: str, given: str, base_iri: str | None) -> None:
    """Run ``text`` on ``dataset``; errors are WriteRefused naming the ``given`` text."""
    try:
        dataset.update(text, base_iri=base_iri, prefixes=dict(PREFIXES))
    except SyntaxError as err:
        message = str(err.args[0] if err.args else err)
        raise WriteRefused("syntax_error", readable_query_error(message, given, PREFIXES)) from None
    except (OSError, RuntimeError, ValueError) as err:
        raise WriteRefused("update_failed", f"the update failed: {err}") from None


# -- updates made of INSERT DATA and DELETE DATA ------------------------------------------


def data_operations(text: str) -> list[tuple[bool, str]] | None:
    """The operations of an update made only of ``INSERT DATA`` and ``DELETE DATA`` (with
    ``PREFIX`` and ``BASE`` declarations between them), each as ``(deleting, an INSERT DATA
    of its triples with the declarations before it)``; None for any other update, or for
    text this reading is not sure of (then the update is evaluated on a copy)."""
    found = list(tokens(text))
    prologue: list[str] = []
    operations: list[tuple[bool, str]] = []
    i = 0

    def word(k: int) -> str:
        return found[k].group().upper() if k < len(found) and found[k].lastgroup == "word" else ""

    def kind(k: int) -> str | None:
        return found[k].lastgroup if k < len(found) else None

    while i < len(found):
        if word(i) == "PREFIX" and kind(i + 1) == "pname" and kind(i + 2) == "iri":
            prologue.append(text[found[i].start() : found[i + 2].end()])
            i += 3
        elif word(i) == "BASE" and kind(i + 1) == "iri":
            prologue.append(text[found[i].start() : found[i + 1].end()])
            i += 2
        elif word(i) in ("INSERT", "DELETE") and word(i + 1) == "DATA":
            end = _block_end(found, i + 2)
            if end is None:
                return None
            block = text[found[i + 2].start() : found[end].end()]
            operations.append((word(i) == "DELETE", "\n".join([*prologue, "INSERT DATA " + block])))
            i = end + 1
            if i < len(found) and found[i].group() == ";":
                i += 1
        else:
            return None
    return operations or None


def _block_end(found: list[re.Match[str]], start: int) -> int | None:
    """The index of the ``}`` closing the ``{`` at ``start`` (None if there is none)."""
    if start >= len(found) or found[start].group() != "{":
        return None
    depth = 0
    for k in range(start, len(found)):
        token = found[k]
        if token.lastgroup == "stray":
            return None
        if token.lastgroup == "other" and token.group() == "{":
            depth += 1
        elif token.lastgroup == "other" and token.group() == "}":
            depth -= 1
            if depth == 0:
                return k
    return None


def by_data(
    store: Store, operations: list[tuple[bool, str]], text: str, base_iri: str | None = None
) -> Changes:
    """The changes of an update made of ``INSERT DATA`` and ``DELETE DATA`` operations
    (:func:`data_operations`), with the same meaning as :func:`by_copy` gives them, but
    reading only the triples the update names: each operation's triples come from
    evaluating it on an empty dataset, then their membership is looked up in the store."""
    _evaluate(scratch_dataset(), text, text, base_iri)  # the whole text: the same errors
    named: dict[ox.NamedNode, dict[ox.Triple, bool]] = {}  # held after the update?
    default: dict[ox.Triple, bool] = {}  # the default graph, i.e. the union
    for deleting, operation in operations:
        dataset = scratch_dataset()
        _evaluate(dataset, operation, text, base_iri)
        for quad in dataset.quads_for_pattern(None, None, None, None):
            if isinstance(quad.graph_name, ox.NamedNode):
                named.setdefault(quad.graph_name, {})[quad.triple] = not deleting
            else:
                default[quad.triple] = not deleting

    def held_before(graph: ox.NamedNode, triple: ox.Triple) -> bool:
        return ox.Quad(triple.subject, triple.predicate, triple.object, graph) in store

    changes = Changes()
    for graph, triples in named.items():
        if not store.has_graph(graph) and any(triples.values()):
            changes.created.add(graph)
        for triple, held in triples.items():
            if held != held_before(graph, triple):
                (changes.add if held else changes.remove)(graph, [triple])
        if graph in changes.created or changes.additions.get(graph) or changes.removals.get(graph):
            require_data_graph(graph)
    for triple, held in default.items():
        holders = {
            q.graph_name for q in store.quads(triple.subject, triple.predicate, triple.object, None)
        }
        if held and not holders:
            if not store.has_graph(UPDATES_GRAPH):
                changes.created.add(UPDATES_GRAPH)
            changes.add(UPDATES_GRAPH, [triple])
        elif holders and not held:
            asserting = [
                g
                for g in holders
                if isinstance(g, ox.NamedNode)
                and is_data_graph(g)
                and named.get(g, {}).get(triple, True)
                and triple not in changes.additions.get(g, set())
            ]
            _delete_from_union(changes, triple, asserting, ONTOLOGY_GRAPH in holders)
    return changes


def _delete_from_union(
    changes: Changes, triple: ox.Triple, asserting: list[ox.NamedNode], in_ontology: bool
) -> None:
    """A triple deleted from the default graph (the union): deleted from the data graphs
    ``asserting`` it; a derived triple is kept (recomputed); an ontology triple refuses
    the update."""
    for graph in asserting:
        changes.remove(graph, [triple])
    if not asserting:
        if in_ontology:
            raise WriteRefused(
                "read_only_graph",
                f"the update would delete the ontology triple {triple}; the ontology graph "
                "is read-only",
            )
        changes.kept_derived += 1


def _difference(
    before: dict[ox.NamedNode, set[ox.Triple]],
    after: dict[ox.NamedNode, set[ox.Triple]],
    union: set[ox.Triple],
    default_after: set[ox.Triple],
) -> Changes:
    changes = Changes()
    for graph in before.keys() | after.keys():
        old, new = before.get(graph), after.get(graph)
        if old == new:
            continue
        require_data_graph(graph)
        if new is None:
            changes.dropped.add(graph)
        elif old is None:
            changes.created.add(graph)
        if new:
            changes.add(graph, new - (old or set()))
        if old:
            changes.remove(graph, old - (new or set()))
    inserted = default_after - union
    if inserted:
        if UPDATES_GRAPH not in after:
            changes.created.add(UPDATES_GRAPH)
        changes.dropped.discard(UPDATES_GRAPH)
        changes.add(UPDATES_GRAPH, inserted)
    for triple in union - default_after:
        # the data graphs that asserted it before the update (not one the update itself
        # inserted it into: DELETE { t } INSERT { GRAPH <g> { t } } moves t to g)
        holders = [
            g
            for g, content in before.items()
            if triple in content
            and is_data_graph(g)
            and triple in after.get(g, set())
            and triple not in changes.additions.get(g, set())
        ]
        _delete_from_union(changes, triple, holders, triple in before.get(ONTOLOGY_GRAPH, set()))
    return changes


def _contents(dataset: StoreBackend) -> dict[ox.NamedNode, set[ox.Triple]]:
    graphs: dict[ox.NamedNode, set[ox.Triple]] = {}
    for graph in dataset.named_graphs():
        if not isinstance(graph, ox.NamedNode):
            raise WriteRefused("bad_graph", "blank nodes cannot name graphs here")
        graphs[graph] = {q.triple for q in dataset.quads_for_pattern(None, None, None, graph)}
    return graphs


def _quads(triples: dict[ox.NamedNode, set[ox.Triple]]) -> list[ox.Quad]:
    return [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for graph, content in triples.items()
        for t in content
    ]
