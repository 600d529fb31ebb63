"""cxgraph on real remote SPARQL stores over HTTP: an Oxigraph server (the ``oxigraph``
package's binary) and Virtuoso open source (Debian's ``virtuoso-t``).

Module fixtures start each server on free loopback ports and stop it afterwards; each test
starts from an empty store. The gap report (and the per-rule inference counts) from the
remote store must equal the embedded store's exactly.
"""

from __future__ import annotations

import http.server
import json
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxgraph.api import create_app
from cxgraph.cli import app, hoist_shared_options
from cxgraph.config import Settings, store_location
from cxgraph.errors import InputError, StoreError, StoreRefused, WriteRefused
from cxgraph.pipeline import KnowledgeGraph, attach_knowledge_graph, build_knowledge_graph
from cxgraph.sources import Source, SourceFormat
from cxgraph.store import Store
from cxgraph.store.location import Credentials, Dialect, RemoteLocation
from cxgraph.store.remote import RemoteStore
from cxgraph.store.terms import SKOLEM_PREFIX, query_form, with_values
from tests.remote_servers import empty, free_port, oxigraph_server, virtuoso_server
from tests.salon_edits import FIX_UNMET_NEED, SALON, UNMET

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "data").glob("*.ttl"))
BACKENDS = ["oxigraph", "virtuoso"]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real Oxigraph server (on disk) on loopback."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The /sparql URL of a real Virtuoso on loopback."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def remote(request: pytest.FixtureRequest) -> RemoteLocation:
    """Each server's location, emptied."""
    location = RemoteLocation.parse(request.getfixturevalue(request.param))
    empty(location)
    return location


@pytest.fixture
def oxigraph_store(oxigraph: str) -> RemoteLocation:
    """The Oxigraph server's location, emptied."""
    location = RemoteLocation.parse(oxigraph)
    empty(location)
    return location


def _report(kg: KnowledgeGraph) -> list[dict[str, object]]:
    return [f.as_json() for f in kg.findings]


def _same_as_embedded(files: list[Path], remote: RemoteLocation) -> int:
    far = build_knowledge_graph(files, store_path=remote)
    near = build_knowledge_graph(files)
    assert _report(far) == _report(near)
    assert far.inference is not None and near.inference is not None
    assert far.inference.added == near.inference.added
    return len(near.findings)


# -- equality with the embedded store -------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_report_equals_embedded(sample: Path, remote: RemoteLocation) -> None:
    assert _same_as_embedded([sample], remote) > 0


@pytest.mark.server
@pytest.mark.parametrize("profile", ["sparse", "dense"])
def test_generated_model_report_equals_embedded(
    profile: str, remote: RemoteLocation, tmp_path: Path
) -> None:
    out = tmp_path / profile
    command = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--triples", "3000"]
    command += ["--out", str(out), "--profile", profile]
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT / "benchmarks")
    assert _same_as_embedded([out / "model.ttl"], remote) > 0


@pytest.mark.server
def test_cli_gaps_on_a_remote_store(oxigraph_store: RemoteLocation) -> None:
    remote = oxigraph_store
    sample = str(ROOT / "data" / "salon.ttl")
    runner = CliRunner()
    far = runner.invoke(app, ["gaps", "--store", remote.url, "--data", sample, "-f", "json"])
    near = runner.invoke(app, ["gaps", "--data", sample, "-f", "json"])
    assert far.exit_code == near.exit_code == 1, far.output
    assert json.loads(far.stdout) == json.loads(near.stdout)
    # the data stays in the remote store: a second run without --data reports it again
    again = runner.invoke(app, ["gaps", "--store", remote.url, "-f", "json"])
    assert json.loads(again.stdout) == json.loads(near.stdout)


