"""HTTP plumbing shared by the SPARQL, Graph Store and write routes.

Content negotiation (``Accept`` with q-values and wildcards, the ``format=`` override),
the serialisations offered for each kind of answer, bounded reading of request bodies,
and strict UTF-8 decoding of forms and query strings. The guard that inspects SPARQL text
before pyoxigraph sees it is :mod:`cxgraph.api.inspection`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import IO
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import JSONResponse

from cxgraph.errors import InputError
from cxgraph.formats import (
    BOOLEAN_FORMATS,
    DATASET_FORMATS,
    GRAPH_FORMATS,
    SOLUTIONS_FORMATS,
    Format,
    choices,
    find_format,
)
from cxgraph.namespaces import PREFIXES

READ_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-Cxgraph-Truncated, X-Cxgraph-Row-Limit",
}
TRUNCATED_HEADER = "X-Cxgraph-Truncated"


class ProtocolError(Exception):
    """A request the protocol refuses; rendered as ``{"error", "message"}`` JSON."""

    def __init__(
        self, status: int, error: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = dict(headers or {})


async def protocol_error_response(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProtocolError)
    return JSONResponse(
        {"error": exc.error, "message": exc.message}, status_code=exc.status, headers=exc.headers
    )


def bad_request(message: str, error: str = "bad_request") -> ProtocolError:
    return ProtocolError(400, error, message)


# -- formats and negotiation ---------------------------------------------------------------


class Answer(Enum):
    """The kinds of answer, each with its own set of serialisations."""

    SOLUTIONS = "solutions"
    BOOLEAN = "boolean"
    GRAPH = "graph"
    DATASET = "dataset"


# In order of preference: the first is the default for */* or no Accept at all. The
# formats themselves, their names and media types, are the table of cxgraph.formats.
OFFERS: dict[Answer, tuple[Format, ...]] = {
    Answer.SOLUTIONS: SOLUTIONS_FORMATS,
    Answer.BOOLEAN: BOOLEAN_FORMATS,
    Answer.GRAPH: GRAPH_FORMATS,
    Answer.DATASET: DATASET_FORMATS,
}


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """-1 if the range does not match ``media_type``, else 0 (*/*), 1 (type/*), 2."""
        mtype, _, msub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != mtype:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == msub else -1


def parse_accept(header: str) -> list[_Range]:
    """The media ranges of an Accept header; malformed entries are skipped."""
    ranges = []
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        mtype, slash, msub = media.lower().partition("/")
        if not slash or not mtype or not msub:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(_Range(mtype, msub, q))
    return ranges


def _quality(media_type: str, ranges: Sequence[_Range]) -> float:
    """The q of the most specific range matching ``media_type`` (0 if none does)."""
    matches = [(r.specificity(media_type), r.q) for r in ranges]
    matches = [m for m in matches if m[0] >= 0]
    return max(matches)[1] if matches else 0.0


def negotiate(accept: str | None, offered: Sequence[Format]) -> Format | None:
    """The offered format the client prefers (ties go to the earlier offer), or None.

    The format comes back with the media type that won first (``application/json`` when
    the client asked for that and not for ``application/sparql-results+json``), so the
    Content-Type sent is one the client accepts."""
    if accept is None or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    chosen, chosen_q = None, 0.0
    for fmt in offered:
        for media_type in fmt.media_types:
            q = _quality(media_type, ranges)
            if q > chosen_q:
                chosen, chosen_q = fmt.sent_as(media_type), q
    return chosen


@dataclass(frozen=True)
class Wants:
    """What a client asked for (Accept and ``format=``), as a value that can be sent to a
    worker process."""

    accept: str | None
    formats: tuple[str, ...]


def wants_of(request: Request) -> Wants:
    return Wants(request.headers.get("accept"), tuple(query_params(request).get("format", [])))


def choose_format(request: Request | Wants, offered: Sequence[Format], what: str) -> Format:
    """``format=`` if given (400 if it does not apply), else Accept (406 if none fits)."""
    wants = request if isinstance(request, Wants) else wants_of(request)
    names = wants.formats
    if names:
        wanted = names[-1].strip().lower()
        try:
            fmt = find_format(wanted, offered)
        except InputError:
            raise bad_request(
                f"format={wanted!r} does not apply to {what}; choose one of {choices(offered)}",
                "unknown_format",
            ) from None
        return fmt.sent_as(wanted) if wanted in fmt.media_types else fmt
    negotiated = negotiate(wants.accept, offered)
    if negotiated is None:
        raise ProtocolError(
            406,
            "not_acceptable",
            f"none of the acceptable media types can carry {what}; offered: "
            + ", ".join(f.media_type for f in offered),
            READ_CORS,
        )
    return negotiated


def render_rdf(
    items: Iterable[ox.Triple] | Iterable[ox.Quad],
    fmt: Format,
    prefixes: Mapping[str, str] | None = None,
    output: IO[bytes] | None = None,
) -> bytes:
    """Triples (or quads, for TriG and N-Quads) in ``fmt``, with cxgraph's prefixes; with
    ``output``, written there as they are serialised (and b"" returned)."""
    if fmt.rdf is None:
        raise ValueError(f"{fmt.name} is not an RDF serialisation")
    chosen = None
    if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        chosen = {**PREFIXES, **(prefixes or {})}
    return ox.serialize(items, output, format=fmt.rdf, prefixes=chosen) or b""


# -- request bodies, forms and query strings ------------------------------------------------


def media_type_of(request: Request) -> tuple[str, dict[str, str]]:
    """The request's media type (lower case) and its parameters."""
    header = request.headers.get("content-type", "")
    media, *params = (part.strip() for part in header.split(";"))
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"')
    return media.lower(), parsed


def require_utf8(params: Mapping[str, str]) -> None:
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(
            415, "unsupported_charset", f"charset={charset} is not supported; send UTF-8"
        )


async def read_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, or 413 as soon as it is known to exceed ``limit`` bytes."""
    too_large = ProtocolError(413, "too_large", f"{what} is larger than {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def decode_utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise bad_request(f"{what} is not valid UTF-8 (byte {err.start})", "bad_encoding") from None


def parse_form(data: bytes | str, what: str) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` text, strictly decoded as UTF-8."""
    text = decode_utf8(data, what) if isinstance(data, bytes) else data
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=200
        )
    except UnicodeDecodeError:
        raise bad_request(
            f"{what} has percent-escapes that are not UTF-8", "bad_encoding"
        ) from None
    except ValueError as err:
        raise bad_request(f"{what}: {err}") from None
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return form


def query_params(request: Request) -> dict[str, list[str]]:
    """The URL's parameters (Starlette would silently replace bad UTF-8)."""
    cached: dict[str, list[str]] | None = request.scope.get("cxgraph.query_params")
    if cached is None:
        cached = parse_form(request.scope.get("query_string", b""), "the query string")
        request.scope["cxgraph.query_params"] = cached
    return cached


def base_url(request: Request, configured: str | None) -> str:
    """The public base URL of the service, without a trailing slash."""
    if configured:
        return configured.rstrip("/")
    return str(request.base_url).rstrip("/")
