"""Gap detection: run the gap rules over the reasoned graph (fourth step of the flow).

Absence is a closed-world question OWL cannot answer, so each rule is a SPARQL query in
``queries/gaps/<id>.rq`` run after reasoning. Each rule runs as a SPARQL update that writes
its findings into the gaps graph as ``cx:Gap`` resources (message, evidence and gap IRI
built there), so SPARQL and GraphQL read the same findings the CLI prints; Python
:class:`Finding` values are made only when findings are read (:func:`read_findings`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache

import pyoxigraph as ox

from cxgraph.errors import InputError
from cxgraph.gap_scope import IN_SCOPE, SCOPE, rule_iri, scoped_text
from cxgraph.namespaces import GAPS_GRAPH, GRAPH_PREFIX, RDFS_LABEL
from cxgraph.queries import SavedQuery, saved_queries
from cxgraph.relevance import read_keys
from cxgraph.rules import Keys
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
    gaps graph is left as it was (the findings are computed in a scratch copy)."""
    if write:
        write_gaps(store, rules, severities, language=language)
        chosen = {r.name for r in select_rules(rules, severities)}
        return [f for f in read_findings(store) if f.rule in chosen]
    with store.lock:
        saved = [q.triple for q in store.quads(None, None, None, GAPS_GRAPH)]
        try:
            write_gaps(store, rules, severities, language=language)
            return read_findings(store)
        finally:
            store.replace_graph(GAPS_GRAPH, saved)


def forget_rules(store: Store, rules: Sequence[str]) -> None:
    """Remove the stored findings of these rules from the gaps graph."""
    known = set(rule_ids())
    values = " ".join(_literal(r) for r in rules if r in known)
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

_PENDING = "urn:cxgraph:gap:pending-evidence"
_SCRATCH_PREFIX = GRAPH_PREFIX + "reasoning:"
_EVIDENCE_VARIABLE = re.compile(r"AS\s+\?(evidence\w*)\s*\)")
_SPLIT_WORDS = 8


def _split_binds(text: str, prefix: str, words: int = _SPLIT_WORDS) -> tuple[str, str, str]:
    """BINDs splitting the space-separated IRIs in ``?text``: the first ``words`` become
    ``?<prefix>Evidence1...`` (unbound for the focus itself or past the end), the rest
    ``?<prefix>Left`` (unbound when nothing is left). Returns (binds, evidence variables,
    the rest's variable)."""
    v = f"?{prefix}"
    binds, evidence = [f'BIND(CONCAT(?{text}, " ") AS {v}Rest0)'], []
    for i in range(1, words + 1):
        binds += [
            f'BIND(STRBEFORE({v}Rest{i - 1}, " ") AS {v}Word{i})',
            f'BIND(STRAFTER({v}Rest{i - 1}, " ") AS {v}Rest{i})',
            f'BIND(IF({v}Word{i} != "", IRI({v}Word{i}), ?{prefix}None) AS {v}Iri{i})',
            f"BIND(IF(sameTerm({v}Iri{i}, ?focus), ?{prefix}None, {v}Iri{i}) AS {v}Evidence{i})",
        ]
        evidence.append(f"{v}Evidence{i}")
    rest = f"{v}Rest{words}"
    binds.append(
        f'BIND(IF({rest} != "", SUBSTR({rest}, 1, STRLEN({rest}) - 1), ?{prefix}None) AS {v}Left)'
    )
    return "\n  ".join(binds), ", ".join(evidence), f"{v}Left"


# A rule's SELECT becomes a subquery; around it the gap resource is built: its IRI from a
# digest of the focus IRI (the same as Finding.iri), the message (the rule's title when
# the rule gave none), and the evidence: its first IRIs as cx:evidence, the rest (rare) as
# one pending string, split further by _split_evidence. Only the catalogue's own texts
# are composed here: no value from a user reaches it.
_INSERT_BINDS, _INSERT_EVIDENCE, _INSERT_LEFT = _split_binds("gapAllEvidence", "gap")
_INSERT = f"""
INSERT {{ GRAPH <urn:cxgraph:graph:gaps> {{
  ?gap a cx:Gap ; cx:rule $rule ; cx:focus ?focus ; cx:severity $severity ;
       rdfs:comment ?gapComment ; rdfs:label ?gapLabel ;
       cx:evidence {_INSERT_EVIDENCE} ; <$pending> {_INSERT_LEFT} .
}} }}
$using
WHERE {{
  {{ $select }}
  FILTER(BOUND(?focus))
  BIND(COALESCE(IRI(CONCAT($prefix, SUBSTR(SHA1(STR(?focus)), 1, 16))), BNODE()) AS ?gap)
  BIND(STRLANG(COALESCE(?message, $title), "en") AS ?gapComment)
  BIND(CONCAT($rule, ": ", STR(?focus)) AS ?gapLabel)
  BIND(REPLACE(REPLACE(CONCAT($evidence), " +", " "), "^ | $", "") AS ?gapAllEvidence)
  {_INSERT_BINDS}
}}
"""


