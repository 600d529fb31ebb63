"""Incremental maintenance after a small write, against a full re-run, on a generated model.

    python benchmarks/incremental.py --model benchmarks/out/100k/model.ttl

Builds the knowledge graph (untimed), then times two small writes through
``KnowledgeGraph.change`` (delete-and-rederive plus the gap rules the change touches):
adding a process that delivers an offering, and removing an SLA. Each is compared with a
full re-run (``infer`` + ``detect_gaps``) on the same data, and the results are checked
equal. Prints a table; ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from cxgraph import build_knowledge_graph
from cxgraph.gaps import detect_gaps
from cxgraph.namespaces import CX, INFERRED_GRAPH, RDFS
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.reasoning import infer


def _snapshot(kg: KnowledgeGraph) -> tuple[int, list[tuple[str, str]]]:
    return kg.store.count(INFERRED_GRAPH), [(f.rule, f.focus) for f in kg.findings]


def _full(kg: KnowledgeGraph) -> float:
    started = time.perf_counter()
    infer(kg.store)
    kg.findings = detect_gaps(kg.store)
    return time.perf_counter() - started


def _writes(kg: KnowledgeGraph, n: int) -> dict[str, tuple[list[ox.Quad], list[ox.Quad]]]:
    graph = kg.store.data_graphs()[0]
    offering = next(kg.store.quads(None, ox.NamedNode(CX + "fulfils"), None))
    parent = next(kg.store.quads(None, ox.NamedNode(CX + "subProcessOf"), None))
    process = ox.NamedNode(f"https://example.org/bench/new-process-{n}")
    add = [
        ox.Quad(process, ox.NamedNode(CX + "subProcessOf"), parent.object, graph),
        ox.Quad(process, ox.NamedNode(CX + "delivers"), offering.subject, graph),
        ox.Quad(process, ox.NamedNode(RDFS + "label"), ox.Literal(f"New process {n}"), graph),
    ]
    slas = list(kg.store.quads(None, ox.NamedNode(CX + "provider"), None, graph))
    sla = slas[n % len(slas)].subject
    remove = list(kg.store.quads(sla, None, None, graph))
    return {"add a delivering process": (add, []), "remove an SLA": ([], remove)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    kg = build_knowledge_graph([args.model])
    triples = len(kg.store)
    results: dict[str, dict[str, float | bool]] = {}
    for n in range(args.repeat):
        for name, (add, remove) in _writes(kg, n).items():
            report = kg.change(add, remove)
            incremental = report.seconds
            after = _snapshot(kg)
            full = _full(kg)
            same = _snapshot(kg) == after
            entry = results.setdefault(name, {"incremental": [], "full": [], "equal": True})
            entry["incremental"].append(incremental)  # type: ignore[union-attr]
            entry["full"].append(full)  # type: ignore[union-attr]
            entry["equal"] = bool(entry["equal"]) and same
    print(f"model {args.model} ({triples:,} quads in the store), {args.repeat} repeats")
    print("| write | incremental s (median) | full re-run s (median) | speed-up | equal |")
    print("|---|---|---|---|---|")
    summary = {}
    for name, entry in results.items():
        inc = statistics.median(entry["incremental"])  # type: ignore[arg-type]
        full = statistics.median(entry["full"])  # type: ignore[arg-type]
        summary[name] = {"incremental_s": inc, "full_s": full, "equal": entry["equal"]}
        print(f"| {name} | {inc:.3f} | {full:.3f} | {full / inc:.0f}x | {entry['equal']} |")
    if args.json:
        args.json.write_text(json.dumps({"model": str(args.model), "results": summary}, indent=2))


if __name__ == "__main__":
    main()
