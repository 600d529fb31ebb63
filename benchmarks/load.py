"""Mixed load on a real ``cxgraph serve``: latency per request kind, error rate, memory.

Starts the server on a free loopback port (the bundled samples, or ``--data``), then runs
``--clients`` threads for ``--seconds``, each on its own keep-alive connection, sending
SPARQL and GraphQL reads and, for about one request in ``--write-every``, a SPARQL update
(with the token) that inserts a pair of triples or deletes the pair inserted before, so
the store keeps its size. Every second the server's memory is sampled from ``/proc``: RSS
and PSS (``smaps_rollup``, which splits shared copy-on-write pages fairly) of the server
process and, separately, of its forked query workers.

    python benchmarks/load.py                      # 4 clients, 2 minutes, samples
    python benchmarks/load.py --seconds 10         # smoke
    python benchmarks/load.py --data /tmp/bench10k/model.ttl --json benchmarks/out/load-10k.json

Asserts nothing. Prints a table (requests, errors, p50/p95/p99/max per kind, measured
after the warm-up) and the memory over time, and writes everything as JSON (default
``benchmarks/out/load.json``). No growth means server PSS at the end within about 10% of
PSS right after the warm-up. The scripts in ``benchmarks/`` import each other by module
name: run them as files.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from durability import Server, start, stop

BENCH = Path(__file__).resolve().parent
TOKEN = "load-benchmark-token"
EX = "urn:x:load:"
CX = "PREFIX cx: <https://w3id.org/cxgraph#>\n"

SPARQL_READS = {
    "sparql-needs": CX + "SELECT ?persona ?need WHERE { ?persona cx:hasNeed ?need } LIMIT 200",
    "sparql-gaps": CX + "SELECT ?rule (COUNT(*) AS ?n) WHERE { GRAPH <urn:cxgraph:graph:gaps> "
    "{ ?gap cx:rule ?rule } } GROUP BY ?rule",
}
GRAPHQL_READS = {
    "graphql-personas": "{ personas(first: 20) { totalCount nodes { label "
    "needs { label metBy { label } } } } }",
    "graphql-alignment": "{ alignment(rows: PERSONA, columns: PROCESS, topLevelOnly: true) "
    "{ cells { count } } }",
}
WRITE = "sparql-write"
KINDS = (*SPARQL_READS, *GRAPHQL_READS, WRITE)


@dataclass
class Stats:
    """Latencies (seconds) and failures of one request kind."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        self.errors += 1
        self.statuses[what.split(" ", 1)[0]] = self.statuses.get(what.split(" ", 1)[0], 0) + 1
        if len(self.examples) < 3:
            self.examples.append(what[:300])


@dataclass
class Load:
    """Shared state of the client threads."""

    stop_at: float
    warm_at: float
    write_every: int
    guard: threading.Lock = field(default_factory=threading.Lock)
    stats: dict[str, Stats] = field(default_factory=lambda: {k: Stats() for k in KINDS})
    requests: int = 0
    writes: int = 0

    def next_is_write(self) -> int | None:
        """The number of the write to send now, or None for a read."""
        with self.guard:
            self.requests += 1
            if self.requests % self.write_every:
                return None
            self.writes += 1
            return self.writes


