"""Merged conclusions: the rules that conclude the same thing, as one SPARQL text.

Rules that conclude ``?x rdf:type C`` for one class C, or ``?x p ?y`` for one property p,
are merged (:func:`plan`) into one :class:`Conclusion`: their bodies become the branches of
a UNION, and what the store already holds is taken out (MINUS, or FILTER NOT EXISTS from a
small delta). The fixpoint engine (:mod:`cxgraph.fixpoint`) runs a conclusion as a SPARQL
update or as a CONSTRUCT query, once per round; rules that cannot be merged run on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from cxgraph.namespaces import INFERRED_GRAPH
from cxgraph.rules import SAME_AS, TYPE, Atom, Keys, Rule, Term

_HS, _HO = ox.Variable("hs"), ox.Variable("ho")
"""The head's subject and object variables in every merged body."""


@dataclass
class Conclusion:
    """Rules with one head atom concluding ``?x p ?y`` (or ``?x rdf:type C``), merged."""

    head: Atom
    rules: list[Rule]

    @property
    def name(self) -> str:
        """What it concludes and from which rules (the per-rule count of a report)."""
        kinds = sorted({r.name for r in self.rules})
        return kinds[0] if len(kinds) == 1 else f"{_show(self.head)} ← {'; '.join(kinds)}"

    def where(self, delta_keys: Keys | None, delta: ox.NamedNode, small_delta: bool) -> str | None:
        """The pattern whose ``?hs`` (``?ho``) are what these rules conclude that is not
        known yet, from the last round's ``delta`` only (the graph named ``delta``), unless
        ``delta_keys`` is None; None when no rule can match the delta. What is known is
        taken out with MINUS (a hash anti-join over every triple of the conclusion's
        predicate or class), or, from a ``small_delta``, with FILTER NOT EXISTS (a lookup
        per derived triple), which does not grow with the store: an incremental write at 1M
        stays small."""
        branches = []
        for rule in self.rules:
            body = [_renamed(a, rule.head[0]) for a in rule.body]
            variants: list[int | None] = (
                [None]
                if delta_keys is None
                else [i for i, a in enumerate(body) if a.matches(delta_keys)]
            )
            for variant in variants:
                # the delta atom first: pyoxigraph joins in the written order, so the
                # branch starts from the (small) delta, not from the whole store
                atoms = [
                    f"GRAPH {delta} {{ {a.sparql()} }}" if i == variant else a.sparql()
                    for i, a in sorted(enumerate(body), key=lambda ia: ia[0] != variant)
                ]
                branches.append("{ " + " ".join(atoms) + " }")
        if not branches:
            return None
        head = self.head.sparql()
        filters = f"FILTER(!isLiteral({_HS}))"
        if self.head.p == SAME_AS:
            filters += f" FILTER({_HS} != {_HO})"
        known = f"FILTER NOT EXISTS {{ {head} }}" if small_delta else f"MINUS {{ {head} }}"
        return f"{{ {{ {' UNION '.join(branches)} }} {filters} {known} }}"

    def update(
        self,
        delta_keys: Keys | None,
        sources: list[ox.NamedNode],
        delta: ox.NamedNode,
        following: ox.NamedNode,
        small_delta: bool = False,
    ) -> str | None:
        """The SPARQL update inserting what :meth:`where` finds into the inferred graph and
        ``following``, reading ``sources`` (and ``delta`` as a named graph)."""
        where = self.where(delta_keys, delta, small_delta)
        if where is None:
            return None
        head = self.head.sparql()
        using = "".join(f"USING {g} " for g in sources) + f"USING NAMED {delta} "
        into = f"GRAPH {INFERRED_GRAPH} {{ {head} }} " + (
            f"GRAPH {following} {{ {head} }} " if following != INFERRED_GRAPH else ""
        )
        return f"INSERT {{ {into}}} {using}WHERE {where}"

    def construct(self, delta_keys: Keys | None, delta: ox.NamedNode) -> str | None:
        """The CONSTRUCT query of what :meth:`where` finds (its dataset given by the
        caller: the sources as default graph, ``delta`` as a named graph)."""
        where = self.where(delta_keys, delta, small_delta=False)
        return None if where is None else f"CONSTRUCT {{ {self.head.sparql()} }} WHERE {where}"


def _renamed(atom: Atom, head: Atom) -> Atom:
    """The atom with the head's subject variable as ``?hs`` and object variable as ``?ho``."""

    def rename(term: Term) -> Term:
        if term == head.s:
            return _HS
        if term == head.o and isinstance(head.o, ox.Variable):
            return _HO
        return term

    return Atom(rename(atom.s), rename(atom.p), rename(atom.o))  # type: ignore[arg-type]


def class_of(head: Atom) -> str | None:
    return head.o.value if head.p == TYPE else None


def _show(atom: Atom) -> str:
    if atom.p == TYPE:
        return f"type {atom.o.value.rsplit('#', 1)[-1]}"
    return atom.p.value.rsplit("#", 1)[-1]


def _mergeable(rule: Rule) -> bool:
    if len(rule.head) != 1 or not rule.body or rule.bindings():
        return False
    (head,) = rule.head
    if not isinstance(head.s, ox.Variable) or not isinstance(head.p, ox.NamedNode):
        return False
    if head.p == TYPE:
        return isinstance(head.o, ox.NamedNode)
    return isinstance(head.o, ox.Variable) and head.o != head.s


def plan(rules: list[Rule]) -> tuple[list[Conclusion], list[Rule]]:
    """Split rules into merged conclusions (one update each) and rules run on their own;
    a rule with several head atoms is split into one per atom first."""
    conclusions: dict[tuple[str, str], Conclusion] = {}
    single: list[Rule] = []
    for rule in rules:
        parts = (
            [Rule(rule.name, rule.body, (h,)) for h in rule.head] if len(rule.head) > 1 else [rule]
        )
        for part in parts:
            if not _mergeable(part):
                single.append(part)
                continue
            head = part.head[0]
            key = (head.p.value, head.o.value if head.p == TYPE else "")
            canonical = Atom(_HS, head.p, head.o if head.p == TYPE else _HO)
            conclusions.setdefault(key, Conclusion(canonical, [])).rules.append(part)
    return list(conclusions.values()), single


__all__ = ["Conclusion", "class_of", "plan"]
