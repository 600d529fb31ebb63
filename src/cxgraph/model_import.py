"""Import from what architects already have, and export back to a workbook.

:func:`import_files` reads ``.xlsx`` workbooks, folders of ``.csv`` files (one per sheet) and
ArchiMate exchange files (``.xml``) into triples, all or nothing: every problem of every
file is collected and raised together. :func:`serialize_triples` writes them as RDF,
:func:`load_imported` loads them into a store like any source (the load step of the data
flow, then reasoning and gaps), and :func:`export_workbook` writes a loaded model's asserted
data into a workbook that imports back to an isomorphic graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import pyoxigraph as ox

from cxgraph.archimate import read_archimate
from cxgraph.errors import InputError
from cxgraph.namespaces import INFERRED_GRAPH, RDF_TYPE, STANDARD_PREFIXES
from cxgraph.pipeline import KnowledgeGraph, open_store
from cxgraph.profiles import ReasoningProfile
from cxgraph.sheets import Layout, workbook_layout
from cxgraph.sources import Source, SourceFormat
from cxgraph.store import RemoteLocation
from cxgraph.table_export import model_sheets
from cxgraph.table_import import ImportErrors, TableImporter
from cxgraph.tables import read_csv_folder
from cxgraph.workbook import read_workbook, write_workbook


class InputKind(Enum):
    """What ``cxgraph import`` reads."""

    WORKBOOK = "xlsx"
    CSV_FOLDER = "csv"
    ARCHIMATE = "archimate"


@dataclass
class ImportedFile:
    """The triples read from one input, and notes on what did not map (ArchiMate)."""

    name: str
    kind: InputKind
    triples: list[ox.Triple]
    notes: list[str] = field(default_factory=list)


def input_kind(path: Path) -> InputKind:
    """A folder is CSV files, ``.xlsx`` a workbook, ``.xml`` an ArchiMate exchange file."""
    if path.is_dir():
        return InputKind.CSV_FOLDER
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return InputKind.WORKBOOK
    if suffix == ".xml":
        return InputKind.ARCHIMATE
    raise InputError(
        "cannot import this: give an .xlsx workbook, a folder of .csv files or an "
        "ArchiMate exchange file (.xml)",
        file=path,
    )


def import_file(
    path: Path, *, base: str | None = None, provenance: bool = True, layout: Layout | None = None
) -> ImportedFile:
    """One input's triples; raises InputError (ImportErrors lists every cell at fault)."""
    kind = input_kind(path)
    if kind is InputKind.ARCHIMATE:
        if not path.is_file():
            raise InputError("no such file", file=path)
        triples, notes = read_archimate(path.read_bytes(), str(path), base, provenance)
        return ImportedFile(str(path), kind, triples, notes)
    tables = read_workbook(path) if kind is InputKind.WORKBOOK else read_csv_folder(path)
    importer = TableImporter(layout or workbook_layout(), str(path), base, provenance)
    return ImportedFile(str(path), kind, importer.run(tables))


def import_files(
    paths: Sequence[Path], *, base: str | None = None, provenance: bool = True
) -> list[ImportedFile]:
    """Every input's triples, or one InputError with the problems of all of them."""
    layout = workbook_layout()
    imported: list[ImportedFile] = []
    problems: list[str] = []
    for path in paths:
        try:
            imported.append(import_file(path, base=base, provenance=provenance, layout=layout))
        except ImportErrors as err:
            if len(paths) == 1:
                raise
            problems.extend(f"{path}: {p}" for p in err.problems)
        except InputError as err:
            if len(paths) == 1:
                raise
            problems.append(str(err))
    if problems:
        raise ImportErrors(", ".join(str(p) for p in paths), problems)
    return imported


def serialize_triples(triples: Sequence[ox.Triple], fmt: SourceFormat) -> bytes:
    """Triples as RDF in ``fmt`` (in the default graph for TriG and N-Quads)."""
    unique = sorted(set(triples), key=str)
    if fmt.is_dataset:
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in unique]
        return ox.serialize(quads, format=fmt.rdf_format) or b""
    prefixes = STANDARD_PREFIXES if fmt is SourceFormat.TURTLE else None
    return ox.serialize(unique, format=fmt.rdf_format, prefixes=prefixes) or b""


def load_imported(
    imported: Sequence[ImportedFile],
    store_path: Path | RemoteLocation | None = None,
    profile: ReasoningProfile = ReasoningProfile.RULES,
) -> KnowledgeGraph:
    """Load imported files into a store (each file its own data graph, replacing what an
    earlier import of the same name left), then reason and detect gaps."""
    sources = [
        Source(f.name, serialize_triples(f.triples, SourceFormat.NTRIPLES), SourceFormat.NTRIPLES)
        for f in imported
    ]
    kg = KnowledgeGraph(open_store(store_path), profile)
    kg.apply_sources(sources)
    return kg


@dataclass(frozen=True)
class WorkbookSummary:
    """What an export wrote: rows per sheet (Other statements included)."""

    rows: dict[str, int]


def export_workbook(kg: KnowledgeGraph, path: Path) -> WorkbookSummary:
    """Write the asserted data of ``kg`` into a CX workbook at ``path``."""
    layout = workbook_layout()
    data = kg.store.data_graphs()
    types: dict[ox.NamedNode | ox.BlankNode, set[str]] = {}
    for graph in [*data, INFERRED_GRAPH]:
        for quad in kg.store.quads(None, RDF_TYPE, None, graph):
            if isinstance(quad.object, ox.NamedNode) and not isinstance(quad.subject, ox.Triple):
                types.setdefault(quad.subject, set()).add(quad.object.value)
    sheets = model_sheets(set(kg.store.triples(data)), types, layout)
    write_workbook(path, sheets, layout)
    return WorkbookSummary({s.name: len(s.rows) for s in sheets})
