"""Rendering findings (:mod:`cxgraph.reports`): the JSON report is exactly what
``json.dumps(..., indent=2, ensure_ascii=False)`` writes, however its strings look."""

from __future__ import annotations

import json

from cxgraph import build_knowledge_graph
from cxgraph.gaps import Finding, Severity
from cxgraph.reports import findings_json

ODD = [
    Finding("r", "_:0a1b2c3d4e5f", Severity.ERROR, 'ünï "quoted" \\ back\nline\u2028sep\t', ()),
    Finding("r", "https://example.org/x#y", Severity.INFO, "", ("a", "b\u0000c", "ü")),
]


def _reference(findings: list[Finding]) -> str:
    return json.dumps([f.as_json() for f in findings], indent=2, ensure_ascii=False)


def test_findings_json_is_the_standard_encoding() -> None:
    findings = build_knowledge_graph().findings + ODD
    assert any(f.evidence for f in findings)
    assert findings_json(findings) == _reference(findings)
    assert json.loads(findings_json(findings)) == [f.as_json() for f in findings]


def test_no_findings_is_an_empty_array() -> None:
    assert findings_json([]) == _reference([]) == "[]"
