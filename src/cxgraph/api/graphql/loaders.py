"""Batched, per-request reads of the knowledge graph for the GraphQL resolvers.

Every read goes through a saved query of ``queries/graphql/``. Resolvers ask a
:class:`Loaders` for one resource at a time; a ``DataLoader`` per relation collects the
resources asked for in the same round and reads them with one query, their IRIs in a
``VALUES`` block written from validated ``pyoxigraph.NamedNode`` terms, other values
bound as substitutions. So the number of store queries depends on the shape of a GraphQL
document, not on how many resources it returns. Queries run in a worker thread so a slow
one does not stall the server's event loop.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox
from strawberry.dataloader import DataLoader

from cxgraph.errors import InputError, QueryError
from cxgraph.gaps import Finding
from cxgraph.namespaces import RDFS_LABEL
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.queries import saved_query
from cxgraph.store import Store

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = Mapping[str, Term]


def iri_term(value: str) -> ox.NamedNode:
    """``value`` as an IRI term; an InputError if it is not a valid absolute IRI."""
    try:
        return ox.NamedNode(value)
    except ValueError as err:
        raise InputError(f"{value!r} is not a valid IRI: {err}") from None


def with_values(text: str, variable: str, terms: Iterable[ox.NamedNode]) -> str:
    """``text`` with its empty ``VALUES ?variable { }`` block filled with ``terms``.

    Only ``NamedNode`` terms go in, written in their own ``<...>`` form, which pyoxigraph
    has validated: nothing else reaches the query text."""
    marker = f"VALUES ?{variable} {{ }}"
    if text.count(marker) != 1:
        raise QueryError(f"the query must contain exactly one {marker!r}")
    block = " ".join(str(term) for term in terms if isinstance(term, ox.NamedNode))
    return text.replace(marker, f"VALUES ?{variable} {{ {block} }}")


def select(
    store: Store,
    query_id: str,
    *,
    values: tuple[str, Sequence[ox.NamedNode]] | None = None,
    bindings: Mapping[str, Term] | None = None,
) -> list[dict[str, Term]]:
    """Run a saved SELECT query; rows as dicts of the bound variables."""
    text = saved_query(query_id).text
    if values is not None:
        text = with_values(text, *values)
    substitutions = {ox.Variable(k): v for k, v in (bindings or {}).items()}
    solutions = store.query(text, substitutions=substitutions or None)
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryError(f"{query_id} is not a SELECT query")
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row: dict[str, Term] = {}
        for name in names:
            value = solution[name]
            if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
                row[name] = value
        rows.append(row)
    return rows


def pick_label(terms: Iterable[Term]) -> str | None:
    """The label to show: English first, then untagged, then any; ties by value."""
    literals = [t for t in terms if isinstance(t, ox.Literal)]
    if not literals:
        return None

    def rank(literal: ox.Literal) -> tuple[int, str]:
        language = (literal.language or "").lower()
        preference = 0 if language.split("-")[0] == "en" else 1 if not language else 2
        return (preference, literal.value)

    return min(literals, key=rank).value


# (id of the knowledge graph, its version, class IRI) -> sorted instances; like the entity
# index of linked_data, per worker process and version, and small.
_SORTED: dict[tuple[int, int, str], list[tuple[str, str, str]]] = {}
_SORTED_MAX = 64


def named_nodes(keys: Iterable[str]) -> list[ox.NamedNode]:
    """The IRIs among resource keys. A finding's focus may be a blank node, named ``_:`` plus
    its stable label (see ``cxgraph.gaps``): no store lookup can name it, so it has no
    facts here and is shown by that name."""
    return [ox.NamedNode(k) for k in keys if not k.startswith("_:")]


def sort_key(label: str) -> str:
    """How lists order labels: case-folded, then by IRI."""
    return label.casefold()


def local_name(iri: str) -> str:
    """The last segment of an IRI, shown when a resource has no label."""
    for separator in ("#", "/", ":"):
        _, sep, tail = iri.rpartition(separator)
        if sep and tail:
            return tail
    return iri


@dataclass(frozen=True)
class ProcessTree:
    """Direct sub-process links (the transitive reduction of ``cx:subProcessOf``)."""

    parents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class Loaders:
    """The reads of one GraphQL request: batched per relation and cached."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._objects: dict[str, DataLoader[str, list[Term]]] = {}
        self._subjects: dict[str, DataLoader[str, list[Term]]] = {}
        self.types: DataLoader[str, frozenset[str]] = DataLoader(load_fn=self._load_types)
        self._tree: asyncio.Task[ProcessTree] | None = None

    async def query(
        self,
        query_id: str,
        *,
        values: tuple[str, Sequence[ox.NamedNode]] | None = None,
        bindings: Mapping[str, Term] | None = None,
    ) -> list[dict[str, Term]]:
        """Run a saved query in a worker thread."""
        return await asyncio.to_thread(
            select, self.kg.store, query_id, values=values, bindings=bindings
        )

    def objects(self, predicate: ox.NamedNode) -> DataLoader[str, list[Term]]:
        """Loader: resource IRI → the values it has for ``predicate``."""
        key = predicate.value
        if key not in self._objects:
            self._objects[key] = DataLoader(
                load_fn=self._batch("graphql/objects", "subject", "object", predicate)
            )
        return self._objects[key]

    def subjects(self, predicate: ox.NamedNode) -> DataLoader[str, list[Term]]:
        """Loader: resource IRI → the resources linking to it by ``predicate``."""
        key = predicate.value
        if key not in self._subjects:
            self._subjects[key] = DataLoader(
                load_fn=self._batch("graphql/subjects", "object", "subject", predicate)
            )
        return self._subjects[key]

    @property
    def labels(self) -> DataLoader[str, list[Term]]:
        return self.objects(RDFS_LABEL)

    async def label(self, iri: str) -> str:
        """The label of a resource, or its IRI's last segment when it has none."""
        return pick_label(await self.labels.load(iri)) or local_name(iri)

    def _batch(
        self, query_id: str, key_var: str, value_var: str, predicate: ox.NamedNode
    ) -> Callable[[list[str]], Awaitable[list[list[Term]]]]:
        """A batch function: the ``value_var`` terms of each ``key_var`` key."""

        async def load(keys: list[str]) -> list[list[Term]]:
            terms = named_nodes(keys)
            rows = await self.query(
                query_id, values=(key_var, terms), bindings={"property": predicate}
            )
            found: dict[str, list[Term]] = defaultdict(list)
            for row in rows:
                key, value = row.get(key_var), row.get(value_var)
                if isinstance(key, ox.NamedNode) and value is not None:
                    found[key.value].append(value)
            return [sorted(found.get(k, []), key=str) for k in keys]

        return load

    async def _load_types(self, keys: list[str]) -> list[frozenset[str]]:
        rows = await self.query("graphql/types", values=("node", named_nodes(keys)))
        found: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            node, cls = row.get("node"), row.get("class")
            if isinstance(node, ox.NamedNode) and isinstance(cls, ox.NamedNode):
                found[node.value].add(cls.value)
        return [frozenset(found.get(k, ())) for k in keys]

    async def instances(self, class_iri: str) -> list[tuple[str, str]]:
        """Every instance of a class as (IRI, label), sorted by label then IRI; their
        labels are primed into the label loader."""
        rows = await self.query("graphql/instances", bindings={"class": ox.NamedNode(class_iri)})
        labels: dict[str, list[Term]] = defaultdict(list)
        for row in rows:
            node = row.get("node")
            if isinstance(node, ox.NamedNode):
                label = row.get("label")
                labels[node.value].extend([label] if label is not None else [])
        self.labels.prime_many({iri: sorted(terms, key=str) for iri, terms in labels.items()})
        named = [(iri, pick_label(terms) or local_name(iri)) for iri, terms in labels.items()]
        return sorted(named, key=lambda item: (sort_key(item[1]), item[0]))

    async def sorted_instances(self, class_iri: str) -> list[tuple[str, str, str]]:
        """Every instance of a class as (sort key, IRI, label), in list order; read and
        sorted once per knowledge-graph version in this process, so that paging is a
        binary search (keyset paging) and not a sort of every instance per request."""
        key = (id(self.kg), self.kg.version, class_iri)
        if key not in _SORTED:
            items = await self.instances(class_iri)
            if len(_SORTED) >= _SORTED_MAX:
                _SORTED.clear()
            _SORTED[key] = [(sort_key(label), iri, label) for iri, label in items]
        return _SORTED[key]

    async def process_tree(self) -> ProcessTree:
        """The direct sub-process links, read once per request."""
        if self._tree is None:
            self._tree = asyncio.ensure_future(self._read_tree())
        return await self._tree

    async def _read_tree(self) -> ProcessTree:
        parents: dict[str, list[str]] = defaultdict(list)
        children: dict[str, list[str]] = defaultdict(list)
        for row in await self.query("graphql/process-tree"):
            child, parent = row.get("child"), row.get("parent")
            if isinstance(child, ox.NamedNode) and isinstance(parent, ox.NamedNode):
                parents[child.value].append(parent.value)
                children[parent.value].append(child.value)
        return ProcessTree(
            {k: tuple(sorted(v)) for k, v in parents.items()},
            {k: tuple(sorted(v)) for k, v in children.items()},
        )

    @cached_property
    def findings_by_focus(self) -> dict[str, list[Finding]]:
        """The knowledge graph's findings, grouped by the resource they are about."""
        grouped: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.kg.findings:
            grouped[finding.focus].append(finding)
        return dict(grouped)

    @cached_property
    def findings_by_iri(self) -> dict[str, Finding]:
        """The findings by their own IRI (``urn:cxgraph:gap:...``)."""
        return {finding.iri: finding for finding in self.kg.findings}
