"""One benchmark stage of cxgraph, run in a fresh process and measured there.

The runner starts ``python benchmarks/stages.py STAGE --model M --manifest F --result R``
once per stage and repeat. The child builds what the stage needs (untimed), resets the
kernel's RSS high-water mark (``/proc/self/clear_refs``), runs the stage under a timer and
an alarm, and writes a JSON result: seconds, peak RSS during the stage, RSS before it, and
stage facts (triples inferred, findings, manifest check, lookup percentiles).

Besides cxgraph's own stages, three floors of the same file are measured the same way:
``bare`` (``pyoxigraph.Store().bulk_load``, what any pyoxigraph pipeline pays), ``rdflib``
(rdflib parsing only) and ``cli``: ``cxgraph gaps --data FILE --format json`` as a user runs
it, a fresh interpreter timed from outside (start-up and imports included), with the
child's peak RSS and its JSON checked against the manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOOKUP_QUERY = Path(__file__).parent / "queries" / "persona-needs.rq"
LOOKUPS = 200
WARMUP = 10


class StageTimeout(Exception):
    """The stage ran past its time limit."""


def _status_kb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_mb() -> float:
    """The RSS high-water mark (VmHWM) since the last reset."""
    return _status_kb("VmHWM") / 1024


def reset_peak() -> bool:
    """Make VmHWM the current RSS (Linux ≥ 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


@dataclass
class Measurement:
    """What one stage run produced; written as the child's JSON result."""

    stage: str
    status: str = "ok"
    seconds: float | None = None
    peak_rss_mb: float | None = None
    start_rss_mb: float | None = None
    peak_is_stage_only: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "status": self.status,
            "seconds": self.seconds,
            "peak_rss_mb": self.peak_rss_mb,
            "start_rss_mb": self.start_rss_mb,
            "peak_is_stage_only": self.peak_is_stage_only,
            **self.extra,
        }


@contextmanager
def measured(m: Measurement, timeout: float) -> Iterator[None]:
    """Time the block, record its RSS peak, and raise StageTimeout after ``timeout`` s."""

    def expire(_signum: int, _frame: object) -> None:
        raise StageTimeout

    m.start_rss_mb = round(rss_mb(), 1)
    m.peak_is_stage_only = reset_peak()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    started = time.perf_counter()
    try:
        yield
    except StageTimeout:
        m.status = "timeout"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        m.seconds = round(time.perf_counter() - started, 4)
        m.peak_rss_mb = round(peak_mb(), 1)


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 (in ms) of per-call seconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 4), "p95_ms": round(cuts[94] * 1000, 4)}


def manifest_check(found: set[tuple[str, str]], manifest: Path) -> dict[str, Any]:
    """Compare (rule, focus) pairs with the generator's manifest."""
    expected = {(m["rule"], m["focus"]) for m in json.loads(manifest.read_text())}
    missing, extra = sorted(expected - found), sorted(found - expected)
    return {
        "manifest": "ok" if not missing and not extra else "mismatch",
        "findings": len(found),
        "expected": len(expected),
        "missing": [list(p) for p in missing[:10]],
        "missing_count": len(missing),
        "unexpected": [list(p) for p in extra[:10]],
        "unexpected_count": len(extra),
    }


def lookup_personas(personas: list[str], seed: int = 7) -> list[str]:
    """The personas the lookups ask about, the same for every engine: 200 picks, seeded."""
    rng = random.Random(f"{seed}:lookups")
    return [rng.choice(personas) for _ in range(WARMUP + LOOKUPS)]


# -- cxgraph stages ----------------------------------------------------------------------


def run_floor(stage: str, model: Path, manifest: Path, timeout: float) -> Measurement:
    """The bare pyoxigraph parse, the rdflib parse, or the cold CLI run of ``model``."""
    m = Measurement(stage)
    if stage == "bare":
        import pyoxigraph as ox

        fmt = ox.RdfFormat.from_extension(model.suffix[1:])
        with measured(m, timeout):
            store = ox.Store()
            store.bulk_load(path=str(model), format=fmt)
        m.extra["quads"] = len(store)
    elif stage == "rdflib":
        import rdflib

        with measured(m, timeout):
            graph = rdflib.Graph()
            graph.parse(model, format="nt" if model.suffix == ".nt" else "turtle")
        m.extra["triples"] = len(graph)
    else:
        command = [sys.executable, "-m", "cxgraph", "gaps", "--data", str(model)]
        command += ["--format", "json"]
        # as pip installs it, with the modules' bytecode compiled (an untimed first start
        # writes it, even where PYTHONDONTWRITEBYTECODE is set: +0.04-0.05 s a start)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        first = [sys.executable, "-m", "cxgraph", "--version"]
        subprocess.run(first, capture_output=True, timeout=timeout, env=env, check=False)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, timeout=timeout, env=env)
        m.seconds = round(time.perf_counter() - started, 4)
        m.peak_rss_mb = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
        m.peak_is_stage_only = True
        if done.returncode not in (0, 1):
            m.status = "error"
            m.extra["error"] = done.stderr.decode(errors="replace")[-500:]
            return m
        report = json.loads(done.stdout)
        m.extra.update(manifest_check({(f["rule"], f["focus"]) for f in report}, manifest))
    return m


