"""Linked data: the served model's entity IRIs resolve to pages.

A request path is matched against the path of every entity IRI in the data graphs
(``https://example.org/telecom#install`` is served at ``/telecom``; with
``settings.base_url`` only IRIs under that base). ``?iri=<entity IRI>`` on that path names
one entity of the document. Browsers get HTML (``cxgraph.api.entity_page``: the document's
index, or one entity's page); RDF clients get the descriptions (Turtle for ``*/*``) of the
document's entities or of the one named; anything else is a 406. Mounted last, so every
other route wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from cxgraph.api import entity_page
from cxgraph.api.protocol import GRAPH_FORMATS, HTML, READ_CORS, negotiate
from cxgraph.api.state import get_kg
from cxgraph.config import Settings
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.queries import saved_query

_OFFERED = (*GRAPH_FORMATS, HTML)  # Turtle first: what */* gets


@dataclass
class _EntityIndex:
    size: int
    store_id: int
    documents: dict[str, list[str]]


_document_key = entity_page.document_key


def _index(request: Request, kg: KnowledgeGraph) -> dict[str, list[str]]:
    cached: _EntityIndex | None = getattr(request.app.state, "entity_index", None)
    size = len(kg.store)
    if cached and cached.size == size and cached.store_id == id(kg.store):
        return cached.documents
    settings: Settings = request.app.state.settings
    documents: dict[str, set[str]] = {}
    for graph in kg.store.data_graphs():
        for quad in kg.store.ox.quads_for_pattern(None, None, None, graph):
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode):
                continue
            iri = subject.value
            if not iri.startswith(("http://", "https://")):
                continue
            if settings.base_url and not iri.startswith(settings.base_url):
                continue
            documents.setdefault(_document_key(iri), set()).add(iri)
    index = {key: sorted(values) for key, values in documents.items()}
    request.app.state.entity_index = _EntityIndex(size, id(kg.store), index)
    return index


def mount(app: FastAPI, settings: Settings) -> None:
    """Register the catch-all entity route (must be mounted after every other route)."""

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def entity(path: str, request: Request) -> Response:
        kg = get_kg(request)
        key = "/" + path + (f"?{request.url.query}" if request.url.query else "")
        iris = _index(request, kg).get(key)
        named = request.query_params.get("iri")
        if not iris and named is not None:  # one entity of the document at /path
            document = _index(request, kg).get(_document_key(named), [])
            if urlsplit(named).path == "/" + path and named in document:
                key, iris = _document_key(named), [named]
        if not iris:
            raise HTTPException(status_code=404, detail=f"nothing is served at /{path}")
        fmt = negotiate(request.headers.get("accept"), _OFFERED)
        if fmt is None:
            offered = ", ".join(f.media_type for f in _OFFERED)
            return Response(
                f"Not acceptable; this resource is available as {offered}\n",
                status_code=406,
                media_type="text/plain",
                headers={"Vary": "Accept"},
            )
        if fmt.same(HTML):
            served = frozenset(i for group in _index(request, kg).values() for i in group)
            page = (
                entity_page.render_entity(kg, iris[0], served)
                if len(iris) == 1
                else entity_page.render_index(kg, key, iris, served)
            )
            return HTMLResponse(page, headers={"Vary": "Accept"})
        assert fmt.rdf is not None
        return Response(
            describe(kg, iris, fmt.rdf),
            media_type=fmt.content_type,
            headers={"Vary": "Accept", **READ_CORS},
        )


def describe(kg: KnowledgeGraph, iris: list[str], fmt: ox.RdfFormat) -> bytes:
    """The symmetric description of each entity, serialised in ``fmt``."""
    text = saved_query("entity/describe").text
    triples: set[ox.Triple] = set()
    for iri in iris:
        result = kg.store.query(text, substitutions={ox.Variable("entity"): ox.NamedNode(iri)})
        triples.update(result)  # type: ignore[arg-type]
    return ox.serialize(sorted(triples, key=str), format=fmt) or b""
