"""Linked data: the served model's entity IRIs resolve to pages.

A request path is matched against the path of every entity IRI in the data graphs
(``https://example.org/telecom#install`` is served at ``/telecom``; with
``settings.base_url`` only IRIs under that base). Browsers get an HTML page; RDF clients
get the entities' descriptions (Turtle for ``*/*``); anything else is a 406. Mounted last,
so every other route wins.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

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


def _document_key(iri: str) -> str:
    parts = urlsplit(iri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


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
            return HTMLResponse(render_page(kg, iris, served), headers={"Vary": "Accept"})
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


def _label_of(kg: KnowledgeGraph, iri: str) -> str:
    for quad in kg.store.ox.quads_for_pattern(
        ox.NamedNode(iri), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None
    ):
        if isinstance(quad.object, ox.Literal):
            return quad.object.value
    return iri


def _link(iri: str, label: str | None, served: frozenset[str]) -> str:
    text = html.escape(label or iri)
    if iri in served:
        return (
            f'<a href="{html.escape(_document_key(iri))}#{html.escape(urlsplit(iri).fragment)}"'
            f' title="{html.escape(iri)}">{text}</a>'
        )
    return f'<span title="{html.escape(iri)}">{text}</span>'


def _term(term: object, label: object, served: frozenset[str]) -> str:
    if isinstance(term, ox.NamedNode):
        return _link(term.value, label.value if isinstance(label, ox.Literal) else None, served)
    if isinstance(term, ox.Literal):
        return html.escape(term.value)
    return html.escape(str(term))


def _solutions(kg: KnowledgeGraph, text: str, entity: ox.NamedNode) -> ox.QuerySolutions:
    result = kg.store.query(text, substitutions={ox.Variable("entity"): entity})
    assert isinstance(result, ox.QuerySolutions)
    return result


def render_page(kg: KnowledgeGraph, iris: list[str], served: frozenset[str]) -> str:
    """An HTML page describing the entities of one document."""
    sections = []
    outgoing = saved_query("entity/outgoing").text
    incoming = saved_query("entity/incoming").text
    for iri in iris:
        entity = ox.NamedNode(iri)
        fragment = urlsplit(iri).fragment
        rows = []
        for row in _solutions(kg, outgoing, entity):
            rows.append(
                f"<tr><td>{_term(row['p'], row['pLabel'], served)}</td>"
                f"<td>{_term(row['o'], row['oLabel'], served)}</td></tr>"
            )
        back = []
        for row in _solutions(kg, incoming, entity):
            back.append(
                f"<tr><td>{_term(row['s'], row['sLabel'], served)}</td>"
                f"<td>{_term(row['p'], row['pLabel'], served)}</td></tr>"
            )
        gaps = [f for f in kg.findings if f.focus == iri]
        gap_items = "".join(
            f'<li class="{f.severity.value}"><strong>{html.escape(f.rule)}</strong> '
            f"({f.severity.value}): {html.escape(f.message)}</li>"
            for f in gaps
        )
        sections.append(
            f'<section id="{html.escape(fragment)}"><h2>{html.escape(_label_of(kg, iri))}</h2>'
            f"<p><code>{html.escape(iri)}</code></p>"
            + (f"<h3>Gaps</h3><ul>{gap_items}</ul>" if gaps else "<p>No gaps on this entity.</p>")
            + "<h3>Statements</h3><table><tr><th>property</th><th>value</th></tr>"
            + "".join(rows)
            + "</table>"
            + (
                "<h3>Referenced by</h3><table><tr><th>entity</th><th>property</th></tr>"
                + "".join(back)
                + "</table>"
                if back
                else ""
            )
            + "</section>"
        )
    title = html.escape(_label_of(kg, iris[0]) if len(iris) == 1 else _document_key(iris[0]))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title} · cxgraph</title><link rel=stylesheet href=/assets/cxgraph.css>"
        f'</head><body><header><a href="/">cxgraph</a></header><main><h1>{title}</h1>'
        + "".join(sections)
        + "</main></body></html>"
    )
