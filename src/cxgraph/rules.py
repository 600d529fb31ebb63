"""Compile the loaded ontology's axioms into rules the store runs (profile RULES).

Nothing here names a cx: term: the rules are read from whatever axioms are loaded, so a
user's extension of the ontology is reasoned over like the ontology itself. The OWL 2 RL
rules covered are cax-sco/cax-eqc (class hierarchy, precomputed to its closure),
prp-spo1/prp-eqp (property hierarchy), prp-dom, prp-rng, prp-inv, prp-trp, prp-symp,
prp-spo2 (property chains of any length, with inverse steps), cls-int1/int2, cls-uni,
cls-svf1, cls-hv1/hv2 and cls-avf for restrictions used in subclass or equivalence axioms.
Each rule is a conjunctive body and a head of triple atoms; ``reasoning`` renders them
as SPARQL updates over validated IRIs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cxgraph.namespaces import OWL, RDF, RDFS

Term = ox.NamedNode | ox.Variable | ox.Literal | ox.BlankNode
TYPE = ox.NamedNode(RDF + "type")


@dataclass(frozen=True)
class Atom:
    """A triple pattern: subject, predicate (always an IRI), object."""

    s: Term
    p: ox.NamedNode
    o: Term

    @property
    def key(self) -> tuple[str, str | None]:
        """What delta a semi-naive variant of this atom looks at: the predicate, and for
        ``rdf:type`` with a constant class, the class."""
        if self.p == TYPE and isinstance(self.o, ox.NamedNode):
            return (self.p.value, self.o.value)
        return (self.p.value, None)

    def sparql(self) -> str:
        return f"{self.s} {self.p} {self.o} ."


@dataclass(frozen=True)
class Rule:
    """``body`` ⇒ ``head``; ``name`` says which OWL 2 RL rule and which axiom."""

    name: str
    body: tuple[Atom, ...]
    head: tuple[Atom, ...]

    def head_subjects(self) -> list[ox.Variable]:
        return sorted(
            {a.s for a in self.head if isinstance(a.s, ox.Variable)}, key=lambda v: v.value
        )


@dataclass
class _TBox:
    supers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    super_props: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


X, Y, Z = ox.Variable("x"), ox.Variable("y"), ox.Variable("z")

_CLASS_AXIOMS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?sub ?sup WHERE {
  { ?sub rdfs:subClassOf ?sup } UNION { ?sub owl:equivalentClass ?sup }
  UNION { ?sup owl:equivalentClass ?sub }
}"""

_PROPERTY_AXIOMS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?sub ?sup WHERE {
  { ?sub rdfs:subPropertyOf ?sup } UNION { ?sub owl:equivalentProperty ?sup }
  UNION { ?sup owl:equivalentProperty ?sub }
}"""

_PAIRS = """
SELECT ?a ?b ?axiom WHERE { ?a ?axiom ?b }"""

_TYPED = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?p ?kind WHERE { ?p rdf:type ?kind }"""

_LIST_MEMBERS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?owner ?member ?axiom WHERE {
  ?owner ?axiom ?list .
  ?list rdf:rest*/rdf:first ?member .
}"""

_RESTRICTIONS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?r ?p ?kind ?filler WHERE {
  ?r owl:onProperty ?p ; ?kind ?filler .
  VALUES ?kind { owl:someValuesFrom owl:hasValue owl:allValuesFrom }
}"""


