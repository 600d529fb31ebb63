"""Workbooks and CSV folders: template, export, import with cell-named errors, round trips
on every sample and a generated 10k model, and hostile files refused before they are read."""

from __future__ import annotations

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from cxgraph import build_knowledge_graph, resources
from cxgraph.cli import app
from cxgraph.errors import InputError
from cxgraph.gaps import Finding
from cxgraph.model_import import (
    export_workbook,
    import_file,
    import_files,
    load_imported,
    serialize_triples,
)
from cxgraph.provenance import PROVENANCE_PREFIX, WAS_DERIVED_FROM, without_provenance
from cxgraph.sheets import OTHER_SHEET, README_SHEET, UNTYPED, workbook_layout
from cxgraph.sources import SourceFormat
from cxgraph.table_export import model_sheets
from cxgraph.table_import import ImportErrors
from cxgraph.workbook import read_workbook, write_template, write_workbook

FIXTURES = Path(__file__).parent / "fixtures" / "workbook"
BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
CX = "https://w3id.org/cxgraph#"
BASE = "https://example.org/acme#"
runner = CliRunner()


def rdflib_graph(triples: list[ox.Triple]) -> rdflib.Graph:
    data = serialize_triples(triples, SourceFormat.NTRIPLES).decode()
    return rdflib.Graph().parse(data=data, format="nt")


def asserted(kg) -> list[ox.Triple]:  # type: ignore[no-untyped-def]
    return list(kg.store.triples(kg.store.data_graphs()))


def report(findings: list[Finding]) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """Findings comparable across a round trip: blank-node labels are local to a parse, so
    a blank focus or evidence compares as '_:'."""

    def term(text: str) -> str:
        return "_:" if text.startswith("_:") else text

    return sorted(
        (f.rule, term(f.focus), f.severity.value, f.message, tuple(map(term, f.evidence)))
        for f in findings
    )


def round_trip(model: Path, tmp_path: Path) -> None:
    """Export ``model`` to a workbook, import it back: isomorphic asserted graphs (import
    provenance aside) and the same gap report (provenance included)."""
    original = build_knowledge_graph([model])
    book = tmp_path / f"{model.stem}.xlsx"
    export_workbook(original, book)
    [imported] = import_files([book])
    assert isomorphic(
        rdflib_graph(asserted(original)), rdflib_graph(without_provenance(imported.triples))
    )
    again = load_imported([imported])
    assert report(again.findings) == report(original.findings)


# -- template ----------------------------------------------------------------------------


