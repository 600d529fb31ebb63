"""CX workbooks (``.xlsx``): the template, export of a model, and safe reading.

:func:`write_template` writes the empty workbook of :mod:`cxgraph.sheets` with a README sheet
explaining every column from the ontology's definitions; :func:`write_model` writes a loaded
model into the same workbook (:mod:`cxgraph.table_export` decides the cells);
:func:`read_workbook` reads a filled-in workbook into tables for
:mod:`cxgraph.table_import`. A workbook is a zip of XML parts, so reading checks the zip
before openpyxl sees it: at most ``MAX_WORKBOOK_BYTES`` on disk, ``MAX_UNCOMPRESSED_BYTES``
unpacked (a zip bomb is refused from its directory, before anything is inflated), no
DOCTYPE or ENTITY in any part, and row and cell caps while reading.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cxgraph.errors import InputError
from cxgraph.sheets import (
    OTHER_COLUMNS,
    OTHER_HELP,
    OTHER_SHEET,
    README_SHEET,
    UNTYPED,
    ColumnKind,
    Layout,
    local_name,
)
from cxgraph.table_export import ExportSheet
from cxgraph.tables import MAX_COLUMNS, Cell, CellCounter, Table, column_letter, header_of
from cxgraph.xml_documents import check_xml

MAX_WORKBOOK_BYTES = 50 * 1024 * 1024
"""Size of a workbook file (the server's upload limit)."""
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
"""What all parts of a workbook may add up to once unpacked."""
MAX_PARTS = 2_000
_LAST_ROW = 1_048_576
_BOLD = Font(bold=True)


# -- writing ---------------------------------------------------------------------------


def write_template(path: Path, layout: Layout) -> None:
    """An empty CX workbook: README, one sheet per kind, Other statements."""
    sheets = [ExportSheet(s.name, [c.header for c in s.columns]) for s in layout.sheets]
    sheets.append(ExportSheet(OTHER_SHEET, list(OTHER_COLUMNS)))
    write_workbook(path, sheets, layout)


def write_workbook(path: Path, sheets: Sequence[ExportSheet], layout: Layout) -> None:
    """Write ``sheets`` (as :func:`cxgraph.table_export.model_sheets` makes them) with the
    README sheet, header styling and data validation lists."""
    book = openpyxl.Workbook()
    readme = book.active
    assert readme is not None
    readme.title = README_SHEET
    _write_readme(readme, layout)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        _write_rows(ws, sheet.headers, sheet.rows)
        spec = layout.sheet(sheet.name)
        if spec is None:
            continue
        for index, column in enumerate(spec.columns):
            letter = column_letter(index)
            cells = f"{letter}2:{letter}{_LAST_ROW}"
            if column.kind is ColumnKind.KIND:
                choices = [local_name(k) for k in spec.kinds] + [UNTYPED]
                # several kinds may be given (separated by ;): warn rather than refuse
                _validate(ws, cells, choices, "warning")
            elif column.kind is ColumnKind.BOOLEAN:
                _validate(ws, cells, ["true", "false"], "stop")
    try:
        book.save(path)
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror}", file=path) from None


def _validate(
    ws: Worksheet, cells: str, choices: list[str], style: Literal["stop", "warning"]
) -> None:
    validation = DataValidation(
        type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True, errorStyle=style
    )
    validation.error = f"Use one of: {', '.join(choices)}"
    ws.add_data_validation(validation)
    validation.add(cells)


def _write_rows(ws: Worksheet, headers: list[str], rows: Sequence[Sequence[Cell]]) -> None:
    for index, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=index, value=header)
        cell.font = _BOLD
        ws.column_dimensions[column_letter(index - 1)].width = 40 if index == 1 else 24
    for number, row in enumerate(rows, start=2):
        for index, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=number, column=index, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    ws.freeze_panes = "B2"