@pytest.mark.server
def test_cli_store_from_the_environment(oxigraph_store: RemoteLocation) -> None:
    remote = oxigraph_store
    sample = str(ROOT / "data" / "car-retail.ttl")
    result = CliRunner().invoke(
        app, ["gaps", "--data", sample, "-f", "json"], env={"CXGRAPH_STORE": remote.url}
    )
    assert result.exit_code == 1, result.output
    store = RemoteStore(remote)
    graphs = {g.value for g in store.named_graphs()}
    assert "urn:cxgraph:graph:data:car-retail" in graphs
    assert "urn:cxgraph:graph:gaps" in graphs


# -- writes and serving on a remote store ---------------------------------------------

TOKEN = "remote-write-token"


@pytest.mark.server
def test_library_writes_on_a_remote_store_equal_embedded(remote: RemoteLocation) -> None:
    salon = [ROOT / "data" / "salon.ttl"]
    far = build_knowledge_graph(salon, store_path=remote)
    near = build_knowledge_graph(salon)
    assert UNMET in {(f.rule, f.focus) for f in far.findings}
    for kg in (far, near):
        kg.update(FIX_UNMET_NEED)
        kg.post_graph(ox.NamedNode("urn:cxgraph:graph:data:more"), [])
    assert _report(far) == _report(near)
    assert UNMET not in {(f.rule, f.focus) for f in far.findings}
    before = set(far.store)
    with pytest.raises(WriteRefused):
        far.update("CLEAR GRAPH <urn:cxgraph:graph:ontology>")
    assert set(far.store) == before
    for kg in (far, near):
        kg.drop_graph(ox.NamedNode("urn:cxgraph:graph:data:fixes"))
    assert _report(far) == _report(near)
    assert UNMET in {(f.rule, f.focus) for f in far.findings}


@pytest.mark.server
def test_reloading_replaces_graphs_even_with_empty_sources(remote: RemoteLocation) -> None:
    files = [ROOT / "data" / "salon.ttl", ROOT / "data" / "telecom.ttl"]
    far = build_knowledge_graph(files, store_path=remote)
    near = build_knowledge_graph(files)
    again = [
        Source("salon.ttl", b"", SourceFormat.TURTLE),
        Source(
            "telecom.trig",
            b"<urn:cxgraph:graph:data:telecom> { <urn:x:a> <urn:x:b> <urn:x:c> }",
            SourceFormat.TRIG,
        ),
    ]
    for kg in (far, near):
        kg.load(again)
    assert _report(far) == _report(near)
    assert far.store.count(ox.NamedNode("urn:cxgraph:graph:data:salon")) == 0
    assert far.store.count(ox.NamedNode("urn:cxgraph:graph:data:telecom")) == 1
    assert not [g for g in far.store.graphs() if "loading" in g.value]


