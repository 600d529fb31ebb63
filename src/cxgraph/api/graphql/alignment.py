"""Alignment matrices between two kinds of resource, ready for a heat map.

An alignment pairs every resource of one kind (rows) with every resource of another
(columns). A cell's ``count`` is how many links join the two, as the pairing's saved
query ``queries/graphql/alignment-<rows>-<columns>.rq`` defines them (for personas x
processes: how many of the persona's needs the process meets). A cell's ``gapIds`` are
the findings on its row or its column resource whose rule bears on the pairing (for
personas x processes: ``unserved-persona`` and ``inside-out-process``). Cells are dense,
row by row, so a zero-count cell still shows the gaps behind it. Asking for the two kinds
the other way round transposes the same matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pyoxigraph as ox
import strawberry

from cxgraph.api.graphql.context import Info
from cxgraph.api.graphql.entities import TYPE_BY_KIND, Node, construct
from cxgraph.api.graphql.kinds import Kind
from cxgraph.api.graphql.limits import MAX_ALIGNMENT_CELLS
from cxgraph.api.graphql.loaders import Loaders
from cxgraph.errors import InputError
from cxgraph.queries import saved_query


@dataclass(frozen=True)
class Pairing:
    """Two kinds, in the orientation of their saved query, and the rules that bear on them."""

    rows: Kind
    columns: Kind
    rules: frozenset[str]

    @property
    def query_id(self) -> str:
        return f"graphql/alignment-{_stem(self.rows)}-{_stem(self.columns)}"


def _stem(kind: Kind) -> str:
    return kind.name.lower().replace("_", "-")


PAIRINGS: tuple[Pairing, ...] = tuple(
    Pairing(rows, columns, frozenset(rules))
    for rows, columns, rules in [
        (Kind.PERSONA, Kind.PROCESS, {"unserved-persona", "inside-out-process"}),
        (Kind.NEED, Kind.PROCESS, {"unmet-need", "inside-out-process"}),
        (
            Kind.BRAND_PROMISE,
            Kind.EXPERIENCE,
            {"promise-without-experience", "experience-below-promise"},
        ),
        (Kind.PERSONA, Kind.NEED, {"unserved-persona", "unmet-need", "unaddressed-need"}),
        (Kind.NEED, Kind.OFFERING, {"unmet-need"}),
        (Kind.PROCESS, Kind.PARTY, {"ownerless-process"}),
        (Kind.PERSONA, Kind.OUTCOME, {"unachieved-outcome"}),
        (Kind.OUTCOME, Kind.PROCESS, {"unachieved-outcome", "inside-out-process"}),
        (
            Kind.PERSONA,
            Kind.VALUE_PROPOSITION,
            {"unserved-persona", "unbacked-proposition", "uninformed-proposition"},
        ),
        (Kind.NEED, Kind.VALUE_PROPOSITION, {"unaddressed-need", "unbacked-proposition"}),
        (
            Kind.MOMENT_OF_TRUTH,
            Kind.BRAND_PROMISE,
            {"unmeasured-moment-of-truth", "promise-without-experience"},
        ),
        (Kind.PROCESS, Kind.METRIC, {"unmeasured-process", "metric-off-target"}),
        (Kind.PROCESS, Kind.INFORMATION_SYSTEM, set()),
        (Kind.PROCESS, Kind.OFFERING, {"inside-out-process"}),
    ]
)


def find_pairing(rows: Kind, columns: Kind) -> tuple[Pairing, bool]:
    """The pairing of two kinds and whether it is transposed; an InputError naming the
    supported pairs if there is none."""
    for pairing in PAIRINGS:
        if (pairing.rows, pairing.columns) == (rows, columns):
            return pairing, False
        if (pairing.rows, pairing.columns) == (columns, rows):
            return pairing, True
    known = ", ".join(f"{p.rows.name} x {p.columns.name}" for p in PAIRINGS)
    raise InputError(
        f"no alignment of {rows.name} x {columns.name}; supported (either way round): {known}"
    )


async def link_counts(
    loaders: Loaders, pairing: Pairing, transposed: bool
) -> dict[tuple[str, str], int]:
    """(row IRI, column IRI) → number of links, in the requested orientation."""
    counts: dict[tuple[str, str], int] = {}
    for r in await loaders.query(pairing.query_id):
        row, column, count = r.get("row"), r.get("column"), r.get("count")
        if isinstance(row, ox.NamedNode) and isinstance(column, ox.NamedNode) and count:
            key = (column.value, row.value) if transposed else (row.value, column.value)
            counts[key] = int(count.value)
    return counts


@strawberry.type(description="One cell of an alignment matrix.")
class AlignmentCell:
    row: str = strawberry.field(description="The IRI of the row resource.")
    column: str = strawberry.field(description="The IRI of the column resource.")
    count: int = strawberry.field(description="How many links join the two (see Alignment.link).")
    gap_ids: list[str] = strawberry.field(
        description="IRIs of the findings on the row or the column resource whose rule bears "
        "on this pairing (see Alignment.rules); resolve them with node(iri)."
    )


@strawberry.type(description="A matrix between two kinds of resource, ready for a heat map.")
class Alignment:
    row_kind: Kind
    column_kind: Kind
    link: str = strawberry.field(description="What a cell's count counts.")
    rules: list[str] = strawberry.field(description="The gap rules whose findings cells carry.")
    rows: list[Node] = strawberry.field(description="The row resources, by label.")
    columns: list[Node] = strawberry.field(description="The column resources, by label.")
    cells: list[AlignmentCell] = strawberry.field(
        description="Every (row, column) pair, row by row, in the order of rows and columns."
    )


async def resolve_alignment(
    info: Info,
    rows: Annotated[Kind, strawberry.argument(description="The kind of the rows.")],
    columns: Annotated[Kind, strawberry.argument(description="The kind of the columns.")],
    top_level_only: Annotated[
        bool,
        strawberry.argument(
            description="Keep only top-level (end-to-end) processes on a process axis."
        ),
    ] = False,
) -> Alignment:
    """The alignment of ``rows`` x ``columns`` (see the module docstring)."""
    pairing, transposed = find_pairing(rows, columns)
    loaders = info.context.loaders
    axes = []
    for kind in (rows, columns):
        items = await loaders.instances(kind.class_iri)
        if top_level_only and kind is Kind.PROCESS:
            parents = (await loaders.process_tree()).parents
            items = [(iri, label) for iri, label in items if not parents.get(iri)]
        axes.append([iri for iri, _ in items])
    row_iris, column_iris = axes
    if len(row_iris) * len(column_iris) > MAX_ALIGNMENT_CELLS:
        raise InputError(
            f"{len(row_iris)} x {len(column_iris)} cells is more than {MAX_ALIGNMENT_CELLS}"
        )
    counts = await link_counts(loaders, pairing, transposed)
    by_focus = loaders.findings_by_focus

    def relevant(iri: str) -> list[str]:
        return [f.iri for f in by_focus.get(iri, []) if f.rule in pairing.rules]

    column_gaps = {c: relevant(c) for c in column_iris}
    cells = []
    for row in row_iris:
        row_gaps = relevant(row)
        for column in column_iris:
            cells.append(
                AlignmentCell(
                    row=row,
                    column=column,
                    count=counts.get((row, column), 0),
                    gap_ids=sorted(row_gaps + column_gaps[column]),
                )
            )
    return Alignment(
        row_kind=rows,
        column_kind=columns,
        link=saved_query(pairing.query_id).description,
        rules=sorted(pairing.rules),
        rows=await construct(loaders, _type_name(rows), row_iris),
        columns=await construct(loaders, _type_name(columns), column_iris),
        cells=cells,
    )


def _type_name(kind: Kind) -> str:
    return TYPE_BY_KIND[kind].__name__
