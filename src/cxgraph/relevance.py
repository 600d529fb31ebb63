"""Which reasoning rules a set of queries depends on: goal-directed materialisation.

A one-shot gap report (``cxgraph gaps`` on files, nothing kept) only needs the inferred
triples its gap rules can read. A rule pattern reads one *key*: a predicate, or
``rdf:type`` with one class (see :attr:`cxgraph.rules.Atom.key`). A reasoning rule is
relevant when its head can give a key something relevant reads; then every key of its
body is read too. The closure of that, from the keys of the queries, is the set of rules
whose conclusions can reach an answer: the others only add triples nothing asked for.

One refinement keeps the inverse properties out (about a third of what the full closure
adds): ``q(y, x) ← p(x, y)`` is relevant for what reads ``q``, but not merely because the
rule ``p(x, y) ← q(y, x)`` reads ``q``: what it gives that rule back are the ``p``
triples it started from. The same holds for a symmetric property's own rule.

Anything the analysis cannot read (a rule text outside the parser's subset, a pattern or
reasoning-rule atom with a variable predicate such as the ``owl:sameAs`` rules) makes
every rule relevant: the answer is then the full closure, never a smaller one.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from cxgraph.namespaces import RDF
from cxgraph.rule_patterns import Unsupported, parse_rule
from cxgraph.rules import ANY, TYPE, Atom, Key, Keys, Rule

_TYPE = f"<{RDF}type>"


def read_keys(texts: Iterable[str]) -> Keys | None:
    """The keys the triple patterns of these SELECT queries read, or None when one of
    them cannot be read (then everything must be taken as read)."""
    keys: Keys = set()
    for text in texts:
        try:
            parsed = parse_rule(text)
        except Unsupported:
            return None
        for pattern in parsed.patterns:
            _, (_, predicate), (kind, obj) = pattern.terms
            iri = predicate[1:-1]
            if predicate == _TYPE and kind == "const" and obj.startswith("<"):
                keys.add((iri, obj[1:-1]))
            else:
                keys.add((iri, None))
    return keys


def relevant_rules(rules: list[Rule], read: Keys | None) -> list[Rule]:
    """The rules whose conclusions can reach a pattern reading ``read`` (see the module
    docstring); all of them when ``read`` is None or a variable predicate is involved."""
    if read is None or ANY in read or any(a.key == ANY for r in rules for a in (*r.body, *r.head)):
        return rules
    forms = {form: i for i, rule in enumerate(rules) if (form := _canonical(rule)) is not None}
    forced: set[int] = set()
    while True:
        chosen, reliance = _closure(rules, read, forms, forced)
        # an inverse left out because a reader's rewritten twin gives the same: only
        # while that twin is chosen too
        missing = {r for r, twin in reliance if twin not in chosen and r not in chosen}
        if not missing:
            return [rule for i, rule in enumerate(rules) if i in chosen]
        forced |= missing


def _closure(
    rules: list[Rule], read: Keys, forms: dict[object, int], forced: set[int]
) -> tuple[set[int], set[tuple[int, int]]]:
    """The chosen rules, and (inverse rule, twin) pairs the choice relied on."""
    readers: dict[Key, set[int]] = {key: {-1} for key in read}  # -1: a query
    chosen: set[int] = set()
    reliance: set[tuple[int, int]] = set()
    grew = True
    while grew:
        grew = False
        for i, rule in enumerate(rules):
            if i in chosen:
                continue
            relied: set[tuple[int, int]] = set()
            if i not in forced and not _feeds(i, rules, readers, forms, relied):
                continue
            chosen.add(i)
            reliance |= relied
            grew = True
            for atom in rule.body:
                readers.setdefault(atom.key, set()).add(i)
    return chosen, reliance


def _feeds(
    index: int,
    rules: list[Rule],
    readers: dict[Key, set[int]],
    forms: dict[object, int],
    relied: set[tuple[int, int]],
) -> bool:
    """Whether the rule's head gives a key some reader needs from it. An inverse rule is
    not needed by its mirror, nor by a reader whose twin reading the original property
    is a rule too (``relied`` records which twin that was)."""
    rule = rules[index]
    for head in rule.head:
        for key in _head_keys(head, readers):
            for reader in readers[key]:
                if reader == -1:
                    return True
                if _mirrors(rule, rules[reader]):
                    continue
                form = _twin(rule, rules[reader])
                twin = forms.get(form) if form is not None else None
                if twin is None:
                    return True
                relied.add((index, twin))
    return False


def _head_keys(head: Atom, readers: dict[Key, set[int]]) -> list[Key]:
    p = head.p.value
    found = [key for key in {(p, None), head.key} if key in readers]
    if head.p == TYPE and not isinstance(head.o, ox.NamedNode | ox.BlankNode):
        found += [key for key in readers if key[0] == p and key[1] is not None]
    return found


def _inverse(rule: Rule) -> tuple[Atom, Atom] | None:
    """(body, head) of ``q(y, x) <- p(x, y)`` rules, else None."""
    if len(rule.body) != 1 or len(rule.head) != 1:
        return None
    (body,), (head,) = rule.body, rule.head
    if head.p == TYPE or not _swapped(body, head):
        return None
    return body, head


def _mirrors(rule: Rule, reader: Rule) -> bool:
    """``rule`` only gives ``reader`` back the triple ``reader`` read to conclude it:
    ``q(y, x) <- p(x, y)`` against ``p(x, y) <- q(y, x)`` (or one symmetric-property rule
    against itself)."""
    mine, theirs = _inverse(rule), _inverse(reader)
    return (
        mine is not None
        and theirs is not None
        and mine[0].p == theirs[1].p
        and mine[1].p == theirs[0].p
    )


def _twin(rule: Rule, reader: Rule) -> object:
    """For an inverse ``rule`` (``q <- p``) and a reader with the one body atom
    ``s q o``: the canonical form of the reader with that atom read as ``o p s``; what the
    reader concludes from the inverse's triples, its twin concludes from the originals."""
    mine = _inverse(rule)
    if mine is None or len(reader.body) != 1 or reader.body[0].p != mine[1].p:
        return None
    (atom,) = reader.body
    return _canonical(Rule(reader.name, (Atom(atom.o, mine[0].p, atom.s),), reader.head))


def _canonical(rule: Rule) -> object:
    """A rule with a one-atom body, its variables renamed in order of appearance (body
    first): equal for rules that differ only in variable names; None for other rules."""
    if len(rule.body) != 1:
        return None
    names: dict[ox.Variable, str] = {}

    def term(t: object) -> object:
        if isinstance(t, ox.Variable):
            return names.setdefault(t, f"v{len(names)}")
        return t

    (body,) = rule.body
    first = (term(body.s), body.p, term(body.o))
    heads = frozenset((term(a.s), a.p, term(a.o)) for a in rule.head)
    return first, heads


def _swapped(body: Atom, head: Atom) -> bool:
    """``head`` is ``body`` with subject and object exchanged (two distinct variables)."""
    return (
        isinstance(body.s, ox.Variable)
        and isinstance(body.o, ox.Variable)
        and body.s != body.o
        and head.s == body.o
        and head.o == body.s
    )


__all__ = ["read_keys", "relevant_rules"]