@pytest.mark.server
def test_cli_update_on_a_remote_store(oxigraph_store: RemoteLocation) -> None:
    url = oxigraph_store.url
    sample = str(ROOT / "data" / "salon.ttl")
    runner = CliRunner()
    assert runner.invoke(app, ["gaps", "--store", url, "--data", sample]).exit_code == 1
    result = runner.invoke(app, ["update", FIX_UNMET_NEED, "--store", url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == ["urn:cxgraph:graph:data:fixes"]
    report = runner.invoke(app, ["gaps", "--store", url, "-f", "json"])
    assert UNMET not in {(f["rule"], f["focus"]) for f in json.loads(report.stdout)}
    refused = runner.invoke(app, ["update", "DROP GRAPH <urn:cxgraph:graph:gaps>", "--store", url])
    assert refused.exit_code == 2
    assert "read-only" in refused.stderr


@pytest.mark.server
def test_serve_on_a_remote_store(oxigraph_store: RemoteLocation) -> None:
    """The endpoint, GraphQL, health and writes over HTTP, with the remote store as the
    store of record: answers equal the embedded store's, writes land in the remote store."""
    salon = (ROOT / "data" / "salon.ttl",)
    near = build_knowledge_graph(list(salon))
    settings = Settings(data=salon, store_path=oxigraph_store, write_token=TOKEN, max_workers=2)
    count = "SELECT (COUNT(?g) AS ?n) WHERE { GRAPH <urn:cxgraph:graph:gaps> { ?g cx:rule ?r } }"
    accept = {"accept": "application/sparql-results+json"}
    with TestClient(create_app(settings)) as client:
        health = client.get("/health").json()
        assert health["findings"] == len(near.findings)
        answer = client.get("/sparql", params={"query": count}, headers=accept).json()
        assert int(answer["results"]["bindings"][0]["n"]["value"]) == len(near.findings)
        graphql = client.post(
            "/graphql", json={"query": "{ personas(first: 50) { totalCount nodes { iri } } }"}
        ).json()
        assert graphql["data"]["personas"]["totalCount"] > 0
        written = client.post(
            "/sparql",
            content=FIX_UNMET_NEED.encode(),
            headers={
                "content-type": "application/sparql-update",
                "authorization": f"Bearer {TOKEN}",
            },
        )
        assert written.status_code == 200, written.text
        refused = client.post(
            "/sparql",
            content=b"DROP GRAPH <urn:cxgraph:graph:inferred>",
            headers={
                "content-type": "application/sparql-update",
                "authorization": f"Bearer {TOKEN}",
            },
        )
        assert refused.status_code == 400
        assert refused.json()["error"] == "read_only_graph"
        after = client.get("/sparql", params={"query": count}, headers=accept).json()
        served = int(after["results"]["bindings"][0]["n"]["value"])
    near.update(FIX_UNMET_NEED)
    assert served == len(near.findings)
    far = RemoteStore(oxigraph_store)
    assert ox.NamedNode("urn:cxgraph:graph:data:fixes") in set(far.named_graphs())


@pytest.mark.server
def test_instances_attached_to_a_remote_store_serve_the_writers_state(
    oxigraph_store: RemoteLocation,
) -> None:
    """Two instances behind one proxy: the writer loads and reasons, a replica attached
    to the same store answers from it (and sees the writer's writes) and refuses writes."""
    salon = (ROOT / "data" / "salon.ttl",)
    writer = Settings(data=salon, store_path=oxigraph_store, write_token=TOKEN, max_workers=1)
    replica = Settings(store_path=oxigraph_store, attach=True, write_token=TOKEN, max_workers=1)
    unmet = (
        'ASK { GRAPH <urn:cxgraph:graph:gaps> { ?g cx:rule "unmet-need" ; '
        f"cx:focus <{SALON}NeedKnowWait> }} }}"
    )
    accept = {"accept": "application/sparql-results+json"}
    update = {"content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(writer)) as first, TestClient(create_app(replica)) as second:
        assert second.get("/health").json()["findings"] == first.get("/health").json()["findings"]
        assert second.get("/sparql", params={"query": unmet}, headers=accept).json()["boolean"]
        refused = second.post("/sparql", content=FIX_UNMET_NEED.encode(), headers=update)
        assert refused.status_code == 403
        assert refused.json()["error"] == "read_only_instance"
        assert first.post("/sparql", content=FIX_UNMET_NEED.encode(), headers=update).is_success
        assert not second.get("/sparql", params={"query": unmet}, headers=accept).json()["boolean"]


@pytest.mark.server
def test_attaching_needs_a_reasoned_remote_store(
    oxigraph_store: RemoteLocation, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="no reasoned cxgraph model"):
        attach_knowledge_graph(oxigraph_store)
    with pytest.raises(InputError, match="only a remote store"):
        attach_knowledge_graph(tmp_path)


# -- the store API over HTTP ----------------------------------------------------------


@pytest.mark.server
def test_blank_nodes_are_skolemized_and_read_back(remote: RemoteLocation) -> None:
    store = RemoteStore(remote)
    graph = ox.NamedNode("urn:test:g")
    store.load(
        b"<urn:test:a> <urn:test:p> [ <urn:test:q> 1 ] .", ox.RdfFormat.TURTLE, to_graph=graph
    )
    (quad,) = store.quads_for_pattern(ox.NamedNode("urn:test:a"), None, None, graph)
    assert isinstance(quad.object, ox.BlankNode)
    # stored as an IRI, named in queries by its blank node
    raw = store.query("SELECT ?o WHERE { GRAPH ?g { <urn:test:a> <urn:test:p> ?o } }")
    (row,) = raw  # type: ignore[misc]
    assert row["o"] == quad.object
    assert bool(store.query(f"ASK {{ GRAPH ?g {{ <{SKOLEM_PREFIX}{quad.object.value}> ?p 1 }} }}"))
    found = store.query(
        "SELECT ?v WHERE { GRAPH ?g { ?x <urn:test:q> ?v } }",
        substitutions={ox.Variable("x"): quad.object},
    )
    assert [r["v"] for r in found] == [ox.Literal(1)]  # type: ignore[union-attr]
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert any(isinstance(t.subject, ox.BlankNode) for t in triples)  # type: ignore[union-attr]
    assert quad in store
    store.remove(quad)
    assert quad not in store
    assert len(store) == 1


@pytest.mark.server
def test_graphs_datasets_and_bulk_load(oxigraph_store: RemoteLocation) -> None:
    store = RemoteStore(oxigraph_store)
    a, b = ox.NamedNode("urn:test:a"), ox.NamedNode("urn:test:b")
    p = ox.NamedNode("urn:test:p")
    store.add_graph(a)
    assert store.contains_named_graph(a) and not store.contains_named_graph(b)
    store.extend(
        ox.Quad(ox.NamedNode(f"urn:test:s{i}"), p, ox.Literal(i), b) for i in range(25_001)
    )
    assert len(store) == 25_001
    everything = list(store.quads_for_pattern(None, p, None, b))
    assert len(everything) == len(set(everything)) == 25_001
    before = store.requests
    assert len(list(islice(store.quads_for_pattern(None, None, None, b), 10))) == 10
    assert store.requests == before + 1  # a size check reads one page, not the graph
    store.add(ox.Quad(a, p, ox.Literal("x"), a))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert next(iter(store.query(count, default_graph=[a])))["n"].value == "1"  # type: ignore[call-overload]
    union = store.query(count, use_default_graph_as_union=True)
    assert next(iter(union))["n"].value == "25002"  # type: ignore[call-overload]
    graphs = "SELECT ?g WHERE { GRAPH ?g { } }"
    named = store.query(graphs, default_graph=[a], named_graphs=[a])
    assert [r["g"] for r in named] == [a]  # type: ignore[union-attr]
    store.clear_graph(b)
    assert store.contains_named_graph(b) and len(store) == 1
    store.remove_graph(b)
    assert sorted(g.value for g in store.named_graphs()) == ["urn:test:a"]


@pytest.mark.server
def test_the_union_is_cxgraphs_graphs_only(remote: RemoteLocation) -> None:
    """Virtuoso's default graph holds its system graphs: queries see cxgraph's only."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    store = Store(remote)
    assert next(iter(store.query(count)))["n"].value == "0"  # type: ignore[call-overload]
    kg = build_knowledge_graph([ROOT / "data" / "salon.ttl"], store_path=remote)
    total = next(iter(kg.query(count)))["n"].value  # type: ignore[call-overload]
    assert int(total) == len(RemoteStore(remote)) > 0


@pytest.mark.server
def test_bad_input_leaves_the_remote_store_unchanged(
    remote: RemoteLocation, tmp_path: Path
) -> None:
    build_knowledge_graph([ROOT / "data" / "salon.ttl"], store_path=remote)
    before = len(RemoteStore(remote))
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.ttl"):
        build_knowledge_graph([ROOT / "data" / "salon.ttl", bad], store_path=remote)
    assert len(RemoteStore(remote)) == before


@pytest.mark.server
def test_a_query_syntax_error_is_a_syntax_error(oxigraph_store: RemoteLocation) -> None:
    with pytest.raises(SyntaxError):
        RemoteStore(oxigraph_store).query("SELECT WHERE {")


@pytest.mark.server
def test_membership_and_removal_in_batches(remote: RemoteLocation) -> None:
    store = Store(remote)
    graph = ox.NamedNode("urn:cxgraph:graph:data:batch")
    node = ox.BlankNode("b1")
    held = [
        ox.Quad(ox.NamedNode(f"urn:x:s{i}"), ox.NamedNode("urn:x:p"), ox.Literal(f"v{i}"), graph)
        for i in range(1500)
    ] + [ox.Quad(node, ox.NamedNode("urn:x:p"), ox.Literal("chat", language="fr"), graph)]
    absent = [ox.Quad(ox.NamedNode("urn:x:none"), ox.NamedNode("urn:x:p"), ox.Literal("v1"), graph)]
    store.insert(held)
    before = store.traffic()[0]
    assert store.present(absent + held) == held
    assert store.traffic()[0] - before <= 3  # 1,502 quads asked about in two batches
    store.delete(held[:1000])
    assert store.present(held) == held[1000:]


@pytest.mark.server
def test_which_triples_graphs_hold_in_batches(remote: RemoteLocation) -> None:
    store = Store(remote)
    first, second, third = (ox.NamedNode(f"urn:cxgraph:graph:data:g{i}") for i in (1, 2, 3))
    triples = [
        ox.Triple(
            ox.NamedNode(f"urn:x:s{i}"), ox.NamedNode("urn:x:p"), ox.Literal(f"v{i}", language="en")
        )
        for i in range(1200)
    ]
    store.insert(ox.Quad(t.subject, t.predicate, t.object, first) for t in triples[:400])
    store.insert(ox.Quad(t.subject, t.predicate, t.object, third) for t in triples[400:800])
    before = store.traffic()[0]
    assert store.held_in(triples, [first, second]) == set(triples[:400])
    assert store.traffic()[0] - before <= 2
    assert store.held_in(triples, [third]) == set(triples[400:800])
    assert store.held_in(triples, []) == set()


@pytest.mark.server
def test_an_update_the_store_refuses_is_store_refused_not_a_syntax_error(
    remote: RemoteLocation,
) -> None:
    """cxgraph writes the updates: a store refusing one is a dialect problem (HTTP 502),
    not the user's syntax error."""
    with pytest.raises(StoreRefused, match="refused an update"):
        RemoteStore(remote).update("INSERT DATA { this is not SPARQL }")


@pytest.mark.server
def test_a_triple_term_is_refused_as_input_on_virtuoso(virtuoso: str) -> None:
    location = RemoteLocation.parse(virtuoso)
    empty(location)
    kg = build_knowledge_graph([ROOT / "data" / "salon.ttl"], store_path=location)
    before = set(kg.store)
    with pytest.raises(InputError, match="triple terms"):
        kg.update("INSERT DATA { <urn:x:a> <urn:x:b> <<( <urn:x:a> <urn:x:b> <urn:x:c> )>> }")
    assert set(kg.store) == before


def test_an_unreachable_store_is_a_store_error() -> None:
    location = RemoteLocation.parse(f"http://127.0.0.1:{free_port()}", timeout=5)
    with pytest.raises(StoreError, match="cannot reach"):
        build_knowledge_graph(store_path=location)


# -- locations and credentials (no server) ---------------------------------------------


def test_endpoints_by_convention_and_by_fragment() -> None:
    oxigraph = RemoteLocation.parse("http://127.0.0.1:7878/")
    assert oxigraph.dialect is Dialect.OXIGRAPH
    assert (oxigraph.query, oxigraph.update, oxigraph.graph_store) == (
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store",
    )
    virtuoso = RemoteLocation.parse("https://db.example:8890/sparql")
    assert virtuoso.dialect is Dialect.VIRTUOSO
    assert virtuoso.query == virtuoso.update == "https://db.example:8890/sparql"
    assert virtuoso.graph_store is None
    given = RemoteLocation.parse("https://h/ds/sparql#dialect=generic&update=/ds/update")
    assert given.dialect is Dialect.GENERIC
    assert (given.query, given.update) == ("https://h/ds/sparql", "https://h/ds/update")
    for bad in ("ftp://h/", "http://u:p@h/", "http://h/#user=x", "http://h/#dialect=x"):
        with pytest.raises(InputError):
            RemoteLocation.parse(bad)


def test_credentials_from_environment_and_file(tmp_path: Path) -> None:
    url = "https://db.example/sparql"
    env = {"CXGRAPH_STORE_USER": "ann", "CXGRAPH_STORE_PASSWORD": "s3cret"}
    basic = store_location(url, env=env)
    assert isinstance(basic, RemoteLocation)
    assert basic.credentials.header() == "Basic YW5uOnMzY3JldA=="
    assert "s3cret" not in repr(basic)
    token = store_location(None, env={"CXGRAPH_STORE": url, "CXGRAPH_STORE_TOKEN": "t0k"})
    assert isinstance(token, RemoteLocation) and token.credentials.header() == "Bearer t0k"
    file = tmp_path / "auth"
    file.write_text("# the store\ntoken = abc\n", encoding="utf-8")
    from_file = store_location(url, file, env=env)
    assert isinstance(from_file, RemoteLocation)
    assert from_file.credentials.header() == "Bearer abc"
    assert store_location("some/dir", env={}) == Path("some/dir")
    assert store_location(None, env={}) is None
    with pytest.raises(InputError):
        store_location(url, env={"CXGRAPH_STORE_USER": "ann"})
    with pytest.raises(InputError):
        Credentials.from_mapping({"token": "t", "user": "u", "password": "p"})


def test_the_auth_file_option_may_follow_the_command() -> None:
    argv = ["gaps", "--store", "https://h/sparql", "--store-auth-file", "auth", "-q"]
    assert hoist_shared_options(argv) == [
        "--store-auth-file",
        "auth",
        "gaps",
        "--store",
        "https://h/sparql",
        "-q",
    ]


def test_query_form() -> None:
    assert query_form("PREFIX s: <urn:select#> # ask\nCONSTRUCT { ?s ?p 'SELECT' } {}") == (
        "CONSTRUCT"
    )
    assert query_form("select * {}") == "SELECT"


def test_substitutions_become_values() -> None:
    text = with_values(
        "SELECT ?x WHERE { ?x ?p ?o }",
        {ox.Variable("p"): ox.NamedNode("urn:p"), ox.Variable("o"): ox.BlankNode("b1")},
    )
    assert text == (
        f"SELECT ?x WHERE {{ VALUES (?p ?o) {{ (<urn:p> <{SKOLEM_PREFIX}b1>) }}  ?x ?p ?o }}"
    )
    assert with_values("ASK { ?s ?p ?o }", {ox.Variable("s"): ox.Literal("a")}).endswith(
        'VALUES (?s) { ("a") }'
    )


class _Protected(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint that answers ASK with true to the bearer token ``right`` only."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Authorization") != "Bearer right":
            self.send_response(401)
            self.end_headers()
            return
        body = b'{"head":{},"boolean":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _listener(tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """A real HTTP(S) server with :class:`_Protected` on a loopback port."""
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Protected) as httpd:
        if tls is not None:
            httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield int(httpd.server_address[1])
        finally:
            httpd.shutdown()
            thread.join()


def test_credentials_are_sent() -> None:
    """With the token the store answers; without it the error names the status."""
    with _listener() as port:
        url = f"http://127.0.0.1:{port}/sparql"
        RemoteStore(RemoteLocation.parse(url, Credentials(token="right"), 5)).check()
        with pytest.raises(StoreError, match="401"):
            RemoteStore(RemoteLocation.parse(url, Credentials(token="wrong"), 5)).check()


def test_tls_certificates_are_verified(tmp_path: Path) -> None:
    """A self-signed certificate is refused: verification is on and cannot be turned off."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with _listener(tls) as port:
        location = RemoteLocation.parse(
            f"https://127.0.0.1:{port}/sparql", Credentials(token="right"), 5
        )
        with pytest.raises(StoreError, match="CERTIFICATE_VERIFY_FAILED"):
            RemoteStore(location).check()
