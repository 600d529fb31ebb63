"""From filled-in sheets to RDF: the import half of the workbook path.

Reads the tables of a workbook (or a folder of CSV files) laid out as :mod:`cxgraph.sheets`
says and turns every row into triples about the entity in its ``id`` cell; relations name
rows of other sheets by id or label. Every problem is collected with its cell reference
(``Needs!C14: persona 'Silver surfers' is not on the Personas sheet``) and raised together
in one :class:`ImportErrors`; a workbook with any error yields nothing. The result is a
list of triples that :mod:`cxgraph.model_import` serialises or loads like any source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from cxgraph.cell_values import boolean_value, decimal_value, plain, split, stripped
from cxgraph.errors import InputError
from cxgraph.namespaces import RDF_TYPE, STANDARD_PREFIXES, XSD
from cxgraph.provenance import provenance_triples
from cxgraph.sheets import (
    LANGUAGE,
    OTHER_COLUMNS,
    OTHER_SHEET,
    README_SHEET,
    UNTYPED,
    Column,
    ColumnKind,
    Layout,
    SheetSpec,
    Term,
    local_name,
)
from cxgraph.tables import Cell, Table, cell_ref

MAX_ERRORS = 200
"""Errors reported in one run; past this the rest are counted."""

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class ImportErrors(InputError):
    """Everything wrong with an input, each message naming its cell; nothing was imported."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:MAX_ERRORS]
        more = len(self.problems) - len(shown)
        lines = "\n".join(f"  {p}" for p in shown)
        tail = f"\n  ... and {more} more" if more else ""
        count = len(self.problems)
        super().__init__(
            f"{count} error{'s' if count != 1 else ''}, nothing imported:\n{lines}{tail}",
            file=source,
        )


@dataclass
class _Row:
    sheet: SheetSpec
    number: int
    cells: dict[str, Cell]
    columns: dict[str, int]
    term: ox.NamedNode | ox.BlankNode | None = None


