"""Latency of a SPARQL lookup over HTTP against a real ``cxgraph serve``.

Starts the server on a free loopback port over the bundled samples (or the ``--data``
files; or uses ``--url``), warms up, then sends the lookup of one persona's needs
``--requests`` times (200 by default) one after the other, and prints p50, p95 and max in
milliseconds: on one keep-alive connection (GET and form POST) and with a new connection
per request (what urllib-based clients such as SPARQLWrapper do). For scale, the same
query evaluated in process by pyoxigraph is timed too:

    python benchmarks/http_sparql.py
    python benchmarks/http_sparql.py --data model.ttl --requests 500 --persona IRI

Each HTTP query runs in a forked sandbox worker with a deadline (cxgraph.sandbox), so the
HTTP figures include that fork.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path

import pyoxigraph as ox
from served import served

PERSONA = "https://example.org/salon#WalkInRegular"
QUERY = """PREFIX cx: <https://w3id.org/cxgraph#>
SELECT ?need WHERE { ?persona cx:hasNeed ?need }"""
WARMUP = 20


def lookup(persona: str) -> str:
    """The query with the persona bound by VALUES (the IRI is validated by pyoxigraph's
    NamedNode first, so nothing but an IRI reaches the text)."""
    iri = ox.NamedNode(persona)
    return QUERY.replace("WHERE {", f"WHERE {{ VALUES ?persona {{ {iri} }}", 1)


def timed(send: Callable[[], bytes], count: int) -> list[float]:
    times = []
    for i in range(WARMUP + count):
        started = time.perf_counter()
        payload = json.loads(send())
        elapsed = time.perf_counter() - started
        if not payload["results"]["bindings"]:
            raise RuntimeError("the lookup found no needs: wrong --persona?")
        if i >= WARMUP:
            times.append(elapsed)
    return times


def over_http(url: str, query: str, count: int) -> dict[str, list[float]]:
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path.rstrip("/") + "/sparql"
    get_path = path + "?" + urllib.parse.urlencode({"query": query})
    form = urllib.parse.urlencode({"query": query}).encode()
    accept = {"Accept": "application/sparql-results+json"}
    kept = http.client.HTTPConnection(host, port)

    def exchange(
        connection: http.client.HTTPConnection,
        method: str,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> bytes:
        connection.request(method, target, body, headers)
        response = connection.getresponse()
        content = response.read()
        if response.status != 200:
            raise RuntimeError(f"query failed: {response.status} {content[:200]!r}")
        return content

    def fresh() -> bytes:
        connection = http.client.HTTPConnection(host, port)
        try:
            return exchange(connection, "GET", get_path, None, accept)
        finally:
            connection.close()

    form_headers = {**accept, "Content-Type": "application/x-www-form-urlencoded"}
    results = {
        "GET, keep-alive": timed(lambda: exchange(kept, "GET", get_path, None, accept), count),
        "form POST, keep-alive": timed(
            lambda: exchange(kept, "POST", path, form, form_headers), count
        ),
        "GET, new connection each": timed(fresh, count),
    }
    kept.close()
    return results


def in_process(data: Sequence[Path], query: str, count: int) -> list[float]:
    from cxgraph.pipeline import build_knowledge_graph

    kg = build_knowledge_graph(list(data) or None)
    times = []
    for i in range(WARMUP + count):
        started = time.perf_counter()
        rows = list(kg.store.query(query))  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        if not rows:
            raise RuntimeError("the lookup found no needs")
        if i >= WARMUP:
            times.append(elapsed)
    return times


def report(name: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
    return f"{name:30} n={len(ms):4}  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  max {ms[-1]:7.2f} ms"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="model files")
    parser.add_argument("--persona", default=PERSONA, help="IRI of the persona to look up")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    query = lookup(args.persona)
    if args.url:
        results = over_http(args.url, query, args.requests)
    else:
        with served(args.data) as url:
            results = over_http(url, query, args.requests)
    for name, times in results.items():
        print(report(name, times))
    if not args.url:
        print(report("pyoxigraph in process", in_process(args.data, query, args.requests)))


if __name__ == "__main__":
    main()
