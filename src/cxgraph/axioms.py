"""Compile the loaded ontology's axioms into rules the store runs (profile RULES).

Nothing here names a cx: term: the rules are read from whatever axioms are loaded, so a
user's extension of the ontology is reasoned over like the ontology itself. The rules are
OWL 2 RL's rules on instance data, as owlrl applies them (``docs/gap-semantics.md`` lists
each with its test):

- schema, computed once: the class hierarchy (cax-sco, cax-eqc1/2) and the property
  hierarchy (prp-spo1, prp-eqp1/2) are closed transitively here, so one step gives every
  superclass and superproperty;
- properties: prp-dom, prp-rng, prp-inv1/2, prp-trp, prp-symp, prp-fp, prp-ifp, prp-key,
  prp-spo2 (chains of any length, with inverse steps);
- class expressions, named or anonymous, wherever they occur: cls-int1/2, cls-uni,
  cls-svf1/2, cls-avf, cls-hv1/2, cls-maxc2, cls-maxqc3/4, cls-oo. Membership in an
  anonymous expression is derived as owlrl derives it (``x rdf:type _:expr``), so nested
  expressions compose without being flattened;
- equality, only when something can produce it: eq-sym, eq-trans, eq-rep-s/p/o.

A construct outside OWL 2 RL's conclusions (a union or existential as a superclass, a
complement, a cardinality other than max 0/1, ...) is never weakened into something it does
not say: no rule is made from it and a :class:`Diagnostic` names it.
"""

from __future__ import annotations

import pyoxigraph as ox

from cxgraph.diagnostics import Diagnostic
from cxgraph.hierarchy import THING, Node, Restriction, close_classes, closure
from cxgraph.namespaces import OWL, RDF, RDFS
from cxgraph.rules import SAME_AS, TYPE, Atom, Rule
from cxgraph.store.backend import StoreBackend

X, Y, Z = ox.Variable("x"), ox.Variable("y"), ox.Variable("z")
Y2 = ox.Variable("y2")
_FIRST, _REST, _NIL = (ox.NamedNode(RDF + n) for n in ("first", "rest", "nil"))

_PAIRS = "SELECT ?a ?b ?axiom WHERE { ?a ?axiom ?b }"
_TYPED = "SELECT ?a ?kind WHERE { ?a a ?kind }"

# Constructs with no OWL 2 RL conclusion on instances: named, never compiled.
_UNSUPPORTED = {
    OWL + "complementOf": "a complement (owl:complementOf)",
    OWL + "minCardinality": "a minimum cardinality",
    OWL + "cardinality": "an exact cardinality",
    OWL + "minQualifiedCardinality": "a minimum qualified cardinality",
    OWL + "qualifiedCardinality": "an exact qualified cardinality",
    OWL + "hasSelf": "a self restriction (owl:hasSelf)",
    OWL + "disjointUnionOf": "a disjoint union",
    OWL + "onProperties": "an n-ary restriction",
}


