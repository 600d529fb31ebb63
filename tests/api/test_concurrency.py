"""Concurrency: readers never see half a write, and SHACL validation from many threads
does not break rdflib's SPARQL parser.

The pair test runs a real ``cxgraph serve``: one writer thread inserts and deletes pairs
of symmetric triples, each pair in one SPARQL update, while three reader threads check
over SPARQL and GraphQL that every pair is whole, for 10 seconds, on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from functools import partial

import httpx2
import pytest

from .conftest import SAMPLES, LiveServer, start_server, stop_server

TOKEN = "concurrency-token"
EX = "urn:x:pairs:"
SECONDS = 10.0
READERS = 3
LIVE_PAIRS = 5  # pairs kept in the store before the oldest is deleted
PAIRS = f"SELECT ?x ?y WHERE {{ ?x <{EX}pair> ?y }}"
PERSONAS = '{ personas(labelContains: "pair member", first: 100) { totalCount nodes { iri } } }'


def pair_triples(n: int) -> str:
    """Both halves of pair ``n``: two symmetric ex:pair triples and two labelled personas
    (so GraphQL sees the pair too)."""
    a, b = f"<{EX}a{n}>", f"<{EX}b{n}>"
    return (
        f"{a} <{EX}pair> {b} . {b} <{EX}pair> {a} . "
        f'{a} a cx:Persona ; rdfs:label "pair member a{n}"@en . '
        f'{b} a cx:Persona ; rdfs:label "pair member b{n}"@en .'
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    env = {
        **os.environ,
        "CXGRAPH_WRITE_TOKEN": TOKEN,
        # many writes in the 10 s matter here, not their shape report
        "CXGRAPH_WRITE_VALIDATION": "off",
    }
    live = start_server(*[arg for p in SAMPLES for arg in ("--data", str(p))], env=env)
    yield live
    stop_server(live)


def pair_members(iris: list[str]) -> Counter[str]:
    """How many members of each pair number were seen (2 when whole)."""
    return Counter(iri[len(EX) + 1 :] for iri in iris)


@pytest.mark.server
def test_readers_never_see_half_a_write(server: LiveServer) -> None:
    stop_at = time.monotonic() + SECONDS
    violations: list[str] = []
    errors: list[str] = []
    counts: Counter[str] = Counter()
    guard = threading.Lock()

    def record(kind: str, problem: str | None = None, error: str | None = None) -> None:
        with guard:
            counts[kind] += 1
            if problem:
                violations.append(f"{kind}: {problem}")
            if error:
                errors.append(f"{kind}: {error}")

    def writer() -> None:
        live: deque[int] = deque()
        headers = {
            "Authorization": f"Bearer {TOKEN}",
            "content-type": "application/sparql-update",
        }
        with httpx2.Client(base_url=server.url, timeout=30) as http:
            n = 0
            while time.monotonic() < stop_at:
                if len(live) >= LIVE_PAIRS:
                    oldest = live.popleft()
                    text = f"DELETE DATA {{ {pair_triples(oldest)} }}"
                    kind = "delete"
                else:
                    n += 1
                    live.append(n)
                    text = f"INSERT DATA {{ {pair_triples(n)} }}"
                    kind = "insert"
                response = http.post("/sparql", content=text.encode(), headers=headers)
                ok = response.status_code == 200
                record(kind, error=None if ok else f"{response.status_code} {response.text}")

    def sparql_read(http: httpx2.Client) -> None:
        response = http.get(
            "/sparql",
            params={"query": PAIRS},
            headers={"Accept": "application/sparql-results+json"},
        )
        if response.status_code != 200:
            record("sparql", error=f"{response.status_code} {response.text}")
            return
        rows = {(b["x"]["value"], b["y"]["value"]) for b in response.json()["results"]["bindings"]}
        problem = None
        if len(rows) % 2:
            problem = f"odd number of pair triples: {len(rows)}"
        elif any((y, x) not in rows for x, y in rows):
            problem = f"asymmetric pairs: {sorted(rows)}"
        record("sparql", problem)

    def graphql_read(http: httpx2.Client) -> None:
        response = http.post("/graphql", json={"query": PERSONAS})
        body = response.json() if response.status_code == 200 else {}
        if "data" not in body or body.get("errors"):
            record("graphql", error=f"{response.status_code} {response.text}")
            return
        personas = body["data"]["personas"]
        members = pair_members([node["iri"] for node in personas["nodes"]])
        problem = None
        if personas["totalCount"] % 2 or personas["totalCount"] != len(personas["nodes"]):
            problem = f"totalCount {personas['totalCount']} of {len(personas['nodes'])} nodes"
        elif any(seen != 2 for seen in members.values()):
            problem = f"half pairs: {dict(members)}"
        record("graphql", problem)

    def reader(index: int) -> None:
        reads: list[Callable[[httpx2.Client], None]] = [sparql_read, graphql_read]
        with httpx2.Client(base_url=server.url, timeout=30) as http:
            turn = index
            while time.monotonic() < stop_at:
                reads[turn % 2](http)
                turn += 1

    def guarded(run: Callable[[], None]) -> Callable[[], None]:
        def target() -> None:
            try:
                run()
            except Exception as error:  # every failure is counted, none is lost
                record("exception", error=repr(error))

        return target

    threads = [threading.Thread(target=guarded(writer))]
    threads += [threading.Thread(target=guarded(partial(reader, i))) for i in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    assert not any(thread.is_alive() for thread in threads)
    print(f"pairs: {dict(counts)}, {len(violations)} violations, {len(errors)} errors")
    assert errors == []
    assert violations == []
    # the run must have exercised something: many writes, both read kinds
    assert counts["insert"] >= 10 and counts["delete"] >= 5, counts
    assert counts["sparql"] >= 20 and counts["graphql"] >= 20, counts


VALIDATE_FROM_THREADS = """
import json, sys, threading, time
import pyoxigraph as ox
from cxgraph.pipeline import build_knowledge_graph
from cxgraph.validation import validate

threads, seconds = int(sys.argv[1]), float(sys.argv[2])
kg = build_knowledge_graph()
persona = ox.NamedNode("https://w3id.org/cxgraph#Persona")
rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
kg.change([ox.Quad(ox.NamedNode("urn:x:p"), rdf_type, persona,
                   ox.NamedNode("urn:cxgraph:graph:data:x"))])
errors, reports, stop = [], [], time.monotonic() + seconds

def work():
    while time.monotonic() < stop:
        try:
            reports.append(validate(kg.store))
        except Exception as error:
            errors.append(repr(error))

workers = [threading.Thread(target=work) for _ in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
reports.append(validate(kg.store))
print(json.dumps({"runs": len(reports), "errors": errors[:5], "error_count": len(errors),
                  "distinct": len(set(reports)),
                  "violations": len(reports[-1].results)}))
"""


def test_validation_from_8_threads_for_5_seconds() -> None:
    """pyshacl parses SPARQL constraints with rdflib; without the lock in
    cxgraph.validation, parallel first parses break rdflib's parser for good. A fresh
    process, so the parser is cold as in a server's first write."""
    result = subprocess.run(
        [sys.executable, "-c", VALIDATE_FROM_THREADS, "8", "5"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    outcome = json.loads(result.stdout)
    assert outcome["error_count"] == 0, outcome["errors"]
    assert outcome["runs"] >= 2
    assert outcome["distinct"] == 1  # every run gave the same report
    assert outcome["violations"] == 1  # the unlabelled persona
