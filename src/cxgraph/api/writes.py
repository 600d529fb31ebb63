"""Writes over HTTP: SPARQL Update, Graph Store PUT/POST/DELETE and ``POST /upload``.

Writes are off unless the server has a write token; then each write needs
``Authorization: Bearer <token>`` (a token in the URL is refused: URLs end up in logs).
What a write may change, and how it is applied, is library code: the knowledge graph's write
API (:mod:`cxgraph.changes`, :mod:`cxgraph.writes`); its exceptions become HTTP answers in
:mod:`cxgraph.api.errors`. This module adds what only a server needs:

- every write runs inside :func:`cxgraph.api.state.writing` (the store lock, then the new
  state published to the readers before the answer);
- what reads arbitrary input runs in a sandbox worker under the query deadline, before
  anything is applied: the parsing of an upload or a Graph Store body, and the evaluation
  of a SPARQL update (:func:`cxgraph.changes.updating` on the committed state), whose
  changes are then committed under the lock.
"""

from __future__ import annotations

import asyncio
import hmac
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.types import Message

from cxgraph.api.inspection import inspect_sparql
from cxgraph.api.protocol import (
    ProtocolError,
    bad_request,
    base_url,
    media_type_of,
    query_params,
    read_body,
)
from cxgraph.api.state import SettingsDep, get_kg, get_sandbox, in_worker, writing
from cxgraph.changes import Changes, updating
from cxgraph.config import Settings
from cxgraph.errors import InputError, WriteRefused
from cxgraph.formats import RDF_FORMATS, listed
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.sandbox import Sandbox
from cxgraph.sources import (
    Source,
    SourceFormat,
    format_for_media_type,
    format_for_path,
    graph_for_source,
    parse_into,
)
from cxgraph.store import scratch_dataset

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cxgraph"'}
_URL_TOKENS = ("token", "access_token")


