"""Validation: SHACL shapes (``ontology/shapes.ttl``) over the model, with a readable report.

Shapes check structure (labels present, value types and ranges, objects of the right
class, cardinalities); the gap rules are separate. The shapes see the reasoned graph
(data, ontology and inferred triples), so instances whose type only follows from a
domain or range are checked as what they are.

pyshacl evaluates SPARQL-based constraints with rdflib, whose pyparsing-based SPARQL
parser keeps global state that concurrent parses from threads corrupt for good; so every
pyshacl run in the process goes through one lock (:data:`_PYSHACL_LOCK`). Writes validate
on the request path, and the CLI and library callers may validate from threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cxgraph import resources
from cxgraph.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from cxgraph.store import Store, quiet_rdflib_literals

if TYPE_CHECKING:  # rdflib and pyshacl load when a validation runs, not at import
    import rdflib

_PYSHACL_LOCK = threading.Lock()
"""Serialises pyshacl runs: the state it guards (rdflib's SPARQL parser) is per process."""


@dataclass(frozen=True)
class ValidationResult:
    """One shape violation: where, on which property, and what to fix."""

    focus: str
    path: str | None
    message: str
    severity: str
    value: str | None = None
    shape: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "focus": self.focus,
            "path": self.path,
            "message": self.message,
            "severity": self.severity,
            "value": self.value,
        }


@dataclass(frozen=True)
class ValidationReport:
    """All violations; ``conforms`` when there are none of severity Violation."""

    results: tuple[ValidationResult, ...]

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)


def load_shapes(path: Path | None = None) -> rdflib.Graph:
    import rdflib

    return rdflib.Graph().parse(path or resources.shapes_file(), format="turtle")


def validate(store: Store, shapes: rdflib.Graph | None = None) -> ValidationReport:
    """Validate the store's data (with ontology and inferred triples) against the shapes."""
    import pyshacl
    import rdflib
    from rdflib.namespace import SH

    graphs = [*store.data_graphs(), ONTOLOGY_GRAPH, INFERRED_GRAPH]
    with quiet_rdflib_literals():
        data = store.to_rdflib([g for g in graphs if store.has_graph(g)])
        shapes = shapes if shapes is not None else load_shapes()
        with _PYSHACL_LOCK:
            _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert isinstance(report, rdflib.Graph)
    results = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        severity = report.value(result, SH.resultSeverity)
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        results.append(
            ValidationResult(
                focus=str(focus),
                path=str(path) if isinstance(path, rdflib.URIRef) else None,
                message=str(message) if message is not None else "shape violated",
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                value=str(value) if value is not None else None,
                shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
            )
        )
    results.sort(key=lambda r: (r.focus, r.path or "", r.message))
    return ValidationReport(tuple(results))
