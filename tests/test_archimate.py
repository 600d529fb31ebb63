"""ArchiMate exchange files: what maps to cxgraph, what is reported as not imported, and
unsafe or broken files refused with nothing imported."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from typer.testing import CliRunner

from cxgraph.archimate import read_archimate
from cxgraph.cli import app
from cxgraph.errors import InputError
from cxgraph.model_import import import_file, load_imported
from cxgraph.provenance import PROVENANCE_PREFIX
from cxgraph.table_import import ImportErrors

ARCHISURANCE = Path(__file__).parent / "fixtures" / "archimate" / "archisurance.xml"
BASE = "https://example.org/as#"
CX = rdflib.Namespace("https://w3id.org/cxgraph#")
AS = rdflib.Namespace(BASE)
runner = CliRunner()
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" identifier="m">'
)


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    result = runner.invoke(app, ["import", str(ARCHISURANCE), "--base", BASE, "--no-provenance"])
    assert result.exit_code == 0, result.stderr
    return rdflib.Graph().parse(data=result.stdout, format="turtle")


def test_elements_map_to_cx_kinds(graph: rdflib.Graph) -> None:
    kinds = {
        "id-claims-dept": CX.Party,
        "id-insurer": CX.Role,
        "id-handle-claim": CX.Process,  # a process with parts stays a process
        "id-register": CX.Activity,  # a part with no parts of its own is a step
        "id-damage-occurred": CX.Activity,
        "id-customer-contact": CX.MomentOfTruth,
        "id-claim-reg-service": CX.Service,
        "id-travel-insurance": CX.Product,
        "id-call-centre": CX.Channel,
        "id-crm": CX.InformationSystem,
        "id-stakeholder-customer": CX.Persona,
        "id-requirement-fast": CX.Need,
        "id-driver-satisfaction": CX.Need,  # a stakeholder is associated with it
        "id-outcome-paid": CX.SuccessfulCustomerOutcome,
        "id-value": CX.ValueProposition,
        "id-goal": CX.BrandPromise,
    }
    for identifier, kind in kinds.items():
        assert (AS[identifier], rdflib.RDF.type, kind) in graph, identifier
    assert (AS["id-driver-cost"], None, None) not in graph
    assert (AS["id-claim-object"], None, None) not in graph
    label = rdflib.Literal("Handle claim", lang="en")
    assert (AS["id-handle-claim"], rdflib.RDFS.label, label) in graph
    definition = rdflib.Literal("Handles claims from registration to payment.", lang="en")
    assert (AS["id-claims-dept"], rdflib.SKOS.definition, definition) in graph


def test_relationships_map_by_type_and_ends(graph: rdflib.Graph) -> None:
    expected = [
        ("id-handle-claim", CX.hasStep, "id-register"),  # composition
        ("id-handle-claim", CX.hasStep, "id-pay"),  # aggregation
        ("id-handle-claim", CX.hasStep, "id-customer-contact"),
        ("id-register", CX.nextStep, "id-accept"),  # triggering
        ("id-valuate", CX.nextStep, "id-pay"),  # flow
        ("id-handle-claim", CX.ownedBy, "id-insurer"),  # assignment to a process
        ("id-pay", CX.performedBy, "id-claims-dept"),  # assignment to a step
        ("id-handle-claim", CX.delivers, "id-claims-payment-service"),  # realization
        ("id-claims-payment-service", CX.fulfils, "id-requirement-fast"),
        ("id-handle-claim", CX.achieves, "id-outcome-paid"),
        ("id-register", CX.usesSystem, "id-crm"),  # serving
        ("id-customer-contact", CX.viaChannel, "id-call-centre"),
        ("id-stakeholder-customer", CX.hasNeed, "id-requirement-fast"),
        ("id-stakeholder-customer", CX.hasNeed, "id-driver-satisfaction"),
        ("id-stakeholder-customer", CX.seeksOutcome, "id-outcome-paid"),  # either direction
        ("id-value", CX.targets, "id-stakeholder-customer"),
        ("id-value", CX.offers, "id-travel-insurance"),
        ("id-value", CX.expresses, "id-goal"),
    ]
    for s, p, o in expected:
        assert (AS[s], p, AS[o]) in graph, (s, p, o)
    cx_links = {(s, p, o) for s, p, o in graph if str(p).startswith(str(CX))}
    assert len(cx_links) == 29 - 6  # every relationship but the six reported as not imported
    assert not list(graph.triples((None, CX.subProcessOf, None)))


def test_what_does_not_map_is_reported_with_names() -> None:
    result = runner.invoke(app, ["import", str(ARCHISURANCE), "--base", BASE])
    assert result.exit_code == 0
    lines = result.stderr
    for text in [
        "element BusinessObject 'Claim' (id-claim-object): no cxgraph kind",
        "element ApplicationService 'Payment service' (id-payment-app-service)",
        "element Driver 'Cost pressure' (id-driver-cost)",
        "relationship Triggering id-r-event from BusinessEvent 'Damage occurred' "
        "(id-damage-occurred) to BusinessProcess 'Handle claim' (id-handle-claim): "
        "no cxgraph property for this pair",
        "relationship Assignment id-r-assign-role from BusinessActor 'Customer'",
        "relationship Access id-r-access",
        "relationship Influence id-r-influence",
        "relationship Serving id-r-serve-app",
        "element BusinessProcess 'Handle claim' (id-handle-claim): 1 property not imported",
        "1 view and the folder structure",
    ]:
        assert text in " ".join(lines.split()), text
    _, notes = read_archimate(ARCHISURANCE.read_bytes(), str(ARCHISURANCE), BASE)
    assert len(notes) == 11


def test_provenance_names_the_file_and_element(tmp_path: Path) -> None:
    imported = import_file(ARCHISURANCE, base=BASE)
    derived = {
        (t.subject.value, t.object.value)
        for t in imported.triples
        if t.predicate.value.endswith("wasDerivedFrom")
    }
    assert (BASE + "id-pay", f"{PROVENANCE_PREFIX}archisurance.xml#id-pay") in derived


def test_default_iris_come_from_the_model_identifier() -> None:
    triples, _ = read_archimate(ARCHISURANCE.read_bytes(), "a.xml", provenance=False)
    assert any(t.subject.value == "urn:archimate:id-archisurance-model:id-pay" for t in triples)


def test_loading_into_a_store_reasons_and_finds_gaps(tmp_path: Path) -> None:
    kg = load_imported([import_file(ARCHISURANCE, base=BASE)], tmp_path / "store")
    findings = {(f.rule, f.focus) for f in kg.findings}
    # no process delivers an offering that fulfils "customer satisfaction"
    assert ("unmet-need", BASE + "id-driver-satisfaction") in findings
    assert ("unmet-need", BASE + "id-requirement-fast") not in findings
    # handing a step from one party to another with no SLA: Pay is done by the claims
    # department, the rest by nobody, so no hand-off; the process has an owner
    assert ("ownerless-process", BASE + "id-handle-claim") not in findings


# -- unsafe and broken files ---------------------------------------------------------------


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE model [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
    '<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/"><name>&lol2;</name></model>'
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_doctype_and_entities_are_refused(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "evil.xml"
    text = BILLION_LAUGHS.replace('version="1.0"?', f'version="1.0" encoding="{encoding}"?')
    path.write_bytes(text.encode(encoding))
    with pytest.raises(InputError, match="DOCTYPE or ENTITY declarations is refused"):
        import_file(path)
    out = tmp_path / "out.ttl"
    result = runner.invoke(app, ["import", str(path), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()


def test_external_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE m SYSTEM "file:///etc/passwd"><model/>', encoding="utf-8"
    )
    with pytest.raises(InputError, match="refused"):
        import_file(path)


def test_broken_references_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text(
        HEAD + "<elements>"
        '<element identifier="a" xsi:type="BusinessProcess"><name>A</name></element>'
        '<element identifier="a" xsi:type="BusinessRole"><name>A again</name></element>'
        "</elements><relationships>"
        '<relationship identifier="r1" source="a" target="nowhere" xsi:type="Triggering"/>'
        '<relationship identifier="r2" source="ghost" target="a" xsi:type="Flow"/>'
        "</relationships></model>",
        encoding="utf-8",
    )
    with pytest.raises(ImportErrors) as caught:
        import_file(path)
    assert caught.value.problems == [
        "element a: identifier used twice",
        "relationship Triggering r1: 'nowhere' is not an element of the model",
        "relationship Flow r2: 'ghost' is not an element of the model",
    ]


def test_not_an_exchange_file_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text('<?xml version="1.0"?><rdf:RDF xmlns:rdf="urn:x"/>', encoding="utf-8")
    with pytest.raises(InputError, match="not an ArchiMate exchange file"):
        import_file(path)
    path.write_text(HEAD + "<a>" * 200 + "</a>" * 200 + "</model>", encoding="utf-8")
    with pytest.raises(InputError, match="nest deeper than 128"):
        import_file(path)
    path.write_text(HEAD + "<elements>", encoding="utf-8")
    with pytest.raises(InputError, match="not well-formed XML"):
        import_file(path)