def test_template_has_a_sheet_per_kind_and_a_readme_from_the_ontology(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    assert runner.invoke(app, ["template", str(path)]).exit_code == 0
    book = openpyxl.load_workbook(path)
    expected = [
        "Personas",
        "Needs",
        "Value propositions",
        "Brand promises",
        "Offerings",
        "Processes",
        "Activities",
        "Parties",
        "SLAs",
        "Metrics",
        "Experiences",
        "Moments of truth",
        "Insights",
        "Business rules",
        "Outcomes",
        "Journeys",
    ]
    assert book.sheetnames[0] == README_SHEET
    assert book.sheetnames[1 : 1 + len(expected)] == expected
    assert book.sheetnames[-1] == OTHER_SHEET
    needs = [c.value for c in book["Needs"][1]]
    assert needs[:3] == ["id", "kind", "label"] and "needOf" in needs and "fulfilledBy" in needs
    metrics = [c.value for c in book["Metrics"][1]]
    assert {"measures", "targetValue", "actualValue", "higherIsBetter", "onScorecard"} <= set(
        metrics
    )
    # closed values carry validation lists: kinds on every sheet, booleans on Metrics
    lists = {dv.formula1 for dv in book["Metrics"].data_validations.dataValidation}
    assert '"true,false"' in lists and f'"Metric,{UNTYPED}"' in lists
    need_kinds = {dv.formula1 for dv in book["Needs"].data_validations.dataValidation}
    assert f'"Need,StatedNeed,UnstatedNeed,{UNTYPED}"' in need_kinds
    # the README quotes the ontology's definitions rather than retyping them
    onto = rdflib.Graph().parse(resources.ontology_file())
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    readme = {(r[0], r[1]): r[4] for r in book[README_SHEET].iter_rows(min_row=6, values_only=True)}
    for term, header, sheet in [
        ("hasNeed", "hasNeed", "Personas"),
        ("score", "score", "Experiences"),
    ]:
        definition = str(onto.value(rdflib.URIRef(CX + term), skos.definition))
        assert readme[(sheet, header)] == definition
    assert readme[("Personas", None)] == str(
        onto.value(rdflib.URIRef(CX + "Persona"), skos.definition)
    )


# -- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("model", resources.sample_files(), ids=lambda p: p.stem)
def test_every_sample_round_trips(model: Path, tmp_path: Path) -> None:
    round_trip(model, tmp_path)


def test_blank_nodes_odd_literals_and_foreign_statements_round_trip(tmp_path: Path) -> None:
    # messages name each entity by one label (English, untagged, any; the first in order),
    # so a persona with three labels reads the same after the round trip
    round_trip(FIXTURES / "odd.ttl", tmp_path)
    book = openpyxl.load_workbook(tmp_path / "odd.xlsx")
    other = list(book[OTHER_SHEET].iter_rows(min_row=2, values_only=True))
    # what no column holds is kept as a statement: a French label, a second English label,
    # a type outside the sheet's kinds, a non-CX entity, a boolean written "1"
    assert (
        "https://example.org/odd#Silver",
        "http://www.w3.org/2000/01/rdf-schema#label",
        "Internautes seniors",
        None,
        "fr",
    ) in other
    assert any(r[1] == "https://schema.org/name" and r[2] == "not a CX entity" for r in other)
    assert any(str(r[0]).startswith("_:") for r in other)
    experience = next(book["Experiences"].iter_rows(min_row=2, values_only=True))
    assert str(experience[0]).startswith("_:")  # an anonymous experience keeps its row
    persona = [r for r in book["Personas"].iter_rows(min_row=2, values_only=True)]
    assert persona[0][3] == "  Retired people online, with spaces kept  "
    assert persona[0][4] == "=SUM(A1:A3) is text, not a formula"


def test_lexical_forms_survive_a_workbook_outside_the_store(tmp_path: Path) -> None:
    """The store keeps decimals and booleans canonical; a workbook keeps any lexical form
    (a number cell only where it reads back as the same text)."""
    ex = "https://example.org/lex#"
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    boolean = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    metric = ox.NamedNode(ex + "m")
    values = {"targetValue": "7.50", "actualValue": "126.0", "onScorecard": "1"}
    triples = [
        ox.Triple(
            metric,
            ox.NamedNode(CX + p),
            ox.Literal(v, datatype=boolean if p == "onScorecard" else decimal),
        )
        for p, v in values.items()
    ]
    triples.append(
        ox.Triple(
            ox.NamedNode(ex + "e"), ox.NamedNode(CX + "score"), ox.Literal("6.25", datatype=decimal)
        )
    )
    layout = workbook_layout()
    types = {metric: {CX + "Metric"}, ox.NamedNode(ex + "e"): {CX + "Experience"}}
    path = tmp_path / "lex.xlsx"
    write_workbook(path, model_sheets(triples, types, layout), layout)
    row = next(openpyxl.load_workbook(path)["Metrics"].iter_rows(min_row=2, values_only=True))
    assert {"7.50", "126.0", "1"} <= set(row)  # as text
    score = next(openpyxl.load_workbook(path)["Experiences"].iter_rows(min_row=2, values_only=True))
    assert 6.25 in score  # a number people can compute with
    back = import_file(path, provenance=False).triples
    assert isomorphic(rdflib_graph(back), rdflib_graph(triples))


def test_a_generated_10k_model_round_trips(tmp_path: Path) -> None:
    command = [sys.executable, str(BENCH / "generate.py"), "--triples", "10000"]
    command += ["--out", str(tmp_path / "10k"), "--seed", "7"]
    subprocess.run(command, check=True, capture_output=True, text=True)
    round_trip(tmp_path / "10k" / "model.ttl", tmp_path)


def test_reexporting_an_imported_model_drops_its_provenance(tmp_path: Path) -> None:
    first = tmp_path / "first.xlsx"
    export_workbook(build_knowledge_graph([resources.sample_files()[1]]), first)
    kg = load_imported(import_files([first]))
    assert any(t.predicate == WAS_DERIVED_FROM for t in asserted(kg))
    second = tmp_path / "second.xlsx"
    export_workbook(kg, second)
    assert [r for r in openpyxl.load_workbook(second)[OTHER_SHEET].iter_rows(min_row=2)] == []
    triples = import_file(second).triples
    nodes = {t.object for t in triples if t.predicate == WAS_DERIVED_FROM}
    assert all(isinstance(n, ox.NamedNode) and n.value.startswith(PROVENANCE_PREFIX) for n in nodes)


# -- a workbook filled in by hand ----------------------------------------------------------


def filled(tmp_path: Path, rows: dict[str, list[list[object]]]) -> Path:
    """The template with rows written under the headers they name (first row: headers)."""
    path = tmp_path / "acme.xlsx"
    write_template(path, workbook_layout())
    book = openpyxl.load_workbook(path)
    for sheet, (headers, *data) in rows.items():
        ws = book[sheet]
        columns = {c.value: c.column for c in ws[1]}
        for number, values in enumerate(data, start=2):
            for header, value in zip(headers, values, strict=True):
                ws.cell(row=number, column=columns[header], value=value)
    book.save(path)
    return path


ACME = {
    "Personas": [["id", "label", "hasNeed"], ["silver", "Silver surfers", "Reassurance; fast"]],
    "Needs": [
        ["id", "kind", "label"],
        ["reassurance", "UnstatedNeed", "Reassurance"],
        ["fast", None, "Quick answers"],
    ],
    "Metrics": [
        ["id", "kind", "measures", "targetValue", "actualValue", "onScorecard"],
        ["nps", UNTYPED, "promise", 40, 37.5, "true"],
    ],
    "Brand promises": [["id", "label"], ["promise", "We call back"]],
    "Experiences": [["id", "occursAt"], ["_:first-call", "Promise:Callback"]],
    "Moments of truth": [["id", "label"], ["callback", "Promise:Callback"]],
}


def test_a_filled_template_imports_with_local_names_and_labels(tmp_path: Path) -> None:
    imported = import_file(filled(tmp_path, ACME), base=BASE)
    triples = {(t.subject.value, t.predicate.value, str(t.object)) for t in imported.triples}
    a = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    assert (BASE + "silver", a, f"<{CX}Persona>") in triples  # empty kind: the sheet's class
    assert (BASE + "silver", CX + "hasNeed", f"<{BASE}reassurance>") in triples  # by label
    assert (BASE + "silver", CX + "hasNeed", f"<{BASE}fast>") in triples  # by id
    assert (BASE + "reassurance", a, f"<{CX}UnstatedNeed>") in triples
    assert not any(s == BASE + "nps" and p == a for s, p, _ in triples)  # (inferred)
    decimal = "http://www.w3.org/2001/XMLSchema#decimal"
    assert (BASE + "nps", CX + "actualValue", f'"37.5"^^<{decimal}>') in triples
    assert (BASE + "nps", CX + "targetValue", f'"40"^^<{decimal}>') in triples
    assert (
        BASE + "nps",
        CX + "onScorecard",
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>',
    ) in triples
    # a label that looks like a prefixed name still names its row; blank ids stay blank
    [realised] = [t for t in imported.triples if t.predicate.value == CX + "occursAt"]
    assert isinstance(realised.subject, ox.BlankNode)
    assert realised.object == ox.NamedNode(BASE + "callback")
    prov = [t for t in imported.triples if t.subject == ox.NamedNode(BASE + "silver")]
    node = next(t.object for t in prov if t.predicate == WAS_DERIVED_FROM)
    assert node == ox.NamedNode(f"{PROVENANCE_PREFIX}acme.xlsx#Personas!2")


def test_every_error_is_reported_by_cell_and_nothing_is_imported(tmp_path: Path) -> None:
    rows = {
        "Personas": [["id", "label"], ["silver", "Silver surfers"], ["silver", "Twice"]],
        "Needs": [
            ["id", "kind", "label", "needOf"],
            ["reassurance", "Wish", "Reassurance", "Silver surfers"],
            ["quick", None, "Quick answers", "Gold surfers"],
            [None, None, "No id", None],
        ],
        "Metrics": [["id", "onScorecard", "targetValue"], ["nps", "maybe", "forty"]],
        "Value propositions": [["id", "targets"], ["vp", "reassurance"]],
    }
    path = filled(tmp_path, rows)
    book = openpyxl.load_workbook(path)
    book.create_sheet("Notes")["A1"] = "scribbles"
    book["Personas"]["H1"] = "colour"
    book.save(path)
    with pytest.raises(ImportErrors) as caught:
        import_file(path, base=BASE)
    problems = caught.value.problems
    assert "Needs!G3: needOf 'Gold surfers' is not on the Personas sheet" in problems
    assert "Personas!A3: id 'silver' is also on Personas!A2" in problems
    assert any(p.startswith("Needs!B2: kind 'Wish' is not one of Need") for p in problems)
    assert "Needs!A4: the id is empty" in problems
    assert any(p.startswith("Metrics!") and "'maybe' is not true or false" in p for p in problems)
    assert any(p.startswith("Metrics!") and "'forty' is not a decimal" in p for p in problems)
    assert any(
        "targets 'reassurance' is on the Needs sheet, not on the Personas sheet" in p
        for p in problems
    )
    assert any(p.startswith("Notes: not a sheet cxgraph reads") for p in problems)
    assert any(p.startswith("Personas!H1: unknown column 'colour'") for p in problems)
    assert len(problems) == 9
    # the command line: exit 2, every message on stderr, no output file, store untouched
    out = tmp_path / "out.ttl"
    store = tmp_path / "store"
    result = runner.invoke(
        app, ["import", str(path), "--base", BASE, "-o", str(out), "--store", str(store)]
    )
    assert result.exit_code == 2
    assert "Needs!G3: needOf 'Gold surfers' is not on the Personas sheet" in result.stderr
    assert "9 errors, nothing imported" in result.stderr
    assert not out.exists()
    assert not store.exists()


def test_local_names_need_a_base(tmp_path: Path) -> None:
    with pytest.raises(ImportErrors) as caught:
        import_file(filled(tmp_path, {"Personas": [["id"], ["silver"]]}))
    assert caught.value.problems == [
        "Personas!A2: 'silver' is not an IRI; give full IRIs or pass --base IRI to put local "
        "names under it"
    ]


def test_a_folder_of_csv_files_imports_like_the_workbook(tmp_path: Path) -> None:
    book = filled(tmp_path, ACME)
    folder = tmp_path / "acme"
    folder.mkdir()
    for table in read_workbook(book):
        with (folder / f"{table.name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.header)
            for _, cells in table.rows:
                writer.writerow(["" if c is None else c for c in cells])
    from_book = without_provenance(import_file(book, base=BASE).triples)
    from_csv = without_provenance(import_file(folder, base=BASE).triples)
    assert isomorphic(rdflib_graph(from_book), rdflib_graph(from_csv))
    (folder / "Needs.csv").write_text("id,needOf\nquick,Gold surfers\n", encoding="utf-8")
    with pytest.raises(ImportErrors) as caught:
        import_file(folder, base=BASE)
    assert "Needs!B2: needOf 'Gold surfers' is not on the Personas sheet" in caught.value.problems


# -- the command line, end to end -------------------------------------------------------


def test_template_fill_import_into_a_store_then_gaps(tmp_path: Path) -> None:
    book = filled(tmp_path, ACME)
    store = tmp_path / "store"
    result = runner.invoke(app, ["import", str(book), "--base", BASE, "--store", str(store)])
    assert result.exit_code == 0, result.stderr
    assert "findings" in result.stderr
    gaps = runner.invoke(app, ["gaps", "--store", str(store), "--format", "json"])
    assert BASE + "reassurance" in gaps.stdout  # a need no process meets
    turtle = runner.invoke(app, ["import", str(book), "--base", BASE, "--no-provenance"])
    assert turtle.exit_code == 0
    graph = rdflib.Graph().parse(data=turtle.stdout, format="turtle")
    assert (
        rdflib.URIRef(BASE + "silver"),
        rdflib.RDFS.label,
        rdflib.Literal("Silver surfers", lang="en"),
    ) in graph
    assert not list(graph.triples((None, rdflib.URIRef(str(WAS_DERIVED_FROM)), None)))


def test_export_xlsx_needs_an_output_file_and_writes_the_model(tmp_path: Path) -> None:
    assert runner.invoke(app, ["export", "-f", "xlsx"]).exit_code == 2
    path = tmp_path / "model.xlsx"
    sample = str(resources.sample_files()[0])
    assert (
        runner.invoke(app, ["export", "-f", "xlsx", "-o", str(path), "--data", sample]).exit_code
        == 0
    )
    nt = runner.invoke(app, ["import", str(path), "-f", "nt", "--no-provenance"])
    assert nt.exit_code == 0
    # the store keeps decimals in canonical form (126.0 is stored as 126): compare with it
    stored = asserted(build_knowledge_graph([Path(sample)]))
    assert isomorphic(rdflib.Graph().parse(data=nt.stdout, format="nt"), rdflib_graph(stored))


# -- hostile input -------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_the_zip_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cxgraph.workbook.MAX_UNCOMPRESSED_BYTES", 4 * 2**20)

    def never(*_: object, **__: object) -> None:
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr("cxgraph.workbook.openpyxl.load_workbook", never)
    bomb = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as part,
    ):
        for _ in range(8):
            part.write(b"\0" * 2**20)
    assert bomb.stat().st_size < 64 * 1024
    with pytest.raises(InputError, match=r"would unpack to 8,388,608 bytes.*zip bomb"):
        import_file(bomb)


def test_a_huge_sheet_stops_at_the_row_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cxgraph.tables.MAX_ROWS", 100)
    path = tmp_path / "huge.xlsx"
    write_template(path, workbook_layout())
    book = openpyxl.load_workbook(path)
    for n in range(2, 300):
        book["Personas"].cell(row=n, column=1, value=f"{BASE}p{n}")
    book.save(path)
    with pytest.raises(InputError, match="sheet 'Personas' has more than 100 rows"):
        import_file(path)


def test_a_sheet_wide_past_the_column_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    write_template(path, workbook_layout())
    book = openpyxl.load_workbook(path)
    book["Personas"].cell(row=2, column=5000, value="far away")
    book.save(path)
    with pytest.raises(InputError, match="beyond the 64 columns"):
        import_file(path)


def test_doctype_and_entities_in_a_workbook_part_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    write_template(good, workbook_layout())
    evil = tmp_path / "evil.xlsx"
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/workbook.xml":
                content = laughs + content.split(b"?>", 1)[-1]
            dst.writestr(item, content)
    with pytest.raises(InputError, match="DOCTYPE or ENTITY declarations is refused"):
        import_file(evil)


def test_formulas_and_non_workbooks_are_refused(tmp_path: Path) -> None:
    path = filled(tmp_path, {"Personas": [["id"], [f"{BASE}x"]]})
    book = openpyxl.load_workbook(path)
    book["Personas"]["C2"] = '=CONCAT("a","b")'
    book.save(path)
    with pytest.raises(ImportErrors) as caught:
        import_file(path)
    assert caught.value.problems == ["Personas!C2: formulas are not read; paste the values instead"]
    fake = tmp_path / "fake.xlsx"
    fake.write_text("id,label\n")
    with pytest.raises(InputError, match="not a zip file"):
        import_file(fake)


def test_a_label_that_looks_like_an_iri_still_names_its_row(tmp_path: Path) -> None:
    rows = {
        "Personas": [["id", "hasNeed"], ["silver", "Promise:Callback"]],
        "Brand promises": [["id", "label"], ["promise", "Promise:Callback"]],
    }
    with pytest.raises(ImportErrors) as caught:
        import_file(filled(tmp_path, rows), base=BASE)
    assert caught.value.problems == [
        "Personas!F2: hasNeed 'Promise:Callback' is on the Brand promises sheet, "
        "not on the Needs sheet"
    ]


def test_rows_past_a_wrong_dimension_tag_are_read(tmp_path: Path) -> None:
    """openpyxl's read-only mode trusts the sheet's <dimension>; a file that understates it
    must not lose rows silently."""
    path = filled(tmp_path, {"Personas": [["id", "label"], ["a", "A"], ["b", "B"], ["c", "C"]]})
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(lying, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":  # Personas, after README
                start = content.index(b"<dimension")
                end = content.index(b"/>", start) + 2
                content = content[:start] + b'<dimension ref="A1:A1"/>' + content[end:]
            dst.writestr(item, content)
    subjects = {t.subject.value for t in import_file(lying, base=BASE, provenance=False).triples}
    assert subjects == {BASE + "a", BASE + "b", BASE + "c"}
