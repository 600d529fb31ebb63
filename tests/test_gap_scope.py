"""Scoped gap re-runs after a write equal a full run: the scope analysis of the rules, and
writes that add and remove facts feeding several rules, on blank-node foci and labels."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cxgraph import build_knowledge_graph
from cxgraph.gap_scope import analyse, scope_pattern, scoped_text
from cxgraph.gaps import gap_rules
from cxgraph.namespaces import CX, GAPS_GRAPH, INFERRED_GRAPH, RDFS
from cxgraph.pipeline import KnowledgeGraph

from .conftest import FIXTURES

PROLOGUE = "PREFIX cx: <https://w3id.org/cxgraph#>\n"
EX = "https://example.org/scope#"
LABEL = RDFS + "label"


def assert_equals_full_run(kg: KnowledgeGraph) -> None:
    """The gaps graph (gap IRIs, messages, labels, evidence) and the inferred graph after
    the incremental write are exactly what a full run over the same store writes."""
    assert not [g for g in kg.store.graphs() if g.value.startswith("urn:cxgraph:graph:reasoning")]
    gaps = set(kg.store.quads(None, None, None, GAPS_GRAPH))
    inferred = set(kg.store.quads(None, None, None, INFERRED_GRAPH))
    findings = kg.findings
    kg.refresh()
    assert set(kg.store.quads(None, None, None, GAPS_GRAPH)) == gaps
    assert set(kg.store.quads(None, None, None, INFERRED_GRAPH)) == inferred
    assert kg.findings == findings


def test_every_catalogue_rule_can_be_scoped() -> None:
    for rule in gap_rules():
        assert analyse(rule.text) is not None, rule.name
        assert scoped_text(rule.text, rule.name) is not None


@pytest.mark.parametrize(
    "where",
    [
        "?focus cx:subProcessOf+ ?top .",  # a property path
        "GRAPH ?g { ?focus a cx:Process }",  # a named graph
        "OPTIONAL { ?focus a cx:Process }",  # ?focus not always bound
        "?focus a cx:Process . cx:Install cx:subProcessOf ?x .",  # a pattern ?focus can't reach
    ],
)
def test_what_cannot_be_scoped_is_not(where: str) -> None:
    assert analyse(f"{PROLOGUE}SELECT ?focus WHERE {{ {where} }}") is None


def test_literals_of_every_form_are_read() -> None:
    text = (
        f"{PROLOGUE}PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        'SELECT ?focus WHERE { ?focus cx:score -3 ; cx:comment "x"@en-GB ; '
        'cx:targetValue "5"^^xsd:integer ; cx:onScorecard true . }'
    )
    plan = analyse(text)
    assert plan is not None
    branches = " ".join(plan.branches)
    for literal in ("-3", '"x"@en-GB', '"5"^^<http://www.w3.org/2001/XMLSchema#integer>', "true"):
        assert literal in branches


def test_minus_groups_keep_their_own_variables() -> None:
    """?sla in two MINUS groups is two variables: no branch joins one group's ?sla with
    the other's; and the scope is joined into each MINUS that binds ?focus."""
    text = (
        f"{PROLOGUE}SELECT ?focus WHERE {{ ?focus cx:performedBy ?s ; cx:nextStep ?n . "
        "?n cx:performedBy ?r . "
        "MINUS { ?sla cx:provider ?s ; cx:consumer ?r } "
        "MINUS { ?sla cx:provider ?r ; cx:consumer ?s } "
        "MINUS { ?focus cx:ownedBy ?o } }"
    )
    plan = analyse(text)
    assert plan is not None
    assert len(plan.minus_sites) == 1
    for branch in plan.branches:
        assert branch.count("cx#provider") + branch.count("cx#consumer") <= 2
    scoped = scoped_text(text, "r")
    assert scoped is not None
    assert scoped.count(scope_pattern("r")) == 2  # the outer group and the last MINUS


