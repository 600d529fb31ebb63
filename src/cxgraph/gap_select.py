"""Findings computed straight from the gap rules' SELECTs, for a one-shot report.

The served knowledge graph keeps its findings in the gaps graph (:func:`cxgraph.gaps.write_gaps`),
where SPARQL and GraphQL read them and writes update them in place. A report made once and
dropped (``cxgraph gaps`` on files) has no reader for that graph: here each rule's SELECT
runs with the same message and evidence expressions around it, and its rows are grouped
into :class:`Finding` values directly (at 1M triples and 60k findings: 1.9 s, against
5.4 s to write the gaps graph and read it back). The findings are the same, focus for
focus: ``tests/test_gap_select.py`` compares both ways.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any

import pyoxigraph as ox

from cxgraph.gap_texts import label_language, wrap_rule
from cxgraph.gaps import (
    Finding,
    Severity,
    blank_labels,
    rule_graphs,
    rule_keys,
    select_rules,
)
from cxgraph.profiles import ReasoningProfile
from cxgraph.queries import SavedQuery
from cxgraph.reasoning import InferenceReport, infer
from cxgraph.store import Store

# the same message and evidence as the gap-writing update builds (gap_texts.wrap_rule)
_SELECT = """
SELECT ?focus ?gapComment ?gapAllEvidence WHERE {
  { $select }
  FILTER(BOUND(?focus))
  BIND(COALESCE(?message, $title) AS ?gapComment)
  BIND(REPLACE(REPLACE(CONCAT($evidence), " +", " "), "^ | $", "") AS ?gapAllEvidence)
}
"""


@cache
def select_text(rule: SavedQuery, language: str = "en") -> str:
    """The rule's SELECT with each row's message and evidence string."""
    return wrap_rule(rule, rule.text, language, _SELECT)


def select_findings(
    store: Store,
    rules: Sequence[str] | None = None,
    severities: Sequence[Severity] | None = None,
    *,
    language: str = "en",
) -> list[Finding]:
    """Run the gap rules and return their findings sorted by severity, rule and focus,
    writing nothing: one finding per rule and focus, evidence merged across its rows
    (without the focus itself), a blank-node focus named ``_:`` plus its stable label."""
    language = label_language(language)
    chosen = select_rules(rules, severities)
    # the store evaluates without the GIL: two rules at a time (1M dense: 2.3 -> 1.6 s)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda rule: _grouped(store, rule, language), chosen))
    return _findings(store, chosen, answers)


def read_rules(language: str = "en") -> None:
    """Read the gap rules a one-shot report runs: their keys and SELECTs (both cached)."""
    for rule in select_rules():
        rule_keys(rule)
        select_text(rule, label_language(language))


def one_shot_report(
    store: Store, profile: ReasoningProfile, language: str = "en"
) -> tuple[InferenceReport, list[Finding]]:
    """Infer only what the gap rules read and run them, for a report made once. A rule's
    SELECT starts, in a thread beside the reasoner, as soon as nothing it reads can change
    (see :func:`cxgraph.reasoning.infer`); the others run two at a time at the end."""
    language = label_language(language)
    chosen = select_rules()
    started: dict[int, Future[_Grouped]] = {}
    # one thread beside the reasoner: a second slows it down more than it gains
    with ThreadPoolExecutor(1) as beside, ThreadPoolExecutor(2) as after:

        def settled(done: list[int]) -> None:
            for i in done:
                started[i] = beside.submit(_grouped, store, chosen[i], language)

        report = infer(store, profile, [rule_keys(rule) for rule in chosen], settled)
        for i, rule in enumerate(chosen):
            if i not in started:
                started[i] = after.submit(_grouped, store, rule, language)
        answers = [started[i].result() for i in range(len(chosen))]
    return report, _findings(store, chosen, answers)


_Grouped = dict[Any, tuple[str, set[str]]]
"""A rule's findings so far: focus -> (message, evidence IRIs)."""


def _grouped(store: Store, rule: SavedQuery, language: str) -> _Grouped:
    """The rule's rows grouped by focus, evidence merged (in the thread that ran it: at
    1M dense, 0.3 s of Python beside the reasoner instead of after it)."""
    solutions = store.query(select_text(rule, language), default_graph=rule_graphs(store))
    found: _Grouped = {}
    for focus, message, evidence in solutions:  # type: ignore[union-attr]
        seen = found.get(focus)
        if seen is None:
            seen = found[focus] = (message.value, set())
        if evidence is not None:
            seen[1].update(evidence.value.split())
    return found


def _findings(store: Store, chosen: list[SavedQuery], answers: list[_Grouped]) -> list[Finding]:
    """One finding per rule and focus from the rules' grouped rows (see
    :func:`select_findings`), sorted as :func:`cxgraph.gaps.sort_findings` sorts them."""
    per_rule = [
        (rule.name, Severity(rule.severity), found)
        for rule, found in zip(chosen, answers, strict=True)
    ]
    blanks = {f for _, _, found in per_rule for f in found if isinstance(f, ox.BlankNode)}
    labels = blank_labels(store, blanks) if blanks else {}
    findings = []
    for rule_name, severity, found in sorted(per_rule, key=lambda r: (r[1].rank, r[0])):
        made = []
        for focus, (message, evidence) in found.items():
            name = "_:" + labels[focus] if isinstance(focus, ox.BlankNode) else focus.value
            evidence.discard(focus.value)
            made.append(Finding(rule_name, name, severity, message, tuple(sorted(evidence))))
        made.sort(key=lambda f: f.focus)
        findings += made
    return findings


__all__ = ["one_shot_report", "read_rules", "select_findings", "select_text"]
