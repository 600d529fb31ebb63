"""Plot the runner's figures: seconds and peak memory per stage against model size.

Reads the JSON ``run.py`` writes and draws two log-log panels: wall time per stage (cxgraph
solid, rdflib + owlrl dashed, the issue's 1M targets as crosses) and peak RSS per stage.
Needs matplotlib (the ``bench`` extra).

    python benchmarks/plot.py --json benchmarks/out/results.json \\
        --out benchmarks/results/performance.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
STAGES = ("load", "validate", "reason", "gaps", "cold")
COLOURS = {"load": "C0", "validate": "C4", "reason": "C1", "gaps": "C2", "cold": "C3"}
TARGETS_1M = {"load": 8.0, "reason": 30.0, "gaps": 2.0, "cold": 45.0}


Series = tuple[list[int], list[float]]


def series(sizes: dict[str, Any], engine: str, stage: str, key: str) -> Series:
    """(triples, value) for the sizes where the stage ran to completion."""
    xs, ys = [], []
    for size in sizes.values():
        figures = size.get(engine, {}).get(stage, {})
        if figures.get("status") == "ok" and figures.get(key) is not None:
            xs.append(size["triples"])
            ys.append(figures[key])
    return xs, ys


def plot(results: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    fig, (time_ax, mem_ax) = plt.subplots(1, 2, figsize=(12, 5))
    for stage in STAGES:
        colour = COLOURS[stage]
        xs, ys = series(sizes, "cxgraph", stage, "seconds")
        time_ax.plot(xs, ys, "o-", color=colour, label=f"cxgraph {stage}")
        xs, ys = series(sizes, "baseline", stage, "seconds")
        if xs:
            label = "rdflib+owlrl " + ("owlrl closure" if stage == "reason" else stage)
            time_ax.plot(xs, ys, "s--", color=colour, label=label)
        xs, ys = series(sizes, "cxgraph", stage, "peak_rss_mb")
        mem_ax.plot(xs, ys, "o-", color=colour, label=f"cxgraph {stage}")
        xs, ys = series(sizes, "baseline", stage, "peak_rss_mb")
        if xs:
            mem_ax.plot(xs, ys, "s--", color=colour, label=f"rdflib+owlrl {stage}")
        if stage in TARGETS_1M:
            time_ax.plot([1_000_000], [TARGETS_1M[stage]], "x", color=colour, markersize=10)
    for (x, y), label in timeouts(sizes):
        time_ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
        time_ax.plot([x], [y], "^", color="black")
    time_ax.set(xscale="log", yscale="log", xlabel="asserted triples", ylabel="seconds (median)")
    time_ax.set_title("Wall time per stage (x = issue target at 1M, ^ = timed out)")
    mem_ax.set(xscale="log", yscale="log", xlabel="asserted triples", ylabel="peak RSS, MB")
    mem_ax.set_title("Peak memory of the stage's process")
    for ax in (time_ax, mem_ax):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    machine = results.get("machine", {})
    versions = machine.get("packages", {})
    fig.suptitle(
        f"cxgraph benchmark: {machine.get('nproc')} cores, {machine.get('memory_gib')} GiB, "
        f"Python {machine.get('python')}, pyoxigraph {versions.get('pyoxigraph')}, "
        f"rdflib {versions.get('rdflib')}, owlrl {versions.get('owlrl')}"
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def timeouts(sizes: dict[str, Any]) -> list[tuple[tuple[int, float], str]]:
    """Baseline stages that hit the time limit: a lower bound worth showing."""
    marks = []
    for size in sizes.values():
        for stage, figures in size.get("baseline", {}).items():
            if figures.get("status") == "timeout" and figures.get("seconds"):
                marks.append(((size["triples"], figures["seconds"]), f"rdflib {stage} > limit"))
    return marks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=BENCH / "out" / "results.json")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "performance.png")
    args = parser.parse_args(argv)
    plot(json.loads(args.json.read_text()), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
