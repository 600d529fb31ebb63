"""Lists of one kind of resource: filters and cursor pagination (Relay-style connections).

A list is every instance of the kind's class, sorted by case-folded label then IRI, and
paged: ``first`` items (at most ``MAX_FIRST``) after the opaque ``after`` cursor, which
holds the sort key of the last item seen. An unfiltered list pages by binary search over the
class's instances, read and sorted once per knowledge-graph version (keyset paging); a
filtered one is read and filtered in Python per request (the filter strings never reach
SPARQL). ``totalCount`` is computed only when asked for.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_right
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from cxgraph.api.graphql.context import Info
from cxgraph.api.graphql.entities import TYPE_BY_KIND, Node, construct
from cxgraph.api.graphql.fields import check_rule, described, matching
from cxgraph.api.graphql.kinds import Kind
from cxgraph.api.graphql.limits import DEFAULT_FIRST, check_first
from cxgraph.api.graphql.loaders import sort_key
from cxgraph.errors import InputError
from cxgraph.gaps import Severity

T = TypeVar("T")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A node of a list with its cursor.")
class Edge(Generic[T]):
    node: T
    cursor: str = strawberry.field(description="Pass as `after` to get the nodes after this one.")


@strawberry.type(description="A page of a list.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @described("How many nodes the filtered list holds.")
    async def total_count(self) -> int:
        return await self.count()

    @described("The nodes of the page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


@strawberry.input(
    description="Keep the resources having at least one finding of this rule and severity."
)
class GapFilter:
    rule: str | None = strawberry.field(
        default=None, description="A gap rule id, such as unmet-need."
    )
    severity: Severity | None = None


def encode_cursor(label: str, iri: str) -> str:
    raw = json.dumps([sort_key(label), iri], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_cursor(cursor: str) -> tuple[str, str]:
    """The sort key a cursor stands for; an InputError if it is not one of ours."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        key = None
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key)):
        raise InputError(f"{cursor!r} is not a cursor from this list")
    return key[0], key[1]


def page(
    items: list[tuple[str, str]], first: int, after: str | None
) -> tuple[list[tuple[str, str]], bool, bool]:
    """The page of (IRI, label) ``items`` (sorted by label, then IRI) after ``after``:
    the items, whether more follow, whether some precede."""
    start = 0
    if after is not None:
        key = decode_cursor(after)
        start = next(
            (i for i, (iri, label) in enumerate(items) if (sort_key(label), iri) > key),
            len(items),
        )
    chosen = items[start : start + first]
    return chosen, start + first < len(items), start > 0


async def list_nodes(
    info: Info,
    kind: Kind,
    first: int,
    after: str | None,
    label_contains: str | None,
    has_gaps_of: GapFilter | None,
) -> Connection[Node]:
    """One page of the resources of ``kind`` that pass the filters."""
    check_first(first)
    loaders = info.context.loaders
    if not label_contains and has_gaps_of is None:
        every = await loaders.sorted_instances(kind.class_iri)
        start = 0
        if after is not None:
            start = bisect_right(every, decode_cursor(after), key=lambda item: item[:2])
        chosen = [(iri, label) for _, iri, label in every[start : start + first]]
        has_next, has_previous = start + first < len(every), start > 0

        async def count() -> int:
            return len(every)

    else:
        items = await loaders.instances(kind.class_iri)
        if label_contains:
            needle = label_contains.casefold()
            items = [(iri, label) for iri, label in items if needle in label.casefold()]
        if has_gaps_of is not None:
            check_rule(has_gaps_of.rule)
            by_focus = loaders.findings_by_focus
            items = [
                (iri, label)
                for iri, label in items
                if matching(by_focus.get(iri, []), has_gaps_of.rule, has_gaps_of.severity)
            ]
        chosen, has_next, has_previous = page(items, first, after)

        async def count() -> int:
            return len(items)

    target = "Activity" if kind is Kind.ACTIVITY else TYPE_BY_KIND[kind].__name__
    nodes = await construct(loaders, target, [iri for iri, _ in chosen])
    edges = [
        Edge(node=node, cursor=encode_cursor(label, iri))
        for node, (iri, label) in zip(nodes, chosen, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )


def listing(kind: Kind, description: str) -> Any:
    """A root field listing the resources of ``kind`` as a connection."""

    async def resolve(
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many nodes to return, at most 100.")
        ] = DEFAULT_FIRST,
        after: Annotated[
            str | None, strawberry.argument(description="Return the nodes after this cursor.")
        ] = None,
        label_contains: Annotated[
            str | None,
            strawberry.argument(description="Keep nodes whose label contains this, ignoring case."),
        ] = None,
        has_gaps_of: Annotated[
            GapFilter | None,
            strawberry.argument(description="Keep nodes with a finding of this rule/severity."),
        ] = None,
    ) -> Connection[Node]:
        return await list_nodes(info, kind, first, after, label_contains, has_gaps_of)

    connection: Any = Connection[TYPE_BY_KIND[kind]]  # type: ignore[valid-type]
    return strawberry.field(resolver=resolve, graphql_type=connection, description=description)
