"""The sheet layout of a CX workbook, derived from the ontology.

One sheet per kind of entity (Personas, Needs, ...); on each, an ``id`` column, a ``kind``
column (the class or one of its subclasses), the text columns ``label``, ``definition`` and
``comment`` (English literals), and one column per property whose ``rdfs:domain`` covers the
sheet's class: relations (values are ids or labels of rows on other sheets, several separated
by ``;``) and values (decimals, booleans). Which sheets exist is a declarative table; which
columns they have, what the kinds are and what each column means (``skos:definition``) is
read from ``ontology/cxgraph.ttl``. Workbook template, export and import all use this one
layout (:func:`workbook_layout`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

import pyoxigraph as ox

from cxgraph import resources
from cxgraph.namespaces import CX, OWL, RDF, RDF_TYPE, RDFS, RDFS_LABEL, SKOS, XSD
from cxgraph.store import StoreBackend, scratch_dataset

Term = ox.NamedNode | ox.BlankNode | ox.Literal
OTHER_SHEET = "Other statements"
README_SHEET = "README"
UNTYPED = "(inferred)"
"""The ``kind`` cell of a row whose type is not stated (the reasoner infers it)."""
LANGUAGE = "en"
"""The language of the text columns; other languages go to the Other statements sheet."""
SEPARATOR = ";"

# sheet name → class local name, in the order the sheets appear in a workbook
SHEETS: tuple[tuple[str, str], ...] = (
    ("Personas", "Persona"),
    ("Needs", "Need"),
    ("Value propositions", "ValueProposition"),
    ("Brand promises", "BrandPromise"),
    ("Offerings", "Offering"),
    ("Processes", "Process"),
    ("Activities", "Activity"),
    ("Parties", "Party"),
    ("SLAs", "ServiceLevelAgreement"),
    ("Metrics", "Metric"),
    ("Experiences", "Experience"),
    ("Moments of truth", "MomentOfTruth"),
    ("Insights", "Insight"),
    ("Business rules", "BusinessRule"),
    ("Outcomes", "SuccessfulCustomerOutcome"),
    ("Journeys", "Journey"),
    ("Brands", "Brand"),
    ("Information systems", "InformationSystem"),
    ("Channels", "Channel"),
)

OTHER_COLUMNS = ("subject", "predicate", "object", "datatype", "language")
OTHER_HELP = {
    "subject": "An IRI, a local name under --base, or _:label for a blank node.",
    "predicate": "An IRI (or a prefixed name: cx:, rdf:, rdfs:, owl:, xsd:, skos:, prov:, "
    "dcterms:).",
    "object": "An IRI or _:label when datatype and language are empty; otherwise the "
    "literal's text.",
    "datatype": "The literal's datatype IRI (xsd:string for plain text); empty for IRIs, "
    "blank nodes and language-tagged text.",
    "language": "The language tag of a language-tagged literal.",
}

_DECIMAL = XSD + "decimal"
_BOOLEAN = XSD + "boolean"
_TEXT_COLUMNS = (
    ("label", RDFS_LABEL.value, "The name people use for it (English)."),
    ("definition", SKOS + "definition", "What it is, in a sentence (English)."),
    ("comment", RDFS + "comment", "Any remark (English)."),
)
_ID_HELP = (
    "An IRI, or a local name put under the --base IRI at import, or _:label for an "
    "anonymous (blank) node. Required; unique across the workbook."
)


class ColumnKind(Enum):
    """What a column's cells hold."""

    ID = "id"
    KIND = "kind"
    TEXT = "text"
    RELATION = "relation"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, what it holds and the property it states."""

    header: str
    kind: ColumnKind
    property: str = ""
    targets: tuple[str, ...] = ()
    """For relations: the sheets whose rows the values name."""
    help: str = ""


@dataclass(frozen=True)
class SheetSpec:
    """A sheet: its name, the class of its rows, the kinds a row may have, its columns."""

    name: str
    cls: str
    kinds: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, header: str) -> Column | None:
        return next((c for c in self.columns if c.header == header), None)

    @property
    def property_columns(self) -> dict[str, Column]:
        return {c.property: c for c in self.columns if c.property}


@dataclass(frozen=True)
class Layout:
    """Every sheet of a CX workbook and the definitions of the ontology's terms."""

    sheets: tuple[SheetSpec, ...]
    definitions: dict[str, str]
    placement: tuple[SheetSpec, ...]
    """The sheets, most specific class first (Moments of truth before Activities)."""

    def sheet(self, name: str) -> SheetSpec | None:
        return next((s for s in self.sheets if s.name == name), None)

    def sheet_of(self, types: set[str]) -> SheetSpec | None:
        """The sheet for an entity with these types (asserted or inferred): the most
        specific sheet whose kinds include one of them; ties go to the first sheet."""
        candidates = [s for s in self.placement if types.intersection(s.kinds)]
        return candidates[0] if candidates else None

    @property
    def all_kinds(self) -> set[str]:
        return {k for s in self.sheets for k in s.kinds}


