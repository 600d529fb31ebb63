"""The store of record: a pyoxigraph store holding the named graphs of cx-model.md.

Ontology, data (one graph per source), inferred and gaps graphs live side by side;
queries see their union as the default graph. The store is in memory by default and on
disk when given a directory, where it persists between runs. Loading is all-or-nothing:
pyoxigraph parses each source straight into the store in one transaction, and a batch that
fails part-way drops every graph it created (see :mod:`cxgraph.store.loading`).

:class:`Store` holds a :class:`cxgraph.store.backend.StoreBackend` (the embedded pyoxigraph store
or a :class:`cxgraph.store.remote.RemoteStore`) and is the only module that touches it; the rest of
cxgraph reads and writes through its methods (``query``, ``quads``, ``update``, ``insert``,
``has_graph``...), and the reasoning engine gets the interface itself from
:attr:`Store.backend`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pyoxigraph as oxi

from cxgraph.errors import QueryError, StoreError
from cxgraph.namespaces import (
    ONTOLOGY_GRAPH,
    is_data_graph,
)
from cxgraph.sources import Source, SourceFormat, graph_for_source, parse_into
from cxgraph.store.backend import Binding, GraphName, StoreBackend
from cxgraph.store.loading import load_batch
from cxgraph.store.location import RemoteLocation
from cxgraph.store.rdflib_copy import rdflib_graph

if TYPE_CHECKING:  # rdflib loads only when an rdflib copy is asked for; remote when used
    import rdflib

    from cxgraph.store.remote import RemoteStore

_SCRATCH_PREFIX = "urn:cxgraph:graph:reasoning:"
_ONTOLOGY_SOURCE = oxi.NamedNode("urn:cxgraph:ontology-source")
_SHA256 = oxi.NamedNode("urn:cxgraph:sha256")

Term = oxi.NamedNode | oxi.BlankNode | oxi.Literal
QueryResult = oxi.QuerySolutions | oxi.QueryBoolean | oxi.QueryTriples


class Store:
    """A store with cxgraph's named graphs (composition, not a subclass): embedded
    pyoxigraph by default, a remote SPARQL 1.1 store when given a :class:`RemoteLocation`."""

    def __init__(self, path: Path | RemoteLocation | None = None) -> None:
        self.lock = threading.RLock()
        self.remote = path if isinstance(path, RemoteLocation) else None
        """Where the remote store is, if this is one (``--store URL``); else None."""
        self.path = None if isinstance(path, RemoteLocation) else path
        self._remote: RemoteStore | None = None
        self._ox: StoreBackend
        if self.remote is not None:
            from cxgraph.store.remote import RemoteStore  # its HTTP stack only when used

            self._remote = RemoteStore(self.remote)
            self._remote.check()
            self._ox = self._remote
            return
        try:
            self._ox = oxi.Store(str(path)) if path is not None else oxi.Store()
        except OSError as err:
            raise StoreError(f"{path}: cannot open the store: {err}") from None

    @property
    def backend(self) -> StoreBackend:
        """The store interface underneath (embedded or remote), for the reasoning engine
        (:mod:`cxgraph.fixpoint`, :mod:`cxgraph.axioms`), which speaks it directly."""
        return self._ox

    def __len__(self) -> int:
        return len(self._ox)

    def __iter__(self) -> Iterator[oxi.Quad]:
        """Every quad of the store."""
        return self._ox.quads_for_pattern(None, None, None, None)

    def __contains__(self, quad: oxi.Quad) -> bool:
        return quad in self._ox

    def traffic(self) -> tuple[int, float]:
        """HTTP requests made to a remote store and seconds spent waiting for them (0 and
        0.0 for the embedded store)."""
        if self._remote is None:
            return 0, 0.0
        return self._remote.requests, self._remote.waited

    # -- writing -----------------------------------------------------------------------

    def load_sources(self, sources: Sequence[Source]) -> dict[str, int]:
        """Load every source, replacing each source's graphs; all or nothing (see
        :func:`cxgraph.store.loading.load_batch`). Returns the quads read per source."""
        with self.lock:
            return load_batch(self._ox, sources)

    def holds_ontology(self, source: Source) -> bool:
        """Whether the ontology graph holds ``source`` (by its content digest)."""
        digest = oxi.Literal(hashlib.sha256(source.content).hexdigest())
        return any(self._ox.quads_for_pattern(_ONTOLOGY_SOURCE, _SHA256, digest, ONTOLOGY_GRAPH))

    def load_ontology(self, source: Source) -> int:
        """Make the ontology graph hold ``source``; a no-op when it already does (same
        content digest), so reopening a persistent store does not rewrite it."""
        digest = oxi.Literal(hashlib.sha256(source.content).hexdigest())
        marker = oxi.Triple(_ONTOLOGY_SOURCE, _SHA256, digest)
        if self.holds_ontology(source):
            return self.count(ONTOLOGY_GRAPH)
        staging = oxi.Store()
        parse_into(staging, source, ONTOLOGY_GRAPH)
        return self.replace_graph(ONTOLOGY_GRAPH, [*(q.triple for q in staging), marker])

    def replace_graph(self, graph: oxi.NamedNode, triples: Iterable[oxi.Triple]) -> int:
        """Make ``graph`` hold exactly ``triples``: staged in a scratch graph, then swapped
        in by one update (one transaction where the store runs an update in one: the
        embedded store, Oxigraph server), so no reader sees it half written."""
        with self.lock, self.scratch_graph("replace") as scratch:
            quads = [oxi.Quad(t.subject, t.predicate, t.object, scratch) for t in triples]
            self._ox.extend(quads)
            self._ox.update(
                f"DROP SILENT GRAPH {graph} ; MOVE SILENT GRAPH {scratch} TO GRAPH {graph} ; "
                f"CREATE SILENT GRAPH {graph}"
            )
        return len(quads)

    def update(self, text: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update, all or nothing."""
        self._ox.update(text, base_iri=base_iri)

    def insert(self, quads: Iterable[oxi.Quad]) -> None:
        """Add quads (to the graphs they name)."""
        self._ox.extend(quads)

    def delete(self, quads: Iterable[oxi.Quad]) -> None:
        """Remove quads (absent ones are ignored); in batches on a remote store."""
        if self._remote is not None:
            self._remote.remove_all(quads)
            return
        for quad in quads:
            self._ox.remove(quad)

    def held_in(
        self, triples: Iterable[oxi.Triple], graphs: Sequence[oxi.NamedNode]
    ) -> set[oxi.Triple]:
        """Those of ``triples`` that one of ``graphs`` holds (a remote store is asked in
        batches, not once per triple)."""
        triples = list(triples)
        if self._remote is not None:
            return self._remote.held_in(triples, list(graphs))
        chosen = set(graphs)
        return {
            t
            for t in triples
            if any(
                q.graph_name in chosen
                for q in self._ox.quads_for_pattern(t.subject, t.predicate, t.object)
            )
        }

    def present(self, quads: Iterable[oxi.Quad]) -> list[oxi.Quad]:
        """Those of ``quads`` the store holds, in their order (a remote store is asked
        in batches, not once per quad)."""
        quads = list(quads)
        if self._remote is None or any(isinstance(q.graph_name, oxi.DefaultGraph) for q in quads):
            return [q for q in quads if q in self._ox]
        held = set(self._remote.present(quads))
        return [q for q in quads if q in held]

    def add_graph(self, graph: oxi.NamedNode) -> None:
        """Create ``graph`` empty if the store does not hold it."""
        self._ox.add_graph(graph)

    def remove_graph(self, graph: oxi.NamedNode) -> None:
        """Drop ``graph`` and its triples."""
        self._ox.remove_graph(graph)

    def copy_into(self, target: Store) -> None:
        """Add every graph (empty ones too) and quad of this store to ``target``."""
        for graph in self._ox.named_graphs():
            if isinstance(graph, oxi.NamedNode):
                target.add_graph(graph)
        target.insert(self)

    def add_to_graph(self, graph: oxi.NamedNode, triples: Iterable[oxi.Triple]) -> None:
        with self.lock:
            self._ox.extend(oxi.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def remove_from_graph(self, graph: oxi.NamedNode, triples: Iterable[oxi.Triple]) -> None:
        with self.lock:
            for t in triples:
                self._ox.remove(oxi.Quad(t.subject, t.predicate, t.object, graph))

    @contextmanager
    def scratch_graph(self, name: str) -> Iterator[oxi.NamedNode]:
        """A graph of cxgraph's own for the duration of a ``with`` block (created empty,
        dropped at the end, also on an error): for intermediate results that must live in
        the store, such as a staging copy. ``name`` tells uses apart; a scratch graph a
        killed process left behind is dropped when the store is next opened."""
        graph = oxi.NamedNode(f"{_SCRATCH_PREFIX}scratch-{name}")
        with self.lock:
            if self._ox.contains_named_graph(graph):
                raise StoreError(f"the scratch graph <{graph.value}> is in use")
            self._ox.add_graph(graph)
        try:
            yield graph
        finally:
            with self.lock:
                self._ox.remove_graph(graph)

    def drop_scratch_graphs(self) -> None:
        """Remove reasoning scratch graphs a killed process may have left behind."""
        with self.lock:
            for graph in self.graphs():
                if graph.value.startswith(_SCRATCH_PREFIX):
                    self._ox.remove_graph(graph)

    def flush(self) -> None:
        if self.path is not None:
            self._ox.flush()

    # -- reading -----------------------------------------------------------------------

    def query(
        self,
        text: str,
        *,
        substitutions: Mapping[oxi.Variable, Term] | None = None,
        default_graph: Sequence[oxi.NamedNode] | None = None,
        named_graphs: Sequence[oxi.NamedNode] | None = None,
        prefixes: Mapping[str, str] | None = None,
        union: bool | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; the default graph is the union of all graphs unless
        ``default_graph`` names some or ``union`` is False (then it is the store's own,
        empty, default graph: only ``GRAPH`` patterns match). ``prefixes`` are predeclared
        (the query's own PREFIX lines win)."""
        try:
            return self.evaluate(
                text,
                base_iri=base_iri,
                prefixes=prefixes,
                use_default_graph_as_union=default_graph is None if union is None else union,
                default_graph=default_graph,
                named_graphs=named_graphs,
                substitutions=substitutions,
            )
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {err.args[0] if err.args else err}") from None

    def evaluate(
        self,
        text: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Sequence[oxi.NamedNode] | None = None,
        named_graphs: Sequence[oxi.NamedNode] | None = None,
        substitutions: Mapping[oxi.Variable, Term] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query on the dataset given as the SPARQL protocol gives it (the
        store's own default graph unless told otherwise); errors are the backend's
        (``SyntaxError``, ``ValueError``...), for callers that map them themselves."""
        graphs: list[GraphName] | None = None if default_graph is None else list(default_graph)
        names: list[oxi.NamedNode | oxi.BlankNode] | None = (
            None if named_graphs is None else list(named_graphs)
        )
        bindings: dict[oxi.Variable, Binding] | None = (
            None if substitutions is None else dict(substitutions)
        )
        result = self._ox.query(
            text,
            base_iri=base_iri,
            prefixes=dict(prefixes) if prefixes else None,
            use_default_graph_as_union=use_default_graph_as_union,
            default_graph=graphs,
            named_graphs=names,
            substitutions=bindings,
        )
        # a remote store answers CONSTRUCT and DESCRIBE with an iterator of triples, which
        # every caller uses as it uses QueryTriples (it iterates)
        return cast(QueryResult, result)

    def graphs(self) -> list[oxi.NamedNode]:
        return sorted(
            (g for g in self._ox.named_graphs() if isinstance(g, oxi.NamedNode)),
            key=lambda g: g.value,
        )

    def data_graphs(self) -> list[oxi.NamedNode]:
        """Graphs holding asserted instance data (all but ontology, inferred, gaps)."""
        return [g for g in self.graphs() if is_data_graph(g)]

    def has_graph(self, graph: oxi.NamedNode) -> bool:
        """Whether the store holds ``graph`` (an empty graph counts where the store
        tracks empty graphs)."""
        return self._ox.contains_named_graph(graph)

    def quads(
        self,
        subject: oxi.NamedNode | oxi.BlankNode | oxi.Triple | None = None,
        predicate: oxi.NamedNode | None = None,
        object: Term | oxi.Triple | None = None,
        graph: oxi.NamedNode | None = None,
    ) -> Iterator[oxi.Quad]:
        """The quads matching a pattern (None matches anything; ``graph=None`` matches
        every graph)."""
        return self._ox.quads_for_pattern(subject, predicate, object, graph)

    def asserted_graphs(self) -> list[oxi.NamedNode]:
        """The ontology and the data graphs: what reasoning reads and never writes."""
        graphs = self.data_graphs()
        if self._ox.contains_named_graph(ONTOLOGY_GRAPH):
            graphs.insert(0, ONTOLOGY_GRAPH)
        return graphs

    def count(self, graph: oxi.NamedNode) -> int:
        return sum(1 for _ in self._ox.quads_for_pattern(None, None, None, graph))

    def triples(self, graphs: Sequence[oxi.NamedNode]) -> Iterator[oxi.Triple]:
        for graph in graphs:
            for quad in self._ox.quads_for_pattern(None, None, None, graph):
                yield quad.triple

    def serialize(
        self,
        fmt: SourceFormat,
        graphs: Sequence[oxi.NamedNode],
        prefixes: Mapping[str, str] | None = None,
    ) -> bytes:
        """The given graphs in ``fmt``; triple formats merge them. ``prefixes`` are
        written where the format has them (Turtle, TriG, RDF/XML)."""
        names = dict(prefixes) if prefixes else None
        if fmt.is_dataset:
            quads = [q for g in graphs for q in self._ox.quads_for_pattern(None, None, None, g)]
            return oxi.serialize(quads, format=fmt.rdf_format, prefixes=names) or b""
        triples = set(self.triples(graphs))
        return oxi.serialize(triples, format=fmt.rdf_format, prefixes=names) or b""

    def to_rdflib(self, graphs: Sequence[oxi.NamedNode] | None = None) -> rdflib.Graph:
        """An rdflib copy of the given graphs (default: all), for pyshacl and rdflib tools."""
        return rdflib_graph(self.triples(graphs if graphs is not None else self.graphs()))


def graph_for_path(path: Path) -> oxi.NamedNode:
    return graph_for_source(path.stem)