def _write_readme(ws: Worksheet, layout: Layout) -> None:
    intro = [
        ["cxgraph workbook"],
        [
            "One sheet per kind of entity. Each row is one entity: its id (an IRI, a local "
            "name under --base, or _:label), its kind and what it relates to. Relation cells "
            "name rows of other sheets by id or label; separate several with ;. Import with "
            "`cxgraph import FILE.xlsx --base IRI`."
        ],
        [
            f"Statements that fit no column are on the {OTHER_SHEET} sheet: subject, "
            "predicate, object, and the datatype or language of a literal object."
        ],
        [],
        ["sheet", "column", "holds", "property", "meaning"],
    ]
    for line in intro:
        ws.append(line)
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[5]:
        cell.font = _BOLD
    for spec in layout.sheets:
        ws.append([spec.name, "", "rows", spec.cls, layout.definitions.get(spec.cls, "")])
        for column in spec.columns:
            holds = column.kind.value
            if column.targets:
                holds = "ids or labels on " + ", ".join(column.targets)
            ws.append([spec.name, column.header, holds, column.property, column.help])
    for header in OTHER_COLUMNS:
        ws.append([OTHER_SHEET, header, "", "", OTHER_HELP[header]])
    for letter, width in zip("ABCDE", (20, 16, 30, 40, 100), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=6, min_col=5, max_col=5):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


# -- reading ---------------------------------------------------------------------------


def check_workbook_file(path: Path) -> None:
    """Refuse, before unpacking anything, a file that is too large, not a zip, would unpack
    to more than the cap (a zip bomb) or has DOCTYPE/ENTITY declarations in a part."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    if size > MAX_WORKBOOK_BYTES:
        raise InputError(f"larger than {MAX_WORKBOOK_BYTES // 2**20} MiB", file=path)
    if not zipfile.is_zipfile(path):
        raise InputError("not an .xlsx workbook (not a zip file)", file=path)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise InputError(f"more than {MAX_PARTS} parts in the workbook", file=path)
            unpacked = sum(p.file_size for p in parts)
            if unpacked > MAX_UNCOMPRESSED_BYTES:
                raise InputError(
                    f"would unpack to {unpacked:,} bytes, more than "
                    f"{MAX_UNCOMPRESSED_BYTES // 2**20} MiB (a zip bomb?); refused",
                    file=path,
                )
            for part in parts:
                if part.filename.endswith((".xml", ".rels", ".vml")):
                    with archive.open(part) as stream:
                        check_xml(stream, f"{path}, part {part.filename}")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as err:
        raise InputError(f"unreadable zip: {err}", file=path) from None


def read_workbook(path: Path) -> list[Table]:
    """Every worksheet as a table, after :func:`check_workbook_file`. Raises InputError for
    an unreadable workbook, formulas, or more rows, columns or cells than the caps."""
    check_workbook_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError) as err:
        raise InputError(f"not a readable .xlsx workbook: {err}", file=path) from None
    counter = CellCounter(str(path))
    tables = []
    try:
        for name in book.sheetnames:
            if name == README_SHEET:
                continue  # written for people; nothing in it is imported
            ws = book[name]
            if not hasattr(ws, "iter_rows"):
                raise InputError(f"sheet {name!r} is a chart, not a table", file=path)
            tables.append(_read_sheet(ws, name, path, counter))
    finally:
        book.close()
    return tables


def _read_sheet(ws: object, name: str, path: Path, counter: CellCounter) -> Table:
    table = Table(name, [])
    # the stored dimension may be wrong (hand-made or hostile files): read every row there is
    ws.reset_dimensions()  # type: ignore[attr-defined]
    for number, row in enumerate(ws.iter_rows(), start=1):  # type: ignore[attr-defined]
        counter.row(name, number, len(row))
        cells: list[Cell] = []
        for index, cell in enumerate(row):
            value = getattr(cell, "value", None)
            if value is None:
                cells.append(None)
                continue
            if index >= MAX_COLUMNS:
                raise InputError(
                    f"sheet {name!r} has a value in column {column_letter(index)}, beyond "
                    f"the {MAX_COLUMNS} columns cxgraph reads",
                    file=path,
                )
            if getattr(cell, "data_type", None) == "f":
                table.problems.append(
                    f"{name}!{column_letter(index)}{number}: formulas are not read; "
                    "paste the values instead"
                )
                value = None
            cells.append(value)
        while cells and cells[-1] is None:
            cells.pop()
        if number == 1:
            table.header = header_of(cells)
        elif any(c is not None and c != "" for c in cells):
            table.rows.append((number, cells))
    return table
