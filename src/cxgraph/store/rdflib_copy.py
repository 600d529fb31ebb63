"""Copies of graphs for rdflib-based tools (pyshacl, owlrl): pyoxigraph terms as rdflib
terms. rdflib is imported only when a copy is made."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pyoxigraph as oxi

from cxgraph.errors import QueryError

if TYPE_CHECKING:
    import rdflib


def rdflib_graph(triples: Iterable[oxi.Triple]) -> rdflib.Graph:
    """An rdflib graph holding ``triples``."""
    import rdflib

    graph = rdflib.Graph()
    for t in triples:
        graph.add((_to_rdflib(t.subject), _to_rdflib(t.predicate), _to_rdflib(t.object)))
    return graph


@contextmanager
def quiet_rdflib_literals() -> Iterator[None]:
    """Silence rdflib's traceback logging for ill-typed literals (``"eight"^^xsd:decimal``)
    while rdflib tools run: cxgraph reports each one as a warning naming file and line."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _to_rdflib(term: object) -> rdflib.term.Node:
    import rdflib

    if isinstance(term, oxi.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, oxi.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, oxi.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise QueryError(f"cannot convert {term!r} to rdflib")
