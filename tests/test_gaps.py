"""Every gap rule against data that triggers it and data that does not."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from cxgraph import ReasoningProfile, Severity, build_knowledge_graph
from cxgraph.errors import InputError
from cxgraph.gaps import Finding, read_findings, rule_ids, select_rules
from tests.conftest import FIXTURES, GAP_FIXTURES, gap_fixture_cases

CATALOGUE = {
    "unmet-need": "error",
    "promise-without-experience": "error",
    "experience-below-promise": "warning",
    "unserved-persona": "error",
    "unbacked-proposition": "error",
    "unaddressed-need": "warning",
    "unachieved-outcome": "error",
    "ownerless-process": "warning",
    "unmeasured-process": "warning",
    "unmanaged-handoff": "warning",
    "metric-off-target": "warning",
    "unmeasured-moment-of-truth": "info",
    "uninformed-proposition": "info",
    "unjustified-rule": "info",
    "inside-out-process": "info",
}


def test_catalogue_ids_and_severities_match_the_contract() -> None:
    assert {q.name: q.severity for q in select_rules()} == CATALOGUE


@pytest.mark.parametrize(("rule", "stem", "expected"), gap_fixture_cases())
def test_rule_on_fixture(rule: str, stem: str, expected: list[str]) -> None:
    kg = build_knowledge_graph([GAP_FIXTURES / rule / f"{stem}.ttl"])
    found = sorted(f.focus for f in kg.gaps([rule]))
    assert found == expected


def test_every_rule_has_a_trigger_and_a_clean_fixture() -> None:
    cases = {(rule, stem.split("-")[0]) for rule, stem, _ in gap_fixture_cases()}
    for rule in rule_ids():
        assert (rule, "trigger") in cases and (rule, "clean") in cases, rule
    triggered = {
        rule for rule, stem, foci in gap_fixture_cases() if stem.startswith("trigger") and foci
    }
    assert triggered == set(rule_ids())


def test_reasoning_changes_the_answer() -> None:
    """Without reasoning, a need met only through a sub-process is reported as unmet."""
    clean = GAP_FIXTURES / "unmet-need" / "clean-grandchild.ttl"
    reasoned = build_knowledge_graph([clean])
    unreasoned = build_knowledge_graph([clean], profile=ReasoningProfile.NONE)
    assert reasoned.gaps(["unmet-need"]) == []
    assert unreasoned.gaps(["unmet-need"]) != []


def test_findings_are_stored_in_the_gaps_graph() -> None:
    kg = build_knowledge_graph([GAP_FIXTURES / "unmanaged-handoff" / "trigger.ttl"])
    assert kg.findings
    assert read_findings(kg.store) == kg.findings


def test_finding_has_message_label_and_evidence(tmp_model) -> None:  # type: ignore[no-untyped-def]
    path = tmp_model(
        """
        ex:smb rdfs:label "Small business" ; cx:hasNeed ex:invoices .
        ex:invoices rdfs:label "Accurate invoices" .
        """
    )
    (finding,) = build_knowledge_graph([path]).gaps(["unmet-need"])
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "Need 'Accurate invoices' of persona 'Small business' is met by no process: "
        "no offering that fulfils it is delivered by any process."
    )
    assert finding.evidence == ("https://example.org/t#smb",)


def test_filters_by_rule_and_severity() -> None:
    kg = build_knowledge_graph([GAP_FIXTURES / "unmet-need" / "trigger.ttl"])
    assert {f.rule for f in kg.gaps(["unmet-need"])} == {"unmet-need"}
    assert {f.severity for f in kg.gaps(severities=[Severity.INFO])} <= {Severity.INFO}


def test_unknown_rule_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown gap rule nope"):
        select_rules(["nope"])


def test_gap_queries_have_headers() -> None:
    for q in select_rules():
        assert q.title and q.description and q.severity in ("error", "warning", "info")
        assert "MINUS" in q.text or "FILTER(" in q.text
        assert "?focus" in q.text and "?message" in q.text


def test_fixture_folder_per_rule() -> None:
    assert {p.name for p in GAP_FIXTURES.iterdir() if p.is_dir()} == set(CATALOGUE)
    assert all(Path(GAP_FIXTURES / r / "trigger.ttl").is_file() for r in CATALOGUE)


BLANK = FIXTURES / "blank" / "experience-below-promise.ttl"


def _blank_findings() -> list[Finding]:
    return build_knowledge_graph([BLANK]).gaps(["experience-below-promise"])


def test_finding_on_a_blank_node_is_reported_stored_and_stable() -> None:
    kg = build_knowledge_graph([BLANK])
    found = kg.gaps(["experience-below-promise"])
    assert len(found) == 2
    assert all(f.focus.startswith("_:") and len(f.focus) > 2 for f in found)
    assert len({f.focus for f in found}) == 2
    assert all(f.evidence == ("https://example.org/fx/blank#p",) for f in found)
    labelled = [f for f in found if "Second visit" in f.message]
    assert len(labelled) == 1 and "scores 2" in labelled[0].message
    assert read_findings(kg.store) == kg.findings
    stored = kg.query(
        "PREFIX cx: <https://w3id.org/cxgraph#> SELECT ?gap ?focus WHERE { GRAPH "
        "<urn:cxgraph:graph:gaps> { ?gap cx:rule 'experience-below-promise' ; cx:focus ?focus } }"
    )
    rows = list(stored)  # type: ignore[arg-type]
    assert {r["gap"].value for r in rows} == {f.iri for f in found}
    assert all(isinstance(r["focus"], ox.BlankNode) for r in rows)
    # the same input gives the same labels and gap IRIs, run after run
    again = _blank_findings()
    assert [(f.focus, f.iri, f.message) for f in again] == [
        (f.focus, f.iri, f.message) for f in found
    ]


def test_blank_focus_in_json_output(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cxgraph.cli import app

    runs = [
        CliRunner().invoke(app, ["gaps", "--data", str(BLANK), "--format", "json"])
        for _ in range(2)
    ]
    assert [r.exit_code for r in runs] == [0, 0]  # warnings and infos only
    first = json.loads(runs[0].stdout)
    assert first == json.loads(runs[1].stdout)
    below = [g for g in first if g["rule"] == "experience-below-promise"]
    assert len(below) == 2 and all(g["focus"].startswith("_:") for g in below)


LABELS = FIXTURES / "labels" / "several-labels.ttl"


def test_messages_name_each_entity_by_one_label_in_english_first() -> None:
    """Issue 10, defect 6: a German label was used over the English one, and a persona's
    several labels were listed as if they were several personas."""
    kg = build_knowledge_graph([LABELS])
    messages = {f.focus.rsplit("#", 1)[-1]: f.message for f in kg.gaps(["unmet-need"])}
    assert messages["fast"].startswith("Need 'Fast help' of persona 'Family' is met by no")
    assert messages["quiet"].startswith("Need 'Ruhe' of persona 'solo' is met by no")
    (below,) = kg.gaps(["experience-below-promise"])
    assert below.message.startswith("Experience 'Visit' scores 3 out of 10, below what promise")
    assert "promise 'On time' needs" in below.message


def test_lang_chooses_the_label_language() -> None:
    kg = build_knowledge_graph([LABELS], language="de")
    messages = {f.focus.rsplit("#", 1)[-1]: f.message for f in kg.gaps(["unmet-need"])}
    assert messages["fast"].startswith("Need 'Schnelle Hilfe' of persona 'Familie' is met")
    assert messages["quiet"].startswith("Need 'Ruhe' of persona 'Alleinstehende' is met")
    (below,) = kg.gaps(["experience-below-promise"])
    assert below.message.startswith("Experience 'Besuch' scores 3 out of 10")
    assert "promise 'Pünktlich' needs" in below.message
    with pytest.raises(InputError, match="not a language tag"):
        build_knowledge_graph([LABELS], language="de; DROP")
