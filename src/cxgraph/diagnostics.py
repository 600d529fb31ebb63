"""Warnings about a model: what cxgraph read but could not use, so nothing is lost silently.

A :class:`Diagnostic` names the file, the line where known, and the term or literal. They
come from every step of the flow: loading (a file with no triples, an ill-typed literal, a
term in the cx: namespace the ontology does not define) and reasoning (an axiom outside
OWL 2 RL that was skipped, never weakened). Commands print them on stderr, the server in
``/health`` and its log; ``--strict`` turns any of them into an input error.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from cxgraph.namespaces import CX, ONTOLOGY_GRAPH, PREFIXES, XSD
from cxgraph.queries import saved_query
from cxgraph.sources import Source, graph_for_source

if TYPE_CHECKING:
    from cxgraph.store import Store


@dataclass(frozen=True)
class Diagnostic:
    """One warning: what is wrong, and where (file, line) and what (term) if known."""

    message: str
    file: str | None = None
    line: int | None = None
    term: str | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message

    def as_json(self) -> dict[str, object]:
        return {"message": self.message, "file": self.file, "line": self.line, "term": self.term}


def diagnose_load(
    store: Store, sources: Sequence[Source], counts: dict[str, int]
) -> list[Diagnostic]:
    """What a load read but cannot use: files with no triples, ill-typed literals and
    undefined cx: terms (``queries/diagnostics``), each named with its file and line."""
    found = [
        Diagnostic("the file holds no triples", file=source.name)
        for source in sources
        if counts.get(source.name, 1) == 0
    ]
    by_graph = {graph_for_source(Path(s.name).stem).value: s for s in sources}
    only = sources[0] if len(sources) == 1 else None
    known = _defined_terms(store)
    # both queries scan every asserted triple, one after the other: the load runs this
    # beside reasoning (KnowledgeGraph.apply_sources), which a second scanning thread
    # slowed more than it gained (1M dense cold report: 9.6-9.8 s -> 8.8-9.6 s)
    ill_typed = _rows(store, "diagnostics/ill-typed-literal")
    undefined = _rows(store, "diagnostics/undefined-term")
    for row in ill_typed:
        source = by_graph.get(row["graph"].value, only)
        value, expected = row["value"], row["expected"]
        shown = f'"{value.value}"' + (f"@{value.language}" if value.language else "")
        if not value.language and value.datatype.value != XSD + "string":
            shown += f"^^{_compact(value.datatype.value)}"
        found.append(
            Diagnostic(
                f"{_compact(row['property'].value)} {shown} is not a valid "
                f"{_compact(expected.value)}: rules that compare it cannot use it",
                file=source.name if source else None,
                line=_line_of(source, f'"{value.value}"') if source else None,
                term=value.value,
            )
        )
    for row in undefined:
        source = by_graph.get(row["graph"].value, only)
        term = row["term"].value
        local = term[len(CX) :]
        close = difflib.get_close_matches(local, known, n=1, cutoff=0.75)
        hint = f"; did you mean cx:{close[0]}?" if close else ""
        found.append(
            Diagnostic(
                f"cx:{local} is not defined by the cxgraph ontology, so nothing reads it{hint}",
                file=source.name if source else None,
                line=_line_of(source, local, term=True) if source else None,
                term=term,
            )
        )
    return sorted(found, key=lambda d: (d.file or "", d.line or 0, d.message))


def _rows(store: Store, query_id: str) -> list[ox.QuerySolution]:
    solutions = store.query(saved_query(query_id).text)
    assert isinstance(solutions, ox.QuerySolutions)
    return list(solutions)


def _defined_terms(store: Store) -> list[str]:
    return sorted(
        {
            q.subject.value[len(CX) :]
            for q in store.quads(None, None, None, ONTOLOGY_GRAPH)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(CX)
        }
    )


def _compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def _line_of(source: Source, text: str, *, term: bool = False) -> int | None:
    """The first line of the source that holds ``text`` (a term's local name as a whole
    word after ``:``, ``#`` or ``/``), or None."""
    content = source.content.decode("utf-8", errors="replace")
    pattern = rf"[:#/]{re.escape(text)}(?![\w-])" if term else re.escape(text)
    match = re.search(pattern, content)
    return content.count("\n", 0, match.start()) + 1 if match else None
