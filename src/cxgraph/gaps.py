"""Gap detection: run the gap rules over the reasoned graph (fourth step of the flow).

Absence is a closed-world question OWL cannot answer, so each rule is a SPARQL query in
``queries/gaps/<id>.rq`` run after reasoning. Each rule runs as a SPARQL update that writes
its findings into the gaps graph as ``cx:Gap`` resources (message, evidence and gap IRI
built there), so SPARQL and GraphQL read the same findings the CLI prints; Python
:class:`Finding` values are made only when findings are read (:func:`read_findings`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache

import pyoxigraph as ox

from cxgraph.errors import InputError
from cxgraph.gap_scope import IN_SCOPE, SCOPE, rule_iri
from cxgraph.gap_texts import (
    ANY_PENDING,
    GAP_PREFIX,
    SPLIT,
    insert_text,
    label_language,
    literal,
    scoped_insert_text,
)
from cxgraph.namespaces import GAPS_GRAPH, GRAPH_PREFIX, RDFS_LABEL
from cxgraph.queries import SavedQuery, saved_queries
from cxgraph.relevance import read_keys
from cxgraph.rules import Keys
from cxgraph.store import Store


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


@cache
def rule_reads() -> Keys | None:
    """The keys the gap rules' patterns read (None when one cannot be read): what a
    one-shot report needs inferred (see :mod:`cxgraph.relevance`)."""
    keys = [rule_keys(q) for q in gap_rules()]
    return None if None in keys else set().union(*keys)  # type: ignore[arg-type]


@cache
def rule_keys(rule: SavedQuery) -> Keys | None:
    """The keys one gap rule's patterns read (None when it cannot be read)."""
    return read_keys([rule.text])


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


def run_rule(store: Store, rule: SavedQuery) -> int:
    """Evaluate one gap rule and write its findings into the gaps graph, inside the store:
    one ``cx:Gap`` per focus, evidence merged across rows. Returns how many it wrote."""
    before = _count_gaps(store)
    store.update(insert_text(rule).replace("$using", _using(store)))
    return _count_gaps(store) - before


def write_gaps(
    store: Store,
    rules: Sequence[str] | None = None,
    severities: Sequence[Severity] | None = None,
    *,
    replace: bool = True,
    language: str = "en",
) -> int:
    """Run the gap rules and write their findings into the gaps graph, all inside the store
    (no Python object per finding). With ``replace`` (the default) the gaps graph is
    emptied first; otherwise only the chosen rules' findings are replaced. Messages name
    each entity by one label: in ``language``, else untagged, else any (the first in
    order). Returns the number of findings in the gaps graph."""
    chosen = select_rules(rules, severities)
    language = label_language(language)
    with store.lock:
        if replace:
            store.replace_graph(GAPS_GRAPH, [])
        else:
            forget_rules(store, [r.name for r in chosen])
        using = _using(store)
        for rule in chosen:
            store.update(insert_text(rule, language).replace("$using", using))
        _split_evidence(store)
        label_blank_foci(store)
        return _count_gaps(store)


def write_scoped_gaps(
    store: Store, rules: Sequence[str], scope: ox.NamedNode, *, language: str = "en"
) -> None:
    """Re-run the named rules only for the foci the ``scope`` graph names for each (see
    :mod:`cxgraph.gap_scope`; written by incremental maintenance), replacing their
    findings on those foci; every rule named must be scopable (:func:`scoped_insert_text`).
    """
    chosen = select_rules(rules)
    language = label_language(language)
    named = f"<{SCOPE}>"
    with store.lock:
        store.update(_FORGET_SCOPED.replace(named, str(scope)))
        using = f"{_using(store)}\nUSING NAMED {scope}"
        for rule in chosen:
            text = scoped_insert_text(rule, language)
            if text is None:
                raise ValueError(f"gap rule {rule.name} cannot be scoped")
            store.update(text.replace("$using", using).replace(named, str(scope)))
        _split_evidence(store)
        label_blank_foci(store, scope=scope)