def authorize(
    request: Request, settings: Settings, form: Mapping[str, list[str]] | None = None
) -> None:
    """Let a write through only with the configured bearer token; raise otherwise."""
    for name in _URL_TOKENS:
        if name in query_params(request) or (form is not None and name in form):
            raise bad_request(
                f"{name}= is refused: send the token in the Authorization "
                "header (Bearer), never in the URL or the form",
                "token_in_url",
            )
    if settings.attach:
        raise ProtocolError(
            403,
            "read_only_instance",
            "this instance serves a store another cxgraph process writes (--attach): "
            "send writes to that process",
        )
    if not settings.write_token:
        raise ProtocolError(
            403,
            "writes_disabled",
            "writes are disabled: start the server "
            "with a write token (CXGRAPH_WRITE_TOKEN or --token-file)",
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ProtocolError(
            401,
            "unauthorized",
            "this write needs an Authorization: Bearer <token> header",
            _CHALLENGE,
        )
    if not hmac.compare_digest(given.strip().encode(), settings.write_token.encode()):
        raise ProtocolError(403, "forbidden", "the bearer token is not valid")


# -- SPARQL Update ------------------------------------------------------------------------


async def answer_update(
    request: Request, text: str, params: Mapping[str, list[str]], settings: Settings
) -> Response:
    """Check and run one SPARQL update (the caller has authorised it)."""
    get_kg(request)
    if len(text.encode("utf-8")) > settings.max_update_bytes:
        raise ProtocolError(
            413, "too_large", f"the update is larger than {settings.max_update_bytes} bytes"
        )
    for name in (
        "using-graph-uri",
        "using-named-graph-uri",
        "default-graph-uri",
        "named-graph-uri",
    ):
        if params.get(name):
            raise bad_request(
                f"{name}= is not supported for updates; write USING, USING "
                "NAMED or WITH in the update itself",
                "unsupported_parameter",
            )
    base = base_url(request, settings.base_url) + "/sparql"
    inspect_sparql(text, base)
    summary = await asyncio.to_thread(run_update, request.app, text, base)
    return JSONResponse(summary)


UPDATE_EVALUATION = "sparql_update"
UPLOAD_PARSING = "upload_parsing"


def register(sandbox: Sandbox) -> None:
    """Make the evaluation of updates and the parsing of uploads available to the
    sandbox's workers."""
    sandbox.register(UPDATE_EVALUATION, _update_in_worker, contextual=True)
    sandbox.register(UPLOAD_PARSING, _parse_in_worker)


def run_update(app: FastAPI, text: str, base_iri: str) -> dict[str, object]:
    """Work out what ``text`` changes in a sandbox worker, on the committed state and under
    the deadline, then apply that (see above). The write lock is held throughout, so the
    state the worker saw is the state the change is applied to; past the deadline the
    worker is killed and the store is left unchanged (503 ``query_timeout``). Call only
    with text :func:`inspect_sparql` accepted."""
    with writing(app) as kg:
        outcome = pickle.loads(get_sandbox(app).run(UPDATE_EVALUATION, text, base_iri))
        if outcome[0] == "refused":
            raise WriteRefused(*outcome[1:])
        changes: Changes = outcome[1]
        return kg.commit(changes)


def _update_in_worker(kg: KnowledgeGraph, text: str, base_iri: str) -> bytes:
    """Runs in a worker: the changes of the update (or why it is refused), pickled."""
    try:
        outcome: tuple[object, ...] = ("changes", updating(kg.store, text, base_iri))
    except WriteRefused as err:
        outcome = ("refused", err.code, err.message)
    return pickle.dumps(outcome)


# -- uploads ------------------------------------------------------------------------------


router = APIRouter(tags=["writes"])


@router.post("/upload")
async def upload(request: Request, settings: SettingsDep) -> JSONResponse:
    """Load one model file (multipart field ``file``, or the raw body with an RDF
    Content-Type and ``?name=``); it replaces the data graph of the same name."""
    authorize(request, settings)
    get_kg(request)
    media, _ = media_type_of(request)
    body = await read_body(request, settings.max_upload_bytes, "the upload")
    source = await _upload_source(request, media, body, settings)
    parsed = await parse_in_worker(request, source)

    def write() -> dict[str, object]:
        with writing(request.app) as kg:
            return kg.load([parsed])

    summary = await asyncio.to_thread(write)
    counts = cast(dict[str, int], summary.pop("sources"))
    graph = graph_for_source(Path(source.name).stem)
    return JSONResponse({"graph": graph.value, "triples": counts[source.name], **summary})


async def parse_in_worker(
    request: Request, source: Source, graph: ox.NamedNode | None = None
) -> Source:
    """``source`` parsed in a sandbox worker, under the deadline (a 48 MB Turtle file
    full of blank nodes took 67 s to parse), and handed back in a format the server then
    reads in linear time, outside and then inside the write lock: N-Quads for a dataset or
    a given ``graph``, else N-Triples (so that the source still replaces its data graph when
    it holds no triple)."""
    lines = await in_worker(request, UPLOAD_PARSING, source, graph)
    as_triples = graph is None and not source.format.is_dataset
    return Source(source.name, lines, SourceFormat.NTRIPLES if as_triples else SourceFormat.NQUADS)


def _parse_in_worker(source: Source, graph: ox.NamedNode | None) -> bytes:
    """Runs in a worker: ``source`` as N-Quads, or as N-Triples for a triple format read
    into its own data graph (InputError when it does not parse)."""
    scratch = scratch_dataset()
    parse_into(scratch, source, graph)
    if graph is None and not source.format.is_dataset:
        triples = (q.triple for q in scratch.quads_for_pattern(None, None, None, None))
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    quads = scratch.quads_for_pattern(None, None, None, None)
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


async def _upload_source(request: Request, media: str, body: bytes, settings: Settings) -> Source:
    if media == "multipart/form-data":

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async with Request(request.scope, replay).form(
            max_files=1, max_fields=10, max_part_size=settings.max_upload_bytes
        ) as form:
            part = form.get("file")
            if not isinstance(part, UploadFile):
                raise bad_request("a multipart upload needs one file part named 'file'")
            name = Path(part.filename or "upload").name or "upload"
            fmt: SourceFormat | None
            try:
                fmt = format_for_path(Path(name))
            except InputError:
                fmt = format_for_media_type(part.content_type or "")
            content = await part.read()
    else:
        fmt = format_for_media_type(media)
        name = Path(query_params(request).get("name", ["upload"])[-1]).name or "upload"
        content = body
    if fmt is None:
        raise ProtocolError(
            415,
            "unsupported_media_type",
            f"send one of {listed(RDF_FORMATS)}, with its Content-Type (or a file "
            "name with its extension)",
        )
    return Source(name, content, fmt)