class RuleCompiler:
    """Reads axioms with SPARQL from the given graphs and produces rules."""

    def __init__(self, store: ox.Store, graphs: list[ox.NamedNode]) -> None:
        self._store = store
        self._graphs = graphs

    def _select(
        self, query: str, **bindings: ox.NamedNode
    ) -> list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal, ...]]:
        solutions = self._store.query(
            query,
            default_graph=self._graphs,  # type: ignore[arg-type]
            substitutions={ox.Variable(k): v for k, v in bindings.items()},
        )
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables if v.value not in bindings]
        return [tuple(row[n] for n in names) for row in solutions]

    def _pairs(self, axiom: str) -> list[tuple[ox.NamedNode, ox.NamedNode]]:
        rows = self._select(_PAIRS, axiom=ox.NamedNode(axiom))
        return [(a, b) for a, b in rows if _named(a) and _named(b)]  # type: ignore[misc]

    def _typed(self, kind: str) -> list[ox.NamedNode]:
        rows = self._select(_TYPED, kind=ox.NamedNode(kind))
        return [r[0] for r in rows if _named(r[0])]  # type: ignore[misc]

    def _lists(self, axiom: str) -> dict[ox.NamedNode | ox.BlankNode, list[ox.NamedNode]]:
        members: dict[ox.NamedNode | ox.BlankNode, list[ox.NamedNode]] = defaultdict(list)
        for owner, member in self._select(_LIST_MEMBERS, axiom=ox.NamedNode(axiom)):
            if _named(member):
                members[owner].append(member)  # type: ignore[index, arg-type]
        return members

    def compile(self) -> list[Rule]:
        supers = _closure(self._select(_CLASS_AXIOMS))
        super_props = _closure(self._select(_PROPERTY_AXIOMS))
        rules: list[Rule] = []
        rules += _class_rules(supers)
        rules += _property_rules(super_props)
        rules += self._domain_range_rules(supers)
        rules += self._characteristic_rules()
        rules += self._chain_rules()
        rules += self._class_expression_rules(supers)
        return rules

    def _domain_range_rules(self, supers: dict[str, set[str]]) -> list[Rule]:
        rules = []
        for p, d in self._pairs(RDFS + "domain"):
            head = tuple(Atom(X, TYPE, ox.NamedNode(c)) for c in _and_supers(d.value, supers))
            rules.append(Rule(f"prp-dom {_short(p)}", (Atom(X, p, Y),), head))
        for p, r in self._pairs(RDFS + "range"):
            head = tuple(Atom(Y, TYPE, ox.NamedNode(c)) for c in _and_supers(r.value, supers))
            rules.append(Rule(f"prp-rng {_short(p)}", (Atom(X, p, Y),), head))
        return rules

    def _characteristic_rules(self) -> list[Rule]:
        rules = []
        for p, q in self._pairs(OWL + "inverseOf"):
            rules.append(Rule(f"prp-inv {_short(p)}", (Atom(X, p, Y),), (Atom(Y, q, X),)))
            rules.append(Rule(f"prp-inv {_short(q)}", (Atom(X, q, Y),), (Atom(Y, p, X),)))
        for p in self._typed(OWL + "TransitiveProperty"):
            body = (Atom(X, p, Y), Atom(Y, p, Z))
            rules.append(Rule(f"prp-trp {_short(p)}", body, (Atom(X, p, Z),)))
        for p in self._typed(OWL + "SymmetricProperty"):
            rules.append(Rule(f"prp-symp {_short(p)}", (Atom(X, p, Y),), (Atom(Y, p, X),)))
        return rules

    def _chain_rules(self) -> list[Rule]:
        inverse_of = {}
        for row in self._select(
            "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
            "SELECT ?e ?p WHERE { ?e owl:inverseOf ?p FILTER(isBlank(?e)) }"
        ):
            inverse_of[row[0]] = row[1]
        chains: dict[ox.NamedNode, list[list[tuple[ox.NamedNode, bool]]]] = defaultdict(list)
        rows = self._select(
            "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            "SELECT ?p ?list WHERE { ?p owl:propertyChainAxiom ?list }"
        )
        for p, head in rows:
            steps = self._list(head)  # type: ignore[arg-type]
            resolved = []
            for step in steps:
                if isinstance(step, ox.NamedNode):
                    resolved.append((step, False))
                elif step in inverse_of and _named(inverse_of[step]):
                    resolved.append((inverse_of[step], True))  # type: ignore[arg-type]
            if resolved and len(resolved) == len(steps):
                chains[p].append(resolved)  # type: ignore[index]
        rules = []
        for p, variants in chains.items():
            for chain in variants:
                vs = [ox.Variable(f"v{i}") for i in range(len(chain) + 1)]
                body = tuple(
                    Atom(vs[i + 1], q, vs[i]) if inverse else Atom(vs[i], q, vs[i + 1])
                    for i, (q, inverse) in enumerate(chain)
                )
                name = f"prp-spo2 {_short(p)} = " + " o ".join(_short(q) for q, _ in chain)
                rules.append(Rule(name, body, (Atom(vs[0], p, vs[-1]),)))
        return rules

    def _list(self, head: ox.NamedNode | ox.BlankNode) -> list[ox.NamedNode | ox.BlankNode]:
        items = []
        node: object = head
        nil = ox.NamedNode(RDF + "nil")
        first, rest = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest")
        seen = set()
        while node != nil and node not in seen:
            seen.add(node)
            firsts = list(self._store.quads_for_pattern(node, first, None))  # type: ignore[arg-type]
            rests = list(self._store.quads_for_pattern(node, rest, None))  # type: ignore[arg-type]
            if not firsts or not rests:
                break
            items.append(firsts[0].object)
            node = rests[0].object
        return items  # type: ignore[return-value]

    def _class_expression_rules(self, supers: dict[str, set[str]]) -> list[Rule]:
        """Intersections, unions and restrictions that meet a named class in a subclass or
        equivalence axiom (cls-int1/2, cls-uni, cls-svf1, cls-hv1/2, cls-avf)."""
        rules: list[Rule] = []
        sub_of: dict[object, set[str]] = defaultdict(set)  # expression ⊑ named class
        super_of: dict[object, set[str]] = defaultdict(set)  # named class ⊑ expression
        for sub, sup in self._select(_CLASS_AXIOMS):
            if _named(sub) and isinstance(sup, ox.BlankNode):
                super_of[sup].add(sub.value)
            if isinstance(sub, ox.BlankNode) and _named(sup):
                sub_of[sub].update(_and_supers(sup.value, supers))
        for expr, members in self._lists(OWL + "intersectionOf").items():
            for c in sub_of.get(expr, ()):  # A ⊓ B ⊑ C
                body = tuple(Atom(X, TYPE, m) for m in members)
                rules.append(
                    Rule(
                        f"cls-int1 {_short(ox.NamedNode(c))}",
                        body,
                        (Atom(X, TYPE, ox.NamedNode(c)),),
                    )
                )
            for c in super_of.get(expr, ()):  # C ⊑ A ⊓ B
                head = tuple(
                    Atom(X, TYPE, ox.NamedNode(s))
                    for m in members
                    for s in _and_supers(m.value, supers)
                )
                rules.append(
                    Rule(
                        f"cls-int2 {_short(ox.NamedNode(c))}",
                        (Atom(X, TYPE, ox.NamedNode(c)),),
                        head,
                    )
                )
        for expr, members in self._lists(OWL + "unionOf").items():
            for c in sub_of.get(expr, ()):  # A ⊔ B ⊑ C
                for m in members:
                    rules.append(
                        Rule(
                            f"cls-uni {_short(m)}",
                            (Atom(X, TYPE, m),),
                            (Atom(X, TYPE, ox.NamedNode(c)),),
                        )
                    )
        for r, p, kind, filler in self._select(_RESTRICTIONS):
            kind_name = kind.value.rsplit("#", 1)[-1]
            assert isinstance(p, ox.NamedNode)
            for c in sub_of.get(r, ()):
                head = (Atom(X, TYPE, ox.NamedNode(c)),)
                if kind_name == "someValuesFrom" and _named(filler):
                    body = (Atom(X, p, Y), Atom(Y, TYPE, filler))
                    rules.append(Rule(f"cls-svf1 {_short(ox.NamedNode(c))}", body, head))
                elif kind_name == "hasValue":
                    rules.append(
                        Rule(f"cls-hv2 {_short(ox.NamedNode(c))}", (Atom(X, p, filler),), head)
                    )
            for c in super_of.get(r, ()):
                body_c = Atom(X, TYPE, ox.NamedNode(c))
                if kind_name == "hasValue":
                    rules.append(
                        Rule(f"cls-hv1 {_short(ox.NamedNode(c))}", (body_c,), (Atom(X, p, filler),))
                    )
                elif kind_name == "allValuesFrom" and _named(filler):
                    rules.append(
                        Rule(
                            f"cls-avf {_short(ox.NamedNode(c))}",
                            (body_c, Atom(X, p, Y)),
                            (Atom(Y, TYPE, filler),),
                        )
                    )
        return rules


