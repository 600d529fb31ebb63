"""The class and property hierarchies, closed once before the rules run (part of ``axioms``).

Sub → every super, transitively, from subclass (subproperty) and equivalence axioms, so one
rule step gives every superclass of an instance. For classes the closure also takes OWL 2
RL's schema rules on class expressions: an intersection is below each member and a union
above each (scm-int, scm-uni, added by the caller as pairs), and restrictions are below one
another as scm-svf1/2, scm-avf1/2 and scm-hv say, repeated until nothing new follows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from cxgraph.namespaces import OWL

Node = ox.NamedNode | ox.BlankNode
Restriction = tuple[str, tuple[ox.NamedNode, bool], Node | ox.Literal]
"""(svf | avf | hv, property expression (property, inverse?), filler or value)."""
THING = ox.NamedNode(OWL + "Thing")


def closure(
    subs: Iterable[tuple[Node, Node]], equivalents: Iterable[tuple[Node, Node]]
) -> dict[Node, list[Node]]:
    """Sub → all its supers (transitive, without itself), from sub/super pairs and
    equivalences (both ways)."""
    direct: dict[Node, set[Node]] = defaultdict(set)
    for sub, sup in subs:
        direct[sub].add(sup)
    for a, b in equivalents:
        direct[a].add(b)
        direct[b].add(a)
    closed: dict[Node, list[Node]] = {}
    for start in list(direct):
        seen: set[Node] = set()
        stack = list(direct[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(direct.get(node, ()))
        seen.discard(start)
        closed[start] = sorted(seen, key=str)
    return closed


def close_classes(
    pairs: set[tuple[Node, Node]],
    equivalents: list[tuple[Node, Node]],
    restrictions: dict[Node, Restriction],
    super_props: dict[Node, list[Node]],
) -> dict[Node, list[Node]]:
    """Every class node's superclasses: ``pairs`` (sub, super) and ``equivalents`` closed
    together with the subsumptions between ``restrictions`` that the scm-svf, scm-avf and
    scm-hv rules give, to a fixpoint."""

    def below(a: object, b: object, closed: dict[Node, list[Node]]) -> bool:
        return a == b or b == THING or b in closed.get(a, ())  # type: ignore[call-overload]

    pairs = set(pairs)
    while True:
        closed = closure(pairs, equivalents)
        found = set()
        for r1, (kind1, p1, f1) in restrictions.items():
            for r2, (kind2, p2, f2) in restrictions.items():
                if r1 == r2 or kind1 != kind2 or p1[1] != p2[1]:
                    continue
                sub_prop = p1[0] == p2[0] or p2[0] in super_props.get(p1[0], ())
                if kind1 == "svf" and (
                    (p1 == p2 and below(f1, f2, closed)) or (f1 == f2 and sub_prop)
                ):
                    found.add((r1, r2))  # scm-svf1, scm-svf2
                elif kind1 == "avf" and p1 == p2 and below(f1, f2, closed):
                    found.add((r1, r2))  # scm-avf1
                elif kind1 == "avf" and f1 == f2 and sub_prop:
                    found.add((r2, r1))  # scm-avf2
                elif kind1 == "hv" and f1 == f2 and sub_prop:
                    found.add((r1, r2))  # scm-hv
        if found <= pairs:
            return closed
        pairs |= found
