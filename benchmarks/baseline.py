"""The plain design-card stack, for comparison: rdflib Graph, owlrl closure, rdflib SPARQL.

Run by the runner as ``python benchmarks/baseline.py STAGE ...`` in a fresh process per
stage, measured like ``stages.py``. ``load`` parses the ontology and the model
into an ``rdflib.Graph``; ``reason`` expands it with owlrl's OWL 2 RL closure and (after
the timer) pickles the closure for the next stage (N-Triples cannot hold the literal
subjects owlrl produces); ``gaps`` unpickles that closure
(untimed), times 200 lookups of one persona's needs with an rdflib prepared query, then
runs the same ``queries/gaps/*.rq`` texts with ``Graph.query``, saving progress after
every rule so a timeout still says how far it got.
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from pathlib import Path
from typing import Any

from stages import (
    LOOKUP_QUERY,
    WARMUP,
    Measurement,
    lookup_personas,
    manifest_check,
    measured,
    percentiles,
)

BASELINE_STAGES = ("load", "reason", "gaps")


def _write(result: Path, measurements: list[Measurement]) -> None:
    result.write_text(json.dumps({"measurements": [m.as_json() for m in measurements]}) + "\n")


def _parse(model: Path) -> Any:
    import rdflib

    from cxgraph import resources

    graph = rdflib.Graph()
    graph.parse(resources.ontology_file(), format="turtle")
    graph.parse(model, format="turtle")
    return graph


def run_load(model: Path, result: Path, timeout: float) -> None:
    m = Measurement("load")
    with measured(m, timeout):
        graph = _parse(model)
    m.extra["triples"] = len(graph)
    _write(result, [m])


def run_reason(model: Path, cache: Path, result: Path, timeout: float) -> None:
    import owlrl

    graph = _parse(model)
    m = Measurement("reason")
    with measured(m, timeout):
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    if m.status == "ok":
        m.extra["closure_triples"] = len(graph)
        cache.write_bytes(pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL))
    elif cache.exists():
        cache.unlink()
    _write(result, [m])


def run_gaps(cache: Path, manifest: Path, result: Path, timeout: float) -> None:
    import rdflib
    from rdflib.plugins.sparql import prepareQuery

    from cxgraph.gaps import gap_rules

    if not cache.exists():
        _write(result, [Measurement("lookup", "not run"), Measurement("gaps", "not run")])
        return
    graph = pickle.loads(cache.read_bytes())  # written by run_reason in this same run
    cx = rdflib.Namespace("https://w3id.org/cxgraph#")
    personas = lookup_personas(sorted({str(s) for s in graph.subjects(cx.hasNeed, None)}))
    lookup = Measurement("lookup")
    samples: list[float] = []
    with measured(lookup, timeout):
        query = prepareQuery(LOOKUP_QUERY.read_text(encoding="utf-8"))
        for k, iri in enumerate(personas):
            started = time.perf_counter()
            list(graph.query(query, initBindings={"persona": rdflib.URIRef(iri)}))
            if k >= WARMUP:
                samples.append(time.perf_counter() - started)
    if lookup.status == "ok":
        lookup.extra.update(percentiles(samples), lookups=len(samples))
    gaps = Measurement("gaps")
    found: set[tuple[str, str]] = set()
    per_rule: dict[str, float] = {}
    gaps.extra["per_rule_seconds"] = per_rule
    with measured(gaps, timeout):
        for rule in gap_rules():
            started = time.perf_counter()
            rows = list(graph.query(rule.text))
            per_rule[rule.name] = round(time.perf_counter() - started, 4)
            found |= {(rule.name, str(row.focus)) for row in rows if row.focus is not None}  # type: ignore[union-attr]
            _write(result, [lookup, gaps])  # progress, in case the runner has to kill us
    if gaps.status == "ok":
        gaps.extra.update(manifest_check(found, manifest))
    else:
        gaps.extra["rules_done"] = len(per_rule)
    _write(result, [lookup, gaps])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one rdflib+owlrl benchmark stage.")
    parser.add_argument("stage", choices=BASELINE_STAGES)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True, help="closure pickle file")
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    if args.stage == "load":
        run_load(args.model, args.result, args.timeout)
    elif args.stage == "reason":
        run_reason(args.model, args.cache, args.result, args.timeout)
    else:
        run_gaps(args.cache, args.manifest, args.result, args.timeout)


if __name__ == "__main__":
    main()
