"""Real clients against a real ``cxgraph serve``: SPARQLWrapper, rdflib's SPARQLStore and
SPARQLUpdateStore, curl, rdflib parsing the service description; a loopback listener that
must receive no request whatever the queries name; and the editor in headless Chromium."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import itertools
import json
import os
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from cxgraph.api import static
from cxgraph.api.inspection import inspect_sparql
from cxgraph.api.protocol import ProtocolError

from .conftest import CHROMIUM_ARGS, SAMPLES, LiveServer, start_server, stop_server

pytestmark = pytest.mark.server

SALON = "https://example.org/salon#"
NEEDS = f"SELECT ?need WHERE {{ <{SALON}WalkInRegular> cx:hasNeed ?need }} ORDER BY ?need"
SALON_NEEDS = sorted(f"{SALON}{n}" for n in ("NeedGoodHaircut", "NeedKnowWait", "NeedPayQuickly"))
PREFIX = "PREFIX cx: <https://w3id.org/cxgraph#>\n"
TOKEN = "client-test-token"
UNMET_KNOW_WAIT = f"""ASK {{ GRAPH <urn:cxgraph:graph:gaps> {{
  ?gap cx:rule "unmet-need" ; cx:focus <{SALON}NeedKnowWait> }} }}"""


@pytest.fixture(scope="module")
def write_server() -> Iterator[LiveServer]:
    """A real server over the samples with writes enabled by CXGRAPH_WRITE_TOKEN."""
    env = {**os.environ, "CXGRAPH_WRITE_TOKEN": TOKEN}
    server = start_server(*[arg for p in SAMPLES for arg in ("--data", str(p))], env=env)
    yield server
    stop_server(server)


# -- SPARQLWrapper ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_json(live_server: LiveServer, method: str) -> None:
    client = SPARQLWrapper(live_server.url + "/sparql")
    client.setQuery(NEEDS)
    client.setReturnFormat(JSON)
    client.setMethod(method)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = client.query().convert()
    assert isinstance(result, dict)
    assert sorted(b["need"]["value"] for b in result["results"]["bindings"]) == SALON_NEEDS


def test_sparqlwrapper_xml_csv_and_turtle(live_server: LiveServer) -> None:
    client = SPARQLWrapper(live_server.url + "/sparql")
    client.setQuery(NEEDS)
    client.setReturnFormat(XML)
    xml = client.query().convert()
    assert len(xml.getElementsByTagName("result")) == 3  # type: ignore[union-attr]
    client.setReturnFormat(CSV)
    assert client.query().convert().splitlines()[0] == b"need"  # type: ignore[union-attr]
    client.setQuery(PREFIX + "CONSTRUCT WHERE { ?p cx:hasNeed ?n }")
    client.setReturnFormat(TURTLE)
    turtle = client.query().convert()
    assert isinstance(turtle, bytes)
    assert len(rdflib.Graph().parse(data=turtle, format="turtle")) > 10


# -- rdflib ----------------------------------------------------------------------------


def test_rdflib_sparqlstore(live_server: LiveServer) -> None:
    graph = rdflib.Graph(store=SPARQLStore(live_server.url + "/sparql"))
    rows = graph.query(PREFIX + NEEDS)
    assert sorted(str(row[0]) for row in rows) == SALON_NEEDS  # type: ignore[index]
    assert graph.query(PREFIX + f"ASK {{ <{SALON}WalkInRegular> cx:hasNeed ?n }}").askAnswer
    constructed = graph.query(PREFIX + "CONSTRUCT WHERE { ?p cx:hasNeed ?n }")
    assert len(constructed.graph) > 10  # type: ignore[arg-type]


def test_rdflib_parses_the_service_description(live_server: LiveServer) -> None:
    graph = rdflib.Graph().parse(live_server.url + "/sparql")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(live_server.url + "/sparql")
    assert (endpoint, sd.endpoint, endpoint) in graph
    void = rdflib.Graph().parse(live_server.url + "/.well-known/void")
    assert len(void) > 10


def test_rdflib_update_store_then_gaps_follow(write_server: LiveServer) -> None:
    endpoint = write_server.url + "/sparql"
    reader = SPARQLWrapper(endpoint)
    reader.setQuery(PREFIX + UNMET_KNOW_WAIT)
    reader.setReturnFormat(JSON)
    assert reader.query().convert()["boolean"] is True  # type: ignore[index]
    store = SPARQLUpdateStore(endpoint, endpoint, headers={"Authorization": f"Bearer {TOKEN}"})
    graph = rdflib.Graph(store=store, identifier=rdflib.URIRef("urn:cxgraph:graph:data:client"))
    salon = rdflib.Namespace(SALON)
    cx = rdflib.Namespace("https://w3id.org/cxgraph#")
    graph.add((salon.WaitBoardProcess, cx.delivers, salon.WaitBoard))
    graph.add((salon.WaitBoard, cx.fulfils, salon.NeedKnowWait))
    assert reader.query().convert()["boolean"] is False  # type: ignore[index]
    graph.remove((salon.WaitBoard, cx.fulfils, salon.NeedKnowWait))
    assert reader.query().convert()["boolean"] is True  # type: ignore[index]


def test_plain_urllib_update_with_bearer_token(write_server: LiveServer) -> None:
    body = "INSERT DATA { GRAPH <urn:cxgraph:graph:data:urllib> { <urn:x:a> <urn:x:b> 1 } }"

    def post(headers: dict[str, str]) -> tuple[int, dict[str, object]]:
        request = urllib.request.Request(
            write_server.url + "/sparql",
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/sparql-update", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    assert post({})[0] == 401
    assert post({"Authorization": "Bearer nope"})[0] == 403
    status, summary = post({"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    assert summary["graphs"] == {"urn:cxgraph:graph:data:urllib": {"added": 1, "removed": 0}}


# -- curl --------------------------------------------------------------------------------

CURL = shutil.which("curl")


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl(live_server: LiveServer) -> None:
    assert CURL is not None

    def curl(*args: str) -> str:
        done = subprocess.run(
            [CURL, "-sS", "--max-time", "30", *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    url = live_server.url + "/sparql"
    csv_text = curl("-G", url, "--data-urlencode", f"query={NEEDS}", "-H", "Accept: text/csv")
    assert csv_text.splitlines() == ["need", *SALON_NEEDS]
    posted = curl(url, "--data-urlencode", f"query={NEEDS}")
    assert len(json.loads(posted)["results"]["bindings"]) == 3
    direct = curl(url, "-H", "Content-Type: application/sparql-query", "--data-binary", NEEDS)
    assert len(json.loads(direct)["results"]["bindings"]) == 3
    head = curl("-I", url + "?query=" + quote(NEEDS))
    assert head.startswith("HTTP/1.1 200")
    assert "vary: Accept" in head
    assert "Service" in curl(url)
    status = curl(
        "-o", "/dev/null", "-w", "%{http_code}", url, "--data-urlencode", "update=CLEAR ALL"
    )
    assert status == "403"


def test_head_over_a_real_connection(live_server: LiveServer) -> None:
    parts = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("HEAD", "/sparql?" + urlencode({"query": NEEDS}))
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == b""
        assert int(response.getheader("content-length") or 0) > 0
    finally:
        connection.close()


# -- nothing is fetched ------------------------------------------------------------------


class Listener:
    """A loopback HTTP server that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.end_headers()
                self.wfile.write(b"<urn:x:leak> <urn:x:leak> <urn:x:leak> .")

            do_POST = do_GET

            def log_message(self, format: str, *args: object) -> None:
                del format, args

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def status_of(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> int:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


def test_no_request_reaches_a_listener(write_server: LiveServer, listener: Listener) -> None:
    """SERVICE, FROM, FROM NAMED, LOAD, dataset parameters, GSP and JSON-LD contexts that
    name the listener are all refused, and the listener sees nothing."""
    target = listener.url
    sparql = write_server.url + "/sparql"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    queries = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        f"PREFIX : <{target}> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"DESCRIBE <{target}>",
    ]
    statuses = [status_of("GET", sparql + "?" + urlencode({"query": q})) for q in queries]
    for name in ("default-graph-uri", "named-graph-uri"):
        statuses.append(
            status_of(
                "GET",
                sparql + "?" + urlencode({"query": "SELECT * { ?s ?p ?o } LIMIT 1", name: target}),
            )
        )
    for update in (
        f"LOAD <{target}>",
        f"LOAD SILENT <{target}> INTO GRAPH <urn:x:g>",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
    ):
        statuses.append(
            status_of(
                "POST",
                sparql,
                update.encode(),
                {"Content-Type": "application/sparql-update", **auth},
            )
        )
    statuses.append(
        status_of("GET", write_server.url + "/rdf-graphs/service?" + urlencode({"graph": target}))
    )
    context = json.dumps({"@context": target + "context.jsonld", "@id": "urn:x:a"}).encode()
    statuses.append(
        status_of(
            "POST",
            write_server.url + "/upload?name=ctx.jsonld",
            context,
            {"Content-Type": "application/ld+json", **auth},
        )
    )
    assert statuses[:5] == [400] * 5  # the DESCRIBE names an IRI, which is fine: 200
    assert statuses[5] == 200
    assert statuses[6:] == [400, 400, 400, 400, 400, 404, 400]
    assert listener.requests == []


