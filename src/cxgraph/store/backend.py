"""The store interface: what cxgraph asks of the store that holds its named graphs.

:class:`StoreBackend` is the part of ``pyoxigraph.Store``'s API the engine uses, as a
``typing.Protocol``: the embedded ``pyoxigraph.Store`` and :class:`cxgraph.store.remote.RemoteStore`
(a SPARQL 1.1 store over HTTP) both satisfy it structurally. :class:`cxgraph.store.Store`
holds one and is what the rest of cxgraph talks to; the reasoning engine
(:mod:`cxgraph.fixpoint`, :mod:`cxgraph.axioms`, :mod:`cxgraph.incremental`) speaks this
interface directly. pyoxigraph terms (``NamedNode``, ``Quad``, ``Variable``...) are the
currency on both sides.

Transactions: each call is all or nothing where the backend makes it so (every call on the
embedded store; every request on an Oxigraph server, including an update of several
operations separated by ``;``). Neither backend offers a transaction spanning calls, so
what must change together is written as one update: :meth:`cxgraph.store.Store.replace_graph`
and :meth:`~cxgraph.store.Store.load_sources` stage their graphs in scratch graphs
(:meth:`~cxgraph.store.Store.scratch_graph`) and swap them in with one ``MOVE`` update.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import pyoxigraph as ox

GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
Binding = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Answer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Iterator[ox.Triple]
"""A query's result: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE;
a remote store gives them as an iterator of triples)."""


class StoreBackend(Protocol):
    """A quad store answering SPARQL 1.1 (the embedded pyoxigraph store or a remote one)."""

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: list[GraphName] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, Binding] | None = None,
    ) -> Answer:
        """Run a SPARQL query; the default graph is the store's own (empty) default graph
        unless ``use_default_graph_as_union`` or ``default_graph`` say otherwise."""
        ...

    def update(
        self,
        update: str,
        *,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """Run a SPARQL update, all or nothing (``prefixes`` declared ahead of it)."""
        ...

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None,
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything)."""
        ...

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in bulk."""
        ...

    def add(self, quad: ox.Quad) -> None: ...

    def remove(self, quad: ox.Quad) -> None: ...

    def named_graphs(self) -> Iterable[ox.NamedNode | ox.BlankNode]: ...

    def contains_named_graph(self, graph_name: ox.NamedNode) -> bool: ...

    def add_graph(self, graph_name: ox.NamedNode) -> None: ...

    def clear_graph(self, graph_name: ox.NamedNode) -> None: ...

    def remove_graph(self, graph_name: ox.NamedNode | ox.BlankNode) -> None: ...

    def load(
        self,
        input: bytes,
        format: ox.RdfFormat,
        *,
        base_iri: str | None = None,
        to_graph: ox.NamedNode | None = None,
    ) -> None:
        """Parse ``input`` into the store (triples into ``to_graph``), all or nothing."""
        ...

    def flush(self) -> None:
        """Write buffered changes to disk (a no-op where there is nothing to write)."""
        ...

    def __len__(self) -> int: ...

    def __contains__(self, quad: ox.Quad, /) -> bool: ...


__all__ = ["Answer", "Binding", "GraphName", "StoreBackend", "scratch_dataset"]


def scratch_dataset() -> StoreBackend:
    """An empty in-memory dataset (the embedded store, no named graphs of cxgraph's) to
    parse into or evaluate on, e.g. an upload before it is checked."""
    return ox.Store()
