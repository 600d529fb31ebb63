"""Spreadsheets and ArchiMate: ``cxgraph template``, ``cxgraph import`` and the workbook
branch of ``cxgraph export``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from cxgraph.cli.shared import (
    ProfileOption,
    StoreOption,
    app,
    build_model,
    err,
    fail,
    store_location_of,
)
from cxgraph.errors import CxGraphError, InputError
from cxgraph.gaps import Severity
from cxgraph.profiles import ReasoningProfile
from cxgraph.sources import parse_format_name


def export_workbook_file(
    data: Sequence[Path] | None, store: str | None, input_format: str | None, output: Path | None
) -> None:
    from cxgraph.model_import import export_workbook

    try:
        if output is None:
            raise InputError("-f xlsx writes a workbook: give the file with -o FILE.xlsx")
        kg = build_model(data, store, input_format, ReasoningProfile.RULES, True)
        summary = export_workbook(kg, output)
    except CxGraphError as error:
        raise fail(error) from None
    rows = sum(summary.rows.values())
    err.print(f"wrote {output}: {rows} rows", highlight=False, markup=False)


@app.command()
def template(
    path: Annotated[Path, typer.Argument(metavar="FILE.xlsx", help="The workbook to write.")],
) -> None:
    """Write an empty CX workbook to fill in: one sheet per kind, a README sheet."""
    from cxgraph.sheets import workbook_layout
    from cxgraph.workbook import write_template

    try:
        write_template(path, workbook_layout())
    except CxGraphError as error:
        raise fail(error) from None


@app.command("import")
def import_models(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help=".xlsx workbooks, folders of .csv files (one per sheet) or ArchiMate "
            "exchange files (.xml).",
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Default: stdout.")
    ] = None,
    base: Annotated[
        str | None,
        typer.Option("--base", metavar="IRI", help="IRI that local names in id cells go under."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="RDF format written.")
    ] = "turtle",
    store: StoreOption = None,
    provenance: Annotated[
        bool, typer.Option(help="State where each entity came from (PROV-O).")
    ] = True,
    profile: ProfileOption = ReasoningProfile.RULES,
) -> None:
    """Import spreadsheets and ArchiMate models as RDF; with --store, load them (all or
    nothing), reason and detect gaps. Exit 2, nothing imported, on any error."""
    from rich.markup import escape

    from cxgraph.model_import import import_files, load_imported, serialize_triples

    try:
        fmt = parse_format_name(output_format)
        imported = import_files(files, base=base, provenance=provenance)
        for note in (n for f in imported for n in f.notes):
            err.print(f"not imported: {escape(note)}", highlight=False)
        if store is None or output is not None:
            payload = serialize_triples([t for f in imported for t in f.triples], fmt)
            if output is None:
                sys.stdout.buffer.write(payload)
            else:
                output.write_bytes(payload)
        if store is not None:
            kg = load_imported(imported, store_location_of(store), profile)
            errors = sum(1 for f in kg.findings if f.severity is Severity.ERROR)
            err.print(
                f"loaded {', '.join(f.name for f in imported)} into {store}: "
                f"{len(kg.findings)} findings, {errors} of error severity "
                f"(cxgraph gaps --store {store})",
                highlight=False,
                markup=False,
            )
    except CxGraphError as error:
        raise fail(CxGraphError(escape(str(error)))) from None
