"""A remote SPARQL 1.1 store over HTTP, in place of the embedded pyoxigraph store.

:class:`RemoteStore` implements the store interface,
:class:`cxgraph.store.backend.StoreBackend` (the part of ``pyoxigraph.Store``'s API the engine
uses: ``query``, ``update``, ``quads_for_pattern``, ``extend``, graph management, ``load``),
so :class:`cxgraph.store.Store` can hold one instead of an embedded store: loading pushes
the data in bulk (the Graph Store Protocol where the server has it, else batched
``INSERT DATA``), and reasoning and the gap rules run inside the remote store as SPARQL
updates; only query results travel back. Results are real pyoxigraph values (parsed with
``parse_query_results`` and ``parse``).

Blank nodes cannot be named in a query sent over HTTP, and the compiled rules bind the
ontology's anonymous class expressions by name. So blank nodes are skolemized on the way
in: ``_:x`` is stored as ``<urn:cxgraph:bnode:x>``, and such IRIs are read back as blank
nodes. Inside the store they are IRIs (``isBlank`` is false for them), which is the one
place a remote store differs: a finding about a blank node is named by that IRI.

Where the endpoints are, the store's dialect and the credentials are a
:class:`cxgraph.store.location.RemoteLocation` (:mod:`cxgraph.config` reads the environment,
nothing here does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import pyoxigraph as ox

from cxgraph.errors import StoreRefused
from cxgraph.formats import GRAPH_FORMATS, JSON, NQUADS, NTRIPLES, format_for_media_type
from cxgraph.store.http import StoreHttp
from cxgraph.store.location import Dialect, RemoteLocation
from cxgraph.store.terms import (
    SKOLEM_PREFIX,
    graph_iri,
    query_form,
    skolem_quad,
    sparql_term,
    unskolem_json,
    unskolem_triple,
    with_values,
    without_literals,
)

_BATCH = 20_000
"""Quads per request when pushing data."""
_PRESENT_BATCH = 1_000
"""Subject, predicate and graph keys one membership query asks about."""
_PAGE = 5_000
"""Quads a pattern read asks for first (callers often stop early: a size check)."""
_NT, _PLAIN = NTRIPLES.media_types[:2]  # application/n-triples, text/plain
_ACCEPT = f"{JSON.media_type}, {_NT};q=0.9, {_PLAIN};q=0.5"
_ACCEPT_GRAPH = f"{_NT}, {_PLAIN};q=0.5"
"""What a CONSTRUCT or DESCRIBE asks for: N-Triples only (Virtuoso answers a graph as JSON
bindings if JSON is acceptable)."""
_GRAPH = re.compile(r"\bGRAPH\b", re.IGNORECASE)
_VIRTUOSO_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
"""Graphs a fresh Virtuoso holds for itself: never cxgraph's."""
_FRESH_NODE = re.compile(r"\bBNODE\s*\(\s*\)", re.IGNORECASE)
_FRESH_IRI = f'IRI(CONCAT("{SKOLEM_PREFIX}", STRUUID()))'
"""Virtuoso 7.2 has no ``BNODE()``: a fresh skolem IRI stands for a fresh blank node."""

Term = ox.NamedNode | ox.BlankNode | ox.Literal
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
Subject = ox.NamedNode | ox.BlankNode


# -- the store -----------------------------------------------------------------------------