def detect_gaps(
    store: Store,
    rules: Sequence[str] | None = None,
    severities: Sequence[Severity] | None = None,
    *,
    write: bool = True,
    language: str = "en",
) -> list[Finding]:
    """Run the gap rules, write the findings into the gaps graph and return them as
    :class:`Finding` values sorted by severity, rule and focus. With ``write=False`` the
    gaps graph is left as it was (the rules' SELECTs are read directly, see
    :mod:`cxgraph.gap_select`)."""
    if not write:
        from cxgraph.gap_select import select_findings  # it builds on this module

        return select_findings(store, rules, severities, language=language)
    write_gaps(store, rules, severities, language=language)
    chosen = {r.name for r in select_rules(rules, severities)}
    return [f for f in read_findings(store) if f.rule in chosen]


def forget_rules(store: Store, rules: Sequence[str]) -> None:
    """Remove the stored findings of these rules from the gaps graph."""
    known = set(rule_ids())
    values = " ".join(literal(r) for r in rules if r in known)
    if values:
        store.update(_FORGET.replace("$rules", values))


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by severity (errors first), rule and focus."""
    return sorted(findings, key=lambda f: (f.severity.rank, f.rule, f.focus))


def read_findings(store: Store) -> list[Finding]:
    """The findings stored in the gaps graph (what SPARQL and GraphQL see), sorted by
    severity, rule and focus. A blank-node focus is given as ``_:`` plus its stable label
    (kept in the gap's ``rdfs:label``). Two flat queries, grouped here: at 60k findings
    that is about twice as fast as grouping in SPARQL (``reports/findings``)."""
    evidence: dict[str, list[str]] = {}
    for row in store.query(_EVIDENCE_ROWS, union=False):  # type: ignore[union-attr]
        evidence.setdefault(row[0].value, []).append(row[1].value)
    found: dict[str, Finding] = {}
    for gap, rule, focus, severity, message, label in store.query(_GAP_ROWS, union=False):  # type: ignore[union-attr]
        name = focus.value
        if isinstance(focus, ox.BlankNode):
            name = label.value.removeprefix(f"{rule.value}: ") if label is not None else "_:"
        found[gap.value] = Finding(
            rule.value,
            name,
            Severity(severity.value),
            message.value,
            tuple(sorted(set(evidence.get(gap.value, ())))),
        )
    return sort_findings(found.values())


# -- writing findings inside the store ---------------------------------------------------

_SCRATCH_PREFIX = GRAPH_PREFIX + "reasoning:"
_FORGET = """
PREFIX cx: <https://w3id.org/cxgraph#>
DELETE { GRAPH <urn:cxgraph:graph:gaps> { ?gap ?p ?o } }
WHERE { VALUES ?rule { $rules } GRAPH <urn:cxgraph:graph:gaps> { ?gap cx:rule ?rule ; ?p ?o } }
"""
# the findings, on the foci the scope graph names for their rule, that a scoped run replaces
_FORGET_SCOPED = f"""
PREFIX cx: <https://w3id.org/cxgraph#>
DELETE {{ GRAPH <urn:cxgraph:graph:gaps> {{ ?gap ?p ?o }} }}
WHERE {{
  GRAPH <{SCOPE}> {{ ?scopeRule <{IN_SCOPE}> ?focus }}
  GRAPH <urn:cxgraph:graph:gaps> {{ ?gap cx:focus ?focus ; cx:rule ?rule }}
  FILTER(STR(?scopeRule) = CONCAT("{rule_iri("")}", STR(?rule)))
  GRAPH <urn:cxgraph:graph:gaps> {{ ?gap ?p ?o }}
}}
"""
_COUNT = (
    "PREFIX cx: <https://w3id.org/cxgraph#> SELECT (COUNT(?gap) AS ?n) "
    "WHERE { GRAPH <urn:cxgraph:graph:gaps> { ?gap a cx:Gap } }"
)
_GAP_ROWS = """
PREFIX cx: <https://w3id.org/cxgraph#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?gap ?rule ?focus ?severity ?message ?label WHERE {
  GRAPH <urn:cxgraph:graph:gaps> {
    ?gap a cx:Gap ; cx:rule ?rule ; cx:focus ?focus ; cx:severity ?severity ;
         rdfs:comment ?message .
    OPTIONAL { ?gap rdfs:label ?label }
  }
}
"""
_EVIDENCE_ROWS = """
PREFIX cx: <https://w3id.org/cxgraph#>
SELECT ?gap ?evidence WHERE { GRAPH <urn:cxgraph:graph:gaps> { ?gap cx:evidence ?evidence } }
"""
_BLANK_GAPS = """
PREFIX cx: <https://w3id.org/cxgraph#>
SELECT ?gap ?rule ?focus WHERE {
  GRAPH <urn:cxgraph:graph:gaps> { ?gap cx:rule ?rule ; cx:focus ?focus }
  FILTER(isBlank(?gap))
}
"""


_BLANK_SCOPED_GAPS = f"""
PREFIX cx: <https://w3id.org/cxgraph#>
SELECT DISTINCT ?gap ?rule ?focus WHERE {{
  GRAPH <{SCOPE}> {{ ?scopeRule <{IN_SCOPE}> ?focus }}
  FILTER(isBlank(?focus))
  GRAPH <urn:cxgraph:graph:gaps> {{ ?gap cx:focus ?focus ; cx:rule ?rule }}
  FILTER(isBlank(?gap))
}}
"""


def rule_graphs(store: Store) -> list[ox.NamedNode]:
    """The graphs gap rules read: every graph but the gaps graph and scratch graphs."""
    return [
        g for g in store.graphs() if g != GAPS_GRAPH and not g.value.startswith(_SCRATCH_PREFIX)
    ]


def _using(store: Store) -> str:
    """``USING`` clauses that make the rules read the union of every graph but the gaps
    graph (an update has no union default graph)."""
    return "\n".join(f"USING {g}" for g in rule_graphs(store))


def _split_evidence(store: Store) -> None:
    while store.query(ANY_PENDING, union=False):
        store.update(SPLIT)


def _count_gaps(store: Store) -> int:
    (row,) = store.query(_COUNT)  # type: ignore[misc]
    return int(row["n"].value)


def label_blank_foci(store: Store, *, scope: ox.NamedNode | None = None) -> None:
    """Give each finding whose focus is a blank node a stable gap IRI and label.

    pyoxigraph names parsed blank nodes at random, so the label is derived from what the
    asserted data says about the node: a digest of its sorted outgoing and incoming
    triples (other blank nodes written as ``_:``). Nodes with identical descriptions are
    indistinguishable one hop out and are numbered in an arbitrary, harmless order.
    With ``scope``: only the findings on foci that scope graph names (a scoped re-run)."""
    query = _BLANK_GAPS if scope is None else _BLANK_SCOPED_GAPS.replace(f"<{SCOPE}>", str(scope))
    rows = list(store.query(query, union=False))  # type: ignore[arg-type]
    if not rows:
        return
    labels = blank_labels(store, {r["focus"] for r in rows})
    for r in rows:
        gap, rule = r["gap"], r["rule"].value
        focus = "_:" + labels[r["focus"]]
        iri = ox.NamedNode(Finding(rule, focus, Severity.INFO, "").iri)
        quads = list(store.quads(gap, None, None, GAPS_GRAPH))
        store.delete(quads)
        store.insert(ox.Quad(iri, q.predicate, q.object, GAPS_GRAPH) for q in quads)
        store.insert([ox.Quad(iri, RDFS_LABEL, ox.Literal(f"{rule}: {focus}"), GAPS_GRAPH)])


def blank_labels(store: Store, nodes: set[ox.BlankNode]) -> dict[ox.BlankNode, str]:
    """A label for each blank node, the same for the same asserted data (see above)."""
    asserted = set(store.asserted_graphs())
    digests: dict[ox.BlankNode, str] = {}
    for node in nodes:
        lines = set()
        for q in store.quads(node, None, None):
            if q.graph_name in asserted:
                lines.add(f"> {q.predicate} {_masked(q.object)}")
        for q in store.quads(None, None, node):
            if q.graph_name in asserted:
                lines.add(f"< {_masked(q.subject)} {q.predicate}")
        text = "\n".join(sorted(lines))
        digests[node] = hashlib.sha256(text.encode()).hexdigest()[:12]
    labels: dict[ox.BlankNode, str] = {}
    same: dict[str, list[ox.BlankNode]] = {}
    for node, digest in digests.items():
        same.setdefault(digest, []).append(node)
    for digest, group in same.items():
        for k, node in enumerate(group):
            labels[node] = digest if len(group) == 1 else f"{digest}-{k + 1}"
    return labels


def _masked(term: object) -> str:
    return "_:" if isinstance(term, ox.BlankNode) else str(term)
