"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: it reads the knowledge graph.

Queries arrive by GET, by form POST or by direct POST; updates by form or direct POST with
a bearer token (see :mod:`cxgraph.api.writes`). The dataset is the union of every graph
unless the request (``default-graph-uri``, ``named-graph-uri``) or the query (``FROM``,
``FROM NAMED``) names graphs, which must be graphs the store holds: nothing is fetched.
Answers are negotiated (JSON, XML, CSV, TSV for solutions; Turtle, N-Triples, JSON-LD,
RDF/XML for graphs). At most ``settings.row_limit`` rows (or triples) are returned; when
there were more, the response says so with ``X-Cxgraph-Truncated: true``. A serialised
answer larger than ``settings.max_response_bytes`` is never cut: it is refused with 413
``response_too_large``.
GET without a query answers the service description, or the SPARQL editor to a browser.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from functools import partial
from itertools import islice

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from cxgraph.api import service_description, writes
from cxgraph.api.inspection import Inspection, inspect_sparql
from cxgraph.api.protocol import (
    OFFERS,
    READ_CORS,
    TRUNCATED_HEADER,
    Answer,
    ProtocolError,
    Wants,
    bad_request,
    base_url,
    choose_format,
    decode_utf8,
    media_type_of,
    parse_form,
    query_params,
    read_body,
    render_rdf,
    require_utf8,
    wants_of,
)
from cxgraph.api.results import render_boolean, render_solutions
from cxgraph.api.state import SettingsDep, get_kg, get_sandbox
from cxgraph.config import Settings
from cxgraph.errors import QueryError
from cxgraph.formats import Format
from cxgraph.namespaces import PREFIXES
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.sandbox import EvaluationTimeout, Overloaded, ResourceLimit, Sandbox

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"


router = APIRouter()
"""Register /sparql and the surfaces that belong with it (VoID, uploads, assets)."""


@router.api_route("/sparql/", methods=["GET", "HEAD"], include_in_schema=False)
@router.api_route("/sparql", methods=["GET", "HEAD"], tags=["sparql"])
async def sparql_get(request: Request, settings: SettingsDep) -> Response:
    """SPARQL query by GET; without ``query``, the service description."""
    params = query_params(request)
    if "update" in params:
        raise ProtocolError(
            405,
            "method_not_allowed",
            "updates must be sent by POST",
            {"Allow": "GET, HEAD, POST, OPTIONS"},
        )
    if "query" not in params:
        get_kg(request)
        return await service_description.describe(request, settings)
    return await answer_query(request, _single(params, "query"), params, settings)


@router.post("/sparql/", include_in_schema=False)
@router.post("/sparql", tags=["sparql"])
async def sparql_post(request: Request, settings: SettingsDep) -> Response:
    """SPARQL query or update by form POST, or by direct POST of its text."""
    media, media_params = media_type_of(request)
    params = query_params(request)
    if media == _FORM:
        require_utf8(media_params)
        limit = 3 * max(settings.max_query_bytes, settings.max_update_bytes) + 4096
        form = parse_form(await read_body(request, limit, "the form"), "the form")
        if "query" in form and "update" in form:
            raise bad_request("send either query= or update=, not both")
        merged = {k: params.get(k, []) + form.get(k, []) for k in {*params, *form}}
        if "update" in form:
            writes.authorize(request, settings, form)
            return await writes.answer_update(request, _single(form, "update"), merged, settings)
        if "query" not in form:
            raise bad_request("the form has neither query= nor update=")
        return await answer_query(request, _single(form, "query"), merged, settings)
    if media == _QUERY:
        require_utf8(media_params)
        body = await read_body(request, settings.max_query_bytes, "the query")
        return await answer_query(request, decode_utf8(body, "the query"), params, settings)
    if media == _UPDATE:
        require_utf8(media_params)
        writes.authorize(request, settings)
        body = await read_body(request, settings.max_update_bytes, "the update")
        return await writes.answer_update(
            request, decode_utf8(body, "the update"), params, settings
        )
    raise ProtocolError(
        415,
        "unsupported_media_type",
        f"POST /sparql needs Content-Type {_FORM}, {_QUERY} or {_UPDATE}, not {media or 'none'}",
    )


@router.options("/sparql/", include_in_schema=False)
@router.options("/sparql", include_in_schema=False)
def sparql_options() -> Response:
    """CORS preflight: reads only (no Authorization header is allowed cross-origin)."""
    return Response(
        status_code=204,
        headers={
            **READ_CORS,
            "Access-Control-Allow-Methods": "GET, HEAD, POST",
            "Access-Control-Allow-Headers": "Accept, Content-Type",
            "Access-Control-Max-Age": "600",
            "Allow": "GET, HEAD, POST, OPTIONS",
        },
    )


def _single(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name, [])
    if len(values) != 1:
        raise bad_request(f"exactly one {name}= is needed, got {len(values)}")
    return values[0]


# -- queries -----------------------------------------------------------------------------


async def answer_query(
    request: Request, text: str, params: dict[str, list[str]], settings: Settings
) -> Response:
    """Check one query, evaluate and serialise it in the sandbox (a forked worker with a
    deadline, see :mod:`cxgraph.sandbox`). Refusals carry CORS headers too, so that a
    cross-origin editor can show their message."""
    try:
        return await _answer_query(request, text, params, settings)
    except ProtocolError as err:
        err.headers = {**READ_CORS, **err.headers}
        raise


