"""From a model to sheets: the export half of the workbook path.

Every subject of the asserted data becomes a row on the sheet of its most specific kind
(asserted or inferred type; Moments of truth before Activities). A statement goes into a
cell only when the import gives back exactly that triple: a stated ``rdf:type`` of one of
the sheet's kinds, an English text in ``label``/``definition``/``comment``, a relation to an
IRI or blank node, a decimal or boolean in its canonical column form. Everything else (other
predicates, other languages, a second label, odd lexical forms, subjects of no sheet) goes to
the Other statements sheet, so nothing is lost and export then import gives an isomorphic
graph. Rows keep their IRIs; blank nodes are written ``_:label``. Import provenance is left
out (:mod:`cxgraph.provenance`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox

from cxgraph.cell_values import decimal_lexical
from cxgraph.errors import InputError
from cxgraph.namespaces import RDF_TYPE, XSD
from cxgraph.provenance import is_provenance
from cxgraph.sheets import (
    LANGUAGE,
    OTHER_COLUMNS,
    OTHER_SHEET,
    SEPARATOR,
    UNTYPED,
    Column,
    ColumnKind,
    Layout,
    SheetSpec,
    Term,
    local_name,
)
from cxgraph.tables import Cell

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_EXACT_DECIMAL = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d{0,5}[1-9])?$")  # 126.0 reads back 126


@dataclass
class ExportSheet:
    """A sheet to write: its headers and rows of cells."""

    name: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def term_text(term: ox.NamedNode | ox.BlankNode) -> str:
    """How a cell names a term: the IRI, or ``_:label`` for a blank node."""
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def model_sheets(
    triples: Iterable[ox.Triple], types: dict[ox.NamedNode | ox.BlankNode, set[str]], layout: Layout
) -> list[ExportSheet]:
    """The sheets holding ``triples`` (the asserted data); ``types`` are every entity's
    asserted and inferred types, which choose its sheet. Raises InputError for what no cell
    can hold (triple terms, control characters)."""
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = defaultdict(list)
    for triple in triples:
        if is_provenance(triple):
            continue
        if isinstance(triple.subject, ox.Triple) or isinstance(triple.object, ox.Triple):
            raise InputError("a workbook cannot hold triple terms (RDF 1.2); export as TriG")
        by_subject[triple.subject].append(triple)
    rows: dict[str, list[tuple[str, list[Cell]]]] = defaultdict(list)
    other: list[list[Cell]] = []
    for subject, statements in by_subject.items():
        sheet = layout.sheet_of(types.get(subject, set()))
        if sheet is None:
            other.extend(_other_row(t) for t in statements)
            continue
        cells, rest = _row(subject, statements, sheet)
        rows[sheet.name].append((term_text(subject), cells))
        other.extend(_other_row(t) for t in rest)
    sheets = []
    for sheet in layout.sheets:
        export = ExportSheet(sheet.name, [c.header for c in sheet.columns])
        export.rows = [cells for _, cells in sorted(rows[sheet.name], key=lambda r: r[0])]
        sheets.append(export)
    sheets.append(ExportSheet(OTHER_SHEET, list(OTHER_COLUMNS), sorted(other, key=_sort_key)))
    for export in sheets:
        for row in export.rows:
            for value in row:
                if isinstance(value, str) and _ILLEGAL.search(value):
                    raise InputError(
                        f"a value on the {export.name} sheet holds a control character a "
                        f"workbook cannot store: {value[:60]!r}; export as Turtle"
                    )
    return sheets


def _row(
    subject: ox.NamedNode | ox.BlankNode, statements: list[ox.Triple], sheet: SheetSpec
) -> tuple[list[Cell], list[ox.Triple]]:
    columns = sheet.property_columns
    values: dict[str, list[str]] = defaultdict(list)
    kinds: list[str] = []
    rest: list[ox.Triple] = []
    for t in sorted(statements, key=lambda t: (t.predicate.value, str(t.object))):
        obj = t.object
        assert not isinstance(obj, ox.Triple)  # refused by model_sheets
        if t.predicate == RDF_TYPE and isinstance(obj, ox.NamedNode) and obj.value in sheet.kinds:
            kinds.append(local_name(obj.value))
            continue
        column = columns.get(t.predicate.value)
        text = _cell_text(column, obj) if column is not None else None
        if column is None or text is None or (column.kind not in _MULTI and values[column.header]):
            rest.append(t)
            continue
        values[column.header].append(text)
    cells: list[Cell] = []
    for column in sheet.columns:
        if column.kind is ColumnKind.ID:
            cells.append(term_text(subject))
        elif column.kind is ColumnKind.KIND:
            cells.append(SEPARATOR.join(sorted(kinds)) if kinds else UNTYPED)
        elif column.kind is ColumnKind.DECIMAL and values[column.header]:
            cells.append(_decimal_cell(values[column.header][0]))
        else:
            joined = (SEPARATOR + " ").join(values[column.header])
            cells.append(joined or None)
    return cells, rest


_MULTI = (ColumnKind.RELATION,)


def _cell_text(column: Column, obj: Term) -> str | None:
    """What the cell holds for this object, when the import gives back the same term."""
    if column.kind is ColumnKind.RELATION:
        if isinstance(obj, ox.BlankNode):
            return term_text(obj)
        if isinstance(obj, ox.NamedNode) and SEPARATOR not in obj.value:
            return obj.value
        return None
    if not isinstance(obj, ox.Literal):
        return None
    if column.kind is ColumnKind.TEXT:
        ok = obj.language == LANGUAGE and obj.value != ""
        return obj.value if ok else None
    if column.kind is ColumnKind.DECIMAL:
        ok = obj.datatype.value == XSD + "decimal" and bool(_DECIMAL.fullmatch(obj.value))
        return obj.value if ok else None
    if column.kind is ColumnKind.BOOLEAN:
        ok = obj.datatype.value == XSD + "boolean" and obj.value in ("true", "false", "1", "0")
        return obj.value if ok else None
    return None


def _decimal_cell(lexical: str) -> Cell:
    """A number when the import reads the number back as this very lexical form, else the
    text (``4.50`` stays text so that it does not come back as ``4.5``)."""
    if _EXACT_DECIMAL.match(lexical):
        number: int | float = int(lexical) if "." not in lexical else float(lexical)
        if decimal_lexical(number) == lexical and Decimal(lexical) == Decimal(repr(number)):
            return number
    return lexical


def _other_row(t: ox.Triple) -> list[Cell]:
    subject = t.subject
    assert isinstance(subject, ox.NamedNode | ox.BlankNode)
    obj = t.object
    if isinstance(obj, ox.Literal):
        if obj.language:
            return [term_text(subject), t.predicate.value, obj.value, None, obj.language]
        return [term_text(subject), t.predicate.value, obj.value, obj.datatype.value, None]
    assert isinstance(obj, ox.NamedNode | ox.BlankNode)
    return [term_text(subject), t.predicate.value, term_text(obj), None, None]


def _sort_key(row: list[Cell]) -> tuple[str, ...]:
    return tuple("" if c is None else str(c) for c in row)


__all__ = ["ExportSheet", "model_sheets", "term_text"]