class RemoteStore:
    """A remote SPARQL 1.1 store implementing :class:`cxgraph.store.backend.StoreBackend`
    (composition: every call is one or a few HTTP requests)."""

    def __init__(self, location: RemoteLocation) -> None:
        self.location = location
        self._http = StoreHttp(location)

    @property
    def requests(self) -> int:
        """HTTP requests made so far (for measurements)."""
        return self._http.requests

    @property
    def waited(self) -> float:
        """Seconds spent waiting for responses so far (for measurements)."""
        return self._http.waited

    # -- SPARQL -------------------------------------------------------------------------

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Sequence[GraphName] | GraphName | None = None,
        named_graphs: Sequence[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: Mapping[ox.Variable, object] | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
        """Run a query remotely; SELECT and ASK give pyoxigraph results, CONSTRUCT and
        DESCRIBE an iterator of triples."""
        text = with_values(query, substitutions or {})
        if self.location.dialect is Dialect.VIRTUOSO:
            text = _FRESH_NODE.sub(_FRESH_IRI, text)
        if prefixes:
            text = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()) + text
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        fields: list[tuple[str, str]] = [("query", text)]
        if isinstance(default_graph, GraphName):
            default_graph = [default_graph]
        graphs: Sequence[ox.NamedNode | ox.BlankNode]
        if default_graph is not None:
            fields += [("default-graph-uri", graph_iri(g)) for g in default_graph]
            if named_graphs is not None:
                graphs = list(named_graphs)
            else:  # pyoxigraph keeps every named graph; only a GRAPH pattern can see them
                graphs = self.named_graphs() if _GRAPH.search(without_literals(text)) else []
            fields += [("named-graph-uri", graph_iri(g)) for g in graphs]
            if not default_graph and not graphs:
                # an empty dataset: name one graph that cannot exist
                fields.append(("named-graph-uri", SKOLEM_PREFIX + "empty-dataset"))
        elif named_graphs is not None and not use_default_graph_as_union:
            fields += [("named-graph-uri", graph_iri(g)) for g in named_graphs]
        elif use_default_graph_as_union:
            if self.location.dialect is Dialect.OXIGRAPH:
                fields += [("named-graph-uri", graph_iri(g)) for g in named_graphs or ()]
                fields.append(("union-default-graph", ""))
            else:  # Virtuoso's own default graph would include its system graphs
                held = self.named_graphs()
                names = [g.value for g in held] or [SKOLEM_PREFIX + "empty-dataset"]
                fields += [("default-graph-uri", name) for name in names]
                named = held if named_graphs is None else named_graphs
                fields += [("named-graph-uri", graph_iri(g)) for g in named]
        graph_result = query_form(text) in ("CONSTRUCT", "DESCRIBE")
        content_type, body = self._http.form(
            self.location.query,
            fields,
            # Virtuoso answers a CONSTRUCT as JSON bindings if that is acceptable
            _ACCEPT_GRAPH if graph_result else _ACCEPT,
        )
        if format_for_media_type(content_type, [JSON]) is not None:
            return ox.parse_query_results(unskolem_json(body), format=ox.QueryResultsFormat.JSON)
        fmt = format_for_media_type(content_type, GRAPH_FORMATS) or NTRIPLES
        assert fmt.rdf is not None
        return (unskolem_triple(q.triple) for q in ox.parse(body, format=fmt.rdf))

    def update(
        self,
        update: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        """Run a SPARQL update remotely."""
        text = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items()) + update
        text = f"BASE <{base_iri}>\n{text}" if base_iri else text
        if self.location.dialect is Dialect.VIRTUOSO:
            text = _FRESH_NODE.sub(_FRESH_IRI, text)
        try:
            self._http.form(self.location.update, [("update", text)], None)
        except SyntaxError as err:  # cxgraph wrote this update: the store's dialect differs
            raise StoreRefused(f"{self.location} refused an update: {err}") from None

    def _select(self, text: str) -> ox.QuerySolutions:
        result = self.query(text)
        assert isinstance(result, ox.QuerySolutions)
        return result

    # -- quads --------------------------------------------------------------------------

    def quads_for_pattern(
        self,
        subject: object | None,
        predicate: object | None,
        object: object | None,
        graph_name: object | None = None,
    ) -> Iterator[ox.Quad]:
        """Quads of the named graphs matching the pattern (None matches anything), read
        lazily: the first :data:`_PAGE` in one request, the rest only if asked for."""
        names = ("s", "p", "o", "g")
        given = (subject, predicate, object, graph_name)
        terms = [
            f"?{n}" if t is None else sparql_term(t) for n, t in zip(names, given, strict=True)
        ]
        wanted = [f"?{n}" for n, t in zip(names, given, strict=True) if t is None]
        if not wanted:
            return iter([q for q in [self._quad(given)] if q in self])
        s, p, o, g = terms
        text = f"SELECT {' '.join(wanted)} WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}"

        def quads(limit: str) -> list[ox.Quad]:
            pairs = list(zip(names, given, strict=True))
            rows = self._select(text + limit)
            return [self._quad(tuple(row[n] if t is None else t for n, t in pairs)) for row in rows]

        def pages() -> Iterator[ox.Quad]:
            first = quads(f" LIMIT {_PAGE}")
            yield from first
            if len(first) == _PAGE:
                # no stable order without a sort: read all, skip what was given (quads
                # of a store are a set)
                seen = set(first)
                yield from (q for q in quads("") if q not in seen)

        return pages()

    def held_in(
        self, triples: Sequence[ox.Triple], graphs: Sequence[ox.NamedNode]
    ) -> set[ox.Triple]:
        """Those of ``triples`` that one of ``graphs`` holds, asked in batches (subjects
        and predicates in ``VALUES``, objects compared here, as in :meth:`present`)."""
        if not triples or not graphs:
            return set()
        for triple in triples:
            sparql_term(triple.object)
        wanted = set(triples)
        keys = sorted({(t.subject, t.predicate) for t in triples}, key=str)
        in_graphs = " ".join(sparql_term(g) for g in graphs)
        held: set[ox.Triple] = set()
        for start in range(0, len(keys), _PRESENT_BATCH):
            rows = " ".join(
                f"({sparql_term(s)} {sparql_term(p)})"
                for s, p in keys[start : start + _PRESENT_BATCH]
            )
            found = self._select(
                f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES (?s ?p) {{ {rows} }} "
                f"VALUES ?g {{ {in_graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            )
            held |= {t for t in (ox.Triple(*row) for row in found) if t in wanted}
        return held

    @staticmethod
    def _quad(parts: tuple[object, ...]) -> ox.Quad:
        s, p, o, g = parts
        return ox.Quad(s, p, o, g)  # type: ignore[arg-type]

    def __contains__(self, quad: ox.Quad) -> bool:
        s, p, o = (sparql_term(t) for t in (quad.subject, quad.predicate, quad.object))
        if isinstance(quad.graph_name, ox.DefaultGraph):
            text = f"ASK {{ {s} {p} {o} }}"
        else:
            text = f"ASK {{ GRAPH {sparql_term(quad.graph_name)} {{ {s} {p} {o} }} }}"
        return bool(self.query(text))

    def __len__(self) -> int:
        hidden = ""
        if self.location.dialect is Dialect.VIRTUOSO:
            hidden = f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in _VIRTUOSO_GRAPHS)}))"
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {hidden} }}"
        (row,) = self._select(text)
        return int(row["n"].value)

    def add(self, quad: ox.Quad) -> None:
        self.extend([quad])

    def remove(self, quad: ox.Quad) -> None:
        self.update(f"DELETE DATA {{ {self._data([quad])} }}")

    def remove_all(self, quads: Iterable[ox.Quad]) -> None:
        """Remove quads in batches (one ``DELETE DATA`` request per batch)."""
        batch = list(quads)
        for start in range(0, len(batch), _BATCH):
            self.update(f"DELETE DATA {{ {self._data(batch[start : start + _BATCH])} }}")

    def present(self, quads: Sequence[ox.Quad]) -> list[ox.Quad]:
        """Those of ``quads`` (in named graphs) the store holds, asked in batches: the
        subjects, predicates and graphs go in ``VALUES`` (objects are compared here:
        Virtuoso does not match language-tagged literals given in ``VALUES``), one request
        per batch instead of one ``ASK`` per quad."""
        for quad in quads:
            sparql_term(quad.object)  # a term the store cannot hold is refused before any write
        wanted = set(quads)
        keys = sorted({(q.subject, q.predicate, q.graph_name) for q in quads}, key=str)
        held: list[ox.Quad] = []
        for start in range(0, len(keys), _PRESENT_BATCH):
            rows = " ".join(
                "(" + " ".join(sparql_term(term) for term in key) + ")"
                for key in keys[start : start + _PRESENT_BATCH]
            )
            found = self._select(
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?g) {{ {rows} }} "
                "GRAPH ?g { ?s ?p ?o } }"
            )
            held += [q for q in (self._quad(tuple(row)) for row in found) if q in wanted]
        return held

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in bulk (N-Quads to the Graph Store endpoint, else ``INSERT DATA``)."""
        batch: list[ox.Quad] = []
        for quad in quads:
            batch.append(skolem_quad(quad))
            if len(batch) >= _BATCH:
                self._push(batch)
                batch = []
        if batch:
            self._push(batch)

    def _push(self, quads: list[ox.Quad]) -> None:
        if self.location.graph_store is not None:
            body = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
            self._http.post(self.location.graph_store, body, NQUADS.media_type)
        else:
            self.update(f"INSERT DATA {{ {self._data(quads)} }}")

    @staticmethod
    def _data(quads: Iterable[ox.Quad]) -> str:
        parts = []
        for q in quads:
            triple = " ".join(sparql_term(t) for t in (q.subject, q.predicate, q.object))
            if isinstance(q.graph_name, ox.DefaultGraph):
                parts.append(f"{triple} .")
            else:
                parts.append(f"GRAPH {sparql_term(q.graph_name)} {{ {triple} }}")
        return " ".join(parts)

    def load(
        self,
        input: bytes,
        format: ox.RdfFormat,
        *,
        base_iri: str | None = None,
        to_graph: ox.NamedNode | None = None,
    ) -> None:
        """Parse locally (the same errors as an embedded store), then push in bulk."""
        staging = ox.Store()
        staging.load(input, format, base_iri=base_iri, to_graph=to_graph)
        self.extend(staging)

    def dump(
        self,
        output: None = None,
        format: ox.RdfFormat = ox.RdfFormat.N_QUADS,
        *,
        from_graph: ox.NamedNode | None = None,
    ) -> bytes:
        """The named graphs (or one graph's triples) serialized."""
        quads = list(self.quads_for_pattern(None, None, None, from_graph))
        if from_graph is not None:
            return ox.serialize([q.triple for q in quads], format=format) or b""
        return ox.serialize(quads, format=format) or b""

    # -- graphs -------------------------------------------------------------------------

    def named_graphs(self) -> list[ox.NamedNode]:
        if self.location.dialect is Dialect.OXIGRAPH:
            text = "SELECT ?g WHERE { GRAPH ?g { } }"
        else:
            # GROUP BY, not DISTINCT: Virtuoso 7.2 answers it from an index (ms, not s)
            text = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        graphs = (row["g"] for row in self._select(text))
        hidden = _VIRTUOSO_GRAPHS if self.location.dialect is Dialect.VIRTUOSO else ()
        return [g for g in graphs if isinstance(g, ox.NamedNode) and g.value not in hidden]

    def contains_named_graph(self, graph_name: ox.NamedNode) -> bool:
        if self.location.dialect is Dialect.OXIGRAPH:
            return bool(self.query(f"ASK {{ GRAPH {sparql_term(graph_name)} {{ }} }}"))
        return bool(self.query(f"ASK {{ GRAPH {sparql_term(graph_name)} {{ ?s ?p ?o }} }}"))

    def add_graph(self, graph_name: ox.NamedNode) -> None:
        self.update(f"CREATE SILENT GRAPH {sparql_term(graph_name)}")

    def clear_graph(self, graph_name: ox.NamedNode) -> None:
        self.update(f"CLEAR SILENT GRAPH {sparql_term(graph_name)}")

    def remove_graph(self, graph_name: ox.NamedNode | ox.BlankNode) -> None:
        self.update(f"DROP SILENT GRAPH <{graph_iri(graph_name)}>")

    def flush(self) -> None:
        """Nothing to do: each update is committed by the server."""

    def check(self) -> None:
        """Raise StoreError unless the store answers a query."""
        self.query("ASK { }")
