"""Quality checks of the ontology and the model (``queries/checks/*.rq``).

Each check is a SELECT whose rows are violations. Terms the saved queries mention are
put into the queries graph first, so "no undeclared cx: term" covers ``queries/`` too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from cxgraph.namespaces import CX, QUERIES_GRAPH
from cxgraph.queries import saved_queries
from cxgraph.store import Store

_MENTIONS = ox.NamedNode("urn:cxgraph:mentions")
_CX_TERM = re.compile(r"(?:cx:|<" + re.escape(CX) + r")([A-Za-z_][A-Za-z0-9_-]*)")


@dataclass(frozen=True)
class CheckViolation:
    check: str
    title: str
    term: str
    message: str


def index_query_terms(store: Store) -> None:
    """Record which cx: terms each saved query mentions, in the queries graph."""
    triples = []
    for query in saved_queries():
        subject = ox.NamedNode(f"urn:cxgraph:query:{query.id}")
        body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#"))
        body = re.sub(r"PREFIX\s+\w*:\s*<[^>]*>", "", body)
        for local in sorted(set(_CX_TERM.findall(body))):
            triples.append(ox.Triple(subject, _MENTIONS, ox.NamedNode(CX + local)))
    store.replace_graph(QUERIES_GRAPH, triples)


def run_checks(store: Store) -> list[CheckViolation]:
    """Run every check; rows are violations."""
    index_query_terms(store)
    try:
        violations = []
        for check in saved_queries("checks"):
            solutions = store.query(check.text)
            assert isinstance(solutions, ox.QuerySolutions)
            for row in solutions:
                term = row["term"] if "term" in [v.value for v in solutions.variables] else None
                if term is None:
                    term = row["focus"]
                message = row["message"]
                violations.append(
                    CheckViolation(
                        check.name,
                        check.title,
                        term.value if term is not None else "",
                        message.value if message is not None else check.title,
                    )
                )
        return violations
    finally:
        store.remove_graph(QUERIES_GRAPH)