def _named(term: object) -> bool:
    return isinstance(term, ox.NamedNode)


def _short(term: ox.NamedNode) -> str:
    value = term.value
    for sep in ("#", "/"):
        if sep in value:
            return value.rsplit(sep, 1)[-1] or value
    return value


def _closure(pairs: Iterable[tuple[object, ...]]) -> dict[str, set[str]]:
    """Reflexive-free transitive closure of named sub → super pairs."""
    direct: dict[str, set[str]] = defaultdict(set)
    for sub, sup in pairs:
        if _named(sub) and _named(sup) and sub != sup:
            direct[sub.value].add(sup.value)  # type: ignore[attr-defined]
    closed: dict[str, set[str]] = {}
    for start in list(direct):
        seen: set[str] = set()
        stack = list(direct[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(direct.get(node, ()))
        seen.discard(start)
        closed[start] = seen
    return closed


def _and_supers(name: str, supers: dict[str, set[str]]) -> list[str]:
    return [name, *sorted(supers.get(name, ()))]


def _class_rules(supers: dict[str, set[str]]) -> list[Rule]:
    rules = []
    for sub, sups in sorted(supers.items()):
        if sups:
            head = tuple(Atom(X, TYPE, ox.NamedNode(s)) for s in sorted(sups))
            rules.append(
                Rule(
                    f"cax-sco {_short(ox.NamedNode(sub))}",
                    (Atom(X, TYPE, ox.NamedNode(sub)),),
                    head,
                )
            )
    return rules


def _property_rules(super_props: dict[str, set[str]]) -> list[Rule]:
    rules = []
    for sub, sups in sorted(super_props.items()):
        if sups:
            p = ox.NamedNode(sub)
            head = tuple(Atom(X, ox.NamedNode(s), Y) for s in sorted(sups))
            rules.append(Rule(f"prp-spo1 {_short(p)}", (Atom(X, p, Y),), head))
    return rules
