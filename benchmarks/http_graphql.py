"""Latency of typical GraphQL requests over HTTP against a real ``cxgraph serve``.

Starts the server on a free loopback port over the bundled samples (or the ``--data``
files; or uses ``--url``), warms up, then sends each query ``--requests`` times (200 by
default) one after the other on one keep-alive connection, and prints p50, p95 and max
per query in milliseconds:

    python benchmarks/http_graphql.py
    python benchmarks/http_graphql.py --data model.ttl --requests 500

Queries: the persona x process alignment (a heat map, top-level processes) and the
first 100 personas with their needs and the processes meeting them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from served import served

QUERIES = {
    "alignment persona x process": """{
  alignment(rows: PERSONA, columns: PROCESS, topLevelOnly: true) {
    rows { iri label } columns { iri label }
    cells { row column count gapIds }
  } }""",
    "one persona with needs": """{
  personas(first: 1) { nodes {
    iri label needs { iri label metBy { iri label } }
  } } }""",
    "personas with needs": """{
  personas(first: 100) { totalCount nodes {
    iri label
    needs { iri label metBy { iri label } gaps { rule severity } }
  } } }""",
}
WARMUP = 20


def measure(url: str, query: str, count: int) -> list[float]:
    """Seconds per request, ``count`` sequential POSTs on one connection."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80)
    body = json.dumps({"query": query}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    times = []
    for i in range(WARMUP + count):
        started = time.perf_counter()
        connection.request("POST", parts.path.rstrip("/") + "/graphql", body, headers)
        response = connection.getresponse()
        payload = json.loads(response.read())
        elapsed = time.perf_counter() - started
        if response.status != 200 or payload.get("errors"):
            raise RuntimeError(f"query failed: {response.status} {payload}")
        if i >= WARMUP:
            times.append(elapsed)
    connection.close()
    return times


def memory(url: str) -> str:
    """High-water RSS of the server process and the RSS of its query workers."""
    port = urllib.parse.urlsplit(url).port
    server = subprocess.run(
        ["pgrep", "-f", "--", f"--port {port}"], capture_output=True, text=True, check=False
    ).stdout.split()
    workers = []
    for pid in server:
        children = Path(f"/proc/{pid}/task/{pid}/children")
        if children.exists():
            workers += children.read_text().split()
    figures = []
    for pid in [*server, *workers]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        figures.append((fields.get("VmHWM", "?").strip(), fields.get("VmRSS", "?").strip()))
    return f"server processes (VmHWM, VmRSS): {figures}"


def report(name: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
    return f"{name:32} n={len(ms):4}  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  max {ms[-1]:7.2f} ms"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="model files")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", nargs="*", choices=sorted(QUERIES), help="these queries only")
    args = parser.parse_args(argv)
    chosen = {name: q for name, q in QUERIES.items() if not args.only or name in args.only}
    if args.url:
        for name, query in chosen.items():
            print(report(name, measure(args.url, query, args.requests)))
        return
    with served(args.data) as url:
        for name, query in chosen.items():
            print(report(name, measure(url, query, args.requests)))
        print(memory(url))


if __name__ == "__main__":
    main()
