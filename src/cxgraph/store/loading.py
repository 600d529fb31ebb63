"""Loading a batch of model files into the store, all or nothing.

A triple format (Turtle, N-Triples, JSON-LD, RDF/XML) is parsed by pyoxigraph straight into
the store, one transaction per source, no quad passing through Python; a dataset (TriG,
N-Quads) is parsed into a staging store first, its graph names checked, then copied in. Each
graph goes straight to its name when the store does not hold that graph yet, else into a
scratch graph. Once every source has loaded, one update replaces each held graph by its
scratch graph (an empty source leaves its graph empty). If any source fails, every graph
the batch created is dropped, so the store is as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as oxi

from cxgraph.namespaces import GRAPH_PREFIX
from cxgraph.sources import Source, graph_for_source, load_triples, parse_into
from cxgraph.store.backend import StoreBackend

_LOADING = f"{GRAPH_PREFIX}reasoning:loading-"
"""Scratch graphs of a batch (under the prefix :meth:`cxgraph.store.Store.drop_scratch_graphs`
drops)."""


def load_batch(db: StoreBackend, sources: Sequence[Source]) -> dict[str, int]:
    """Load every source into ``db``, replacing each source's graphs, all or nothing (see
    the module docstring); the number of quads read per source name. The caller holds
    the store's lock."""
    counts: dict[str, int] = {}
    created: list[oxi.NamedNode] = []
    batch: dict[oxi.NamedNode, oxi.NamedNode] = {}  # graph -> the graph loaded into
    replaced: list[tuple[oxi.NamedNode, oxi.NamedNode]] = []  # (scratch, graph)

    def staged(graph: oxi.NamedNode) -> oxi.NamedNode:
        """Where ``graph``'s triples go in this batch (sources may share a graph)."""
        if graph not in batch:
            scratch = oxi.NamedNode(f"{_LOADING}{len(batch)}")
            into = scratch if db.contains_named_graph(graph) else graph
            if into == scratch:
                replaced.append((scratch, graph))
                if db.contains_named_graph(scratch):  # left by a killed process
                    db.remove_graph(scratch)
            db.add_graph(into)  # an empty source still names its graph
            batch[graph] = into
            created.append(into)
        return batch[graph]

    try:
        for source in sources:
            before = len(db)
            if source.format.is_dataset:
                dataset = oxi.Store()
                parse_into(dataset, source)
                for named in dataset.named_graphs():
                    assert isinstance(named, oxi.NamedNode)  # parse_into named them
                    into = staged(named)
                    db.extend(
                        oxi.Quad(q.subject, q.predicate, q.object, into)
                        for q in dataset.quads_for_pattern(None, None, None, named)
                    )
            else:
                into = staged(graph_for_source(Path(source.name).stem))
                load_triples(db, source, into)
            counts[source.name] = len(db) - before
    except BaseException:
        for graph in created:
            if db.contains_named_graph(graph):
                db.remove_graph(graph)
        raise
    if replaced:
        # every name is an IRI cxgraph made or a NamedNode pyoxigraph checked; one
        # update, so a store running an update in one transaction replaces all or none
        db.update(
            " ;\n".join(
                f"DROP SILENT GRAPH {graph} ; MOVE SILENT GRAPH {scratch} TO GRAPH "
                f"{graph} ; CREATE SILENT GRAPH {graph}"
                for scratch, graph in replaced
            )
        )
    return counts


__all__ = ["load_batch"]
