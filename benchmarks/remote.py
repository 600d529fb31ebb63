"""Load, reason and gap times on remote SPARQL stores next to the embedded store.

Generates a model per size and profile (``generate.py``), then runs the three stages of
the data flow on each backend: ``load`` (``Store.load_sources``), ``reason`` (``infer``)
and ``gaps`` (``write_gaps`` and ``read_findings``). Backends: the embedded pyoxigraph
store in memory and on disk, an Oxigraph server (``oxigraph serve``) in memory and on
disk, and Virtuoso open source (when ``virtuoso-t`` is installed), each started on a
loopback port by ``tests/remote_servers.py``. For a remote store it counts HTTP requests
per stage and the seconds spent waiting for responses; it checks that every backend
reports the same findings as the embedded store.

    python benchmarks/remote.py --triples 10000 100000 --profile sparse dense
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.remote_servers import VIRTUOSO, oxigraph_server, virtuoso_server

from cxgraph.gaps import read_findings, write_gaps
from cxgraph.pipeline import open_store
from cxgraph.reasoning import ReasoningProfile, infer
from cxgraph.sources import Source
from cxgraph.store import RemoteLocation, Store


@contextmanager
def embedded(location: Path | None) -> Iterator[Store]:
    yield open_store(location)


@contextmanager
def served(server: AbstractContextManager[str]) -> Iterator[Store]:
    with server as url:
        yield open_store(RemoteLocation.parse(url))


def backends(
    folder: Path, virtuoso: bool
) -> list[tuple[str, Callable[[], AbstractContextManager[Store]]]]:
    chosen: list[tuple[str, Callable[[], AbstractContextManager[Store]]]] = [
        ("embedded (memory)", lambda: embedded(None)),
        ("embedded (disk)", lambda: embedded(folder / "db")),
        ("Oxigraph server (memory)", lambda: served(oxigraph_server(None))),
        ("Oxigraph server (disk)", lambda: served(oxigraph_server(folder / "oxigraph"))),
    ]
    if virtuoso:
        chosen.append(("Virtuoso 7.2", lambda: served(virtuoso_server(folder / "virtuoso"))))
    return chosen


def _requests(store: Store) -> tuple[int, float]:
    return store.traffic()


def run(backend: str, store: Store, model: Path) -> dict[str, object]:
    """Time the three stages on ``store`` (ontology already loaded)."""
    result: dict[str, object] = {"backend": backend}
    source = Source.from_path(model)

    def stage(name: str, work: Callable[[], object]) -> object:
        (requests, waited), started = _requests(store), time.perf_counter()
        value = work()
        result[f"{name}_s"] = time.perf_counter() - started
        after, waited_after = _requests(store)
        result[f"{name}_requests"] = after - requests
        result[f"{name}_waited_s"] = waited_after - waited
        return value

    stage("load", lambda: store.load_sources([source]))
    report = stage("reason", lambda: infer(store, ReasoningProfile.RULES))
    result["rounds"] = report.rounds  # type: ignore[attr-defined]
    result["inferred"] = sum(report.added.values())  # type: ignore[attr-defined]
    findings = stage("gaps", lambda: (write_gaps(store), read_findings(store))[1])
    result["findings"] = [f.as_json() for f in findings]  # type: ignore[attr-defined]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[10_000])
    parser.add_argument("--profile", nargs="+", default=["sparse", "dense"])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--no-virtuoso", action="store_true", help="leave Virtuoso out")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for triples in args.triples:
            for profile in args.profile:
                model = Path(tmp) / f"{triples}-{profile}"
                generate(triples, model, profile=profile)
                results = []
                for name, start in backends(model, VIRTUOSO is not None and not args.no_virtuoso):
                    with start() as store:
                        results.append(run(name, store, model / "model.ttl"))
                reference = results[0]["findings"]
                for r in results:
                    same = r.pop("findings") == reference
                    rows.append({"triples": triples, "profile": profile, "same": same, **r})
                    print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    print()
    print("| model | backend | load s | reason s | gaps s | requests | waiting s | same |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        remote = bool(r["load_requests"])
        stages = ("load", "reason", "gaps")
        requests = "/".join(str(r[f"{s}_requests"]) for s in stages) if remote else "-"
        waited = "/".join(f"{r[f'{s}_waited_s']:.1f}" for s in stages) if remote else "-"
        print(
            f"| {r['triples'] // 1000}k {r['profile']} | {r['backend']} | {r['load_s']:.2f} "
            f"| {r['reason_s']:.2f} | {r['gaps_s']:.2f} | {requests} | {waited} | "
            f"{'yes' if r['same'] else 'NO'} |"
        )


if __name__ == "__main__":
    main()
