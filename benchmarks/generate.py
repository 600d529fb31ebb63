"""Generate a realistic CX model of a requested size, with a known set of planted gaps.

The model is a company of ``clusters``: each cluster is one persona with its needs and
outcomes, a value proposition, offerings, an end-to-end process with sub-processes several
levels deep (offerings are delivered at the leaves, so ``cx:meetsNeed`` needs reasoning),
activity flows with hand-offs between departments, moments of truth with experiences, a
journey, business rules and scorecard metrics. Brands, departments, SLAs, systems, channels
and insights are shared. Many links are given only by an inverse and many ``rdf:type``
triples are left out, as in real data. Every gap rule is planted in about 0.5% of the
entities it looks at (at least twice) and the rest is clean; the planted findings are the
manifest. Output is Turtle written entity by entity (streaming), the same triples as
N-Triples (``model.nt``), plus ``manifest.json`` (sorted ``{"rule", "focus"}`` objects) and
``stats.json``.

Two profiles: ``sparse`` (the above, about 1 finding per 1,000 triples) and ``dense``: many
small business units, each with the full chain and every defect planted, and every
experience below its promise (about 60 findings per 1,000 triples, the density of a real
CX audit).

    python benchmarks/generate.py --triples 100000 --out benchmarks/out/100k --seed 7
    python benchmarks/generate.py --triples 100000 --out benchmarks/out/100k-dense --profile dense
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pyoxigraph as ox
from cluster import Cluster
from company import PREFIXES, PROFILES, RULES, Company, TurtleWriter


def build(company: Company) -> None:
    """Write the shared resources, then every cluster."""
    company.write_shared()
    for c in range(company.n):
        Cluster(company, c, company.plants.get(c, set())).build()


def count_clusters(triples: int, seed: int, profile: str = "sparse") -> int:
    """How many clusters give about ``triples`` triples, from dry runs that write nothing."""
    shared = Company(seed, 100, TurtleWriter(None), profile=profile)
    shared.write_shared()
    sample = Company(seed, 100, TurtleWriter(None), profile=profile)
    build(sample)
    per_cluster = (sample.w.triples - shared.w.triples) / 100
    clusters = max(4, round(triples / per_cluster))
    dry = Company(seed, clusters, TurtleWriter(None), profile=profile)
    dry.write_shared()
    return max(4, round((triples - dry.w.triples) / per_cluster))


def generate(triples: int, out: Path, seed: int = 7, profile: str = "sparse") -> dict[str, object]:
    """Write ``model.ttl``, ``model.nt``, ``manifest.json`` and ``stats.json`` into ``out``."""
    clusters = count_clusters(triples, seed, profile)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "model.ttl").open("w", encoding="utf-8", buffering=1 << 20) as f:
        f.write(PREFIXES)
        gen = Company(seed, clusters, TurtleWriter(f), profile=profile)
        build(gen)
    ox.serialize(
        ox.parse(path=out / "model.ttl", format=ox.RdfFormat.TURTLE),
        output=out / "model.nt",
        format=ox.RdfFormat.N_TRIPLES,
    )
    manifest = [{"rule": r, "focus": f} for r, f in sorted(set(gen.manifest))]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    planted = {r: sum(1 for m in manifest if m["rule"] == r) for r in RULES}
    stats: dict[str, object] = {
        "seed": seed,
        "profile": profile,
        "requested_triples": triples,
        "triples": gen.w.triples,
        "clusters": clusters,
        "findings": len(manifest),
        "planted": planted,
        "entities": dict(sorted(gen.entities.items())),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    return stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, required=True, help="asserted triples, roughly")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=PROFILES, default="sparse")
    args = parser.parse_args(argv)
    stats = generate(args.triples, args.out, args.seed, args.profile)
    print(
        f"{args.out}/model.ttl (and .nt): {stats['triples']} triples, "
        f"{stats['clusters']} clusters, "
        f"{stats['findings']} planted findings"
    )


if __name__ == "__main__":
    main()