def local_name(iri: str) -> str:
    return iri.removeprefix(CX)


def workbook_layout() -> Layout:
    """The layout of the bundled ontology."""
    onto = scratch_dataset()
    onto.load(resources.ontology_file().read_bytes(), ox.RdfFormat.TURTLE)
    return _Ontology(onto).layout()


class _Ontology:
    def __init__(self, store: StoreBackend) -> None:
        self.store = store

    def objects(self, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[Term]:
        found = self.store.quads_for_pattern(subject, ox.NamedNode(predicate), None)
        return [q.object for q in found if not isinstance(q.object, ox.Triple)]

    def subjects(self, predicate: str, obj: Term) -> list[ox.NamedNode]:
        return [
            q.subject
            for q in self.store.quads_for_pattern(None, ox.NamedNode(predicate), obj)
            if isinstance(q.subject, ox.NamedNode)
        ]

    def text(self, term: ox.NamedNode, predicate: str) -> str:
        values = [o.value for o in self.objects(term, predicate) if isinstance(o, ox.Literal)]
        return values[0] if values else ""

    def classes(self, expression: Term) -> list[str]:
        """The named classes of a class or of an ``owl:unionOf`` class expression."""
        if isinstance(expression, ox.NamedNode):
            return [expression.value]
        if not isinstance(expression, ox.BlankNode):
            return []
        members: list[str] = []
        for union in self.objects(expression, OWL + "unionOf"):
            members.extend(m.value for m in self._list(union) if isinstance(m, ox.NamedNode))
        return members

    def _list(self, node: Term) -> Iterator[Term]:
        while isinstance(node, ox.BlankNode):
            yield from self.objects(node, RDF + "first")
            rest = self.objects(node, RDF + "rest")
            node = rest[0] if rest else ox.NamedNode(RDF + "nil")

    def superclasses(self, cls: str) -> set[str]:
        """``cls`` and every named class above it."""
        seen = {cls}
        todo = [cls]
        while todo:
            for parent in self.objects(ox.NamedNode(todo.pop()), RDFS + "subClassOf"):
                if isinstance(parent, ox.NamedNode) and parent.value not in seen:
                    seen.add(parent.value)
                    todo.append(parent.value)
        return seen

    def layout(self) -> Layout:
        sheet_classes = {CX + local for _, local in SHEETS}
        kinds: dict[str, list[str]] = {c: [c] for c in sheet_classes}
        for declared in self.subjects(RDF_TYPE.value, ox.NamedNode(OWL + "Class")):
            if not declared.value.startswith(CX) or declared.value in sheet_classes:
                continue
            # a subclass without a sheet of its own is a kind on its nearest sheet's class
            owners = [c for c in self.superclasses(declared.value) if c in sheet_classes]
            if owners:
                nearest = max(owners, key=lambda c: len(self.superclasses(c)))
                kinds[nearest].append(declared.value)
        definitions: dict[str, str] = {}
        for q in self.store.quads_for_pattern(None, ox.NamedNode(SKOS + "definition"), None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
                definitions[q.subject.value] = q.object.value
        properties = self._properties()
        sheets = []
        for name, local in SHEETS:
            cls = CX + local
            above = self.superclasses(cls)
            columns = [
                Column("id", ColumnKind.ID, help=_ID_HELP),
                Column("kind", ColumnKind.KIND, help=_kind_help(cls, kinds[cls], definitions)),
                *(Column(h, ColumnKind.TEXT, p, help=text) for h, p, text in _TEXT_COLUMNS),
            ]
            for _, domains, column in properties:
                if above.intersection(domains):
                    columns.append(column)
            kind_order = sorted(kinds[cls], key=lambda k: (k != cls, k))
            sheets.append(SheetSpec(name, cls, tuple(kind_order), tuple(columns)))
        target_sheets = {s.cls: s for s in sheets}
        resolved = [
            SheetSpec(
                sheet.name,
                sheet.cls,
                sheet.kinds,
                tuple(
                    _with_targets(c, target_sheets, self) if c.kind is ColumnKind.RELATION else c
                    for c in sheet.columns
                ),
            )
            for sheet in sheets
        ]
        # the most specific sheets first, so that an entity goes to the narrowest one
        depth = {s.cls: len(self.superclasses(s.cls).intersection(sheet_classes)) for s in sheets}
        placement = tuple(sorted(resolved, key=lambda s: -depth[s.cls]))
        return Layout(tuple(resolved), definitions, placement)

    def _properties(self) -> list[tuple[str, list[str], Column]]:
        """(property, domain classes, column) for every property stated in instance data:
        not the ones inferred by a property chain, nor their inverses."""
        chained = {
            s.value
            for s in self.subjects(RDF_TYPE.value, ox.NamedNode(OWL + "ObjectProperty"))
            for chain in self.objects(s, OWL + "propertyChainAxiom")
            if s not in list(self._list(chain))  # cx:delivers is also stated, and chained
        }
        for name in list(chained):
            for inv in self.objects(ox.NamedNode(name), OWL + "inverseOf"):
                chained.add(inv.value)
            chained.update(s.value for s in self.subjects(OWL + "inverseOf", ox.NamedNode(name)))
        forward: list[tuple[str, list[str], Column]] = []
        values: list[tuple[str, list[str], Column]] = []
        inverse: list[tuple[str, list[str], Column]] = []
        declared = [
            *self.subjects(RDF_TYPE.value, ox.NamedNode(OWL + "ObjectProperty")),
            *self.subjects(RDF_TYPE.value, ox.NamedNode(OWL + "DatatypeProperty")),
        ]
        for prop in sorted(declared, key=lambda p: p.value):
            if not prop.value.startswith(CX) or prop.value in chained:
                continue
            domains = [c for d in self.objects(prop, RDFS + "domain") for c in self.classes(d)]
            ranges = [c for r in self.objects(prop, RDFS + "range") for c in self.classes(r)]
            definition = self.text(prop, SKOS + "definition")
            header = local_name(prop.value)
            if _DECIMAL in ranges or _BOOLEAN in ranges:
                kind = ColumnKind.DECIMAL if _DECIMAL in ranges else ColumnKind.BOOLEAN
                values.append(
                    (prop.value, domains, Column(header, kind, prop.value, help=definition))
                )
            elif ranges and all(r.startswith(XSD) for r in ranges):
                continue  # string-valued properties belong to findings (cx:Gap), not to sheets
            else:
                column = Column(header, ColumnKind.RELATION, prop.value, tuple(ranges), definition)
                is_inverse = bool(self.subjects(OWL + "inverseOf", prop))
                (inverse if is_inverse else forward).append((prop.value, domains, column))
        return [*forward, *values, *inverse]


def _kind_help(cls: str, kinds: list[str], definitions: dict[str, str]) -> str:
    listed = " ".join(f"{local_name(k)}: {definitions.get(k, '')}" for k in sorted(kinds))
    return (
        f"The kind of the row, one or more separated by ;. Empty means {local_name(cls)}; "
        f"{UNTYPED} states no type (the reasoner infers it from the relations). {listed}"
    )


def _with_targets(column: Column, sheets: dict[str, SheetSpec], onto: _Ontology) -> Column:
    """A relation column whose ``targets`` are sheet names: the sheets whose class is the
    range class or below it (a range with no sheet, such as owl:Thing, allows every sheet)."""
    ranges = set(column.targets)
    names = tuple(
        s.name for cls, s in sheets.items() if ranges.intersection(onto.superclasses(cls))
    )
    if not names:
        names = tuple(s.name for s in sheets.values())
    return Column(column.header, column.kind, column.property, names, column.help)