MODEL = """
@prefix cx: <https://w3id.org/cxgraph#> .
@prefix ex: <https://example.org/scope#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

ex:brand cx:hasPromise ex:promise .
ex:promise rdfs:label "Always on time" ; cx:minimumScore 8 .
ex:prop cx:expresses ex:promise ; cx:targets ex:persona ; cx:addresses ex:need, ex:other ;
    cx:offers ex:offering ; rdfs:label "Fast fix" .
ex:persona rdfs:label "Busy parent"@en, "Parent pressé"@fr ; cx:hasNeed ex:need, ex:other ;
    cx:seeksOutcome ex:outcome .
ex:need rdfs:label "Quick repair" .
ex:other rdfs:label "Clear bill" .
ex:outcome rdfs:label "Working line" .
ex:offering cx:fulfils ex:need ; rdfs:label "Repair visit" .
ex:repair rdfs:label "Repair" ; cx:hasStep ex:book, ex:visit .
ex:book rdfs:label "Book" ; cx:performedBy ex:desk ; cx:nextStep ex:visit .
ex:visit a cx:MomentOfTruth ; rdfs:label "Engineer visit" ; cx:performedBy ex:field ;
    cx:governedBy ex:rule .
ex:rule rdfs:label "Two-hour window" .
ex:desk rdfs:label "Service desk" .
ex:field rdfs:label "Field team" .
[] cx:realises ex:promise ; cx:score 3 ; cx:occursAt ex:visit .
[] cx:realises ex:promise ; cx:score 2 ; cx:occursAt ex:visit ; rdfs:label "Second visit" .
[] cx:measures ex:repair ; cx:targetValue 90 ; cx:actualValue 70 ; cx:onScorecard false .
"""


@pytest.fixture
def kg(tmp_path: Path) -> KnowledgeGraph:
    path = tmp_path / "model.ttl"
    path.write_text(MODEL, encoding="utf-8")
    return build_knowledge_graph([path])


def quad(kg: KnowledgeGraph, s: str | ox.BlankNode, p: str, o: str | ox.Literal) -> ox.Quad:
    """A quad of the model's data graph; names without a scheme are in ``ex:``."""
    (graph,) = kg.store.data_graphs()

    def iri(name: str) -> ox.NamedNode:
        return ox.NamedNode(name if ":" in name else EX + name)

    subject = s if isinstance(s, ox.BlankNode) else iri(s)
    return ox.Quad(subject, iri(p), o if isinstance(o, ox.Literal) else iri(o), graph)


def messages(kg: KnowledgeGraph, rule: str) -> list[str]:
    return sorted(f.message for f in kg.findings if f.rule == rule)


def blank_experiences(kg: KnowledgeGraph) -> list[ox.BlankNode]:
    found = kg.store.quads(None, ox.NamedNode(CX + "realises"), None, kg.store.data_graphs()[0])
    return sorted((q.subject for q in found if isinstance(q.subject, ox.BlankNode)), key=str)


def test_a_write_adding_facts_for_several_rules(kg: KnowledgeGraph) -> None:
    before = {f.rule for f in kg.findings}
    assert {"unmet-need", "unserved-persona", "experience-below-promise"} <= before
    experience = blank_experiences(kg)[0]
    score = ox.NamedNode(CX + "score")
    (old_score,) = kg.store.quads(experience, score, None, kg.store.data_graphs()[0])
    seven = ox.Literal("7", datatype=ox.NamedNode(XSD_INTEGER))
    report = kg.change(
        additions=[
            # a process delivering the offering: meets ex:need, serves the persona
            quad(kg, "fix", CX + "delivers", "offering"),
            quad(kg, "fix", CX + "subProcessOf", "repair"),
            quad(kg, "fix", LABEL, ox.Literal("Fix")),
            # an SLA for the hand-off; an owner; labels that messages quote
            quad(kg, "sla", CX + "provider", "desk"),
            quad(kg, "sla", CX + "consumer", "field"),
            quad(kg, "repair", CX + "ownedBy", "desk"),
            quad(kg, "persona", LABEL, ox.Literal("A busy parent", language="en")),
            quad(kg, "promise", LABEL, ox.Literal("A promise kept")),
            # a blank-node focus scores otherwise: its label (digest) and message change
            quad(kg, experience, CX + "score", seven),
        ],
        removals=[old_score],
    )
    assert not report.full
    assert {"unmet-need", "unserved-persona", "experience-below-promise"} <= set(report.rules_rerun)
    assert any("A busy parent" in m for m in messages(kg, "unmet-need"))
    assert any("A promise kept" in m for m in messages(kg, "experience-below-promise"))
    assert any("scores 7" in m for m in messages(kg, "experience-below-promise"))
    assert_equals_full_run(kg)


