"""Goal-directed reasoning (``cxgraph.relevance``): which rules a set of queries needs.

Unit tests on hand-made rules, then the property that matters, on the samples, every
fixture model and random models with ontology extensions: the inferred triples any gap
rule can read are exactly those of the full closure, and a one-shot report's findings are
the served knowledge graph's.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxgraph import reasoning, resources
from cxgraph.errors import WriteRefused
from cxgraph.gaps import blank_labels, gap_rules, rule_keys, rule_reads
from cxgraph.namespaces import INFERRED_GRAPH
from cxgraph.pipeline import KnowledgeGraph, build_knowledge_graph
from cxgraph.profiles import ReasoningProfile
from cxgraph.reasoning import infer
from cxgraph.relevance import inverses_last, read_keys, relevant_rules, settling_keys
from cxgraph.rules import TYPE, Atom, Keys, Rule, key_of
from tests.conftest import FIXTURES, GAP_FIXTURES
from tests.random_models import random_model

BENCH = Path(__file__).parent.parent / "benchmarks"
EX = "https://example.org/t#"
X, Y, Z = ox.Variable("x"), ox.Variable("y"), ox.Variable("z")
P, Q, R = (ox.NamedNode(EX + n) for n in ("p", "q", "r"))
C, D = ox.NamedNode(EX + "C"), ox.NamedNode(EX + "D")


def inverse(p: ox.NamedNode, q: ox.NamedNode) -> Rule:
    return Rule(f"prp-inv {q.value}", (Atom(X, p, Y),), (Atom(Y, q, X),))


@dataclass
class Data:
    """Data with no literal objects (so inverse pairs are rewritten) and these counts."""

    triples: dict[str, int] = field(default_factory=dict)
    literals: bool = False
    asked: list[set[str]] = field(default_factory=list)

    def stated(self, properties: set[str]) -> dict[str, tuple[int, int]]:
        self.asked.append(set(properties))
        return {p: (self.triples.get(p, 1), int(self.literals)) for p in properties}


def relevant(rules: list[Rule], read: Keys | None, data: Data | None = None) -> list[Rule]:
    return relevant_rules(rules, read, data or Data())


def names(rules: list[Rule]) -> set[str]:
    return {r.name for r in rules}


# -- reading queries -------------------------------------------------------------------


def test_read_keys_gives_predicates_and_typed_classes() -> None:
    text = f"PREFIX ex: <{EX}> SELECT ?focus WHERE {{ ?focus a ex:C ; ex:p ?o . ?o a ?any }}"
    assert read_keys([text]) == {(TYPE.value, C.value), (P.value, None), (TYPE.value, None)}


def test_unreadable_query_means_everything_is_read() -> None:
    path = f"PREFIX ex: <{EX}> SELECT ?focus WHERE {{ ?focus ex:p/ex:q ?o }}"
    assert read_keys([path]) is None
    rules = [inverse(P, Q)]
    assert relevant(rules, None) == rules


def test_the_catalogue_is_readable() -> None:
    keys = rule_reads()
    assert keys is not None and (TYPE.value, "https://w3id.org/cxgraph#Need") in keys


# -- choosing rules --------------------------------------------------------------------


def test_rules_feeding_nothing_read_are_left_out() -> None:
    rules = [
        Rule("p to q", (Atom(X, P, Y),), (Atom(X, Q, Y),)),
        Rule("q to r", (Atom(X, Q, Y),), (Atom(X, R, Y),)),
    ]
    assert names(relevant(rules, {(Q.value, None)})) == {"p to q"}
    assert names(relevant(rules, {(R.value, None)})) == {"p to q", "q to r"}
    assert relevant(rules, {(TYPE.value, C.value)}) == []


def test_an_inverse_is_not_needed_by_its_mirror_only() -> None:
    rules = [inverse(P, Q), inverse(Q, P)]  # q(y, x) <- p(x, y) and p(y, x) <- q(x, y)
    assert names(relevant(rules, {(P.value, None)})) == {f"prp-inv {P.value}"}
    assert names(relevant(rules, {(P.value, None), (Q.value, None)})) == names(rules)


def test_a_pair_of_inverses_is_read_in_one_direction() -> None:
    # q is p's inverse: the range of q is read off p, so no q fact is needed
    range_q = Rule("prp-rng q", (Atom(X, Q, Y),), (Atom(Y, TYPE, C),))
    rules = [inverse(P, Q), inverse(Q, P), range_q]
    chosen = relevant(rules, {(TYPE.value, C.value), (P.value, None)})
    assert names(chosen) == {"prp-rng q", f"prp-inv {P.value}"}  # q facts become p facts
    (rng,) = [r for r in chosen if r.name == "prp-rng q"]
    assert rng.body == (Atom(Y, P, X),)


def test_the_direction_the_queries_read_is_kept() -> None:
    chain = Rule("chain r", (Atom(X, P, Y), Atom(Y, P, Z)), (Atom(X, R, Z),))
    rules = [inverse(P, Q), inverse(Q, P), chain]
    chosen = relevant(rules, {(R.value, None), (Q.value, None)})
    (rewritten,) = [r for r in chosen if r.name == "chain r"]
    assert rewritten.body == (Atom(Y, Q, X), Atom(Z, Q, Y))
    assert names(chosen) == {"chain r", f"prp-inv {Q.value}"}


def test_the_direction_the_data_states_is_kept_when_the_queries_read_neither() -> None:
    range_q = Rule("prp-rng q", (Atom(X, Q, Y),), (Atom(Y, TYPE, C),))
    rules = [inverse(P, Q), inverse(Q, P), range_q]
    read = {(TYPE.value, C.value)}
    (kept,) = [r for r in relevant(rules, read, Data({Q.value: 5})) if r.name == "prp-rng q"]
    assert kept == range_q
    (kept,) = [r for r in relevant(rules, read, Data({P.value: 5})) if r.name == "prp-rng q"]
    assert kept.body == (Atom(Y, P, X),)


def test_without_data_both_directions_are_kept() -> None:
    range_q = Rule("prp-rng q", (Atom(X, Q, Y),), (Atom(Y, TYPE, C),))
    rules = [inverse(P, Q), inverse(Q, P), range_q]
    # p facts become q facts for the range rule, which reads q as written
    assert relevant_rules(rules, {(TYPE.value, C.value)}) == [inverse(P, Q), range_q]


def test_a_rule_the_same_after_rewriting_runs_once() -> None:
    range_q = Rule("prp-rng q", (Atom(X, Q, Y),), (Atom(Y, TYPE, C),))
    domain_p = Rule("prp-dom p", (Atom(Z, P, X),), (Atom(Z, TYPE, C),))
    rules = [inverse(P, Q), inverse(Q, P), range_q, domain_p]
    # the range of q read off p is the domain of p: once (the first by name, whatever the
    # order of the rules), and the q facts become p facts
    for ordered in (rules, rules[::-1]):
        assert names(relevant(ordered, {(TYPE.value, C.value)})) == {
            "prp-dom p",
            f"prp-inv {P.value}",
        }


def test_literal_objects_keep_both_directions() -> None:
    # q(a, "x") holds, but p("x", a) cannot: a literal is no subject
    range_q = Rule("prp-rng q", (Atom(X, Q, Y),), (Atom(Y, TYPE, C),))
    rules = [inverse(P, Q), inverse(Q, P), range_q]
    data = Data(literals=True)
    chosen = relevant(rules, {(TYPE.value, C.value), (P.value, None)}, data)
    assert data.asked == [{P.value, Q.value}]
    assert names(chosen) == names(rules)
    assert [r for r in chosen if r.name == "prp-rng q"] == [range_q]
    # a rule concluding a literal on q: the same
    has_value = Rule("cls-hv1", (Atom(X, TYPE, D),), (Atom(X, Q, ox.Literal("x")),))
    chosen = relevant([*rules, has_value], {(TYPE.value, C.value), (P.value, None)})
    assert [r for r in chosen if r.name == "prp-rng q"] == [range_q]


def test_head_atoms_nothing_reads_are_dropped() -> None:
    domain = Rule("prp-dom p", (Atom(X, P, Y),), (Atom(X, TYPE, C), Atom(X, TYPE, D)))
    (kept,) = relevant([domain], {(TYPE.value, C.value)})
    assert kept.head == (Atom(X, TYPE, C),)


def test_a_symmetric_rule_is_kept_when_its_property_is_read() -> None:
    symmetric = Rule("prp-symp p", (Atom(X, P, Y),), (Atom(Y, P, X),))
    assert relevant([symmetric], {(P.value, None)}) == [symmetric]
    assert relevant([symmetric], {(Q.value, None)}) == []


def test_a_variable_predicate_makes_every_rule_relevant() -> None:
    p = ox.Variable("p")
    rules = [inverse(P, Q), Rule("eq-rep-s", (Atom(X, R, Y), Atom(X, p, Z)), (Atom(Y, p, Z),))]
    assert relevant(rules, {(TYPE.value, C.value)}) == rules


def test_a_variable_class_reads_every_class() -> None:
    rules = [Rule("prp-dom p", (Atom(X, P, Y),), (Atom(X, TYPE, C),))]
    assert relevant(rules, {(TYPE.value, None)}) == rules


# -- the property, on models -----------------------------------------------------------


def inferred(kg: KnowledgeGraph, *, read_only: bool = False) -> set[tuple[str, str, str]]:
    """The inferred triples (only those a gap rule can read), blank nodes named by what
    the asserted data says of them (each load names them afresh)."""
    keys = rule_reads()
    assert keys is not None
    triples = [
        q.triple
        for q in kg.store.quads(graph=INFERRED_GRAPH)
        if not read_only or any(k in keys for k in key_of(q.triple))
    ]
    blanks = {t for q in triples for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    labels = blank_labels(kg.store, blanks)

    def name(term: object) -> str:  # nodes described alike are numbered at random: not kept
        return f"_:{labels[term].split('-')[0]}" if isinstance(term, ox.BlankNode) else str(term)

    return {(name(t.subject), str(t.predicate), name(t.object)) for t in triples}


def assert_one_shot_agrees(path: Path) -> None:
    full = build_knowledge_graph([path])
    partial = build_knowledge_graph([path], one_shot=True)
    assert inferred(partial) <= inferred(full), path
    assert inferred(partial, read_only=True) == inferred(full, read_only=True), path
    assert findings(partial) == findings(full), path


def findings(kg: KnowledgeGraph) -> list[dict[str, object]]:
    """The findings as JSON, a message's list of names sorted: SPARQL leaves the order of
    GROUP_CONCAT open, and blank nodes get new ids (so another order) on every load."""
    found = [f.as_json() for f in kg.findings]
    for finding in found:
        finding["message"] = NAME_LIST.sub(
            lambda m: ", ".join(sorted(m.group().split(", "))), str(finding["message"])
        )
    return found


NAME_LIST = re.compile(r"'[^']*'(?:, '[^']*')+")


MODELS = [
    *resources.sample_files(),
    *sorted(GAP_FIXTURES.glob("*/*.ttl")),
    *(p for p in sorted((FIXTURES / "models").iterdir()) if p.name != "reserved-graph.trig"),
    *sorted((FIXTURES / "blank").iterdir()),
    *sorted((FIXTURES / "labels").iterdir()),
]


@pytest.mark.parametrize("path", MODELS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_one_shot_agrees_with_the_full_closure(path: Path) -> None:
    assert_one_shot_agrees(path)


def test_one_shot_infers_less_on_the_samples() -> None:
    full = build_knowledge_graph()
    partial = build_knowledge_graph(one_shot=True)
    assert partial.inference is not None and full.inference is not None
    assert not partial.inference.complete and full.inference.complete
    assert partial.inference.total < full.inference.total


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.randoms(use_true_random=False))
def test_one_shot_agrees_on_random_models(
    tmp_path_factory: pytest.TempPathFactory, rng: random.Random
) -> None:
    """The one-shot findings are the full ones, and each gap rule reported settled while
    reasoning already sees its final inferred triples then (see below)."""
    path = tmp_path_factory.mktemp("model") / "model.trig"
    path.write_text(random_model(rng), encoding="utf-8")
    assert_one_shot_agrees(path)
    assert_settled_goals_are_final(path)


def test_a_one_shot_knowledge_graph_refuses_writes() -> None:
    kg = build_knowledge_graph(one_shot=True)
    with pytest.raises(WriteRefused, match="one gap report"):
        kg.update(f"INSERT DATA {{ <{EX}a> <{EX}p> <{EX}b> }}")
    with pytest.raises(ValueError):
        build_knowledge_graph(store_path=Path("store"), one_shot=True)


def test_a_literal_object_keeps_both_directions_on_a_model(tmp_model) -> None:  # type: ignore[no-untyped-def]
    # hasSubProcess is subProcessOf's inverse; its domain makes ex:p a Process, which
    # ownerless-process sees: read through subProcessOf("Intake", ex:p), a triple no
    # store can hold, it would be lost
    path = tmp_model('ex:p cx:hasSubProcess "Intake" ; rdfs:label "Claims" .')
    partial = build_knowledge_graph([path], one_shot=True)
    assert "ownerless-process" in {f.rule for f in partial.findings}
    assert_one_shot_agrees(path)


# -- queries started while the rest is inferred ----------------------------------------


def test_settling_keys_are_what_the_query_and_its_feeding_rules_read() -> None:
    chain = Rule("chain r", (Atom(X, P, Y), Atom(Y, Q, Z)), (Atom(X, R, Z),))
    other = Rule("other", (Atom(X, R, Y),), (Atom(X, TYPE, C),))
    assert settling_keys([chain, other], {(R.value, None)}) == {
        (R.value, None),
        (P.value, None),
        (Q.value, None),
    }
    assert settling_keys([chain, other], None) is None


def snapshot(kg_store: object, keys: Keys) -> set[str]:
    store = kg_store  # a cxgraph Store
    return {
        str(q)
        for q in store.quads(graph=INFERRED_GRAPH)  # type: ignore[attr-defined]
        if any(k in keys for k in key_of(q.triple))
    }


def assert_settled_goals_are_final(path: Path) -> None:
    """Each gap rule reported settled during reasoning already sees its final inferred
    triples then (what the one-shot report relies on to start its SELECT early)."""
    kg = build_knowledge_graph([path], one_shot=True)
    chosen = gap_rules()
    goals = [rule_keys(rule) for rule in chosen]
    seen: dict[int, set[str]] = {}

    def settled(done: list[int]) -> None:
        for i in done:
            seen[i] = snapshot(kg.store, goals[i])  # type: ignore[arg-type]

    infer(kg.store, ReasoningProfile.RULES, goals, settled)
    for i, early in seen.items():
        assert early == snapshot(kg.store, goals[i]), (path, chosen[i].name)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", resources.sample_files(), ids=lambda p: p.name)
def test_settled_goals_are_final_on_the_samples(path: Path) -> None:
    assert_settled_goals_are_final(path)


def test_settled_goals_are_final_on_a_generated_model(tmp_path: Path) -> None:
    command = [sys.executable, str(BENCH / "generate.py"), "--triples", "3000"]
    command += ["--out", str(tmp_path), "--seed", "5", "--profile", "dense"]
    subprocess.run(command, check=True, capture_output=True, text=True)
    assert_settled_goals_are_final(tmp_path / "model.nt")


# -- the full closure with inverse pairs turned round last ------------------------------


def test_inverses_last_runs_the_turning_rules_after_the_fixpoint() -> None:
    range_q = Rule("prp-rng q", (Atom(X, Q, Y),), (Atom(Y, TYPE, C),))
    rules = [inverse(P, Q), inverse(Q, P), range_q]
    first, last = inverses_last(rules, Data({P.value: 3}))
    assert last == [inverse(P, Q)]  # p is kept: q facts are made from it at the end
    assert inverse(Q, P) in first and inverse(P, Q) not in first
    assert [r.body for r in first if r.name == "prp-rng q"] == [(Atom(Y, P, X),)]
    assert inverses_last(rules, Data(literals=True)) == (rules, [])


@pytest.mark.parametrize(
    "text",
    [
        'ex:p cx:hasSubProcess "Intake" ; rdfs:label "Claims" .',
        "ex:p cx:hasSubProcess ex:q . ex:r cx:subProcessOf ex:p . ex:q cx:delivers ex:o .",
    ],
)
def test_inverses_last_gives_the_same_closure(tmp_model, monkeypatch, text: str) -> None:  # type: ignore[no-untyped-def]
    assert_closure_as_compiled(build_knowledge_graph([tmp_model(text)]), monkeypatch)


def assert_closure_as_compiled(kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    """The knowledge graph's inferred graph is the one the rules as compiled give."""
    with_it = inferred(kg)
    monkeypatch.setattr(reasoning, "inverses_last", lambda rules, data: (rules, []))
    kg.refresh()
    assert inferred(kg) == with_it


