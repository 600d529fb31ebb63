"""Durability under ``kill -9``: no acknowledged write lost, no write half applied.

Runs ``cxgraph serve --store DIR`` (writes on, a token in the environment) and, round
after round, has a client thread send small SPARQL updates one after the other, each
inserting one pair of triples (``<a{n}> ex:pair <b{n}>`` and back) and remembering the
numbers the server acknowledged with a 2xx. At a random moment the server is killed with
SIGKILL, restarted on the same directory and timed until ``/health`` answers 200; then
every acknowledged pair must be there and every pair must be whole (both triples or
none), with no reasoning scratch graph left behind. ``--delete-every K`` makes every K-th
write delete an older pair instead (an acknowledged delete must stay deleted).

    python benchmarks/durability.py                  # 20 rounds; exit 1 on any loss
    python benchmarks/durability.py --rounds 3 --json out.json

Prints a line per round and the totals (rounds, acknowledged, lost, partial, reopen
times); ``--json`` writes them too. The scripts in ``benchmarks/`` import each other by
module name: run them as files.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TOKEN = "durability-benchmark-token"
EX = "urn:x:durability:"
PAIRS = f"SELECT ?s ?o WHERE {{ ?s <{EX}pair> ?o }}"
SCRATCH = (
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
    'FILTER(STRSTARTS(STR(?g), "urn:cxgraph:graph:reasoning:")) }'
)
REOPEN_TARGET = 10.0  # seconds from start to /health 200
QUERY_TIMEOUT = "5"  # the server's query deadline: a hung read worker is retried sooner
READ_ATTEMPTS = 5


# -- a server process ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A ``cxgraph serve`` process on a loopback port."""

    process: subprocess.Popen[bytes]
    url: str
    ready_seconds: float = 0.0


def start(args: Sequence[str], env: Mapping[str, str], log: Path, timeout: float = 120.0) -> Server:
    """Start ``cxgraph serve`` with ``args`` and wait until /health answers 200."""
    port = free_port()
    command = [sys.executable, "-m", "cxgraph", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), *args]
    started = time.monotonic()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=sink, env={**os.environ, **env}
        )
    url = f"http://127.0.0.1:{port}"
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"cxgraph serve exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as response:
                if response.status == 200:
                    return Server(process, url, time.monotonic() - started)
        except OSError:
            time.sleep(0.02)
    process.kill()
    process.wait()
    raise RuntimeError(f"cxgraph serve was not healthy within {timeout:g} s; see {log}")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


class ReadTimeout(RuntimeError):
    """The server answered 503 query_timeout."""


