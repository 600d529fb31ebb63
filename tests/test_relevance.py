"""Goal-directed reasoning (``cxgraph.relevance``): which rules a set of queries needs.

Unit tests on hand-made rules, then the property that matters, on the samples, every
fixture model and random models with ontology extensions: the inferred triples any gap
rule can read are exactly those of the full closure, and a one-shot report's findings are
the served knowledge graph's.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxgraph import resources
from cxgraph.errors import WriteRefused
from cxgraph.gaps import blank_labels, rule_reads
from cxgraph.namespaces import INFERRED_GRAPH
from cxgraph.pipeline import KnowledgeGraph, build_knowledge_graph
from cxgraph.relevance import read_keys, relevant_rules
from cxgraph.rules import TYPE, Atom, Rule, key_of
from tests.conftest import FIXTURES, GAP_FIXTURES
from tests.random_models import random_model

EX = "https://example.org/t#"
X, Y, Z = ox.Variable("x"), ox.Variable("y"), ox.Variable("z")
P, Q, R = (ox.NamedNode(EX + n) for n in ("p", "q", "r"))
C, D = ox.NamedNode(EX + "C"), ox.NamedNode(EX + "D")


def inverse(p: ox.NamedNode, q: ox.NamedNode) -> Rule:
    return Rule(f"prp-inv {q.value}", (Atom(X, p, Y),), (Atom(Y, q, X),))


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
    assert relevant_rules(rules, None) == rules


def test_the_catalogue_is_readable() -> None:
    keys = rule_reads()
    assert keys is not None and (TYPE.value, "https://w3id.org/cxgraph#Need") in keys


# -- choosing rules --------------------------------------------------------------------


def test_rules_feeding_nothing_read_are_left_out() -> None:
    rules = [
        Rule("p to q", (Atom(X, P, Y),), (Atom(X, Q, Y),)),
        Rule("q to r", (Atom(X, Q, Y),), (Atom(X, R, Y),)),
    ]
    assert names(relevant_rules(rules, {(Q.value, None)})) == {"p to q"}
    assert names(relevant_rules(rules, {(R.value, None)})) == {"p to q", "q to r"}
    assert relevant_rules(rules, {(TYPE.value, C.value)}) == []


def test_an_inverse_is_not_needed_by_its_mirror_only() -> None:
    rules = [inverse(P, Q), inverse(Q, P)]  # q(y, x) <- p(x, y) and p(y, x) <- q(x, y)
    assert names(relevant_rules(rules, {(P.value, None)})) == {f"prp-inv {P.value}"}
    assert names(relevant_rules(rules, {(P.value, None), (Q.value, None)})) == names(rules)


def test_an_inverse_is_not_needed_where_a_twin_reads_the_original() -> None:
    # q is p's inverse; range of q and domain of p say the same thing
    range_q = Rule("prp-rng q", (Atom(X, Q, Y),), (Atom(Y, TYPE, C),))
    domain_p = Rule("prp-dom p", (Atom(Z, P, X),), (Atom(Z, TYPE, C),))
    rules = [inverse(P, Q), inverse(Q, P), range_q, domain_p]
    chosen = names(relevant_rules(rules, {(TYPE.value, C.value)}))
    assert chosen == {"prp-rng q", "prp-dom p"}
    # without the twin, the p facts must become q facts for the range rule to see them
    chosen = names(relevant_rules([inverse(P, Q), inverse(Q, P), range_q], {(TYPE.value, C.value)}))
    assert chosen == {"prp-rng q", f"prp-inv {Q.value}"}


def test_a_twin_of_another_class_is_no_twin() -> None:
    range_q = Rule("prp-rng q", (Atom(X, Q, Y),), (Atom(Y, TYPE, C),))
    domain_p = Rule("prp-dom p", (Atom(X, P, Y),), (Atom(X, TYPE, D),))
    rules = [inverse(P, Q), range_q, domain_p]
    assert names(relevant_rules(rules, {(TYPE.value, C.value)})) == {
        "prp-rng q",
        f"prp-inv {Q.value}",
    }


def test_a_symmetric_rule_is_kept_when_its_property_is_read() -> None:
    symmetric = Rule("prp-symp p", (Atom(X, P, Y),), (Atom(Y, P, X),))
    assert relevant_rules([symmetric], {(P.value, None)}) == [symmetric]
    assert relevant_rules([symmetric], {(Q.value, None)}) == []


def test_a_variable_predicate_makes_every_rule_relevant() -> None:
    p = ox.Variable("p")
    rules = [inverse(P, Q), Rule("eq-rep-s", (Atom(X, R, Y), Atom(X, p, Z)), (Atom(Y, p, Z),))]
    assert relevant_rules(rules, {(TYPE.value, C.value)}) == rules


def test_a_variable_class_reads_every_class() -> None:
    rules = [Rule("prp-dom p", (Atom(X, P, Y),), (Atom(X, TYPE, C),))]
    assert relevant_rules(rules, {(TYPE.value, None)}) == rules


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
    path = tmp_path_factory.mktemp("model") / "model.trig"
    path.write_text(random_model(rng), encoding="utf-8")
    assert_one_shot_agrees(path)


def test_a_one_shot_knowledge_graph_refuses_writes() -> None:
    kg = build_knowledge_graph(one_shot=True)
    with pytest.raises(WriteRefused, match="one gap report"):
        kg.update(f"INSERT DATA {{ <{EX}a> <{EX}p> <{EX}b> }}")
    with pytest.raises(ValueError):
        build_knowledge_graph(store_path=Path("store"), one_shot=True)
