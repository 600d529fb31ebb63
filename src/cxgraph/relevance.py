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
from typing import Protocol

import pyoxigraph as ox

from cxgraph.namespaces import RDF
from cxgraph.rule_patterns import Unsupported, parse_rule
from cxgraph.rules import ANY, SAME_AS, TYPE, Atom, Key, Keys, Rule

_TYPE = f"<{RDF}type>"


class Data(Protocol):
    """What the choice of rules asks of the data (the store's asserted graphs)."""

    def stated(self, properties: set[str]) -> dict[str, tuple[int, int]]:
        """For each of ``properties`` the data states: how many triples, and how many of
        them with an object that cannot be a subject: a literal or a triple term (one scan
        of those properties' triples)."""
        ...


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


def relevant_rules(
    rules: list[Rule],
    read: Keys | None,
    data: Data | None = None,
) -> list[Rule]:
    """The rules whose conclusions can reach a pattern reading ``read`` (see the module
    docstring), keeping only the head atoms something reads; all the rules, unchanged,
    when ``read`` is None or a variable predicate is involved. Without ``data`` to ask,
    both directions of every inverse pair are kept."""
    if read is None or ANY in read or _variable_predicate(rules):
        return rules
    if data is not None:
        rules, _ = _through_one_direction(rules, read, data)
    readers: dict[Key, set[int]] = {key: {-1} for key in read}  # -1: a query
    chosen: set[int] = set()
    grew = True
    while grew:
        grew = False
        for i, rule in enumerate(rules):
            if i not in chosen and any(_feeds(rule, h, readers, rules) for h in rule.head):
                chosen.add(i)
                grew = True
                for atom in rule.body:
                    readers.setdefault(atom.key, set()).add(i)
    kept = []
    for i in sorted(chosen):
        rule = rules[i]
        head = tuple(h for h in rule.head if _head_keys(h, readers))
        kept.append(rule if head == rule.head else Rule(rule.name, rule.body, head))
    return kept


def settling_keys(rules: list[Rule], read: Keys | None) -> Keys | None:
    """The keys a query reading ``read`` depends on when ``rules`` (relevant ones, as
    :func:`relevant_rules` gives) run: what it reads and what the rules feeding it read.
    Once a round of the fixpoint adds nothing under these keys, the query's answer is
    final. None when it cannot be told (the query reads everything)."""
    if read is None or ANY in read:
        return None
    keys = read | {a.key for rule in relevant_rules(rules, read) for a in rule.body}
    return None if ANY in keys else keys


def _variable_predicate(rules: list[Rule]) -> bool:
    """Whether a rule has an atom with a variable predicate (the owl:sameAs rules): it
    can read and give any key, so no rule can be left out or rewritten."""
    return any(a.key == ANY for r in rules for a in (*r.body, *r.head))


def _feeds(rule: Rule, head: Atom, readers: dict[Key, set[int]], rules: list[Rule]) -> bool:
    """Whether ``head`` gives a key some reader other than the rule's mirror reads."""
    return any(
        reader == -1 or not _mirrors(rule, rules[reader])
        for key in _head_keys(head, readers)
        for reader in readers[key]
    )


def inverses_last(rules: list[Rule], data: Data) -> tuple[list[Rule], list[Rule]]:
    """For the full closure: the rules with each inverse pair read in one direction (see
    :func:`_through_one_direction`), without the rules that turn the kept direction into
    the other, and those rules. Run the first to their fixpoint, then the second once:
    nothing else reads what they add, so that is the full closure, without deriving every
    conclusion about a pair in both directions on the way. Unchanged (and nothing after)
    when a rule has a variable predicate."""
    if _variable_predicate(rules):
        return rules, []
    rewritten, turning = _through_one_direction(rules, set(), data)
    return [r for r in rewritten if r not in turning], turning


