"""Linked data: the served model's entity IRIs resolve to pages.

A request path is matched against the path of every entity IRI in the data graphs
(``https://example.org/telecom#install`` is served at ``/telecom``; with
``settings.base_url`` only IRIs under that base). ``?iri=<entity IRI>`` on that path names
one entity of the document. Browsers get HTML (``cxgraph.api.entity_page``: the document's
index, or one entity's page); RDF clients get the descriptions (Turtle for ``*/*``) of the
document's entities or of the one named; anything else is a 406. Mounted last, so every
other route wins. Pages are built in a sandbox worker on the committed state, under the
query deadline.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from cxgraph.api import entity_page
from cxgraph.api.protocol import READ_CORS, ProtocolError, negotiate
from cxgraph.api.state import SettingsDep, capped, get_kg, in_worker
from cxgraph.formats import GRAPH_FORMATS, HTML
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.queries import saved_query
from cxgraph.sandbox import Sandbox

_OFFERED = (*GRAPH_FORMATS, HTML)  # Turtle first: what */* gets


EVALUATION = "entity_page"
_index_cache: dict[tuple[int, int], dict[str, list[str]]] = {}

_document_key = entity_page.document_key


def _index(kg: KnowledgeGraph, base: str | None) -> dict[str, list[str]]:
    """Document key → the entity IRIs served there; built once per worker and version."""
    cached = _index_cache.get((id(kg), kg.version))
    if cached is not None:
        return cached
    documents: dict[str, set[str]] = {}
    for graph in kg.store.data_graphs():
        for quad in kg.store.quads(None, None, None, graph):
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode):
                continue
            iri = subject.value
            if not iri.startswith(("http://", "https://")):
                continue
            if base and not iri.startswith(base):
                continue
            documents.setdefault(_document_key(iri), set()).add(iri)
    index = {key: sorted(values) for key, values in documents.items()}
    _index_cache.clear()
    _index_cache[(id(kg), kg.version)] = index
    return index


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Make entity pages available to the sandbox's workers."""
    del app
    sandbox.register(EVALUATION, _page_in_worker, contextual=True)


router = APIRouter()
"""Register the catch-all entity route (must be mounted after every other route)."""


@router.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def entity(path: str, request: Request, settings: SettingsDep) -> Response:
    get_kg(request)
    key = "/" + path + (f"?{request.url.query}" if request.url.query else "")
    packed = await in_worker(
        request,
        EVALUATION,
        path,
        key,
        request.query_params.get("iri"),
        request.headers.get("accept"),
        settings.base_url,
    )
    head, _, body = packed.partition(b"\n")
    meta = json.loads(head)
    if meta["status"] == 404:
        raise ProtocolError(404, "not_found", f"nothing is served at /{path}")
    return Response(
        capped(request, body, f"the page of /{path}"),
        status_code=meta["status"],
        media_type=meta["media_type"],
        headers=meta["headers"],
    )


def _page_in_worker(
    kg: KnowledgeGraph,
    path: str,
    key: str,
    named: str | None,
    accept: str | None,
    base: str | None,
) -> bytes:
    """Runs in a worker, on the committed state: a JSON line (status, media type,
    headers), then the page, the description or the 406 text."""
    index = _index(kg, base)
    iris = index.get(key)
    if not iris and named is not None:  # one entity of the document at /path
        document = index.get(_document_key(named), [])
        if urlsplit(named).path == "/" + path and named in document:
            key, iris = _document_key(named), [named]
    if not iris:
        return json.dumps({"status": 404}).encode() + b"\n"
    meta: dict[str, object]
    fmt = negotiate(accept, _OFFERED)
    if fmt is None:
        offered = ", ".join(f.media_type for f in _OFFERED)
        body = f"Not acceptable; this resource is available as {offered}\n".encode()
        meta = {"status": 406, "media_type": "text/plain", "headers": {"Vary": "Accept"}}
    elif fmt.same(HTML):
        served = frozenset(i for group in index.values() for i in group)
        page = (
            entity_page.render_entity(kg, iris[0], served)
            if len(iris) == 1
            else entity_page.render_index(kg, key, iris, served)
        )
        body = page.encode()
        meta = {"status": 200, "media_type": "text/html", "headers": {"Vary": "Accept"}}
    else:
        assert fmt.rdf is not None
        body = describe(kg, iris, fmt.rdf)
        headers = {"Vary": "Accept", **READ_CORS}
        meta = {"status": 200, "media_type": fmt.content_type, "headers": headers}
    return json.dumps(meta).encode() + b"\n" + body


def describe(kg: KnowledgeGraph, iris: list[str], fmt: ox.RdfFormat) -> bytes:
    """The symmetric description of each entity, serialised in ``fmt``."""
    text = saved_query("entity/describe").text
    triples: set[ox.Triple] = set()
    for iri in iris:
        result = kg.store.query(text, substitutions={ox.Variable("entity"): ox.NamedNode(iri)})
        triples.update(result)  # type: ignore[arg-type]
    return ox.serialize(sorted(triples, key=str), format=fmt) or b""
