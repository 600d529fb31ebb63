"""Small random CX models with ontology extensions, for differential tests against owlrl.

:func:`random_model` draws, from a ``random.Random`` (hypothesis' ``st.randoms()`` in the
tests, so a failing model shrinks), a TriG document: user axioms using every construct the
RULES profile claims (nested intersections of restrictions, unions, someValuesFrom with a
class or ``owl:Thing``, hasValue, allValuesFrom, chains of length 1-4 with inverses of
inverses, equivalences, functional and inverse-functional properties, cardinality 0/1,
enumerations) and instance data (blank nodes, ``owl:sameAs``, typed and ill-typed literals,
language tags, duplicates) spread over the default graph, a named graph and a graph named by
a blank node. Object and datatype properties are kept apart: OWL 2 RL conclusions about
literals as subjects (a functional datatype property equating two literals) are not stored
by any RDF store and are out of the comparison.
"""

from __future__ import annotations

import random

PREFIXES = """@prefix cx: <https://w3id.org/cxgraph#> .
@prefix ex: <https://example.org/r#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

CLASSES = [
    *(f"ex:C{i}" for i in range(5)),
    "cx:Persona",
    "cx:Need",
    "cx:Offering",
    "cx:Process",
    "cx:Experience",
    "cx:BrandPromise",
    "cx:Insight",
]
OBJECT_PROPERTIES = [
    *(f"ex:p{i}" for i in range(4)),
    "cx:hasNeed",
    "cx:needOf",
    "cx:fulfils",
    "cx:delivers",
    "cx:subProcessOf",
    "cx:realises",
    "cx:seeksOutcome",
]
DATA_PROPERTIES = ["ex:d0", "cx:score", "cx:minimumScore"]
INDIVIDUALS = [*(f"ex:i{i}" for i in range(8)), "_:b0", "_:b1", "_:b2"]
LITERALS = [
    '"3"^^xsd:decimal',
    '"9.5"^^xsd:decimal',
    '"8"^^xsd:integer',
    '"high"^^xsd:decimal',
    '"eight"',
    '"hoch"@de',
    '"high"@en',
]


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def prop(self, depth: int = 0) -> str:
        """A property expression: named, or an inverse (of an inverse...)."""
        if depth < 2 and self.rng.random() < 0.25:
            return f"[ owl:inverseOf {self.prop(depth + 1)} ]"
        return self.pick(OBJECT_PROPERTIES)

    def cls(self, depth: int = 0) -> str:
        """A class expression, nested up to three levels."""
        roll = self.rng.random()
        if depth >= 2 or roll < 0.4:
            return self.pick(CLASSES)
        if roll < 0.55:
            members = " ".join(self.cls(depth + 1) for _ in range(self.rng.randint(2, 3)))
            return f"[ owl:intersectionOf ( {members} ) ]"
        if roll < 0.65:
            members = " ".join(self.cls(depth + 1) for _ in range(self.rng.randint(2, 3)))
            return f"[ owl:unionOf ( {members} ) ]"
        restriction = f"a owl:Restriction ; owl:onProperty {self.prop()}"
        if roll < 0.8:
            filler = "owl:Thing" if self.rng.random() < 0.3 else self.cls(depth + 1)
            return f"[ {restriction} ; owl:someValuesFrom {filler} ]"
        if roll < 0.9:
            return f"[ {restriction} ; owl:hasValue {self.pick(INDIVIDUALS)} ]"
        return f"[ {restriction} ; owl:allValuesFrom {self.cls(depth + 1)} ]"

    def axiom(self) -> str:
        named = self.pick(CLASSES[:5])
        p, q = self.pick(OBJECT_PROPERTIES[:4]), self.pick(OBJECT_PROPERTIES)
        kind = self.rng.randrange(16)
        if kind == 0:
            return f"{named} rdfs:subClassOf {self.cls()} ."
        if kind == 1:
            return f"{self.cls(1)} rdfs:subClassOf {named} ."
        if kind == 2:
            return f"{named} owl:equivalentClass {self.cls()} ."
        if kind == 3:
            return f"{p} rdfs:subPropertyOf {q} ."
        if kind == 4:
            return f"{p} owl:equivalentProperty {q} ."
        if kind == 5:
            return f"{p} owl:inverseOf {q} ."
        if kind == 6:
            return f"{p} a owl:TransitiveProperty ."
        if kind == 7:
            return f"{p} a owl:SymmetricProperty ."
        if kind == 8:
            return f"{p} a owl:FunctionalProperty ."
        if kind == 9:
            return f"{p} a owl:InverseFunctionalProperty ."
        if kind == 10:
            steps = " ".join(self.prop() for _ in range(self.rng.randint(1, 4)))
            return f"{p} owl:propertyChainAxiom ( {steps} ) ."
        if kind == 11:
            which = self.pick(["rdfs:domain", "rdfs:range"])
            return f"{p} {which} {self.cls(1)} ."
        if kind == 12:  # owl:hasKey is left out: owlrl 7.6.2's prp-key skips the last key
            # property (tests/fixtures/owlrl-deviations/has-key.ttl); a domain instead
            return f"{p} rdfs:domain {self.cls(1)} ."
        if kind == 13:
            n = self.rng.randint(0, 1)
            return (
                f"{named} rdfs:subClassOf [ a owl:Restriction ; owl:onProperty {self.prop()} ; "
                f'owl:maxCardinality "{n}"^^xsd:nonNegativeInteger ] .'
            )
        if kind == 14:
            return (
                f"{named} rdfs:subClassOf [ a owl:Restriction ; owl:onProperty {self.prop()} ; "
                f'owl:maxQualifiedCardinality "1"^^xsd:nonNegativeInteger ; '
                f"owl:onClass {self.pick([*CLASSES, 'owl:Thing'])} ] ."
            )
        members = " ".join(self.pick(INDIVIDUALS[:8]) for _ in range(self.rng.randint(1, 3)))
        return f"{named} owl:equivalentClass [ owl:oneOf ( {members} ) ] ."

    def fact(self) -> str:
        s = self.pick(INDIVIDUALS)
        roll = self.rng.random()
        if roll < 0.5:
            return f"{s} {self.pick(OBJECT_PROPERTIES)} {self.pick(INDIVIDUALS)} ."
        if roll < 0.7:
            return f"{s} a {self.pick(CLASSES)} ."
        if roll < 0.8:
            return f"{s} owl:sameAs {self.pick(INDIVIDUALS)} ."
        if roll < 0.9:
            return f"{s} a {self.cls(1)} ."
        return f"{s} {self.pick(DATA_PROPERTIES)} {self.pick(LITERALS)} ."


def random_model(rng: random.Random, *, axioms: int = 6, facts: int = 14) -> str:
    """A TriG document: axioms and some facts in the default graph, more facts in a named
    graph and in a graph named by a blank node; some facts are repeated."""
    writer = _Writer(rng)
    default = [writer.axiom() for _ in range(rng.randint(1, axioms))]
    facts_drawn = [writer.fact() for _ in range(rng.randint(2, facts))]
    facts_drawn += rng.sample(facts_drawn, k=min(2, len(facts_drawn)))  # duplicates
    graphs: dict[str, list[str]] = {"": default, "ex:g1": [], "_:g2": []}
    for fact in facts_drawn:
        graphs[rng.choice(list(graphs))].append(fact)
    text = [PREFIXES]
    for name, lines in graphs.items():
        if not lines:
            continue
        body = "\n".join(lines)
        text.append(body if not name else f"{name} {{\n{body}\n}}")
    return "\n".join(text) + "\n"