# One step of splitting the pending evidence strings (what the insert left): repeated
# until nothing is pending.
def _split_update(words: int) -> str:
    binds, evidence, left = _split_binds("text", "split", words)
    return f"""
PREFIX cx: <https://w3id.org/cxgraph#>
DELETE {{ GRAPH <urn:cxgraph:graph:gaps> {{ ?gap <{_PENDING}> ?text }} }}
INSERT {{ GRAPH <urn:cxgraph:graph:gaps> {{
  ?gap cx:evidence {evidence} ; <{_PENDING}> {left} }} }}
WHERE {{
  GRAPH <urn:cxgraph:graph:gaps> {{ ?gap <{_PENDING}> ?text ; cx:focus ?focus }}
  {binds}
}}
"""


_SPLIT = _split_update(_SPLIT_WORDS)
_ANY_PENDING = f"ASK {{ GRAPH <urn:cxgraph:graph:gaps> {{ ?gap <{_PENDING}> ?text }} }}"
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


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_PREFERRED_LANGUAGE = re.compile(r'(langMatches\(lang\(\?\w+\), )"en"\)')


def label_language(tag: str) -> str:
    """A language tag (BCP 47 shape) for the labels in messages, or an InputError."""
    if not _LANGUAGE_TAG.fullmatch(tag):
        raise InputError(f"--lang {tag!r} is not a language tag (such as en, de or pt-BR)")
    return tag


@cache
def insert_text(rule: SavedQuery, language: str = "en") -> str:
    """The SPARQL update that writes a rule's findings into the gaps graph (with a
    ``$using`` placeholder for the graphs it reads); labels preferred in ``language``
    (a tag checked by :func:`label_language`) instead of the rule's ``"en"``."""
    return wrap_rule(rule, rule.text, language)


@cache
def scoped_insert_text(rule: SavedQuery, language: str = "en") -> str | None:
    """:func:`insert_text` restricted to the foci the scope graph names for the rule
    (see :mod:`cxgraph.gap_scope`), or None when the rule cannot be scoped."""
    text = scoped_text(rule.text, rule.name)
    return None if text is None else wrap_rule(rule, text, language)


def wrap_rule(rule: SavedQuery, text: str, language: str, wrapper: str = _INSERT) -> str:
    """The rule's SELECT put inside ``wrapper`` (the gap-writing update, or another
    text with the same placeholders), labels preferred in ``language``."""
    text = _PREFERRED_LANGUAGE.sub(rf'\1"{label_language(language)}")', text)
    cut = text.index("\nSELECT") + 1
    prologue, select = text[:cut], text[cut:]
    variables = _EVIDENCE_VARIABLE.findall(select)
    evidence = ', " ", '.join(f'COALESCE(?{v}, "")' for v in variables) or '""'
    fields = {
        "$rule": _literal(rule.name),
        "$severity": _literal(Severity(rule.severity).value),
        "$title": _literal(rule.title),
        "$prefix": _literal(f"{GAP_PREFIX}{rule.name}:"),
        "$evidence": evidence,
        "$pending": _PENDING,
        "$select": select,
    }
    text = wrapper
    for key, value in fields.items():
        text = text.replace(key, value)
    return prologue + text


def rule_graphs(store: Store) -> list[ox.NamedNode]:
    """The graphs gap rules read: every graph but the gaps graph and scratch graphs."""
    return [
        g for g in store.graphs() if g != GAPS_GRAPH and not g.value.startswith(_SCRATCH_PREFIX)
    ]


def _using(store: Store) -> str:
    """``USING`` clauses that make the rules read the union of every graph but the gaps
    graph (an update has no union default graph)."""
    return "\n".join(f"USING {g}" for g in rule_graphs(store))


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _split_evidence(store: Store) -> None:
    while store.query(_ANY_PENDING, union=False):
        store.update(_SPLIT)


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
