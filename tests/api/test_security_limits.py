"""Size and nesting limits, with the defaults, against a real ``cxgraph serve``; the
response size cap; the nesting guards of the SPARQL inspection and of the parsers.

Over HTTP: a query over 64 kB, an update over 32 kB, an upload over 50 MB (streamed, with
or without a declared length) and a 10 MB literal in a query get 413 and change nothing;
texts exactly at a limit pass it. A SPARQL answer larger than ``max_response_bytes`` is
refused with 413 ``response_too_large``, never cut.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
from collections.abc import Iterable, Iterator
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from cxgraph.api import create_app
from cxgraph.api.inspection import MAX_NESTING, inspect_sparql
from cxgraph.api.protocol import ProtocolError
from cxgraph.config import Settings
from cxgraph.errors import InputError
from cxgraph.sources import MAX_NESTING as MAX_DOCUMENT_NESTING
from cxgraph.sources import Source, SourceFormat, nesting_depth, parse_into
from tests.api.conftest import SAMPLES, LiveServer, start_server, stop_server

TOKEN = "limits-token-0123456789"
KB = 1024
MB = 1024 * KB
QUERY_LIMIT, UPDATE_LIMIT, UPLOAD_LIMIT = 64 * KB, 32 * KB, 50 * MB
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """Default limits, writes on."""
    env = {**os.environ, "CXGRAPH_WRITE_TOKEN": TOKEN}
    live = start_server(*[arg for p in SAMPLES for arg in ("--data", str(p))], env=env)
    yield live
    stop_server(live)


def send(
    server: LiveServer,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Iterable[bytes] = (),
    chunked: bool = False,
) -> tuple[int, bytes, int]:
    """One request on a raw socket, the body sent piece by piece and no more once the
    server has answered: the status, the answer's body and how many body bytes went out.
    (A 50 MB body is never held in memory: ``body`` may be a generator.)"""
    address = urlsplit(server.url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    with socket.create_connection((host, port), timeout=60) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else "\r\n"
        sock.sendall(head.encode())
        sent = 0
        for piece in body:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered already
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read(), sent


def post(server: LiveServer, path: str, content_type: str, body: bytes) -> tuple[int, bytes]:
    headers = {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "Authorization": f"Bearer {TOKEN}",
    }
    status, answer, _ = send(server, "POST", path, headers, [body])
    return status, answer


def quads(server: LiveServer) -> int:
    status, answer = post(server, "/sparql", "application/sparql-query", COUNT_QUADS.encode())
    assert status == 200, answer
    return int(json.loads(answer)["results"]["bindings"][0]["n"]["value"])


def padded(text: str, size: int) -> bytes:
    """``text`` followed by a comment, ``size`` bytes in all."""
    data = text.encode() + b"\n#"
    return data + b"x" * (size - len(data))


# -- request sizes, defaults, over HTTP ----------------------------------------------------


@pytest.mark.server
def test_queries_up_to_64_kb_pass_and_larger_ones_are_413(server: LiveServer) -> None:
    before = quads(server)
    at_limit = padded("ASK {}", QUERY_LIMIT)
    assert post(server, "/sparql", "application/sparql-query", at_limit)[0] == 200
    over = padded("ASK {}", QUERY_LIMIT + 1)
    status, answer = post(server, "/sparql", "application/sparql-query", over)
    assert (status, json.loads(answer)["error"]) == (413, "too_large")
    form = b"query=" + quote(over.decode()).encode()
    assert post(server, "/sparql", "application/x-www-form-urlencoded", form)[0] == 413
    literal = b'ASK { ?s ?p "' + b"x" * (10 * MB) + b'" }'
    assert post(server, "/sparql", "application/sparql-query", literal)[0] == 413
    status, _, _ = send(server, "GET", "/sparql?query=" + quote(over.decode()), {})
    assert status == 413
    assert quads(server) == before


@pytest.mark.server
def test_updates_up_to_32_kb_pass_and_larger_ones_are_413(server: LiveServer) -> None:
    before = quads(server)
    update = "INSERT DATA { <urn:x:limits> <urn:x:p> 'at the limit' }"
    status, answer = post(
        server, "/sparql", "application/sparql-update", padded(update, UPDATE_LIMIT)
    )
    assert status == 200, answer
    assert quads(server) == before + 1
    over = padded("INSERT DATA { <urn:x:limits> <urn:x:p> 'over' }", UPDATE_LIMIT + 1)
    status, answer = post(server, "/sparql", "application/sparql-update", over)
    assert (status, json.loads(answer)["error"]) == (413, "too_large")
    assert quads(server) == before + 1


def megabytes(count: int) -> Iterator[bytes]:
    """``count`` MB of N-Triples, one 1 MB piece (the same object) at a time."""
    line = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"
    piece = line * (MB // len(line))
    for _ in range(count):
        yield piece


@pytest.mark.server
def test_uploads_over_50_mb_are_413_streamed_or_declared(server: LiveServer) -> None:
    before = quads(server)
    headers = {"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"}
    status, answer, sent = send(
        server, "POST", "/upload?name=big.nt", headers, megabytes(60), chunked=True
    )
    assert (status, json.loads(answer)["error"]) == (413, "too_large")
    assert UPLOAD_LIMIT < sent < 60 * MB  # read up to the limit, then refused
    declared = {**headers, "Content-Length": str(UPLOAD_LIMIT + 1)}
    status, answer, _ = send(server, "POST", "/upload?name=big.nt", declared)
    assert status == 413  # refused on the declared length: no body was sent at all
    graph_store = "/rdf-graphs/service?graph=urn:x:big"
    status, _, _ = send(server, "PUT", graph_store, headers, megabytes(60), chunked=True)
    assert status == 413
    assert quads(server) == before
    assert server.process.poll() is None


# -- the response size cap -----------------------------------------------------------------


@pytest.fixture(scope="module")
def capped() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data=SAMPLES, max_response_bytes=2000))) as client:
        yield client


def test_answers_over_the_response_cap_are_413_never_cut(capped: TestClient) -> None:
    everything = "SELECT ?s ?p ?o { ?s ?p ?o }"
    for text, accept in (
        (everything, "application/sparql-results+json"),
        (everything, "text/csv"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle"),
    ):
        response = capped.get("/sparql", params={"query": text}, headers={"Accept": accept})
        assert response.status_code == 413, (text, accept)
        body = response.json()
        assert body["error"] == "response_too_large"
        assert "LIMIT" in body["message"] and "2000" in body["message"]
        assert response.headers["access-control-allow-origin"] == "*"
    small = capped.get("/sparql", params={"query": everything + " LIMIT 3"})
    assert small.status_code == 200
    assert len(small.json()["results"]["bindings"]) == 3
    assert len(small.content) <= 2000


# -- nesting guards ------------------------------------------------------------------------


def nested_groups(depth: int) -> str:
    return "SELECT * WHERE " + "{ " * depth + "?s ?p ?o" + " }" * depth


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        (nested_groups(MAX_NESTING), False),
        (nested_groups(MAX_NESTING + 1), True),
        ("ASK { FILTER(" + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING + ") }", True),
        ("ASK { FILTER(" + "!" * (MAX_NESTING + 1) + "true) }", True),
        (
            "ASK { ?s ?p " + "[ ?p " * (MAX_NESTING + 1) + "?o" + " ]" * (MAX_NESTING + 1) + " }",
            True,
        ),
        ("ASK { ?s ?p " + "<<( ?s ?p " * 33 + "?o" + " )>>" * 33 + " }", True),
        ("ASK { ?s ?p " + "<<(?s ?p " * 33 + "?o" + ")>>" * 33 + " }", True),
        # brackets in strings, IRIs and comments are not structure
        (
            'ASK { ?s ?p "' + "{" * 100 + '" . ?s ?p <urn:x:' + "(" * 100 + "> } # " + "[" * 100,
            False,
        ),
        ("ASK { " + " ".join(["{ ?s ?p ?o }"] * 500) + " }", False),
    ],
)
def test_sparql_nesting_beyond_the_limit_is_refused(text: str, refused: bool) -> None:
    if not refused:
        inspect_sparql(text, "http://example.org/")
        return
    with pytest.raises(ProtocolError) as raised:
        inspect_sparql(text, "http://example.org/")
    assert (raised.value.status, raised.value.error) == (400, "too_deeply_nested")


def turtle_collection(depth: int) -> bytes:
    return b"<urn:x:a> <urn:x:b> " + b"(" * depth + b")" * depth + b" ."


def json_objects(depth: int) -> bytes:
    return b'{"@id": "urn:x:a", "urn:x:p": ' + b'{"urn:x:p": ' * depth + b"1" + b"}" * depth + b"}"


def xml_elements(depth: int) -> bytes:
    return (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:x:">'
        + b"<rdf:Description>" * depth
        + b"<e:p>1</e:p>"
        + b"</rdf:Description>" * depth
        + b"</rdf:RDF>"
    )


@pytest.mark.parametrize(
    ("content", "fmt", "depth"),
    [
        (turtle_collection(7), SourceFormat.TURTLE, 7),
        (b"<urn:x:a> <urn:x:b> [ <urn:x:c> [ <urn:x:d> ( 1 2 ) ] ] .", SourceFormat.TURTLE, 3),
        (
            b"<urn:x:a> <urn:x:b> <<( <urn:x:a> <urn:x:b> <<(<urn:x:a> <urn:x:b> 1)>> )>> .",
            SourceFormat.TURTLE,
            4,
        ),
        (b'<urn:x:a> <urn:x:b> "]]]" , """ "" ))) """ , \'[[\' . # ((((\n', SourceFormat.TURTLE, 0),
        (b'<urn:x:a> <urn:x:b> "\\"]]" , "[[[" .', SourceFormat.TURTLE, 0),
        (b"<urn:x:(((> <urn:x:b> <urn:x:c> .", SourceFormat.NTRIPLES, 0),
        (b"<urn:x:g> { <urn:x:a> <urn:x:b> ( 1 ) }", SourceFormat.TRIG, 2),
        (json_objects(5), SourceFormat.JSONLD, 6),
        (b'{"@id": "urn:x:a", "urn:x:p": "}}}\\"]]]"}', SourceFormat.JSONLD, 1),
        (xml_elements(3), SourceFormat.RDFXML, 5),
        (b"<a x=\"/>\"><b/><!-- <c><c> --><c y='>'>t</c></a>", SourceFormat.RDFXML, 2),
    ],
)
def test_nesting_depth_counts_structure_only(content: bytes, fmt: SourceFormat, depth: int) -> None:
    assert nesting_depth(content, fmt) == depth


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (turtle_collection(MAX_DOCUMENT_NESTING + 1), SourceFormat.TURTLE),
        (json_objects(MAX_DOCUMENT_NESTING + 1), SourceFormat.JSONLD),
        (xml_elements(MAX_DOCUMENT_NESTING + 1), SourceFormat.RDFXML),
    ],
)
def test_documents_nested_beyond_the_limit_are_refused_before_parsing(
    content: bytes, fmt: SourceFormat
) -> None:
    store = ox.Store()
    with pytest.raises(InputError, match="nests deeper"):
        parse_into(store, Source("deep", content, fmt))
    assert len(store) == 0
    parse_into(
        store, Source("shallow", turtle_collection(MAX_DOCUMENT_NESTING - 1), SourceFormat.TURTLE)
    )
    assert len(store) > 0


def test_descriptions_and_entity_pages_are_capped_like_answers() -> None:
    """VoID, the service description and entity pages are built in a worker and refused
    with 413 ``response_too_large`` past ``max_response_bytes``, never cut."""
    with TestClient(create_app(Settings(data=SAMPLES, max_response_bytes=1000))) as capped:
        for path, accept in (
            ("/.well-known/void", "text/turtle"),
            ("/sparql", "text/turtle"),
            ("/telecom", "text/turtle"),
            ("/telecom", "text/html"),
        ):
            reply = capped.get(path, headers={"Accept": accept})
            assert reply.status_code == 413, (path, reply.status_code)
            assert reply.json()["error"] == "response_too_large"
    with TestClient(create_app(Settings(data=SAMPLES))) as plain:
        assert plain.get("/.well-known/void").status_code == 200
        assert plain.get("/telecom", headers={"Accept": "text/turtle"}).status_code == 200