@dataclass
class TableImporter:
    """Turns the tables of one workbook (or CSV folder) into triples."""

    layout: Layout
    source: str
    base: str | None = None
    provenance: bool = True
    problems: list[str] = field(default_factory=list)
    _blanks: dict[str, ox.BlankNode] = field(default_factory=dict)
    _by_id: dict[str, list[_Row]] = field(default_factory=dict)
    _by_label: dict[str, list[_Row]] = field(default_factory=dict)

    def run(self, tables: Sequence[Table]) -> list[ox.Triple]:
        """The triples of every row; raises ImportErrors listing every problem."""
        rows: list[_Row] = []
        others: list[tuple[Table, dict[str, int]]] = []
        for table in tables:
            if table.name == README_SHEET:
                continue
            self.problems.extend(table.problems)
            columns = self._header(table)
            if columns is None:
                continue
            if table.name == OTHER_SHEET:
                others.append((table, columns))
                continue
            sheet = self.layout.sheet(table.name)
            assert sheet is not None
            rows.extend(self._rows(sheet, table, columns))
        triples: list[ox.Triple] = []
        for row in rows:
            triples.extend(self._row_triples(row))
        for table, columns in others:
            triples.extend(self._other_triples(table, columns))
        if self.problems:
            raise ImportErrors(self.source, self.problems)
        return triples

    # -- structure ---------------------------------------------------------------------

    def _header(self, table: Table) -> dict[str, int] | None:
        if table.name == OTHER_SHEET:
            known: Sequence[str] = OTHER_COLUMNS
        else:
            sheet = self.layout.sheet(table.name)
            if sheet is None:
                names = ", ".join(s.name for s in self.layout.sheets)
                self.problems.append(
                    f"{table.name}: not a sheet cxgraph reads; rename or remove it "
                    f"(sheets: {names}, {OTHER_SHEET}, {README_SHEET})"
                )
                return None
            known = [c.header for c in sheet.columns]
        columns: dict[str, int] = {}
        for index, header in enumerate(table.header):
            if not header:
                if any(len(cells) > index and cells[index] is not None for _, cells in table.rows):
                    self.problems.append(f"{cell_ref(table.name, 1, index)}: column has no header")
                continue
            if header not in known:
                self.problems.append(
                    f"{cell_ref(table.name, 1, index)}: unknown column {header!r} "
                    f"(this sheet has {', '.join(known)})"
                )
            elif header in columns:
                self.problems.append(f"{cell_ref(table.name, 1, index)}: column {header!r} twice")
            else:
                columns[header] = index
        first = "subject" if table.name == OTHER_SHEET else "id"
        if table.rows and first not in columns:
            self.problems.append(f"{table.name}!1: no {first!r} column")
            return None
        return columns

    def _rows(self, sheet: SheetSpec, table: Table, columns: dict[str, int]) -> list[_Row]:
        rows = []
        for number, cells in table.rows:
            values = {h: (cells[i] if i < len(cells) else None) for h, i in columns.items()}
            row = _Row(sheet, number, values, columns)
            text = stripped(values.get("id"))
            if not text:
                self.problems.append(f"{self._ref(row, 'id')}: the id is empty")
                continue
            row.term = self._term(text, self._ref(row, "id"))
            if row.term is None:
                continue
            key = _key(row.term)
            if key in self._by_id:
                first = self._by_id[key][0]
                self.problems.append(
                    f"{self._ref(row, 'id')}: id {text!r} is also on {self._ref(first, 'id')}"
                )
            self._by_id.setdefault(key, []).append(row)
            if text != key:
                self._by_id.setdefault(text, []).append(row)
            label = stripped(values.get("label"))
            if label:
                self._by_label.setdefault(label, []).append(row)
            rows.append(row)
        return rows

    # -- cells -------------------------------------------------------------------------

    def _ref(self, row: _Row, header: str) -> str:
        return cell_ref(row.sheet.name, row.number, row.columns.get(header, 0))

    def _term(self, text: str, ref: str) -> ox.NamedNode | ox.BlankNode | None:
        """An id or reference cell's text as a term: _:label, an IRI or a local name."""
        if text.startswith("_:"):
            label = text[2:]
            if not label or any(c.isspace() for c in label):
                self.problems.append(f"{ref}: {text!r} is not a blank node label")
                return None
            return self._blanks.setdefault(label, ox.BlankNode())
        iri = text if _SCHEME.match(text) else None
        if iri is None:
            if self.base is None:
                self.problems.append(
                    f"{ref}: {text!r} is not an IRI; give full IRIs or pass --base IRI "
                    "to put local names under it"
                )
                return None
            iri = self.base + text
        try:
            return ox.NamedNode(iri)
        except ValueError:
            self.problems.append(f"{ref}: {text!r} is not a valid IRI or local name")
            return None

    def _row_triples(self, row: _Row) -> list[ox.Triple]:
        subject = row.term
        if subject is None:
            return []
        triples: list[ox.Triple] = []
        for header, value in row.cells.items():
            column = row.sheet.column(header)
            if column is None or column.kind is ColumnKind.ID:
                continue
            ref = self._ref(row, header)
            if column.kind is ColumnKind.KIND:
                triples.extend(
                    ox.Triple(subject, RDF_TYPE, ox.NamedNode(k))
                    for k in self._kinds(row.sheet, value, ref)
                )
                continue
            if value is None or value == "":
                continue
            predicate = ox.NamedNode(column.property)
            for obj in self._objects(column, value, ref):
                triples.append(ox.Triple(subject, predicate, obj))
        if self.provenance and isinstance(subject, ox.NamedNode | ox.BlankNode):
            triples.extend(
                provenance_triples(subject, self.source, f"{row.sheet.name}!{row.number}")
            )
        return triples

    def _kinds(self, sheet: SheetSpec, value: Cell, ref: str) -> list[str]:
        text = stripped(value)
        if not text:
            return [sheet.cls]
        if text == UNTYPED:
            return []
        kinds = []
        allowed = {local_name(k): k for k in sheet.kinds}
        for part in split(text):
            if part in allowed:
                kinds.append(allowed[part])
            elif part in sheet.kinds:
                kinds.append(part)
            else:
                self.problems.append(
                    f"{ref}: kind {part!r} is not one of {', '.join(allowed)} or {UNTYPED}"
                )
        return kinds

    def _objects(self, column: Column, value: Cell, ref: str) -> list[Term]:
        if column.kind is ColumnKind.TEXT:
            return [ox.Literal(plain(value), language=LANGUAGE)]
        if column.kind is ColumnKind.DECIMAL:
            lexical = self._checked(decimal_value, value, ref)
            return [] if lexical is None else [ox.Literal(lexical, datatype=_XSD_DECIMAL)]
        if column.kind is ColumnKind.BOOLEAN:
            lexical = self._checked(boolean_value, value, ref)
            return [] if lexical is None else [ox.Literal(lexical, datatype=_XSD_BOOLEAN)]
        return [o for part in split(plain(value)) if (o := self._reference(column, part, ref))]

    def _checked(self, read: Callable[[Cell], str], value: Cell, ref: str) -> str | None:
        """``read(value)``, or None with the problem noted against ``ref``."""
        try:
            return read(value)
        except ValueError as problem:
            self.problems.append(f"{ref}: {problem}")
            return None

    def _reference(self, column: Column, text: str, ref: str) -> Term | None:
        """A relation value: a row on a target sheet named by id or label, else a blank
        node label or an IRI (which may name something outside the workbook)."""
        what = " or ".join(f"the {t} sheet" for t in column.targets)
        named = self._by_id.get(text, []) + self._by_label.get(text, [])
        if self.base is not None:
            named += self._by_id.get(self.base + text, [])
        found = [r for r in named if r.sheet.name in column.targets]
        terms = {_key(r.term): r.term for r in found if r.term is not None}
        if len(terms) == 1:
            return next(iter(terms.values()))
        if len(terms) > 1:
            where = ", ".join(self._ref(r, "id") for r in found)
            self.problems.append(f"{ref}: {text!r} names several rows ({where}); use the id")
            return None
        by_label_only = not any(r in named for r in self._by_id.get(text, []))
        iri_like = text.startswith("_:") or bool(_SCHEME.match(text))
        if iri_like and not (named and by_label_only) and not any(c.isspace() for c in text):
            return self._term(text, ref)
        if named:
            self.problems.append(
                f"{ref}: {column.header} {text!r} is on the {named[0].sheet.name} sheet, "
                f"not on {what}"
            )
        else:
            self.problems.append(f"{ref}: {column.header} {text!r} is not on {what}")
        return None

    # -- other statements --------------------------------------------------------------

    def _other_triples(self, table: Table, columns: dict[str, int]) -> list[ox.Triple]:
        triples = []
        for number, cells in table.rows:
            values = {h: (cells[i] if i < len(cells) else None) for h, i in columns.items()}

            def ref(header: str, number: int = number) -> str:
                return cell_ref(OTHER_SHEET, number, columns.get(header, 0))

            subject = self._term(stripped(values.get("subject")), ref("subject"))
            predicate = self._predicate(stripped(values.get("predicate")), ref("predicate"))
            obj = self._other_object(values, ref)
            if (
                isinstance(subject, ox.NamedNode | ox.BlankNode)
                and predicate is not None
                and obj is not None
            ):
                triples.append(ox.Triple(subject, predicate, obj))
        return triples

    def _predicate(self, text: str, ref: str) -> ox.NamedNode | None:
        prefix, _, rest = text.partition(":")
        if prefix in STANDARD_PREFIXES and not rest.startswith("//"):
            text = STANDARD_PREFIXES[prefix] + rest
        if not _SCHEME.match(text):
            self.problems.append(f"{ref}: predicate {text!r} is not an IRI")
            return None
        try:
            return ox.NamedNode(text)
        except ValueError:
            self.problems.append(f"{ref}: predicate {text!r} is not a valid IRI")
            return None

    def _other_object(self, values: dict[str, Cell], ref: object) -> Term | None:
        assert callable(ref)
        raw = values.get("object")
        language = stripped(values.get("language"))
        datatype = stripped(values.get("datatype"))
        text = "" if raw is None else plain(raw)
        if language:
            try:
                return ox.Literal(text, language=language)
            except ValueError:
                self.problems.append(f"{ref('language')}: {language!r} is not a language tag")
                return None
        if datatype:
            dt = self._predicate(datatype, ref("datatype"))
            try:
                return None if dt is None else ox.Literal(text, datatype=dt)
            except ValueError:
                self.problems.append(f"{ref('datatype')}: {datatype!r} needs a language")
                return None
        if not text:
            self.problems.append(f"{ref('object')}: the object is empty")
            return None
        return self._term(text.strip(), ref("object"))


_XSD_DECIMAL = ox.NamedNode(XSD + "decimal")
_XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")


def _key(term: ox.NamedNode | ox.BlankNode | None) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value if term is not None else ""