def test_a_write_removing_facts_for_several_rules(kg: KnowledgeGraph) -> None:
    experience = blank_experiences(kg)[1]
    (graph,) = kg.store.data_graphs()
    removals = [
        quad(kg, "offering", CX + "fulfils", "need"),  # unbacked-proposition, unmet-need
        quad(kg, "persona", LABEL, ox.Literal("Busy parent", language="en")),  # messages
        quad(kg, "visit", RDF_TYPE, CX + "MomentOfTruth"),  # two rules
        *kg.store.quads(experience, None, None, graph),  # a blank-node focus goes away
    ]
    report = kg.change(removals=removals)
    assert report.removed == len(removals)
    assert any("Parent pressé" in m for m in messages(kg, "unmet-need"))
    assert_equals_full_run(kg)
    report = kg.change(additions=removals)  # and back
    assert_equals_full_run(kg)


def test_relabelling_names_in_other_findings_messages(kg: KnowledgeGraph) -> None:
    """A label quoted in the message of a finding on another resource (the persona in an
    unmet need's message, the receiver in a hand-off's) is re-read."""
    report = kg.change(
        additions=[
            quad(kg, "persona", LABEL, ox.Literal("Another label")),
            quad(kg, "field", LABEL, ox.Literal("Another field label")),
        ],
        removals=[quad(kg, "field", LABEL, ox.Literal("Field team"))],
    )
    assert {"unmet-need", "unmanaged-handoff"} <= set(report.rules_rerun)
    assert any("Another field label" in m for m in messages(kg, "unmanaged-handoff"))
    assert_equals_full_run(kg)


def fixture_pairs() -> list[tuple[Path, Path]]:
    pairs = []
    for folder in sorted((FIXTURES / "gaps").iterdir()):
        for trigger in sorted(folder.glob("trigger*.ttl")):
            clean = folder / trigger.name.replace("trigger", "clean")
            if clean.exists():
                pairs.append((trigger, clean))
    return pairs


def _triples(path: Path) -> set[ox.Triple]:
    return set(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()))


@pytest.mark.parametrize(
    ("trigger", "clean"), fixture_pairs(), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_fixing_and_reopening_each_gap_fixture(trigger: Path, clean: Path) -> None:
    """Each rule's trigger model is turned into its clean one and back by one write (the
    edit that fixes the gap, often only through inferred triples)."""
    kg = build_knowledge_graph([trigger])
    (graph,) = kg.store.data_graphs()
    stored = {q.triple for q in kg.store.quads(None, None, None, graph)}
    target = _triples(clean)
    has_blank = lambda t: isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)  # noqa: E731
    removals = [t for t in stored if has_blank(t) or t not in target]
    additions = [t for t in target if has_blank(t) or t not in stored]
    as_quads = lambda ts: [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ts]  # noqa: E731
    kg.change(as_quads(additions), as_quads(removals))
    assert_equals_full_run(kg)
    kg.change(as_quads(removals), as_quads(additions))
    assert_equals_full_run(kg)


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_a_change_too_large_to_scope_reruns_the_touched_rules(
    kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxgraph import gap_refresh

    monkeypatch.setattr(gap_refresh, "SCOPED_CHANGE_LIMIT", 0)
    report = kg.change(
        additions=[
            quad(kg, "fix", CX + "delivers", "offering"),
            quad(kg, "persona", LABEL, ox.Literal("A busy parent", language="en")),
        ],
        removals=[quad(kg, "field", LABEL, ox.Literal("Field team"))],
    )
    assert {"unmet-need", "unmanaged-handoff"} <= set(report.rules_rerun)
    assert_equals_full_run(kg)
