"""Deadlines, CPU back to idle, responsiveness under hostile queries, and refusals when
overloaded, against a real ``cxgraph serve``; prints the figures docs/security.md quotes.

Writes a small hostile data set (1,000 numbered triples, a 400-node chain, 30-character
labels) to a temporary folder and starts two servers on it:

- 4 workers, a 5 s deadline: each hostile query alone (its status, its time, the CPU the
  server's process tree used in the 2 s after the answer); then three at once while a
  second thread sends /health and a trivial query every 50 ms (p50, p95, max), next to
  the same probe on an idle server;
- 1 worker, a queue of 1, a 2 s deadline, a 256 MiB memory cap per worker: bursts of six
  long queries (how fast the refused ones get 503 overloaded) and a string-doubling query.

    python benchmarks/deadlines.py
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

PREFIXES = (
    "PREFIX : <http://example.org/hostile#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
HOSTILE = {
    "cartesian product, 1,000^3": "SELECT (COUNT(*) AS ?n) { ?a :v ?x . ?b :v ?y . ?c :v ?z }",
    "(:p|^:p)* twice on a 400-node chain": (
        "SELECT (COUNT(*) AS ?n) { ?a (:p|^:p)* ?b . ?b (:p|^:p)* ?c }"
    ),
    "200-way UNION of cartesians": (
        "SELECT (COUNT(*) AS ?n) { " + " UNION ".join(["{ ?a :v ?x . ?b :v ?y }"] * 200) + " }"
    ),
    "(:p|^:p)* once on a 400-node chain": "SELECT (COUNT(*) AS ?n) { ?a (:p|^:p)* ?b }",
    'REGEX "^(a+)+$" on 30 characters': (
        'SELECT ?s { ?s rdfs:label ?l FILTER REGEX(?l, "^(a+)+$") }'
    ),
}
LONG = list(HOSTILE)[:3]
TRIVIAL = "ASK { :chain0 :p :chain1 }"
DOUBLING = (
    'SELECT (STRLEN(?s24) AS ?n) { BIND("'
    + "a" * 64
    + '" AS ?s0) '
    + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(24))
    + " }"
)


def hostile_turtle() -> str:
    lines = [
        "@prefix : <http://example.org/hostile#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
    ]
    lines += [f":t{i} :v {i} ." for i in range(1000)]
    lines += [f":chain{i} :p :chain{i + 1} ." for i in range(399)]
    lines += [f':x30 rdfs:label "{"a" * 30}" .', f':x29 rdfs:label "{"a" * 29}b" .']
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(data: Path, **env: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A real ``cxgraph serve`` with ``CXGRAPH_*`` settings; yields its port and process."""
    port = free_port()
    args = [sys.executable, "-m", "cxgraph", "serve", "--port", str(port), "--data", str(data)]
    environment = {**os.environ, **{f"CXGRAPH_{k.upper()}": v for k, v in env.items()}}
    process = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request(port, "GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("cxgraph serve did not become healthy")
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def request(port: int, method: str, path: str, body: str | None = None) -> tuple[int, bytes, float]:
    """One request on a new connection: status, body, seconds."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/sparql-query"} if body is not None else {}
    connection.request(method, path, body.encode() if body is not None else None, headers)
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    return response.status, answer, time.monotonic() - started


def query(port: int, text: str) -> tuple[int, bytes, float]:
    return request(port, "POST", "/sparql", PREFIXES + text)


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants, reaped children included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(f) for f in fields[11:15])
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            pending += [int(c) for c in children.read_text().split()]
    return total / ticks


def cpu_after(pid: int, seconds: float = 2.0) -> float:
    before = tree_cpu_seconds(pid)
    time.sleep(seconds)
    return tree_cpu_seconds(pid) - before


def probe(port: int, stop: threading.Event) -> dict[str, list[float]]:
    """/health and a trivial query, alternately, every 50 ms until ``stop`` (at most 400)."""
    times: dict[str, list[float]] = {"/health": [], "trivial query": []}
    for turn in range(400):
        if stop.wait(0.05):
            break
        if turn % 2:
            status, _, seconds = query(port, TRIVIAL)
            times["trivial query"].append(seconds if status == 200 else float("inf"))
        else:
            status, _, seconds = request(port, "GET", "/health")
            times["/health"].append(seconds if status == 200 else float("inf"))
    return times


def summary(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1]
    p50, top = statistics.median(ms), ms[-1]
    return f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {top:6.1f} ms  (n={len(ms)})"


def probed(
    port: int, during: float | None = None
) -> tuple[dict[str, list[float]], list[tuple[int, bytes, float]]]:
    """Probe an idle server for ``during`` s, or while the three long queries run."""
    stop = threading.Event()
    with ThreadPoolExecutor(4) as pool:
        probing = pool.submit(probe, port, stop)
        if during is not None:
            time.sleep(during)
            results: list[tuple[int, bytes, float]] = []
        else:
            results = list(pool.map(lambda name: query(port, HOSTILE[name]), LONG))
        stop.set()
        return probing.result(), results


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "hostile.ttl"
        data.write_text(hostile_turtle())
        print(f"cores: {os.cpu_count()}")
        with served(data, query_timeout="5", max_workers="4") as (port, process):
            print("\n4 workers, deadline 5 s: each hostile query alone")
            for name, text in HOSTILE.items():
                status, body, seconds = query(port, text)
                error = body.decode()[:40] if status != 200 else "ok"
                idle = cpu_after(process.pid)
                print(
                    f"  {name:40s} {status} {seconds:6.2f} s  CPU in the next 2 s: "
                    f"{idle:.2f} s  {error}"
                )
            times, _ = probed(port, during=3.0)
            print("\nprobe on an idle server")
            for kind, values in times.items():
                print(f"  {kind:14s} {summary(values)}")
            times, results = probed(port)
            idle = cpu_after(process.pid)
            print("\nprobe while the three long hostile queries run at once")
            for kind, values in times.items():
                print(f"  {kind:14s} {summary(values)}")
            for name, (status, _, seconds) in zip(LONG, results, strict=True):
                print(f"  {name:40s} {status} {seconds:6.2f} s")
            print(f"  CPU of the server's process tree in the 2 s after the answers: {idle:.2f} s")
        narrow = {"query_timeout": "2", "max_workers": "1", "queue_size": "1"}
        with served(data, worker_memory_limit=str(256 * 1024**2), **narrow) as (port, process):
            print("\n1 worker, queue 1, deadline 2 s: bursts of six long queries")
            refused: list[float] = []
            for _ in range(5):
                with ThreadPoolExecutor(6) as pool:
                    burst = list(pool.map(lambda _: query(port, HOSTILE[LONG[0]]), range(6)))
                refused += [s for status, body, s in burst if b"overloaded" in body]
            print(f"  503 overloaded: {summary(refused)}")
            status, body, seconds = query(port, DOUBLING)
            print(
                f"\nstring doubling to 1 GiB, 256 MiB cap: {status} in {seconds:.2f} s "
                f"{body.decode()[:60]}; server alive: {process.poll() is None}"
            )


if __name__ == "__main__":
    main()
