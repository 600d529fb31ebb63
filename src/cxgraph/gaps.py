"""Gap detection: run the gap rules over the reasoned graph (fourth step of the flow).

Absence is a closed-world question OWL cannot answer, so each rule is a SPARQL query in
``queries/gaps/<id>.rq`` run after reasoning. Findings are returned as :class:`Finding`
values and written to the gaps graph as ``cx:Gap`` resources, so SPARQL and GraphQL read
the same findings the CLI prints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum

import pyoxigraph as ox

from cxgraph.errors import InputError
from cxgraph.namespaces import GAPS_GRAPH, RDF_TYPE, RDFS_LABEL, cx
from cxgraph.queries import SavedQuery, saved_queries, saved_query
from cxgraph.store import Store

GAP_PREFIX = "urn:cxgraph:gap:"


class Severity(Enum):
    """How serious a finding is; ordered from most to least."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return [Severity.ERROR, Severity.WARNING, Severity.INFO].index(self)


@dataclass(frozen=True)
class Finding:
    """One gap: the rule, the resource it is about, how serious, why, and the evidence."""

    rule: str
    focus: str
    severity: Severity
    message: str
    evidence: tuple[str, ...] = ()
    focus_label: str | None = None

    @property
    def iri(self) -> str:
        digest = hashlib.sha1(self.focus.encode()).hexdigest()[:16]
        return f"{GAP_PREFIX}{self.rule}:{digest}"

    def as_json(self) -> dict[str, object]:
        """The finding as cx-model.md's JSON object."""
        return {
            "rule": self.rule,
            "focus": self.focus,
            "severity": self.severity.value,
            "message": self.message,
            "evidence": list(self.evidence),
        }


def gap_rules() -> list[SavedQuery]:
    """The gap rules of the catalogue, sorted by id."""
    return saved_queries("gaps")


def rule_ids() -> list[str]:
    return [q.name for q in gap_rules()]


def select_rules(
    rules: Sequence[str] | None = None, severities: Sequence[Severity] | None = None
) -> list[SavedQuery]:
    """The gap rules to run; an unknown rule id is an InputError naming the known ones."""
    known = {q.name: q for q in gap_rules()}
    chosen = list(known.values())
    if rules:
        unknown = [r for r in rules if r not in known]
        if unknown:
            raise InputError(
                f"unknown gap rule {', '.join(unknown)}; known rules: {', '.join(sorted(known))}"
            )
        chosen = [known[r] for r in rules]
    if severities:
        chosen = [q for q in chosen if Severity(q.severity) in severities]
    return chosen


def run_rule(store: Store, rule: SavedQuery) -> list[Finding]:
    """Evaluate one gap rule; one finding per focus, evidence merged across rows."""
    severity = Severity(rule.severity)
    solutions = store.query(rule.text)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    merged: dict[str, tuple[str, set[str]]] = {}
    for row in solutions:
        focus = row["focus"]
        if focus is None:
            continue
        message = row["message"]
        evidence: set[str] = set()
        for name in names:
            if name in ("focus", "message"):
                continue
            value = row[name]
            if isinstance(value, ox.NamedNode):
                evidence.add(value.value)
            elif isinstance(value, ox.Literal) and name.startswith("evidence"):
                evidence.update(v for v in value.value.split() if v)
        key = focus.value
        if key in merged:
            merged[key][1].update(evidence)
        else:
            merged[key] = (message.value if message is not None else rule.title, evidence)
    return [
        Finding(rule.name, focus, severity, message, tuple(sorted(evidence - {focus})))
        for focus, (message, evidence) in sorted(merged.items())
    ]


def detect_gaps(
    store: Store,
    rules: Sequence[str] | None = None,
    severities: Sequence[Severity] | None = None,
    *,
    write: bool = True,
) -> list[Finding]:
    """Run the gap rules and (by default) replace the gaps graph with the findings.

    Findings are sorted by severity, rule and focus."""
    chosen = select_rules(rules, severities)
    # pyoxigraph releases the GIL while it evaluates: two rules at a time use both cores
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda rule: run_rule(store, rule), chosen)
        findings = sort_findings(f for found in results for f in found)
    if write:
        store.replace_graph(GAPS_GRAPH, gap_triples(findings))
    return findings


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by severity (errors first), rule and focus."""
    return sorted(findings, key=lambda f: (f.severity.rank, f.rule, f.focus))


def gap_triples(findings: Iterable[Finding]) -> list[ox.Triple]:
    """The findings as ``cx:Gap`` resources."""
    triples = []
    for f in findings:
        gap = ox.NamedNode(f.iri)
        triples += [
            ox.Triple(gap, RDF_TYPE, cx("Gap")),
            ox.Triple(gap, cx("rule"), ox.Literal(f.rule)),
            ox.Triple(gap, cx("focus"), ox.NamedNode(f.focus)),
            ox.Triple(gap, cx("severity"), ox.Literal(f.severity.value)),
            ox.Triple(
                gap,
                ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                ox.Literal(f.message, language="en"),
            ),
            ox.Triple(gap, RDFS_LABEL, ox.Literal(f"{f.rule}: {f.focus}")),
        ]
        triples += [ox.Triple(gap, cx("evidence"), ox.NamedNode(e)) for e in f.evidence]
    return triples


def read_findings(store: Store) -> list[Finding]:
    """The findings stored in the gaps graph (what SPARQL and GraphQL see)."""
    solutions = store.query(saved_query("reports/findings").text)
    assert isinstance(solutions, ox.QuerySolutions)
    findings = [
        Finding(
            r["rule"].value,
            r["focus"].value,
            Severity(r["severity"].value),
            r["message"].value,
            tuple(sorted(r["evidence"].value.split())) if r["evidence"] else (),
        )
        for r in solutions
    ]
    findings.sort(key=lambda f: (f.severity.rank, f.rule, f.focus))
    return findings
