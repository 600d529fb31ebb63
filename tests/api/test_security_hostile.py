"""Hostile input against a real ``cxgraph serve``: a planted secret never leaks, a hostile
corpus gets quick 4xx answers and changes nothing, and the server survives; CORS never
reflects an origin nor allows credentials, and writes carry no CORS headers.

The secret test plants a random token in files next to the server (a text file, a Turtle
file, a JSON-LD context) and tries to make the server read them: ``FROM``, ``FROM NAMED``,
``SERVICE``, ``LOAD``, ``USING``, the protocol's dataset parameters, JSON-LD uploads with
``file:`` contexts, RDF/XML with an external entity. The token must appear in no answer,
in no stored triple and in no line of the server's log.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from cxgraph.api import create_app
from cxgraph.config import Settings
from tests.api.conftest import SAMPLES, LiveServer, start_server, stop_server

TOKEN = "hostile-write-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUERY = {"Content-Type": "application/sparql-query"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
DEADLINE = 2.0
ENV = {**os.environ, "CXGRAPH_WRITE_TOKEN": TOKEN, "CXGRAPH_QUERY_TIMEOUT": str(DEADLINE)}
DATA = [arg for path in SAMPLES for arg in ("--data", str(path))]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def call(
    server: LiveServer,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> Reply:
    request = urllib.request.Request(
        server.url + path, data=body, headers=headers or {}, method=method
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, answer, found = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, answer, found = error.code, error.read(), error.headers
    seconds = time.monotonic() - started
    return Reply(status, {k.lower(): v for k, v in found.items()}, answer, seconds)


def quads(server: LiveServer) -> int:
    reply = call(server, "/sparql", COUNT_QUADS.encode(), QUERY)
    assert reply.status == 200, reply.body
    return int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])


# -- planted secrets --------------------------------------------------------------------


def attempts(folder: Path) -> list[tuple[str, bytes | None, dict[str, str]]]:
    """Requests that would read the planted files if anything fetched ``file:`` IRIs."""
    text, turtle = (folder / "secret.txt").as_uri(), (folder / "secret.ttl").as_uri()
    context = (folder / "secret-context.jsonld").as_uri()
    queries = [
        f"SELECT * FROM <{turtle}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{turtle}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{turtle}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{text}> {{ ?s ?p ?o }} }}",
        f"BASE <{folder.as_uri()}/> SELECT * FROM <secret.ttl> WHERE {{ ?s ?p ?o }}",
    ]
    updates = [
        f"LOAD <{turtle}>",
        f"LOAD SILENT <{turtle}> INTO GRAPH <urn:x:loaded>",
        f"INSERT {{ ?s ?p ?o }} USING <{turtle}> WHERE {{ ?s ?p ?o }}",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{turtle}> {{ ?s ?p ?o }} }}",
    ]
    entity = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY s SYSTEM "{text}">]>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:x:">'
        '<rdf:Description rdf:about="urn:x:a"><e:p>&s;</e:p></rdf:Description></rdf:RDF>'
    )
    contexts: list[object] = [context, {"@import": context}, [text]]
    found: list[tuple[str, bytes | None, dict[str, str]]] = []
    found += [("/sparql", q.encode(), QUERY) for q in queries]
    found += [("/sparql", u.encode(), UPDATE) for u in updates]
    for name in ("default-graph-uri", "named-graph-uri"):
        params = urlencode({"query": "SELECT * WHERE { ?s ?p ?o }", name: turtle})
        found.append((f"/sparql?{params}", None, {}))
    found.append(
        (f"/sparql?{urlencode({'using-graph-uri': turtle})}", b"INSERT {} WHERE {}", UPDATE)
    )
    found.append((f"/rdf-graphs/service?{urlencode({'graph': turtle})}", None, {}))
    for value in contexts:
        document = json.dumps({"@context": value, "@id": "urn:x:a", "p": "v"}).encode()
        headers = {"Content-Type": "application/ld+json", **AUTH}
        found.append(("/upload?name=planted.jsonld", document, headers))
    found.append(
        (
            "/upload?name=planted.rdf",
            entity.encode(),
            {"Content-Type": "application/rdf+xml", **AUTH},
        )
    )
    return found


def test_a_planted_secret_never_leaks(tmp_path: Path) -> None:
    secret = secrets.token_hex(16)
    (tmp_path / "secret.txt").write_text(secret + "\n")
    (tmp_path / "secret.ttl").write_text(f'<urn:x:leak> <urn:x:secret> "{secret}" .\n')
    context = {"@context": {"@vocab": f"urn:x:{secret}#"}}
    (tmp_path / "secret-context.jsonld").write_text(json.dumps(context))
    server = start_server(*DATA, env=ENV)
    log: list[bytes] = []
    stderr = server.process.stderr
    assert stderr is not None
    reader = threading.Thread(target=lambda: log.append(stderr.read()), daemon=True)
    reader.start()  # drains the log as it is written
    try:
        before = quads(server)
        for path, body, headers in attempts(tmp_path):
            reply = call(server, path, body, headers)
            assert 400 <= reply.status < 500, (path, body, reply.status, reply.body[:200])
            assert secret.encode() not in reply.body
            assert secret not in json.dumps(reply.headers)
        dump = call(server, "/rdf-graphs/service", headers={"Accept": "application/n-quads"})
        assert dump.status == 200
        assert secret.encode() not in dump.body
        assert quads(server) == before
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
        reader.join(timeout=10)
        stop_server(server)
    assert log, "the server's log was not read to its end"
    assert secret.encode() not in log[0]


# -- a hostile corpus ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """Writes on, a 2 s deadline."""
    live = start_server(*DATA, env=ENV)
    yield live
    stop_server(live)


def deep_turtle_collection(depth: int) -> bytes:
    return b"<urn:x:a> <urn:x:b> " + b"(" * depth + b")" * depth + b" ."


def deep_blank_nodes(depth: int) -> bytes:
    return b"<urn:x:a> <urn:x:b> " + b"[ <urn:x:p> " * depth + b"1" + b" ]" * depth + b" ."


def deep_triple_terms(depth: int) -> bytes:
    return (
        b"<urn:x:a> <urn:x:b> "
        + b"<<( <urn:x:a> <urn:x:b> " * depth
        + b"<urn:x:c>"
        + b" )>>" * depth
        + b" ."
    )


def deep_json(depth: int, opening: bytes = b'{"urn:x:p": ', closing: bytes = b"}") -> bytes:
    return b'{"@id": "urn:x:a", "urn:x:p": ' + opening * depth + b"1" + closing * depth + b"}"


def deep_xml(depth: int) -> bytes:
    return (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:x:">'
        + b'<rdf:Description rdf:about="urn:x:a"><e:p rdf:parseType="Resource">' * depth
        + b"<e:q>1</e:q>"
        + b"</e:p></rdf:Description>" * depth
        + b"</rdf:RDF>"
    )


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:x:">'
    b'<rdf:Description rdf:about="urn:x:a"><e:p>&lol9;</e:p></rdf:Description></rdf:RDF>'
)
DOCTYPE_ONLY = (
    b'<?xml version="1.0"?><!DOCTYPE rdf:RDF><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
)
NESTED_GROUPS = "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000
NESTED_PARENS = "ASK { ?s ?p ?o FILTER(" + "(" * 5000 + "?o" + ")" * 5000 + ") }"
FLAT_BINDS = "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(3000)) + " }"
FLAT_MINUS = "SELECT * WHERE { BIND(1 AS ?x) " + "MINUS{BIND(2 AS ?x)}" * 3000 + "}"
FLAT_SUM = "SELECT (" + " + ".join("1" for _ in range(8000)) + " AS ?x) WHERE {}"
UPLOAD = "/upload?name=hostile"
TURTLE = {"Content-Type": "text/turtle", **AUTH}
JSONLD = {"Content-Type": "application/ld+json", **AUTH}
RDFXML = {"Content-Type": "application/rdf+xml", **AUTH}
NTRIPLES = {"Content-Type": "application/n-triples", **AUTH}

CORPUS: dict[str, tuple[str, bytes, dict[str, str]]] = {
    "query: 5,000 nested groups": ("/sparql", NESTED_GROUPS.encode(), QUERY),
    "query: 5,000 nested parentheses": ("/sparql", NESTED_PARENS.encode(), QUERY),
    "update: 5,000 nested groups": (
        "/sparql",
        ("INSERT { <urn:x:a> <urn:x:b> 1 } WHERE " + "{ " * 5000 + " }" * 5000).encode(),
        UPDATE,
    ),
    "query: 3,000 flat BINDs": ("/sparql", FLAT_BINDS.encode(), QUERY),
    "query: 3,000 flat MINUS": ("/sparql", FLAT_MINUS.encode(), QUERY),
    "query: a sum of 8,000 terms": ("/sparql", FLAT_SUM.encode(), QUERY),
    "update: 1,500 flat BINDs": (
        "/sparql",
        (
            "INSERT { <urn:x:a> <urn:x:b> ?v0 } WHERE { "
            + " ".join(f"BIND({i} AS ?v{i})" for i in range(1500))
            + " }"
        ).encode(),
        UPDATE,
    ),
    "update: malformed UTF-8": (
        "/sparql",
        b'INSERT DATA { <urn:x:a> <urn:x:b> "\xc3\x28" }',
        UPDATE,
    ),
    "turtle: 100,000-deep collection": (UPLOAD + ".ttl", deep_turtle_collection(100_000), TURTLE),
    "turtle: 100,000-deep blank nodes": (UPLOAD + ".ttl", deep_blank_nodes(100_000), TURTLE),
    "turtle: 20,000-deep triple terms": (UPLOAD + ".ttl", deep_triple_terms(20_000), TURTLE),
    "n-triples: 20,000-deep triple terms": (UPLOAD + ".nt", deep_triple_terms(20_000), NTRIPLES),
    "turtle: malformed UTF-8 in an IRI": (UPLOAD + ".ttl", b"<urn:x:\xff> <urn:x:b> 1 .", TURTLE),
    "json-ld: 5,000 nested objects": (UPLOAD + ".jsonld", deep_json(5000), JSONLD),
    "json-ld: 5,000 nested arrays": (UPLOAD + ".jsonld", deep_json(5000, b"[", b"]"), JSONLD),
    "json-ld: 100,000 nested arrays": (UPLOAD + ".jsonld", deep_json(100_000, b"[", b"]"), JSONLD),
    "json-ld: malformed UTF-8": (
        UPLOAD + ".jsonld",
        b'{"@id": "urn:x:\xfe", "urn:x:p": 1}',
        JSONLD,
    ),
    "rdf/xml: 60,000 nested elements": (UPLOAD + ".rdf", deep_xml(60_000), RDFXML),
    "rdf/xml: billion laughs": (UPLOAD + ".rdf", BILLION_LAUGHS, RDFXML),
    "rdf/xml: a DOCTYPE": (UPLOAD + ".rdf", DOCTYPE_ONLY, RDFXML),
    "rdf/xml: malformed UTF-8": (
        UPLOAD + ".rdf",
        deep_xml(1).replace(b">1<", b">\xff\xfe<"),
        RDFXML,
    ),
    "graph store: 5,000 nested JSON objects": (
        "/rdf-graphs/service?graph=urn:x:hostile",
        deep_json(5000),
        JSONLD,
    ),
}


@pytest.mark.server
@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_input_gets_a_quick_4xx_and_changes_nothing(server: LiveServer, name: str) -> None:
    """Each gets a 4xx with a reason in under 2 s (a flat chain is a 400, not a worker
    killed by a stack overflow), and the store does not change."""
    path, body, headers = CORPUS[name]
    before = quads(server)
    method = "PUT" if path.startswith("/rdf-graphs/") else "POST"
    reply = call(server, path, body, headers, method)
    assert 400 <= reply.status < 500, (reply.status, reply.body[:300])
    assert reply.seconds < 2.0, reply.seconds
    assert server.process.poll() is None
    assert quads(server) == before


@pytest.mark.server
def test_graphql_documents_nested_too_deeply_are_refused(server: LiveServer) -> None:
    """GraphQL over HTTP answers a document it cannot parse with 200 and ``errors``."""
    for document in ("{" * 5000 + "}" * 5000, "{ personas { " + "nodes { " * 300 + " } }"):
        body = json.dumps({"query": document}).encode()
        reply = call(server, "/graphql", body, {"Content-Type": "application/json"})
        assert reply.status < 500 and reply.seconds < 2.0
        answer = json.loads(reply.body)
        assert answer["data"] is None and answer["errors"]


@pytest.mark.server
def test_an_update_that_would_plan_for_minutes_is_stopped_at_the_deadline(
    server: LiveServer,
) -> None:
    """A 1,000-step path plans for minutes (or overflows the stack) whatever the data.
    An update is worked out in a sandbox worker under the deadline, before anything is
    applied: this one is stopped there, and the store is unchanged."""
    before = quads(server)
    path = "/".join(["<urn:x:p>"] * 1000)
    text = f"INSERT {{ <urn:x:a> <urn:x:b> 1 }} WHERE {{ ?s {path} ?o }}"
    reply = call(server, "/sparql", text.encode(), UPDATE)
    assert reply.status == 503, reply.body[:300]
    assert json.loads(reply.body)["error"] in ("query_timeout", "resource_limit")
    assert reply.seconds < DEADLINE + 2
    assert quads(server) == before
    update = "INSERT DATA { <urn:x:after> <urn:x:p> 1 }"
    assert call(server, "/sparql", update.encode(), UPDATE).status == 200
    assert quads(server) == before + 1
    removed = call(server, "/sparql", b"DELETE DATA { <urn:x:after> <urn:x:p> 1 }", UPDATE)
    assert removed.status == 200


@pytest.mark.server
def test_a_20_mb_literal_in_an_upload_is_a_400_not_a_500(server: LiveServer) -> None:
    """pyoxigraph's parser buffers a term in at most 16 MiB and raises MemoryError past
    it; that is the document's fault, not the server's."""
    before = quads(server)
    body = b'<urn:x:big> <urn:x:p> "' + b"x" * (20 * 1024 * 1024) + b'" .'
    reply = call(server, UPLOAD + "-literal.nt", body, NTRIPLES)
    assert reply.status == 400, reply.body[:300]
    assert b"too large to parse" in reply.body
    assert server.process.poll() is None
    assert quads(server) == before


# -- CORS --------------------------------------------------------------------------------

EVIL = {"Origin": "https://evil.example", "Cookie": "session=stolen"}


@pytest.fixture(scope="module")
def writer() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data=SAMPLES, write_token=TOKEN))) as client:
        yield client


def test_reads_never_reflect_an_origin_nor_allow_credentials(writer: TestClient) -> None:
    ask = {"query": "ASK {}"}
    responses = [
        writer.get("/sparql", params=ask, headers=EVIL),
        writer.post("/sparql", data=ask, headers=EVIL),
        writer.post("/sparql", content=b"ASK {}", headers={**EVIL, **QUERY}),
        writer.get("/sparql", params={"query": "ASK {"}, headers=EVIL),
        writer.get("/sparql", headers={**EVIL, "Accept": "text/turtle"}),
        writer.get("/rdf-graphs/service", headers=EVIL),
        writer.get("/sparql/queries", headers=EVIL),
        writer.get("/telecom", headers={**EVIL, "Accept": "text/turtle"}),
        writer.get("/graphql", params={"query": "{ __typename }"}, headers=EVIL),
        writer.post("/graphql", json={"query": "{ __typename }"}, headers=EVIL),
        writer.get("/health", headers=EVIL),
        writer.get("/", headers=EVIL),
    ]
    for response in responses:
        assert response.status_code < 500, response.request.url
        assert "access-control-allow-credentials" not in response.headers
        assert response.headers.get("access-control-allow-origin", "*") == "*"
        assert "evil.example" not in json.dumps(dict(response.headers))


def test_the_sparql_preflight_allows_reads_only(writer: TestClient) -> None:
    for method in ("GET", "POST"):
        preflight = writer.options(
            "/sparql",
            headers={**EVIL, "Access-Control-Request-Method": method},
        )
        assert preflight.status_code == 204
        allowed = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
        assert {"GET", "POST"} <= allowed and not allowed & {"PUT", "DELETE", "PATCH"}
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in preflight.headers


def test_write_routes_answer_no_cors_headers(writer: TestClient) -> None:
    nt = {"Content-Type": "application/n-triples"}
    triple = b'<urn:x:cors> <urn:x:p> "1" .'
    graph = {"graph": "urn:x:cors"}
    responses = [
        writer.post("/upload?name=cors.nt", content=triple, headers={**EVIL, **AUTH, **nt}),
        writer.post("/upload?name=cors.nt", content=triple, headers={**EVIL, **nt}),
        writer.put(
            "/rdf-graphs/service", params=graph, content=triple, headers={**EVIL, **AUTH, **nt}
        ),
        writer.post("/rdf-graphs/service", params=graph, content=triple, headers={**EVIL, **nt}),
        writer.delete("/rdf-graphs/service", params=graph, headers={**EVIL, **AUTH}),
        writer.post(
            "/sparql", data={"update": "CLEAR SILENT GRAPH <urn:x:cors>"}, headers={**EVIL, **AUTH}
        ),
        writer.post(
            "/sparql", content=b"CLEAR SILENT GRAPH <urn:x:cors>", headers={**EVIL, **UPDATE}
        ),
    ]
    for method, path in (
        ("POST", "/upload"),
        ("PUT", "/rdf-graphs/service"),
        ("DELETE", "/rdf-graphs/service"),
    ):
        responses.append(
            writer.options(
                path,
                headers={
                    **EVIL,
                    "Access-Control-Request-Method": method,
                    "Access-Control-Request-Headers": "authorization, content-type",
                },
            )
        )
    statuses = [r.status_code for r in responses]
    assert statuses[0] == 200 and statuses[1] == 401, statuses
    for response in responses:
        assert response.status_code < 500
        assert not [h for h in response.headers if h.lower().startswith("access-control-")], (
            response.request.method,
            response.request.url,
            dict(response.headers),
        )


def test_flat_chains_get_a_400_with_a_reason_and_long_lists_pass(writer: TestClient) -> None:
    """Thousands of BINDs, MINUS or ``+`` overflow pyoxigraph's stack (the worker would
    die: 503); the guard refuses them with 400 ``too_long_chain``. VALUES rows do not
    chain, so 10,000 of them are answered."""
    for text in (FLAT_BINDS, FLAT_MINUS, FLAT_SUM):
        reply = writer.post("/sparql", content=text.encode(), headers=QUERY)
        assert reply.status_code == 400, reply.text[:200]
        assert reply.json()["error"] == "too_long_chain"
        assert "VALUES" in reply.json()["message"]
    binds = " ".join(f"BIND({i} AS ?v{i})" for i in range(900))
    reply = writer.post("/sparql", content=f"SELECT ?v899 WHERE {{ {binds} }}", headers=QUERY)
    assert reply.status_code == 200, reply.text[:200]
    assert reply.json()["results"]["bindings"][0]["v899"]["value"] == "899"
    rows = " ".join(str(i) for i in range(10_000))
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {rows} }} }}"
    reply = writer.post("/sparql", content=text.encode(), headers=QUERY)
    assert reply.status_code == 200, reply.text[:200]
    assert reply.json()["results"]["bindings"][0]["n"]["value"] == "10000"