def select(url: str, query: str) -> list[dict[str, str]]:
    """Rows of a SPARQL SELECT, each variable's value as a string."""
    request = urllib.request.Request(
        url + "/sparql?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/sparql-results+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            bindings = json.load(response)["results"]["bindings"]
    except urllib.error.HTTPError as error:
        body = error.read()[:300]
        kind = ReadTimeout if error.code == 503 and b"query_timeout" in body else RuntimeError
        raise kind(f"query failed: {error.code} {body!r}") from None
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def send_update(url: str, text: str, token: str, timeout: float = 30.0) -> int:
    """POST a SPARQL update; the HTTP status (raises OSError if no answer came)."""
    request = urllib.request.Request(
        url + "/sparql",
        data=text.encode(),
        method="POST",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


# -- writes and checks ---------------------------------------------------------------------


def pair(n: int) -> str:
    a, b = f"<{EX}a{n}>", f"<{EX}b{n}>"
    return f"{a} <{EX}pair> {b} . {b} <{EX}pair> {a} ."


@dataclass
class Ledger:
    """What the client sent and what the server acknowledged, across rounds."""

    inserted: set[int] = field(default_factory=set)  # acknowledged inserts
    deleted: set[int] = field(default_factory=set)  # acknowledged deletes
    attempted: set[int] = field(default_factory=set)  # every pair number ever sent
    acknowledged: int = 0
    acknowledged_deletes: int = 0
    refused: int = 0  # non-2xx answers (should stay 0)
    latencies: list[float] = field(default_factory=list)
    next_number: int = 0
    unsettled: tuple[str, int] | None = None  # the write in flight when the server died
    unacknowledged_applied: int = 0  # in-flight writes found applied after the restart
    unacknowledged_absent: int = 0  # in-flight writes found not applied

    def settle(self, whole: set[int]) -> None:
        """Learn from the restarted store whether the write in flight got applied (either
        is fine: it was never acknowledged)."""
        if self.unsettled is None:
            return
        kind, n = self.unsettled
        applied = (n not in whole) if kind == "delete" else (n in whole)
        if applied:
            (self.deleted if kind == "delete" else self.inserted).add(n)
            self.unacknowledged_applied += 1
        else:
            self.unacknowledged_absent += 1
        self.unsettled = None


@dataclass
class Check:
    read_timeouts: int
    present: int
    lost: list[int]
    partial: list[int]
    resurrected: list[int]
    phantom: list[int]
    scratch_graphs: list[str]


def check(url: str, ledger: Ledger) -> Check:
    timeouts = 0

    def read(query: str) -> list[dict[str, str]]:
        nonlocal timeouts
        for _ in range(READ_ATTEMPTS - 1):
            try:
                return select(url, query)
            except ReadTimeout:
                timeouts += 1  # a hung read worker (see docs/security.md), not a lost write
        return select(url, query)

    halves: dict[int, int] = {}
    for row in read(PAIRS):
        n = int(row["s"].rsplit(":", 1)[-1][1:])
        halves[n] = halves.get(n, 0) + 1
    whole = {n for n, seen in halves.items() if seen == 2}
    scratch = [row["g"] for row in read(SCRATCH)]
    in_doubt = {ledger.unsettled[1]} if ledger.unsettled else set()
    outcome = Check(
        read_timeouts=timeouts,
        present=len(whole),
        lost=sorted(ledger.inserted - ledger.deleted - in_doubt - whole),
        partial=sorted(n for n, seen in halves.items() if seen != 2),
        resurrected=sorted(ledger.deleted & set(halves)),
        phantom=sorted(set(halves) - ledger.attempted),
        scratch_graphs=scratch,
    )
    ledger.settle(whole)
    return outcome


def write_until_killed(
    url: str, ledger: Ledger, stop_flag: threading.Event, delete_every: int, rng: random.Random
) -> None:
    """Send writes back to back until the server stops answering (or ``stop_flag``)."""
    while not stop_flag.is_set():
        ledger.next_number += 1
        live = sorted(ledger.inserted - ledger.deleted)
        deleting = delete_every > 0 and live and ledger.next_number % delete_every == 0
        if deleting:
            n = rng.choice(live)
            text = f"DELETE DATA {{ {pair(n)} }}"
        else:
            n = ledger.next_number
            ledger.attempted.add(n)
            text = f"INSERT DATA {{ {pair(n)} }}"
        ledger.unsettled = ("delete" if deleting else "insert", n)
        started = time.perf_counter()
        try:
            status = send_update(url, text, TOKEN)
        except OSError:
            return  # the server is gone: this write was not acknowledged
        ledger.unsettled = None
        if 200 <= status < 300:
            ledger.latencies.append(time.perf_counter() - started)
            (ledger.deleted if deleting else ledger.inserted).add(n)
            ledger.acknowledged += 1
            ledger.acknowledged_deletes += 1 if deleting else 0
        else:
            ledger.refused += 1


@dataclass
class Round:
    number: int
    reopen_seconds: float
    acknowledged: int
    kill_after: float
    check: Check


def run(
    rounds: int,
    store: Path,
    data: Sequence[Path],
    validation: str,
    delete_every: int,
    min_delay: float,
    max_delay: float,
    seed: int,
    log: Path,
) -> tuple[list[Round], float, Ledger]:
    """``rounds`` kill/restart cycles; returns them, the first (cold) start time and the
    ledger of writes."""
    rng = random.Random(seed)
    env = {
        "CXGRAPH_WRITE_TOKEN": TOKEN,
        "CXGRAPH_WRITE_VALIDATION": validation,
        "CXGRAPH_QUERY_TIMEOUT": QUERY_TIMEOUT,
    }
    args = ["--store", str(store), *[a for p in data for a in ("--data", str(p))]]
    ledger = Ledger()
    server = start(args, env, log)
    first_start = server.ready_seconds
    results: list[Round] = []
    try:
        for number in range(1, rounds + 1):
            acknowledged_before = ledger.acknowledged
            stop_flag = threading.Event()
            client = threading.Thread(
                target=write_until_killed,
                args=(server.url, ledger, stop_flag, delete_every, rng),
            )
            client.start()
            kill_after = rng.uniform(min_delay, max_delay)
            time.sleep(kill_after)
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait()
            stop_flag.set()
            client.join(timeout=60)
            server = start(args, env, log)  # reopen the same directory (no --data reload)
            result = Round(
                number,
                server.ready_seconds,
                ledger.acknowledged - acknowledged_before,
                kill_after,
                check(server.url, ledger),
            )
            results.append(result)
            print(describe(result), flush=True)
    finally:
        if server.process.poll() is None:
            stop(server)
    return results, first_start, ledger


def describe(r: Round) -> str:
    c = r.check
    return (
        f"round {r.number:2}: killed after {r.kill_after:4.2f} s, {r.acknowledged:3} acknowledged, "
        f"reopen {r.reopen_seconds:5.2f} s, {c.present:4} pairs present, lost {len(c.lost)}, "
        f"partial {len(c.partial)}, resurrected {len(c.resurrected)}, "
        f"scratch graphs {len(c.scratch_graphs)}, read timeouts {c.read_timeouts}"
    )


def summary(results: list[Round], first_start: float, ledger: Ledger) -> dict[str, object]:
    reopen = [r.reopen_seconds for r in results]
    ms = sorted(t * 1000 for t in ledger.latencies)
    return {
        "rounds": len(results),
        "acknowledged": sum(r.acknowledged for r in results),
        "acknowledged_deletes": ledger.acknowledged_deletes,
        "unacknowledged_applied": ledger.unacknowledged_applied,
        "unacknowledged_absent": ledger.unacknowledged_absent,
        "refused": ledger.refused,
        "lost": sum(len(r.check.lost) for r in results),
        "partial": sum(len(r.check.partial) for r in results),
        "resurrected": sum(len(r.check.resurrected) for r in results),
        "phantom": sum(len(r.check.phantom) for r in results),
        "scratch_graphs": sorted({g for r in results for g in r.check.scratch_graphs}),
        "read_timeouts": sum(r.check.read_timeouts for r in results),
        "first_start_seconds": round(first_start, 3),
        "reopen_seconds": {
            "median": round(statistics.median(reopen), 3) if reopen else None,
            "max": round(max(reopen), 3) if reopen else None,
        },
        "write_ms": {
            "p50": round(ms[len(ms) // 2], 1) if ms else None,
            "p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1) if ms else None,
        },
        "per_round": [
            {
                "round": r.number,
                "kill_after": round(r.kill_after, 3),
                "acknowledged": r.acknowledged,
                "reopen_seconds": round(r.reopen_seconds, 3),
                "present": r.check.present,
                "lost": r.check.lost,
                "partial": r.check.partial,
                "resurrected": r.check.resurrected,
                "phantom": r.check.phantom,
                "scratch_graphs": r.check.scratch_graphs,
                "read_timeouts": r.check.read_timeouts,
            }
            for r in results
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--store", type=Path, help="store directory (default: a fresh temp dir)")
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="model files")
    parser.add_argument(
        "--validation",
        choices=("off", "report", "refuse"),
        default="off",
        help="the server's write_validation (off: more writes per round)",
    )
    parser.add_argument("--delete-every", type=int, default=0, metavar="K")
    parser.add_argument("--min-delay", type=float, default=0.5)
    parser.add_argument("--max-delay", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cxgraph-durability-") as scratch:
        store = args.store or Path(scratch) / "store"
        log = Path(scratch) / "server.log"
        results, first_start, ledger = run(
            args.rounds,
            store,
            args.data,
            args.validation,
            args.delete_every,
            args.min_delay,
            args.max_delay,
            args.seed,
            log,
        )
        figures = summary(results, first_start, ledger)
    shown = {k: v for k, v in figures.items() if k != "per_round"}
    print(json.dumps(shown, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    failed = any(figures[k] for k in ("lost", "partial", "resurrected", "phantom", "refused"))
    slow = any(r.reopen_seconds >= REOPEN_TARGET for r in results)
    return 1 if failed or slow or figures["scratch_graphs"] else 0


if __name__ == "__main__":
    sys.exit(main())
