"""Rules the reasoner runs: a conjunctive body of triple atoms and a head of triple atoms.

``axioms`` compiles the loaded ontology's axioms into these; ``reasoning`` and
``incremental`` render them as SPARQL and run them in the store. Atoms may name blank
nodes of the ontology (anonymous class expressions such as a restriction or a union): a
blank node written in SPARQL text would be a fresh variable, so each is rendered as a
variable and bound by :meth:`Rule.bindings` when the query runs. An atom whose predicate is
a variable (the ``owl:sameAs`` replacement rules) matches any delta.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyoxigraph as ox

from cxgraph.namespaces import OWL, RDF

Term = ox.NamedNode | ox.Variable | ox.Literal | ox.BlankNode
Constant = ox.NamedNode | ox.BlankNode | ox.Literal
Key = tuple[str, str | None]
Keys = set[Key]

TYPE = ox.NamedNode(RDF + "type")
SAME_AS = ox.NamedNode(OWL + "sameAs")
ANY: Key = ("*", None)
"""The key of an atom whose predicate is a variable: it can match any delta."""


def blank_variable(node: ox.BlankNode) -> ox.Variable:
    """The variable a stored blank node is rendered as (bound to it when the query runs)."""
    return ox.Variable("b_" + hashlib.sha1(node.value.encode()).hexdigest()[:16])


_PLACEHOLDER = "urn:cxgraph:blank:"


def render_term(term: Term, *, template: bool = False) -> str:
    """A term in SPARQL text. A stored blank node is a variable in a pattern (bound when the
    query runs) and a placeholder IRI in a CONSTRUCT template, turned back into the blank
    node by :func:`restore_blanks` (a template variable must also occur in the pattern)."""
    if isinstance(term, ox.BlankNode):
        return f"<{_PLACEHOLDER}{term.value}>" if template else str(blank_variable(term))
    return str(term)


def restore_blanks(triple: ox.Triple) -> ox.Triple:
    """Undo the placeholder IRIs a CONSTRUCT template wrote for stored blank nodes."""
    s, o = triple.subject, triple.object
    if isinstance(s, ox.NamedNode) and s.value.startswith(_PLACEHOLDER):
        s = ox.BlankNode(s.value[len(_PLACEHOLDER) :])
    elif not (isinstance(o, ox.NamedNode) and o.value.startswith(_PLACEHOLDER)):
        return triple
    if isinstance(o, ox.NamedNode) and o.value.startswith(_PLACEHOLDER):
        o = ox.BlankNode(o.value[len(_PLACEHOLDER) :])
    return ox.Triple(s, triple.predicate, o)


@dataclass(frozen=True)
class Atom:
    """A triple pattern: subject, predicate (an IRI, or a variable), object."""

    s: Term
    p: ox.NamedNode | ox.Variable
    o: Term

    @property
    def key(self) -> Key:
        """What delta a semi-naive variant of this atom looks at: the predicate, and for
        ``rdf:type`` with a constant class (named or anonymous), the class."""
        if isinstance(self.p, ox.Variable):
            return ANY
        if self.p == TYPE and isinstance(self.o, ox.NamedNode | ox.BlankNode):
            return (self.p.value, self.o.value)
        return (self.p.value, None)

    def matches(self, keys: Keys) -> bool:
        """Whether a delta with these keys can hold a triple this atom matches."""
        return bool(keys) if self.key == ANY else self.key in keys

    def sparql(self, *, template: bool = False) -> str:
        s, p, o = (render_term(t, template=template) for t in (self.s, self.p, self.o))
        return f"{s} {p} {o} ."

    def blanks(self) -> list[ox.BlankNode]:
        return [t for t in (self.s, self.o) if isinstance(t, ox.BlankNode)]


@dataclass(frozen=True)
class Rule:
    """``body`` ⇒ ``head``; ``name`` says which OWL 2 RL rule and which axiom."""

    name: str
    body: tuple[Atom, ...]
    head: tuple[Atom, ...]
    _bindings: dict[ox.Variable, Constant] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def __post_init__(self) -> None:
        self._bindings.update(bindings(self.body))

    def bindings(self) -> dict[ox.Variable, Constant]:
        """Substitutions binding the variables the body's blank nodes are rendered as."""
        return self._bindings

    def head_subjects(self) -> list[ox.Variable]:
        return sorted(
            {a.s for a in self.head if isinstance(a.s, ox.Variable)}, key=lambda v: v.value
        )


def bindings(atoms: tuple[Atom, ...]) -> dict[ox.Variable, Constant]:
    """Substitutions for the stored blank nodes in these pattern atoms."""
    return {blank_variable(node): node for atom in atoms for node in atom.blanks()}


def key_of(triple: ox.Triple) -> list[Key]:
    """The delta keys a derived or changed triple gives."""
    keys: list[Key] = [(triple.predicate.value, None)]
    if triple.predicate == TYPE and isinstance(triple.object, ox.NamedNode | ox.BlankNode):
        keys.append((TYPE.value, triple.object.value))
    return keys


def where(rule: Rule, variant: int | None, delta: ox.NamedNode) -> str:
    """The rule's body as a WHERE clause; body atom ``variant`` (if any) is matched in the
    ``delta`` graph only (semi-naive). Literal subjects and reflexive sameAs are dropped."""
    body = []  # the delta atom first: pyoxigraph joins in the written order
    for i, atom in sorted(enumerate(rule.body), key=lambda ia: ia[0] != variant):
        body.append(f"GRAPH {delta} {{ {atom.sparql()} }}" if i == variant else atom.sparql())
    filters = "".join(f" FILTER(!isLiteral({v}))" for v in rule.head_subjects())
    sameas = " ".join(
        f"FILTER({render_term(a.s)} != {render_term(a.o)})" for a in rule.head if a.p == SAME_AS
    )
    return f"WHERE {{ {' '.join(body)}{filters} {sameas} }}"


def render_construct(rule: Rule, variant: int | None, delta: ox.NamedNode) -> str:
    """The rule as a SPARQL CONSTRUCT of its head (run it with ``rule.bindings()``)."""
    head = " ".join(a.sparql(template=True) for a in rule.head)
    return f"CONSTRUCT {{ {head} }} {where(rule, variant, delta)}"