class AxiomCompiler:
    """Reads axioms from the given graphs of a store and produces rules and diagnostics."""

    def __init__(self, store: StoreBackend, graphs: list[Node]) -> None:
        self._store = store
        self._graphs = graphs
        self.diagnostics: list[Diagnostic] = []
        self._equality = False
        self._supers: dict[Node, list[Node]] = {}
        self._class_pairs: list[tuple[Node, Node]] | None = None

    # -- reading -----------------------------------------------------------------------

    def _pairs(self, axiom: str) -> list[tuple[Node, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        solutions = self._store.query(
            _PAIRS,
            default_graph=self._graphs,  # type: ignore[arg-type]
            substitutions={ox.Variable("axiom"): ox.NamedNode(axiom)},
        )
        assert isinstance(solutions, ox.QuerySolutions)
        return [
            (r["a"], r["b"]) for r in solutions if isinstance(r["a"], ox.NamedNode | ox.BlankNode)
        ]

    def _nodes(self, axiom: str) -> list[tuple[Node, Node]]:
        return [(a, b) for a, b in self._pairs(axiom) if not isinstance(b, ox.Literal)]

    def _typed(self, kind: str) -> list[ox.NamedNode]:
        solutions = self._store.query(
            _TYPED,
            default_graph=self._graphs,  # type: ignore[arg-type]
            substitutions={ox.Variable("kind"): ox.NamedNode(kind)},
        )
        assert isinstance(solutions, ox.QuerySolutions)
        return [r["a"] for r in solutions if isinstance(r["a"], ox.NamedNode)]

    def _objects(self, subject: Node, predicate: str) -> list[ox.NamedNode | ox.BlankNode]:
        return [
            q.object  # type: ignore[misc]
            for q in self._store.quads_for_pattern(subject, ox.NamedNode(predicate), None)
            if q.graph_name in self._graphs and not isinstance(q.object, ox.Literal)
        ]

    def _list(self, head: object) -> list[Node] | None:
        """The members of an RDF list, or None if it is malformed."""
        items: list[Node] = []
        node = head
        seen = set()
        while node != _NIL:
            if node in seen or not isinstance(node, ox.NamedNode | ox.BlankNode):
                return None
            seen.add(node)
            firsts = list(self._store.quads_for_pattern(node, _FIRST, None))
            rests = list(self._store.quads_for_pattern(node, _REST, None))
            if not firsts or not rests or isinstance(firsts[0].object, ox.Literal):
                return None
            items.append(firsts[0].object)  # type: ignore[arg-type]
            node = rests[0].object
        return items

    def _property(self, node: Node) -> tuple[ox.NamedNode, bool] | None:
        """A property expression: a named property, or ``owl:inverseOf`` one (inverse)."""
        if isinstance(node, ox.NamedNode):
            return node, False
        for inner in self._objects(node, OWL + "inverseOf"):
            resolved = self._property(inner)
            if resolved is not None:
                return resolved[0], not resolved[1]
        return None

    def _skip(self, subject: Node, what: str) -> None:
        self.diagnostics.append(
            Diagnostic(f"{what} on {_show(subject)}: outside OWL 2 RL, no conclusion drawn")
        )

    # -- compiling ---------------------------------------------------------------------

    def compile(self) -> list[Rule]:
        super_props = closure(
            self._nodes(RDFS + "subPropertyOf"), self._nodes(OWL + "equivalentProperty")
        )
        self._supers = self._class_hierarchy(super_props)
        rules: list[Rule] = []
        rules += _class_rules(self._supers)
        rules += _property_rules(super_props)
        rules += self._domain_range_rules()
        rules += self._characteristic_rules()
        rules += self._chain_rules()
        rules += self._expression_rules()
        rules += self._key_rules()
        for axiom, what in _UNSUPPORTED.items():
            for subject, _ in self._pairs(axiom):
                self._skip(subject, what)
        if self._equality or self._pairs(OWL + "sameAs"):
            rules += _equality_rules()
        return _read_memberships_only(rules)

    def _class_hierarchy(self, super_props: dict[Node, list[Node]]) -> dict[Node, list[Node]]:
        """Every class node's superclasses, closed once (see ``hierarchy``)."""
        pairs = set(self._nodes(RDFS + "subClassOf"))
        for expr, head in self._nodes(OWL + "intersectionOf"):
            pairs.update((expr, m) for m in self._list(head) or [])  # scm-int
        for expr, head in self._nodes(OWL + "unionOf"):
            pairs.update((m, expr) for m in self._list(head) or [])  # scm-uni
        return close_classes(
            pairs, self._nodes(OWL + "equivalentClass"), self._restrictions(), super_props
        )

    def _restrictions(
        self,
    ) -> dict[Node, Restriction]:
        """Restriction → (svf | avf | hv, property expression, filler or value)."""
        kinds = {"someValuesFrom": "svf", "allValuesFrom": "avf", "hasValue": "hv"}
        found: dict[Node, Restriction] = {}
        for r, prop_node in self._nodes(OWL + "onProperty"):
            prop = self._property(prop_node)
            if prop is None:
                continue
            for local, kind in kinds.items():
                for q in self._store.quads_for_pattern(r, ox.NamedNode(OWL + local), None):
                    if q.graph_name in self._graphs:
                        found[r] = (kind, prop, q.object)  # type: ignore[assignment]
        return found

    def _types(self, variable: ox.Variable, cls: Node) -> tuple[Atom, ...]:
        """``variable`` is a ``cls`` and each of its superclasses."""
        return tuple(Atom(variable, TYPE, c) for c in [cls, *self._supers.get(cls, ())])

    def _property_atom(self, prop: tuple[ox.NamedNode, bool], s: ox.Variable, o: object) -> Atom:
        p, inverse = prop
        return Atom(o, p, s) if inverse else Atom(s, p, o)  # type: ignore[arg-type]

    def _domain_range_rules(self) -> list[Rule]:
        rules = []
        for p, d in self._nodes(RDFS + "domain"):
            if isinstance(p, ox.NamedNode):
                rules.append(Rule(f"prp-dom {_show(p)}", (Atom(X, p, Y),), self._types(X, d)))
        for p, r in self._nodes(RDFS + "range"):
            if isinstance(p, ox.NamedNode):
                rules.append(Rule(f"prp-rng {_show(p)}", (Atom(X, p, Y),), self._types(Y, r)))
        return rules

    def _characteristic_rules(self) -> list[Rule]:
        rules = []
        for p, q in self._nodes(OWL + "inverseOf"):
            if isinstance(p, ox.NamedNode) and isinstance(q, ox.NamedNode):
                rules.append(Rule(f"prp-inv {_show(p)}", (Atom(X, p, Y),), (Atom(Y, q, X),)))
                rules.append(Rule(f"prp-inv {_show(q)}", (Atom(X, q, Y),), (Atom(Y, p, X),)))
        for p in self._typed(OWL + "TransitiveProperty"):
            body = (Atom(X, p, Y), Atom(Y, p, Z))
            rules.append(Rule(f"prp-trp {_show(p)}", body, (Atom(X, p, Z),)))
        for p in self._typed(OWL + "SymmetricProperty"):
            rules.append(Rule(f"prp-symp {_show(p)}", (Atom(X, p, Y),), (Atom(Y, p, X),)))
        for p in self._typed(OWL + "FunctionalProperty"):
            body = (Atom(X, p, Y), Atom(X, p, Y2))
            rules.append(Rule(f"prp-fp {_show(p)}", body, (Atom(Y, SAME_AS, Y2),)))
            self._equality = True
        for p in self._typed(OWL + "InverseFunctionalProperty"):
            body = (Atom(X, p, Z), Atom(Y, p, Z))
            rules.append(Rule(f"prp-ifp {_show(p)}", body, (Atom(X, SAME_AS, Y),)))
            self._equality = True
        return rules

    def _chain_rules(self) -> list[Rule]:
        rules = []
        for p, head in self._nodes(OWL + "propertyChainAxiom"):
            steps = self._list(head)
            found = [self._property(s) for s in steps or []]
            resolved = [step for step in found if step is not None]
            if not isinstance(p, ox.NamedNode) or not steps or len(resolved) < len(found):
                self._skip(p, "a property chain with a step that is not a property")
                continue
            vs = [ox.Variable(f"v{i}") for i in range(len(steps) + 1)]
            body = tuple(
                self._property_atom(step, vs[i], vs[i + 1]) for i, step in enumerate(resolved)
            )
            name = f"prp-spo2 {_show(p)} = " + " o ".join(
                ("^" if inv else "") + _show(q) for q, inv in resolved
            )
            rules.append(Rule(name, body, (Atom(vs[0], p, vs[-1]),)))
        return rules

    def _expression_rules(self) -> list[Rule]:
        """Rules for every class expression in the graphs: membership (conditions ⇒ the
        expression) and consequences (the expression ⇒ what its members must satisfy)."""
        rules: list[Rule] = []
        for expr, members_head in self._nodes(OWL + "intersectionOf"):
            members = self._list(members_head)
            if members:  # cls-int2 is in the hierarchy: an intersection is below each member
                body = tuple(Atom(X, TYPE, m) for m in members)
                rules.append(Rule(f"cls-int1 {_show(expr)}", body, self._types(X, expr)))
        for expr, _ in self._nodes(OWL + "unionOf"):
            # cls-uni is in the hierarchy: each member is below the union
            if isinstance(expr, ox.BlankNode):
                self._note_superclass_use(expr, "a union")
        for expr, members_head in self._nodes(OWL + "oneOf"):
            for m in self._list(members_head) or []:
                rules.append(Rule(f"cls-oo {_show(expr)}", (), self._types(m, expr)))  # type: ignore[arg-type]
        for restriction, prop_node in self._nodes(OWL + "onProperty"):
            prop = self._property(prop_node)
            if prop is None:
                self._skip(restriction, "a restriction on a property that is not named")
                continue
            rules += self._restriction_rules(restriction, prop)
        return rules

    def _restriction_rules(self, r: Node, prop: tuple[ox.NamedNode, bool]) -> list[Rule]:
        rules: list[Rule] = []
        member = Atom(X, TYPE, r)
        link = self._property_atom(prop, X, Y)
        for filler in self._objects(r, OWL + "someValuesFrom"):
            body: tuple[Atom, ...] = (link,) if filler == THING else (link, Atom(Y, TYPE, filler))
            rules.append(Rule(f"cls-svf {_show(r)}", body, self._types(X, r)))
            self._note_superclass_use(r, "an existential restriction")
        for q in self._store.quads_for_pattern(r, ox.NamedNode(OWL + "hasValue"), None):
            if q.graph_name not in self._graphs:
                continue
            has = self._property_atom(prop, X, q.object)
            rules.append(Rule(f"cls-hv2 {_show(r)}", (has,), self._types(X, r)))
            rules.append(Rule(f"cls-hv1 {_show(r)}", (member,), (has,)))
        for filler in self._objects(r, OWL + "allValuesFrom"):
            rules.append(Rule(f"cls-avf {_show(r)}", (member, link), self._types(Y, filler)))
        second = self._property_atom(prop, X, Y2)
        for n in self._cardinalities(r, OWL + "maxCardinality"):
            if n == 1:
                body = (member, link, second)
                rules.append(Rule(f"cls-maxc2 {_show(r)}", body, (Atom(Y, SAME_AS, Y2),)))
                self._equality = True
            elif n != 0:
                self._skip(r, f"a maximum cardinality of {n}")
        for n in self._cardinalities(r, OWL + "maxQualifiedCardinality"):
            if n == 1:
                for cls in self._objects(r, OWL + "onClass"):
                    body = (member, link, second)
                    if cls != THING:
                        body += (Atom(Y, TYPE, cls), Atom(Y2, TYPE, cls))
                    rules.append(Rule(f"cls-maxqc {_show(r)}", body, (Atom(Y, SAME_AS, Y2),)))
                    self._equality = True
            elif n != 0:
                self._skip(r, f"a maximum qualified cardinality of {n}")
        return rules

    def _cardinalities(self, r: Node, predicate: str) -> list[int]:
        values = []
        for q in self._store.quads_for_pattern(r, ox.NamedNode(predicate), None):
            if q.graph_name in self._graphs and isinstance(q.object, ox.Literal):
                try:
                    values.append(int(q.object.value))
                except ValueError:
                    self._skip(r, f"a cardinality {q.object.value!r} that is not a number")
        return values

    def _note_superclass_use(self, expr: Node, what: str) -> None:
        """A union or existential as a superclass says more than OWL 2 RL can conclude."""
        if self._class_pairs is None:
            equivalents = self._nodes(OWL + "equivalentClass")
            self._class_pairs = [
                *self._nodes(RDFS + "subClassOf"),
                *equivalents,
                *((b, a) for a, b in equivalents),
            ]
        for sub, sup in self._class_pairs:
            if sup == expr and sub != expr:
                self._skip(sub, f"{what} as a superclass")

    def _key_rules(self) -> list[Rule]:
        rules = []
        for cls, head in self._nodes(OWL + "hasKey"):
            props = [self._property(p) for p in self._list(head) or []]
            if not props or None in props:
                continue
            body = [Atom(X, TYPE, cls), Atom(Y, TYPE, cls)]
            for i, prop in enumerate(props):
                value = ox.Variable(f"k{i}")
                body += [self._property_atom(prop, X, value), self._property_atom(prop, Y, value)]  # type: ignore[arg-type]
            rules.append(Rule(f"prp-key {_show(cls)}", tuple(body), (Atom(X, SAME_AS, Y),)))
            self._equality = True
        return rules


def _read_memberships_only(rules: list[Rule]) -> list[Rule]:
    """Drop conclusions ``x rdf:type _:expr`` about anonymous class expressions that no rule
    reads (the ontology's unions used as domains and ranges): they are not facts about
    named classes or properties, and nothing follows from them."""
    read = {a.o for r in rules for a in r.body if a.p == TYPE and isinstance(a.o, ox.BlankNode)}
    kept = []
    for rule in rules:
        head = tuple(
            a
            for a in rule.head
            if not (a.p == TYPE and isinstance(a.o, ox.BlankNode)) or a.o in read
        )
        if head:
            kept.append(rule if head == rule.head else Rule(rule.name, rule.body, head))
    return kept


def _show(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        value = term.value
        for sep in ("#", "/"):
            if sep in value:
                return value.rsplit(sep, 1)[-1] or value
        return value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value[:8]
    return str(term)


def _class_rules(supers: dict[Node, list[Node]]) -> list[Rule]:
    return [
        Rule(f"cax-sco {_show(sub)}", (Atom(X, TYPE, sub),), tuple(Atom(X, TYPE, s) for s in sups))
        for sub, sups in sorted(supers.items(), key=lambda kv: str(kv[0]))
        if sups
    ]


def _property_rules(super_props: dict[Node, list[Node]]) -> list[Rule]:
    rules = []
    for sub, sups in sorted(super_props.items(), key=lambda kv: str(kv[0])):
        named = [s for s in sups if isinstance(s, ox.NamedNode)]
        if isinstance(sub, ox.NamedNode) and named:
            head = tuple(Atom(X, s, Y) for s in named)
            rules.append(Rule(f"prp-spo1 {_show(sub)}", (Atom(X, sub, Y),), head))
    return rules


def _equality_rules() -> list[Rule]:
    p, q, o = ox.Variable("p"), ox.Variable("q"), ox.Variable("o")
    return [
        Rule("eq-sym", (Atom(X, SAME_AS, Y),), (Atom(Y, SAME_AS, X),)),
        Rule("eq-trans", (Atom(X, SAME_AS, Y), Atom(Y, SAME_AS, Z)), (Atom(X, SAME_AS, Z),)),
        Rule("eq-rep-s", (Atom(X, SAME_AS, Y), Atom(X, p, o)), (Atom(Y, p, o),)),
        Rule("eq-rep-p", (Atom(p, SAME_AS, q), Atom(X, p, o)), (Atom(X, q, o),)),
        Rule("eq-rep-o", (Atom(o, SAME_AS, Y), Atom(X, p, o)), (Atom(X, p, Y),)),
    ]
