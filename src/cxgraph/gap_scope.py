"""Which findings a small write can change: the foci of each gap rule within reach of the
changed triples (incremental maintenance of the fourth step of the flow, the gaps).

A gap rule reads the store only through its triple patterns. A finding on a focus can
change only if a changed triple (added or removed, asserted or inferred) matches one of the
rule's patterns in a solution for that focus, and in that solution the pattern is joined to
``?focus`` by a chain of the rule's patterns. So, for each pattern, the foci to re-check are
found in the store: the pattern matched in the graph of changed triples, then the shortest
chain of patterns to ``?focus`` followed over the store before and after the write (what it
holds now plus the removed triples). Every pattern of such a chain holds in that solution,
so no focus whose finding may change is missed; a few more are re-checked than change.

The rule text is read by :mod:`cxgraph.rule_patterns`; what it does not read (property
paths, GRAPH, SERVICE...) makes :func:`analyse` return None, and the caller re-runs that
rule over the whole store as before.

The scoped rule (:func:`scoped_text`) joins ``?focus`` with the scope graph first in its
outer group and in each top-level MINUS that binds ``?focus`` (pyoxigraph evaluates a
MINUS's right side in full otherwise: 0.1-0.3 s a rule at 1M, against about 1 ms scoped).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from functools import cache

from cxgraph.namespaces import GRAPH_PREFIX
from cxgraph.rule_patterns import Parsed, Pattern, Unsupported, parse_rule

SCOPE = GRAPH_PREFIX + "reasoning:gap-scope"
"""The name scoped texts give the scope graph of ``<rule scope IRI> IN_SCOPE ?focus``
(the foci to re-check); callers replace it with the write's own scratch graph."""
IN_SCOPE = "urn:cxgraph:gap-scope:focus"
_RULE_IRI = "urn:cxgraph:gap-scope:rule:"
_RULE_NAME = re.compile(r"[A-Za-z0-9._-]+")


def rule_iri(rule: str) -> str:
    """The IRI naming a rule's entries in the scope graph."""
    return _RULE_IRI + rule


def scope_pattern(rule: str) -> str:
    """The pattern that binds ``?focus`` to the rule's foci in the scope graph."""
    return f"GRAPH <{SCOPE}> {{ <{rule_iri(rule)}> <{IN_SCOPE}> ?focus }}"


# -- what the caller uses ------------------------------------------------------------------


@dataclass(frozen=True)
class RulePlan:
    """A rule's scope analysis: the SPARQL branches that find the foci a change reaches
    (each with the ``$changed`` graph placeholder), and where its text takes the scope."""

    branches: tuple[str, ...]
    outer_open: int
    minus_sites: tuple[int, ...]


@cache
def analyse(text: str) -> RulePlan | None:
    """The scope analysis of a gap rule's text, or None when it cannot be scoped."""
    try:
        parsed = parse_rule(text)
    except Unsupported:
        return None
    if not parsed.outer_binds_focus:
        return None
    identity = _identities(parsed)
    focus = ("focus", 0)
    # breadth-first from ?focus over the patterns (each links the variables it names)
    reached: dict[tuple[str, int], tuple[int, tuple[str, int]] | None] = {focus: None}
    queue = deque([focus])
    while queue:
        node = queue.popleft()
        for index, pattern in enumerate(parsed.patterns):
            ends = [identity[(id(pattern), i)] for i in (0, 2) if pattern.terms[i][0] == "var"]
            if node not in ends:
                continue
            for end in ends:
                if end not in reached:
                    reached[end] = (index, node)
                    queue.append(end)
    branches: list[str] = []
    for pattern in parsed.patterns:
        ends = [identity[(id(pattern), i)] for i in (0, 2) if pattern.terms[i][0] == "var"]
        start = [e for e in ends if e in reached]
        if not start:
            return None  # no chain to ?focus (or no variable): cannot be scoped
        chain: list[Pattern] = []
        node = min(start, key=lambda e: _depth(reached, e))
        while (step := reached[node]) is not None:
            chain.append(parsed.patterns[step[0]])
            node = step[1]
        branches.append(_branch(pattern, chain, identity))
    return RulePlan(tuple(dict.fromkeys(branches)), parsed.outer_open, tuple(parsed.minus_sites))


def _identities(parsed: Parsed) -> dict[tuple[int, int], tuple[str, int]]:
    """Each variable occurrence's identity: its name and the outermost scope it is shared
    with (a sub-scope shares a name its parent scope also names; a sub-SELECT only the
    names it projects)."""
    identity = {}
    for pattern in parsed.patterns:
        for i in (0, 2):
            kind, name = pattern.terms[i]
            if kind != "var":
                continue
            scope = pattern.scope
            while (
                scope.parent is not None
                and (scope.projected is None or name in scope.projected)
                and name in scope.parent.mentions
            ):
                scope = scope.parent
            identity[(id(pattern), i)] = (name, scope.id)
    return identity


def _depth(
    reached: dict[tuple[str, int], tuple[int, tuple[str, int]] | None], node: tuple[str, int]
) -> int:
    depth = 0
    while (step := reached[node]) is not None:
        depth += 1
        node = step[1]
    return depth


def _branch(
    pattern: Pattern, chain: list[Pattern], identity: dict[tuple[int, int], tuple[str, int]]
) -> str:
    """``GRAPH $changed { pattern } chain...`` with variables renamed in order of
    appearance (so equal branches have equal text) and ``?focus`` kept."""
    names: dict[tuple[str, int], str] = {("focus", 0): "?focus"}

    def render(p: Pattern) -> str:
        parts = []
        for i, (kind, value) in enumerate(p.terms):
            if kind == "var":
                key = identity[(id(p), i)]
                parts.append(names.setdefault(key, f"?v{len(names)}"))
            else:
                parts.append(value)
        return " ".join(parts)

    body = [f"GRAPH $changed {{ {render(pattern)} }}"]
    body += [render(p) + " ." for p in chain]
    return " ".join(body)


def scoped_text(text: str, rule: str) -> str | None:
    """The rule's text restricted to the foci the scope graph names for ``rule``, or None
    when it cannot be scoped."""
    plan = analyse(text)
    if plan is None or not _RULE_NAME.fullmatch(rule):
        return None
    pattern = scope_pattern(rule)
    out, last = [], 0
    for opening in sorted((plan.outer_open, *plan.minus_sites)):
        out.append(text[last : opening + 1])
        out.append(f" {pattern} ")
        last = opening + 1
    out.append(text[last:])
    return "".join(out)


def scope_update(rules: dict[str, str], graphs: list[str], changed: str, scope: str) -> str | None:
    """The SPARQL update that writes into the ``scope`` graph, for each named rule (id →
    text) that can be scoped, the foci the triples of the ``changed`` graph reach; it
    reads ``graphs`` (IRIs) and the changed graph."""
    branches = []
    for name, text in rules.items():
        plan = analyse(text)
        if plan is None or not _RULE_NAME.fullmatch(name):
            continue
        for branch in plan.branches:
            body = branch.replace("$changed", f"<{changed}>")
            branches.append(f"{{ {body} BIND(<{rule_iri(name)}> AS ?scopeRule) }}")
    if not branches:
        return None
    using = "".join(f"USING <{g}> " for g in [*graphs, changed]) + f"USING NAMED <{changed}> "
    return (
        f"INSERT {{ GRAPH <{scope}> {{ ?scopeRule <{IN_SCOPE}> ?focus }} }} {using}"
        f"WHERE {{ {' UNION '.join(branches)} }}"
    )


__all__ = ["SCOPE", "RulePlan", "analyse", "scope_update", "scoped_text"]
