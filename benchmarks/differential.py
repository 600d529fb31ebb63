"""The long differential search: the RULES profile against owlrl, far beyond CI's examples.

Two parts, each optional:

- ``--examples N`` runs ``tests/test_differential.py``'s random-model property with
  hypothesis' ``long`` profile for N examples (a fresh seed each run unless ``--seed``).
  A model on which the profiles differ is written to ``--save`` (default
  ``benchmarks/out/differential/``); copy it into ``tests/fixtures/differential/`` with a
  line in its README, so CI checks it from then on.
- ``--models 10k,100k`` generates benchmark models (``generate.py``, both profiles) and
  compares the instance closures and findings of both profiles on each; owlrl takes minutes
  from 100k on.

    python benchmarks/differential.py --examples 10000 [--lean]
    python benchmarks/differential.py --examples 0 --models 10k,100k

It prints what it ran and found, and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def search(examples: int, seed: int, save: Path, lean: bool = False) -> bool:
    env = {
        **os.environ,
        "CXGRAPH_DIFFERENTIAL_LEAN": "1" if lean else "0",
        "CXGRAPH_DIFFERENTIAL_PROFILE": "long",
        "CXGRAPH_DIFFERENTIAL_EXAMPLES": str(examples),
        "CXGRAPH_DIFFERENTIAL_SAVE": str(save),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--hypothesis-seed={seed}",
        "--hypothesis-show-statistics",
        "tests/test_differential.py::test_random_models_agree_with_owlrl",
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if "passing" in line or "failing" in line]
    print(
        f"random models: {examples} examples asked, seed {seed}, "
        f"{'ontology without annotations, ' if lean else ''}{seconds:.0f} s"
    )
    for line in lines:
        print("  " + line.strip())
    if done.returncode != 0:
        print(done.stdout[-4000:])
        print(f"counterexamples saved in {save}")
    return done.returncode == 0


def compare_models(sizes: list[str], seed: int) -> bool:
    from run import ensure_model, parse_size

    from cxgraph import build_knowledge_graph
    from cxgraph.closure import compare_with_owlrl
    from cxgraph.gaps import detect_gaps

    same = True
    for label in sizes:
        for profile in ("sparse", "dense"):
            folder = ensure_model(
                label, parse_size(label), seed, BENCH / "out", False, profile=profile
            )
            started = time.perf_counter()
            kg = build_knowledge_graph([folder / "model.nt"])
            findings = [f.as_json() for f in kg.findings]
            difference = compare_with_owlrl(kg.store)
            reference = [f.as_json() for f in detect_gaps(kg.store)]
            agree = not difference and reference == findings
            seconds = time.perf_counter() - started
            print(
                f"{label} {profile}: {len(findings)} findings, "
                f"{'closures and findings equal' if agree else 'DIFFERENT'} ({seconds:.0f} s)"
            )
            if not agree:
                print(f"  rules only: {sorted(difference.rules_only)[:5]}")
                print(f"  owlrl only: {sorted(difference.owlrl_only)[:5]}")
            same = same and agree
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--models", default="", help="benchmark model sizes, e.g. 10k,100k")
    parser.add_argument("--save", type=Path, default=BENCH / "out" / "differential")
    parser.add_argument(
        "--lean",
        action="store_true",
        help="compare on the ontology without its annotations (labels, definitions, "
        "alignments; no OWL 2 RL rule reads them): about 1.5x more examples per hour",
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    ok = True
    if args.examples:
        ok = search(args.examples, seed, args.save, args.lean) and ok
    if args.models:
        ok = compare_models([s for s in args.models.split(",") if s], 7) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