class Connection:
    """One keep-alive HTTP connection, reopened after a failure."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.http = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        try:
            self.http.request(method, path, body, headers)
            response = self.http.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.http.close()
            self.http = http.client.HTTPConnection(self.host, self.port, timeout=60)
            raise


def pair(n: int) -> str:
    a, b = f"<{EX}a{n}>", f"<{EX}b{n}>"
    return f"{a} <{EX}pair> {b} . {b} <{EX}pair> {a} ."


def request_for(kind: str, write_number: int) -> tuple[str, str, bytes | None, dict[str, str]]:
    if kind == WRITE:  # odd: insert pair n; even: delete the pair the previous write added
        n = write_number if write_number % 2 else write_number - 1
        verb = "INSERT" if write_number % 2 else "DELETE"
        headers = {
            "Content-Type": "application/sparql-update",
            "Authorization": f"Bearer {TOKEN}",
        }
        return "POST", "/sparql", f"{verb} DATA {{ {pair(n)} }}".encode(), headers
    if kind in SPARQL_READS:
        target = "/sparql?" + urllib.parse.urlencode({"query": SPARQL_READS[kind]})
        return "GET", target, None, {"Accept": "application/sparql-results+json"}
    body = json.dumps({"query": GRAPHQL_READS[kind]}).encode()
    return "POST", "/graphql", body, {"Content-Type": "application/json"}


def client(url: str, load: Load, seed: int) -> None:
    rng = random.Random(seed)
    reads = [*SPARQL_READS, *GRAPHQL_READS]
    connection = Connection(url)
    while time.monotonic() < load.stop_at:
        write_number = load.next_is_write()
        kind = WRITE if write_number is not None else rng.choice(reads)
        method, target, body, headers = request_for(kind, write_number or 0)
        started = time.monotonic()
        failure: str | None = None
        try:
            status, content = connection.send(method, target, body, headers)
            if status != 200:
                failure = f"{status} {content[:200]!r}"
            elif kind in GRAPHQL_READS and b'"errors"' in content:
                failure = f"graphql-error {content[:200]!r}"
        except (OSError, http.client.HTTPException) as error:
            failure = f"exception {error!r}"
        elapsed = time.monotonic() - started
        if started < load.warm_at:
            continue  # warm-up requests are not counted
        with load.guard:
            stats = load.stats[kind]
            if failure:
                stats.fail(failure)
            else:
                stats.latencies.append(elapsed)


# -- memory -------------------------------------------------------------------------------


def _field_kb(path: str, name: str) -> int:
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        for task in tasks:
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def memory(pid: int) -> dict[str, float]:
    """RSS and PSS in MiB of the server process and of its workers (summed)."""
    workers = children(pid)
    mib = 1 / 1024
    return {
        "server_rss": _field_kb(f"/proc/{pid}/status", "VmRSS") * mib,
        "server_pss": _field_kb(f"/proc/{pid}/smaps_rollup", "Pss") * mib,
        "workers": len(workers),
        "workers_rss": sum(_field_kb(f"/proc/{w}/status", "VmRSS") for w in workers) * mib,
        "workers_pss": sum(_field_kb(f"/proc/{w}/smaps_rollup", "Pss") for w in workers) * mib,
    }


def sample_memory(pid: int, started: float, until: float, into: list[dict[str, float]]) -> None:
    next_at = time.monotonic()
    while next_at < until:
        into.append({"t": round(time.monotonic() - started, 1), **memory(pid)})
        next_at += 1.0
        time.sleep(max(0.0, next_at - time.monotonic()))


# -- report -------------------------------------------------------------------------------


def percentile(ms: list[float], q: float) -> float:
    return ms[min(len(ms) - 1, int(q * len(ms)))] if ms else float("nan")


def figures(load: Load, seconds: float) -> dict[str, dict[str, object]]:
    table: dict[str, dict[str, object]] = {}
    for kind, stats in load.stats.items():
        ms = sorted(t * 1000 for t in stats.latencies)
        total = len(ms) + stats.errors
        table[kind] = {
            "requests": total,
            "errors": stats.errors,
            "error_rate": round(stats.errors / total, 5) if total else 0.0,
            "per_second": round(total / seconds, 2),
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "max_ms": round(ms[-1], 1) if ms else None,
            "failures": stats.statuses,
            "examples": stats.examples,
        }
    return table


def memory_summary(samples: list[dict[str, float]], warm_t: float) -> dict[str, object]:
    """Memory right after the warm-up and at the end (means of 5 samples each, as worker
    forks come and go), and the growth between them: of the server's RSS, and of the
    total PSS (server plus workers, shared pages counted once)."""
    after = [{**s, "total_pss": s["server_pss"] + s["workers_pss"]} for s in samples]
    after = [s for s in after if s["t"] >= warm_t]
    if not after:
        return {}
    window = max(1, min(5, len(after) // 4))

    def mean(rows: list[dict[str, float]], key: str) -> float:
        return round(sum(r[key] for r in rows) / len(rows), 1)

    keys = ("server_rss", "server_pss", "workers_pss", "total_pss")
    first = {k: mean(after[:window], k) for k in keys}
    last = {k: mean(after[-window:], k) for k in keys}
    return {
        "after_warmup_mib": first,
        "end_mib": last,
        "peak_server_rss_mib": round(max(s["server_rss"] for s in after), 1),
        "peak_total_pss_mib": round(max(s["total_pss"] for s in after), 1),
        "max_workers": int(max(s["workers"] for s in after)),
        "server_rss_growth": round(
            (last["server_rss"] - first["server_rss"]) / first["server_rss"], 4
        ),
        "total_pss_growth": round((last["total_pss"] - first["total_pss"]) / first["total_pss"], 4),
    }


def print_report(table: dict[str, dict[str, object]], samples: list[dict[str, float]]) -> None:
    head = f"{'kind':18} {'requests':>8} {'errors':>6} {'err %':>6} {'req/s':>6} "
    head += f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(head)
    for kind, row in table.items():
        print(
            f"{kind:18} {row['requests']:>8} {row['errors']:>6} "
            f"{100 * float(row['error_rate']):>6.2f} {row['per_second']:>6} "  # type: ignore[arg-type]
            f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} {row['max_ms']!s:>8}"
        )
    print(
        f"\n{'t s':>6} {'server RSS':>10} {'server PSS':>10} {'workers':>7} "
        f"{'wkr RSS':>8} {'wkr PSS':>8}   (MiB)"
    )
    step = max(1, len(samples) // 12)
    for s in [*samples[::step], samples[-1]] if samples else []:
        print(
            f"{s['t']:>6} {s['server_rss']:>10.1f} {s['server_pss']:>10.1f} "
            f"{int(s['workers']):>7} {s['workers_rss']:>8.1f} {s['workers_pss']:>8.1f}"
        )


def run(
    server: Server, clients: int, seconds: float, warmup: float, write_every: int, seed: int
) -> tuple[dict[str, dict[str, object]], list[dict[str, float]], dict[str, object]]:
    started = time.monotonic()
    load = Load(
        stop_at=started + warmup + seconds, warm_at=started + warmup, write_every=write_every
    )
    samples: list[dict[str, float]] = []
    sampler = threading.Thread(
        target=sample_memory, args=(server.process.pid, started, load.stop_at + 0.5, samples)
    )
    sampler.start()
    threads = [
        threading.Thread(target=client, args=(server.url, load, seed + i)) for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sampler.join()
    return figures(load, seconds), samples, memory_summary(samples, warmup)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="model files")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120.0, help="measured time")
    parser.add_argument("--warmup", type=float, help="unmeasured time first (default 10%%)")
    parser.add_argument("--write-every", type=int, default=50, metavar="N")
    parser.add_argument(
        "--validation", choices=("refuse", "report", "off"), help="the server's write_validation"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=BENCH / "out" / "load.json")
    parser.add_argument("--log", type=Path, help="keep the server's stderr here")
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else max(2.0, args.seconds / 10)
    env = {"CXGRAPH_WRITE_TOKEN": TOKEN}
    if args.validation:
        env["CXGRAPH_WRITE_VALIDATION"] = args.validation
    server_args = [a for p in args.data for a in ("--data", str(p))]
    with tempfile.TemporaryDirectory(prefix="cxgraph-load-") as scratch:
        log = args.log or Path(scratch) / "server.log"
        server = start(server_args, env, log)
        try:
            table, samples, summary = run(
                server, args.clients, args.seconds, warmup, args.write_every, args.seed
            )
        finally:
            stop(server)
    print_report(table, samples)
    print("\nmemory:", json.dumps(summary))
    result: dict[str, object] = {
        "config": {
            "data": [str(p) for p in args.data] or "bundled samples",
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup": warmup,
            "write_every": args.write_every,
            "write_validation": args.validation or "server default",
            "startup_seconds": round(server.ready_seconds, 2),
        },
        "requests": table,
        "memory": summary,
        "memory_samples": samples,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