# -- found by review: what no store can hold as a subject --------------------------------

NOT_SUBJECTS = {
    # a literal hasValue on an inverse property expression: "lit" q x is dropped
    "has-value-on-inverse": """
        ex:R owl:equivalentClass [ a owl:Restriction ;
            owl:onProperty [ owl:inverseOf cx:hasSubProcess ] ; owl:hasValue "lit" ] .
        ex:a a ex:R , cx:Process ; rdfs:label "A" .
        ex:b cx:subProcessOf ex:c .""",
    # a triple term as object: no subject either
    "triple-term-object": """
        ex:a cx:hasSubProcess <<( ex:x ex:y ex:z )>> ; rdfs:label "A" .
        ex:b cx:subProcessOf ex:c . ex:d cx:subProcessOf ex:c .""",
    # owl:sameAs as one side of a pair: reflexive sameAs is never concluded
    "same-as-inverse": """
        ex:p owl:inverseOf owl:sameAs . owl:sameAs rdfs:domain ex:D .
        ex:a ex:p ex:a . ex:b ex:p ex:c .""",
}


@pytest.mark.parametrize("name", sorted(NOT_SUBJECTS))
def test_pairs_that_cannot_be_turned_round_are_left_as_they_are(  # type: ignore[no-untyped-def]
    tmp_model, monkeypatch, name: str
) -> None:
    path = tmp_model("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n" + NOT_SUBJECTS[name])
    assert_one_shot_agrees(path)
    assert_closure_as_compiled(build_knowledge_graph([path]), monkeypatch)


def test_a_head_with_a_variable_class_settles_no_class_early(tmp_model) -> None:  # type: ignore[no-untyped-def]
    # ex:kind is a sub-property of rdf:type: x rdf:type ?c can give any class
    path = tmp_model(
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "ex:kind rdfs:subPropertyOf rdf:type . ex:a ex:kind cx:Process ; rdfs:label 'A' ."
    )
    assert_settled_goals_are_final(path)
    kg = build_knowledge_graph([path], one_shot=True)
    assert "ownerless-process" in {f.rule for f in kg.findings}
