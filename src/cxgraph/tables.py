"""Sheets as plain tables: what the workbook and CSV readers produce and the importer reads.

A :class:`Table` is one sheet (or one CSV file): its name, its header row and its data rows
with their row numbers, cells as Python values. Reading a folder of CSV files lives here;
reading ``.xlsx`` is in :mod:`cxgraph.workbook`. Cell references in messages use the
spreadsheet's own notation (``Needs!C14``) for CSV files as well. Caps on rows and cells
keep a hostile file from exhausting memory; errors name the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from cxgraph.errors import InputError

Cell = str | int | float | bool | Decimal | datetime | date | time | None

MAX_ROWS = 250_000
"""Rows per sheet a workbook or CSV file may have."""
MAX_CELLS = 5_000_000
"""Cells (rows times columns read) a whole workbook or folder may have."""
MAX_COLUMNS = 64
MAX_CSV_BYTES = 50 * 1024 * 1024
"""Size of one CSV file (the server's upload limit)."""


@dataclass
class Table:
    """One sheet: a header row and data rows (row number, cells), row 1 being the header."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Cells the reader could not take (formulas), reported with the importer's errors."""


class CellCounter:
    """Counts cells read across a workbook and refuses past the caps."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.cells = 0

    def row(self, sheet: str, number: int, width: int) -> None:
        if number > MAX_ROWS + 1:
            raise InputError(
                f"sheet {sheet!r} has more than {MAX_ROWS:,} rows; split the model",
                file=self.source,
            )
        self.cells += width
        if self.cells > MAX_CELLS:
            raise InputError(
                f"more than {MAX_CELLS:,} cells; split the model into several workbooks",
                file=self.source,
            )


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(sheet: str, row: int, column: int) -> str:
    """``Needs!C14`` for 0-based column 2 of row 14."""
    return f"{sheet}!{column_letter(column)}{row}"


def header_of(cells: list[Cell]) -> list[str]:
    return ["" if c is None else str(c).strip() for c in cells]


def read_csv_folder(folder: Path) -> list[Table]:
    """Every ``*.csv`` file in ``folder`` as a table named after the file (``Needs.csv`` is
    the Needs sheet). UTF-8, with or without a byte-order mark; empty cells are None."""
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise InputError("no .csv files in this folder", file=folder)
    counter = CellCounter(str(folder))
    tables = []
    for path in files:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise InputError(f"larger than {MAX_CSV_BYTES // 2**20} MiB", file=path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(f"not UTF-8 text: {err.reason}", file=path) from None
        rows = csv.reader(io.StringIO(text, newline=""))
        table = Table(path.stem, [])
        try:
            for number, values in enumerate(rows, start=1):
                counter.row(path.stem, number, len(values))
                cells: list[Cell] = [v if v != "" else None for v in values]
                if number == 1:
                    table.header = header_of(cells)
                elif any(c is not None for c in cells):
                    table.rows.append((number, cells))
        except csv.Error as err:
            raise InputError(f"bad CSV: {err}", file=path) from None
        tables.append(table)
    return tables