def run_cxgraph(stage: str, model: Path, manifest: Path, timeout: float) -> Measurement:
    from cxgraph.gaps import gap_rules, read_findings, run_rule, write_gaps
    from cxgraph.pipeline import build_knowledge_graph, open_store
    from cxgraph.reasoning import ReasoningProfile, infer
    from cxgraph.sources import Source
    from cxgraph.validation import validate

    if stage in FLOOR_STAGES:
        return run_floor(stage, model, manifest, timeout)
    m = Measurement(stage)
    if stage == "cold":
        with measured(m, timeout):
            kg = build_knowledge_graph([model])
        if m.status == "ok":
            m.extra["findings"] = len(kg.findings)
        return m
    store = open_store()
    if stage == "load":
        with measured(m, timeout):
            store.load_sources([Source.from_path(model)])
        m.extra["quads"] = len(store)
        return m
    store.load_sources([Source.from_path(model)])
    if stage == "reason":
        with measured(m, timeout):
            report = infer(store, ReasoningProfile.RULES)
        if m.status == "ok":
            top = dict(report.added.most_common(12))
            m.extra.update(inferred=report.total, rounds=report.rounds, added_by_rule=top)
        return m
    infer(store, ReasoningProfile.RULES)
    if stage == "validate":
        with measured(m, timeout):
            result = validate(store)
        if m.status == "ok":
            m.extra.update(conforms=result.conforms, violations=len(result.results))
    elif stage == "gaps":
        with measured(m, timeout):
            write_gaps(store)
        if m.status == "ok":
            started = time.perf_counter()
            findings = read_findings(store)  # Python values, as the CLI prints them
            m.extra["read_findings_seconds"] = round(time.perf_counter() - started, 4)
            m.extra.update(manifest_check({(f.rule, f.focus) for f in findings}, manifest))
            per_rule = {}
            for rule in gap_rules():  # once more, rule by rule, for the profile
                started = time.perf_counter()
                run_rule(store, rule)
                per_rule[rule.name] = round(time.perf_counter() - started, 4)
            m.extra["per_rule_seconds"] = per_rule
    elif stage == "lookup":
        lookup_cxgraph(m, store, timeout)
    else:
        raise SystemExit(f"unknown stage {stage!r}; choose {', '.join(CXGRAPH_STAGES)}")
    return m


def lookup_cxgraph(m: Measurement, store: Any, timeout: float) -> None:
    import pyoxigraph as ox

    text = LOOKUP_QUERY.read_text(encoding="utf-8")
    rows = store.query(
        "PREFIX cx: <https://w3id.org/cxgraph#> "
        "SELECT DISTINCT ?p WHERE { ?p cx:hasNeed ?n } ORDER BY ?p"
    )
    personas = lookup_personas([r["p"].value for r in rows])
    variable = ox.Variable("persona")
    samples: list[float] = []
    sizes: list[int] = []
    with measured(m, timeout):
        for k, iri in enumerate(personas):
            started = time.perf_counter()
            answer = list(store.query(text, substitutions={variable: ox.NamedNode(iri)}))
            if k >= WARMUP:
                samples.append(time.perf_counter() - started)
                sizes.append(len(answer))
    if m.status == "ok":
        m.extra.update(
            percentiles(samples), lookups=len(samples), mean_rows=round(statistics.mean(sizes), 2)
        )


FLOOR_STAGES = ("bare", "rdflib", "cli")
CXGRAPH_STAGES = ("load", "validate", "reason", "gaps", "lookup", "cold", *FLOOR_STAGES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one cxgraph benchmark stage.")
    parser.add_argument("stage", choices=CXGRAPH_STAGES)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    m = run_cxgraph(args.stage, args.model, args.manifest, args.timeout)
    args.result.write_text(json.dumps({"measurements": [m.as_json()]}) + "\n")


if __name__ == "__main__":
    main()