def test_the_guard_and_pyoxigraph_agree(listener: Listener) -> None:
    """Keyword spellings pyoxigraph's parser accepts (it matches keywords without word
    boundaries) against everything that may precede them: whatever the guard lets
    through must not make pyoxigraph open a connection."""
    target = listener.url
    before = [
        "",
        "?s ?p ?o",
        "?s ?p ?o .",
        "?s ?p 1",
        "?s ?p 1.",
        "?s ?p 1e5",
        "?s ?p true",
        "?s a",
        "?s ?p _:b",
        "?s ?p _:b.",
        "?s ?p ex:o",
        "?s ?p ex:o.",
        "?s ?p :o",
        "?s ?p 'x'",
        "?s ?p 'x'@en",
        "?s ?p 'x'^^ex:t",
        "?s ?p <o>",
        "?s ?p ?o #c\n",
        "FILTER(true)",
        "{}",
        "OPTIONAL{}",
        "?s ?p ex:o\\.",
        "?s ?p ex:o\\-",
    ]
    keywords = ["SERVICE", "service", "SeRvIcE", "SERVICESILENT", "SERVICE SILENT"]
    names = [f"<{target}>", ":", ":x", "ex:", "?svc"]
    passed = 0
    for pre, sep, word, gap, name in itertools.product(
        before, ["", " ", "\n"], keywords, ["", " "], names
    ):
        query = (
            f"PREFIX : <{target}> PREFIX ex: <{target}> SELECT * WHERE {{ "
            f"BIND(<{target}> AS ?svc) {pre}{sep}{word}{gap}{name} {{ ?a ?b ?c }} }}"
        )
        try:
            inspect_sparql(query, "http://localhost/sparql")
        except ProtocolError:
            continue
        passed += 1
        with contextlib.suppress(SyntaxError, OSError, RuntimeError):
            list(ox.Store().query(query, base_iri=target))  # type: ignore[arg-type]
    for pre, sep, word, gap in itertools.product(
        ["", "CLEAR ALL;", "INSERT DATA {};"],
        ["", " ", "\n"],
        ["LOAD", "load", "LOADSILENT", "LOAD SILENT"],
        ["", " "],
    ):
        for name in (f"<{target}x>", ":x", "ex:x"):
            update = f"PREFIX : <{target}> PREFIX ex: <{target}> {pre}{sep}{word}{gap}{name}"
            try:
                inspect_sparql(update, "http://localhost/sparql")
            except ProtocolError:
                continue
            passed += 1
            with contextlib.suppress(SyntaxError, OSError, RuntimeError):
                ox.Store().update(update, base_iri=target)
    assert passed > 0  # some spellings are harmless (inside names) and pass
    assert listener.requests == []


# -- the editor in a real browser ---------------------------------------------------------

CHROMIUM = shutil.which("chromium")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.skipif(not static.editor_ready(), reason="run scripts/install-ui.sh first")
def test_editor_runs_a_saved_query_offline(live_server: LiveServer) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        try:
            page = browser.new_page()
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith(live_server.url) or r.url.startswith(("data:", "blob:"))
                    else outside.append(r.url)
                ),
            )
            page.goto(live_server.url + "/sparql")
            page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
            page.wait_for_function(
                "document.getElementById('saved-query').options.length > 5", timeout=20_000
            )
            page.select_option("#saved-query", "gaps/unmet-need")
            page.locator(".yasqe_queryButton:visible").click()
            rows = page.locator(".yasr .dataTable:visible tbody tr")
            rows.first.wait_for(timeout=20_000)
            assert rows.count() >= 1
            assert "NeedKnowWait" in page.locator(".yasr:visible").inner_text()
        finally:
            browser.close()
    assert outside == []
