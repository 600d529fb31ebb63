"""Run the benchmark suite: cxgraph stage by stage, paired with rdflib + owlrl, at each size.

For each size the runner generates (or reuses) a model with ``benchmarks/generate.py``,
then runs every stage of cxgraph (load, validate, reason, gaps, lookup, cold) and of the
design-card stack (rdflib load, owlrl closure, rdflib gap queries and lookups) in a fresh
process per stage and repeat (``stages.py``, ``baseline.py`` beside this file). Figures are
medians over the repeats. It checks the gap report against the manifest at every size,
prints a table, and merges the figures into a JSON file (default
``benchmarks/out/results.json``).

Two generator profiles (``--profiles``): ``sparse`` (about 1 finding per 1,000 triples,
measured on ``model.ttl``) and ``dense`` (about 60 per 1,000, on ``model.nt``); a dense
size is reported as ``<size>-dense``. Every size also measures the floors of the same file
(bare pyoxigraph parse, rdflib parse, cold ``cxgraph gaps`` CLI) for the ratio table.

    python benchmarks/run.py --sizes 10k,100k --repeat 3
    python benchmarks/run.py --sizes 100k,1M --profiles dense --no-baseline --validate-max 0
    python benchmarks/run.py --smoke          # 10k, once, no baseline; exit 1 on mismatch

The scripts in ``benchmarks/`` import each other by module name: run them as files.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from report import CX_STAGES, code_digest, floor_table, machine, ratios, table, targets

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
BASE_STAGES = ("load", "reason", "gaps", "lookup")


def parse_size(text: str) -> int:
    """``10k`` → 10000, ``1M`` → 1000000, ``2500`` → 2500."""
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1].lower(), 1)
    number = text[:-1] if scale > 1 else text
    return int(float(number) * scale)


def size_key(label: str, profile: str) -> str:
    return label if profile == "sparse" else f"{label}-{profile}"


def ensure_model(
    label: str, triples: int, seed: int, out: Path, regenerate: bool, profile: str = "sparse"
) -> Path:
    """The folder of a generated model of this size, generating it if needed."""
    folder = out / size_key(label, profile)
    stats = folder / "stats.json"
    if not regenerate and stats.exists() and (folder / "model.nt").exists():
        known = json.loads(stats.read_text())
        if (
            known.get("seed") == seed
            and known.get("requested_triples") == triples
            and known.get("profile", "sparse") == profile
        ):
            return folder
    args = ["--triples", str(triples), "--out", str(folder), "--seed", str(seed)]
    args += ["--profile", profile]
    subprocess.run([sys.executable, str(BENCH / "generate.py"), *args], cwd=ROOT, check=True)
    return folder


def run_child(script: str, stage: str, args: list[str], timeout: float) -> list[dict[str, Any]]:
    """Run one stage in a fresh interpreter; its measurements, or a timeout/error record."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(BENCH / script),
            stage,
            *args,
            "--result",
            str(result),
            "--timeout",
            str(timeout),
        ]
        try:
            done = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=3 * timeout + 60
            )
        except subprocess.TimeoutExpired:
            partial = _read(result)
            for m in partial:
                if m["status"] == "ok" and m["stage"] == stage:
                    m["status"] = "timeout"
            return partial or [{"stage": stage, "status": "timeout"}]
        measurements = _read(result)
        if done.returncode != 0 or not measurements:
            tail = done.stderr.strip().splitlines()[-5:]
            return [{"stage": stage, "status": "error", "error": "\n".join(tail)}]
        return measurements


