"""The saved SPARQL queries of ``queries/``: gap rules, checks and analyst reports.

Each ``.rq`` file is self-contained (its own PREFIX lines) and starts with header lines
``# title:``, ``# description:`` and, for gap rules, ``# severity:``. The registry reads
each file once; a query's id is ``<folder>/<stem>`` (``gaps/unmet-need``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cxgraph import resources
from cxgraph.errors import InputError

_HEADER = re.compile(r"^#\s*(\w+)\s*:\s*(.*)$")


@dataclass(frozen=True)
class SavedQuery:
    """One ``.rq`` file: its id, header fields and SPARQL text."""

    id: str
    title: str
    description: str
    text: str
    severity: str | None = None

    @property
    def folder(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]


def read_query(path: Path, folder: str) -> SavedQuery:
    """Parse a ``.rq`` file's header and text."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line)
        if not line.startswith("#"):
            break
        if match:
            fields[match.group(1).lower()] = match.group(2).strip()
    return SavedQuery(
        id=f"{folder}/{path.stem}",
        title=fields.get("title", path.stem),
        description=fields.get("description", ""),
        text=text,
        severity=fields.get("severity"),
    )


@cache
def _registry(root: Path) -> dict[str, SavedQuery]:
    queries: dict[str, SavedQuery] = {}
    for path in sorted(root.glob("*/*.rq")):
        query = read_query(path, path.parent.name)
        queries[query.id] = query
    return queries


def saved_queries(folder: str | None = None) -> list[SavedQuery]:
    """All saved queries (or those of one folder), sorted by id."""
    found = _registry(resources.queries_dir()).values()
    return [q for q in found if folder is None or q.folder == folder]


def saved_query(query_id: str) -> SavedQuery:
    """The saved query with this id, or an InputError listing the known ids."""
    registry = _registry(resources.queries_dir())
    if query_id in registry:
        return registry[query_id]
    known = ", ".join(sorted(registry))
    raise InputError(f"no saved query {query_id!r}; known: {known}")