async def _answer_query(
    request: Request, text: str, params: dict[str, list[str]], settings: Settings
) -> Response:
    kg = get_kg(request)
    if len(text.encode("utf-8")) > settings.max_query_bytes:
        raise ProtocolError(
            413, "too_large", f"the query is larger than {settings.max_query_bytes} bytes"
        )
    base = base_url(request, settings.base_url) + "/sparql"
    inspection = inspect_sparql(text, base)
    dataset = query_dataset(kg, params, inspection)
    sandbox = sandbox_of(request)
    call = partial(
        sandbox.run,
        "sparql",
        wants_of(request),
        text,
        base,
        dataset,
        settings.row_limit,
        settings.max_response_bytes,
    )
    try:
        packed = await asyncio.to_thread(call)
    except Overloaded as err:
        raise ProtocolError(503, "overloaded", str(err), {"Retry-After": "1"}) from None
    except EvaluationTimeout as err:
        raise ProtocolError(503, "query_timeout", str(err)) from None
    except ResourceLimit as err:
        raise ProtocolError(503, "resource_limit", str(err)) from None
    except QueryError as err:
        raise bad_request(str(err), "query_failed") from None
    head, _, body = packed.partition(b"\n")
    meta = json.loads(head)
    if meta["status"] != 200:
        raise ProtocolError(meta["status"], meta["error"], meta["message"], meta["headers"])
    return Response(body, media_type=meta["media_type"], headers=meta["headers"])


def sandbox_of(request: Request) -> Sandbox:
    """The app's evaluation sandbox (made in the app's lifespan)."""
    return get_sandbox(request.app)


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Make SPARQL evaluation, updates (see :mod:`cxgraph.api.writes`) and the service
    descriptions available to the sandbox's workers."""
    del app
    sandbox.register("sparql", _packed, contextual=True)
    writes.register(sandbox)
    service_description.register(sandbox)


def query_dataset(
    kg: KnowledgeGraph, params: dict[str, list[str]], inspection: Inspection
) -> dict[str, object]:
    """The dataset arguments for pyoxigraph: the protocol's, else the query's, else the
    union of all graphs. Every named graph must be held by the store."""
    default = params.get("default-graph-uri", [])
    named = params.get("named-graph-uri", [])
    if not default and not named:
        default, named = list(inspection.default_graphs), list(inspection.named_graphs)
        if not default and not named:
            return {"use_default_graph_as_union": True}
    return {"default_graph": held_graphs(kg, default), "named_graphs": held_graphs(kg, named)}


def held_graphs(kg: KnowledgeGraph, iris: Sequence[str]) -> list[ox.NamedNode]:
    graphs = []
    for iri in iris:
        try:
            graph = ox.NamedNode(iri)
        except ValueError:
            raise bad_request(f"{iri!r} is not an IRI", "bad_graph") from None
        if not kg.store.has_graph(graph):
            raise bad_request(
                f"the store holds no graph <{iri}>; cxgraph never fetches "
                "graphs (GET /rdf-graphs/service lists them)",
                "unknown_graph",
            )
        graphs.append(graph)
    return graphs


def _packed(
    kg: KnowledgeGraph,
    request: Wants,
    text: str,
    base: str,
    dataset: dict[str, object],
    limit: int,
    max_bytes: int,
) -> bytes:
    """Runs in a worker, on the committed knowledge graph ``kg``: the answer (or the
    refusal) as one JSON line, then the body."""
    try:
        fmt, body, truncated = _evaluate(request, kg, text, base, dataset, limit)
        if len(body) > max_bytes:
            raise ProtocolError(
                413,
                "response_too_large",
                f"the answer would be {len(body)} bytes, more than this server sends "
                f"({max_bytes}); ask for less: add LIMIT, or project fewer or shorter values",
            )
    except ProtocolError as err:
        meta: dict[str, object] = {
            "status": err.status,
            "error": err.error,
            "message": err.message,
            "headers": err.headers,
        }
        return json.dumps(meta).encode() + b"\n"
    headers = {**READ_CORS, "Vary": "Accept"}
    if truncated is not None:
        headers[TRUNCATED_HEADER] = "true" if truncated else "false"
        headers["X-Cxgraph-Row-Limit"] = str(limit)
    meta = {"status": 200, "media_type": fmt.content_type, "headers": headers}
    return json.dumps(meta).encode() + b"\n" + body


def _evaluate(
    request: Wants,
    kg: KnowledgeGraph,
    text: str,
    base: str,
    dataset: dict[str, object],
    limit: int,
) -> tuple[Format, bytes, bool | None]:
    try:
        result = kg.store.evaluate(
            text,
            base_iri=base,
            prefixes=PREFIXES,
            **dataset,  # type: ignore[arg-type]
        )
        if isinstance(result, ox.QueryBoolean):
            fmt = choose_format(request, OFFERS[Answer.BOOLEAN], "an ASK answer")
            return fmt, render_boolean(bool(result), fmt), None
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = list(islice(result, limit + 1))
            fmt = choose_format(request, OFFERS[Answer.SOLUTIONS], "SELECT results")
            return fmt, render_solutions(variables, rows[:limit], fmt), len(rows) > limit
        triples = list(islice(result, limit + 1))
    except SyntaxError as err:
        raise bad_request(str(err.args[0] if err.args else err), "syntax_error") from None
    except (RuntimeError, ValueError) as err:
        raise bad_request(f"the query failed: {err}", "query_failed") from None
    fmt = choose_format(request, OFFERS[Answer.GRAPH], "a graph (CONSTRUCT or DESCRIBE)")
    return fmt, render_rdf(triples[:limit], fmt), len(triples) > limit