def _read(result: Path) -> list[dict[str, Any]]:
    try:
        return list(json.loads(result.read_text())["measurements"])
    except (OSError, ValueError, KeyError):
        return []


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repeats; status ok only if every run was ok."""
    ok = [r for r in runs if r.get("status") == "ok"]
    bad = [r["status"] for r in runs if r.get("status") != "ok"]
    summary: dict[str, Any] = {"status": bad[0] if bad else "ok", "repeats": len(runs)}
    if ok:
        for key in ("seconds", "peak_rss_mb", "start_rss_mb", "p50_ms", "p95_ms"):
            values = [r[key] for r in ok if r.get(key) is not None]
            if values:
                summary[key] = round(statistics.median(values), 4)
        summary["runs_seconds"] = [r.get("seconds") for r in runs]
        last = ok[-1]
        summary.update({k: v for k, v in last.items() if k not in summary and k != "stage"})
    else:
        summary.update({k: v for k, v in runs[-1].items() if k not in ("stage", "status")})
    if "manifest" in summary:
        summary["manifest"] = "ok" if all(r.get("manifest") == "ok" for r in ok) else "mismatch"
    return summary


def run_size(
    label: str, triples: int, cfg: argparse.Namespace, profile: str = "sparse"
) -> dict[str, Any]:
    folder = ensure_model(label, triples, cfg.seed, cfg.out, cfg.regenerate, profile)
    stats = json.loads((folder / "stats.json").read_text())
    model = folder / f"model.{cfg.format or ('ttl' if profile == 'sparse' else 'nt')}"
    paths = ["--model", str(model), "--manifest", str(folder / "manifest.json")]
    size: dict[str, Any] = {
        "label": size_key(label, profile),
        "profile": profile,
        "file": model.name,
        "triples": stats["triples"],
        "planted": stats["findings"],
        "load_before": os.getloadavg(),
        "code_before": code_digest(),
    }
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in CX_STAGES}
    for repeat in range(cfg.repeat):
        for stage in CX_STAGES:
            if stage == "validate" and stats["triples"] > cfg.validate_max:
                continue
            if cfg.stages and stage not in cfg.stages:
                continue
            _progress(label, "cxgraph", stage, repeat)
            for m in run_child("stages.py", stage, paths, cfg.timeout):
                runs[m["stage"]].append(m)
    size["cxgraph"] = {s: summarise(r) if r else {"status": "skipped"} for s, r in runs.items()}
    if cfg.baseline and stats["triples"] <= cfg.baseline_max:
        size["baseline"] = run_baseline(label, folder, paths, cfg)
    else:
        size["baseline"] = {s: {"status": "skipped"} for s in BASE_STAGES}
    gaps = size["cxgraph"]["gaps"]
    size["manifest"] = gaps.get("manifest", "not checked")
    size["baseline_manifest"] = size["baseline"]["gaps"].get("manifest", "not checked")
    size["ratios"] = ratios(size["cxgraph"], size["baseline"])
    size["load_after"] = os.getloadavg()
    size["code_after"] = code_digest()
    if size["code_after"] != size["code_before"]:
        print(f"warning: cxgraph's code changed while {label} ran", file=sys.stderr)
    return size


def run_baseline(label: str, folder: Path, paths: list[str], cfg: argparse.Namespace) -> Any:
    cache = folder / "baseline-closure.pickle"
    args = [*paths, "--cache", str(cache)]
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in BASE_STAGES}
    for repeat in range(cfg.baseline_repeat or cfg.repeat):
        for stage in ("load", "reason", "gaps"):
            _progress(label, "rdflib+owlrl", stage, repeat)
            for m in run_child("baseline.py", stage, args, cfg.timeout):
                runs[m["stage"]].append(m)
            if stage == "reason" and runs["reason"][-1]["status"] != "ok":
                runs["gaps"].append({"stage": "gaps", "status": "not run"})
                break
    cache.unlink(missing_ok=True)
    return {s: summarise(r) if r else {"status": "not run"} for s, r in runs.items()}


def _progress(label: str, engine: str, stage: str, repeat: int) -> None:
    print(
        f"  [{time.strftime('%H:%M:%S')}] {label} {engine} {stage} #{repeat + 1}",
        file=sys.stderr,
        flush=True,
    )


def run(cfg: argparse.Namespace) -> dict[str, Any]:
    """Run every requested size; merge into cfg.json (unless None) and return the figures."""
    results: dict[str, Any] = {"sizes": {}}
    if cfg.json and cfg.json.exists() and not cfg.fresh:
        results = json.loads(cfg.json.read_text())
    results["machine"] = machine()
    for label, profile in [(s, p) for p in cfg.profiles for s in cfg.sizes]:
        figures = run_size(label, parse_size(label), cfg, profile)
        figures["config"] = {
            "repeat": cfg.repeat,
            "baseline_repeat": cfg.baseline_repeat or cfg.repeat,
            "timeout": cfg.timeout,
            "seed": cfg.seed,
        }
        figures["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results["sizes"][figures["label"]] = figures
        order = sorted(
            results["sizes"].items(),
            key=lambda kv: (kv[1].get("profile", "sparse"), kv[1]["triples"]),
        )
        results["sizes"] = dict(order)
        results["targets"] = targets(results["sizes"])
        if cfg.json:
            cfg.json.parent.mkdir(parents=True, exist_ok=True)
            cfg.json.write_text(json.dumps(results, indent=1) + "\n")
    return results


def options(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", help="comma-separated, e.g. 10k,100k,1M (default 10k,100k)")
    p.add_argument("--repeat", type=int, default=3, help="runs per stage (median reported)")
    p.add_argument("--baseline-repeat", type=int, default=0, help="default: --repeat")
    p.add_argument("--baseline-max", type=int, default=100_000, help="largest baseline size")
    p.add_argument("--no-baseline", dest="baseline", action="store_false")
    p.add_argument("--validate-max", type=int, default=300_000, help="skip SHACL above this")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per stage")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--stages", help=f"comma-separated subset of {','.join(CX_STAGES)}")
    p.add_argument("--profiles", default="sparse,dense", help="generator profiles, e.g. dense")
    p.add_argument(
        "--format", choices=("ttl", "nt"), help="model file (default: ttl sparse, nt dense)"
    )
    p.add_argument("--out", type=Path, default=OUT, help="folder for generated models")
    p.add_argument("--json", type=Path, help=f"results file (default {OUT / 'results.json'})")
    p.add_argument("--fresh", action="store_true", help="do not merge into an existing JSON")
    p.add_argument("--regenerate", action="store_true", help="regenerate models")
    p.add_argument(
        "--smoke",
        action="store_true",
        help="CI check: 10k (or --sizes), once, no baseline, no JSON unless --json; "
        "exit 1 unless the gap report matches the manifest and every stage ran",
    )
    cfg = p.parse_args(argv)
    if cfg.smoke:
        cfg.sizes, cfg.repeat, cfg.baseline = cfg.sizes or "10k", 1, False
    else:
        cfg.sizes, cfg.json = cfg.sizes or "10k,100k", cfg.json or OUT / "results.json"
    cfg.sizes = [s.strip() for s in cfg.sizes.split(",") if s.strip()]
    cfg.profiles = [s.strip() for s in cfg.profiles.split(",") if s.strip()]
    cfg.stages = [s.strip() for s in cfg.stages.split(",")] if cfg.stages else []
    if cfg.smoke:
        cfg.profiles = cfg.profiles if "--profiles" in (argv or sys.argv) else ["sparse"]
    for size in cfg.sizes:
        parse_size(size)
    return cfg


def main(argv: list[str] | None = None) -> int:
    cfg = options(argv)
    results = run(cfg)
    keys = [size_key(s, p) for p in cfg.profiles for s in cfg.sizes]
    print(table({k: v for k, v in results["sizes"].items() if k in keys}))
    print(floor_table({k: v for k, v in results["sizes"].items() if k in keys}))
    ok = True
    for label in keys:
        figures = results["sizes"][label]
        broken = [s for s, m in figures["cxgraph"].items() if m["status"] not in ("ok", "skipped")]
        print(
            f"{label}: gap report vs manifest: {figures['manifest']}; "
            f"stages not ok: {', '.join(broken) or 'none'}"
        )
        ok = ok and figures["manifest"] == "ok" and not (cfg.smoke and broken)
    if not cfg.smoke:
        for check in results["targets"]:
            mark = "met   " if check["met"] else "MISSED"
            print(f"{mark} {check['target']}: {check['measured']}")
    if cfg.json:
        print(f"figures written to {cfg.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
