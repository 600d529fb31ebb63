"""pyoxigraph terms as a remote store takes and gives them, and the query text cxgraph
sends: blank nodes skolemized on the way in (``_:x`` is stored as
``<urn:cxgraph:bnode:x>``) and turned back on the way out, terms in SPARQL syntax, a
query's form, and substitutions as a ``VALUES`` block (a query sent over HTTP cannot
bind variables beforehand).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pyoxigraph as ox

from cxgraph.errors import InputError, StoreError

SKOLEM_PREFIX = "urn:cxgraph:bnode:"
"""Stored blank nodes become IRIs under this prefix (see the module docstring)."""
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_HIDDEN = re.compile(r"<[^<>\s]*>|#[^\n]*|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def skolemize(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.NamedNode | ox.Literal:
    """The term as stored remotely: a blank node becomes a ``urn:cxgraph:bnode:`` IRI."""
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(SKOLEM_PREFIX + term.value)
    return term


def skolem_quad(q: ox.Quad) -> ox.Quad:
    s, o, g = q.subject, q.object, q.graph_name
    if not (
        isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode) or isinstance(g, ox.BlankNode)
    ):
        return q
    return ox.Quad(skolemize(s), q.predicate, skolemize(o), skolemize(g))  # type: ignore[arg-type]


def unskolem(term: ox.NamedNode) -> ox.NamedNode | ox.BlankNode:
    if term.value.startswith(SKOLEM_PREFIX):
        return ox.BlankNode(term.value[len(SKOLEM_PREFIX) :])
    return term


def unskolem_triple(t: ox.Triple) -> ox.Triple:
    s, o = t.subject, t.object
    if isinstance(s, ox.NamedNode) and s.value.startswith(SKOLEM_PREFIX):
        s = unskolem(s)
    elif not (isinstance(o, ox.NamedNode) and o.value.startswith(SKOLEM_PREFIX)):
        return t
    if isinstance(o, ox.NamedNode):
        o = unskolem(o)
    return ox.Triple(s, t.predicate, o)


def sparql_term(term: object) -> str:
    """A pyoxigraph term in SPARQL syntax (its N-Triples form), blank nodes skolemized."""
    if isinstance(term, ox.BlankNode):
        return f"<{SKOLEM_PREFIX}{term.value}>"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)
    raise InputError(
        f"{term} cannot be written to a remote store: triple terms (RDF 1.2) are kept in "
        "the embedded store only"
    )


def unskolem_json(body: bytes) -> bytes:
    """SPARQL JSON results with skolem IRIs turned back into blank nodes."""
    if SKOLEM_PREFIX.encode() not in body:
        return body
    document = json.loads(body)
    for row in document.get("results", {}).get("bindings", []):
        for value in row.values():
            if value.get("type") == "uri" and value["value"].startswith(SKOLEM_PREFIX):
                value["type"] = "bnode"
                value["value"] = value["value"][len(SKOLEM_PREFIX) :]
    return json.dumps(document).encode()


def graph_iri(graph: object) -> str:
    """A graph name as a dataset parameter (a blank node by its skolem IRI)."""
    if isinstance(graph, ox.BlankNode):
        return SKOLEM_PREFIX + graph.value
    if isinstance(graph, ox.NamedNode):
        return graph.value
    raise StoreError(f"cannot name the graph {graph!r} in a remote query")


def without_literals(text: str) -> str:
    """``text`` with its IRIs, strings and comments blanked out, so that a keyword search
    sees only the query's own words."""
    return _HIDDEN.sub(" ", text)


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's form (IRIs, strings and comments
    skipped), or None."""
    found = _FORM.search(without_literals(text))
    return found.group(1).upper() if found else None


def with_values(text: str, substitutions: Mapping[ox.Variable, object]) -> str:
    """The query with ``substitutions`` as a ``VALUES`` block opening its WHERE clause
    (as pyoxigraph binds them before evaluation), or a trailing one if it has no
    ``WHERE {``."""
    if not substitutions:
        return text
    names = " ".join(str(v) for v in substitutions)
    row = " ".join(sparql_term(t) for t in substitutions.values())
    block = f"VALUES ({names}) {{ ({row}) }}"
    found = _WHERE.search(text)
    if found is None:
        return f"{text}\n{block}"
    return f"{text[: found.end()]} {block} {text[found.end() :]}"
