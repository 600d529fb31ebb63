"""Warnings about a model: what cxgraph read but could not use, so nothing is lost silently.

A :class:`Diagnostic` names the file, the line where known, and the term or literal. They
come from every step of the flow: loading (a file with no triples, an ill-typed literal, a
term in the cx: namespace the ontology does not define) and reasoning (an axiom outside
OWL 2 RL that was skipped, never weakened). Commands print them on stderr, the server in
``/health`` and its log; ``--strict`` turns any of them into an input error.
"""

from __future__ import annotations

from dataclasses import dataclass


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