def _through_one_direction(
    rules: list[Rule], read: Keys, data: Data
) -> tuple[list[Rule], list[Rule]]:
    """The rules with every atom (body and head) on a property that has an inverse
    written with one property of the pair: ``q(a, b)`` becomes ``p(b, a)``. With both
    ``q <- p`` and ``p <- q`` among the rules, the full closure holds ``q(a, b)`` exactly
    when it holds ``p(b, a)`` (unless ``b`` is a literal, which cannot be a subject: a
    pair whose properties, or what the rules derive them from, have literal objects is
    left as it is), so each rule draws the same conclusions; ``q`` is then read by no rule
    but ``p <- q`` (its asserted facts become ``p`` facts), so ``q <- p`` is left out. Of a
    pair, the property the queries read is kept (else the one more rules read); a property
    in more than one pair is left as it is. Rules made the same by the rewriting run once.
    Returns the rules and, of them, those turning a kept property into its dropped inverse.
    """
    inverse = {
        (b.p.value, h.p.value): i
        for i, r in enumerate(rules)
        if (bh := _inverse(r))
        for b, h in [bh]
    }
    pairs = [(p, q) for p, q in inverse if p < q and (q, p) in inverse]
    seen = [name for pair in pairs for name in pair]
    sources = {
        pair: _sources(rules, set(pair))
        for pair in pairs
        if seen.count(pair[0]) == 1 and seen.count(pair[1]) == 1 and SAME_AS.value not in pair
    }
    if not sources:
        return rules, []
    # one question to the data, for every pair at once
    stated = data.stated(set().union(*sources.values()))
    literal = {name for name, (_, literals) in stated.items() if literals}
    # a rule atom naming a literal (a hasValue, say) on either side: no subject either way
    literal |= {a.p.value for r in rules for a in (*r.body, *r.head) if _names_literal(a)}
    counts = {name: n for name, (n, _) in stated.items()}
    use: dict[str, tuple[ox.NamedNode, set[int]]] = {}
    for (p, q), feeding in sources.items():
        if not feeding.isdisjoint(literal):
            continue
        # p < q: on a tie p is kept (a reversed sort keeps the order of equals)
        keep, drop = sorted((p, q), key=lambda n: _readers(n, rules, read, counts), reverse=True)
        use[drop] = (ox.NamedNode(keep), {inverse[(p, q)], inverse[(q, p)]})
    turning = [rules[inverse[(use[drop][0].value, drop)]] for drop in use]

    def written(atom: Atom, i: int) -> Atom:
        if atom.p.value not in use or i in use[atom.p.value][1]:
            return atom
        return Atom(atom.o, use[atom.p.value][0], atom.s)

    candidates: list[Rule] = []
    for i, rule in enumerate(rules):
        body = tuple(written(a, i) for a in rule.body)
        head = tuple(written(a, i) for a in rule.head)
        candidates.append(
            rule if (body, head) == (rule.body, rule.head) else Rule(rule.name, body, head)
        )
    # of rules made the same, the one first by name is kept: the same whatever order the
    # store listed the axioms in (the per-rule counts of a report name it)
    kept: dict[object, Rule] = {}
    for rule in sorted(candidates, key=lambda r: r.name):
        kept.setdefault(_canonical(rule), rule)
    chosen = {id(rule) for rule in kept.values()}
    rewritten = [rule for rule in candidates if id(rule) in chosen]
    return rewritten, [r for r in turning if r in rewritten]


def _names_literal(atom: Atom) -> bool:
    return isinstance(atom.s, ox.Literal) or isinstance(atom.o, ox.Literal)


def _sources(rules: list[Rule], properties: set[str]) -> set[str]:
    """The properties, and every property whose facts a rule can carry into them."""
    found = set(properties)
    grew = True
    while grew:
        grew = False
        for rule in rules:
            if any(h.p.value in found for h in rule.head):
                new = {a.p.value for a in rule.body} - found
                if new:
                    found |= new
                    grew = True
    return found


def _readers(
    name: str, rules: list[Rule], read: Keys, counts: dict[str, int]
) -> tuple[bool, int, int]:
    """Which property of a pair to keep: the one the queries read, else the one the data
    states more often (fewer facts to turn round), else the one more rule atoms read."""
    atoms = sum(a.p.value == name for r in rules for a in r.body)
    return (name, None) in read, counts.get(name, 0), atoms


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


def _canonical(rule: Rule) -> object:
    """The rule with its variables renamed in order of appearance (head first, then the
    body) and its atoms as sets: equal for rules that differ only in variable names and
    atom order (not every such pair: two are never equal unless they say the same)."""
    names: dict[ox.Variable, str] = {}

    def atom(a: Atom) -> tuple[object, object, object]:
        s, o = (
            names.setdefault(t, f"v{len(names)}") if isinstance(t, ox.Variable) else t
            for t in (a.s, a.o)
        )
        return s, a.p, o

    heads = frozenset(atom(a) for a in rule.head)
    return heads, frozenset(atom(a) for a in rule.body)


def _swapped(body: Atom, head: Atom) -> bool:
    """``head`` is ``body`` with subject and object exchanged (two distinct variables)."""
    return (
        isinstance(body.s, ox.Variable)
        and isinstance(body.o, ox.Variable)
        and body.s != body.o
        and head.s == body.o
        and head.o == body.s
    )


__all__ = ["Data", "inverses_last", "read_keys", "relevant_rules", "settling_keys"]
