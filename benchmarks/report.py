"""Reporting for the benchmark runner: speed-up ratios, the issue's targets, the machine,
and the Markdown table the runner prints and ``docs/performance.md`` shows."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CX_STAGES = ("load", "validate", "reason", "gaps", "lookup", "cold", "bare", "rdflib", "cli")
TARGETS_1M = {"load": 8.0, "reason": 30.0, "gaps": 2.0, "cold": 45.0}
TARGET_P50_MS = 1.0
TARGET_SPEEDUP_100K = 50.0
TARGET_CLI_OVER_BARE = 3.0
TARGET_CLI_OVER_RDFLIB_100K = 0.4
TARGET_DENSE_1M_SECONDS = 20.0
TARGET_DENSE_1M_RSS_MB = 2048.0
TARGET_GROWTH = 11.0
PACKAGES = ("cxgraph", "pyoxigraph", "rdflib", "owlrl", "pyshacl")


def ratios(cx: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """How many times faster cxgraph is; ``bound: lower`` when the baseline timed out."""

    def seconds(stages: dict[str, Any], names: tuple[str, ...]) -> tuple[float, bool] | None:
        total, cut = 0.0, False
        for name in names:
            s = stages.get(name, {})
            if s.get("status") == "timeout" and s.get("seconds") is not None:
                cut = True
            elif s.get("status") != "ok":
                return None
            total += s["seconds"]
        return total, cut

    out: dict[str, Any] = {}
    for key, names in {
        "load": ("load",),
        "reason": ("reason",),
        "gaps": ("gaps",),
        "reason+gaps": ("reason", "gaps"),
    }.items():
        a, b = seconds(cx, names), seconds(base, names)
        if a and b and a[0] > 0:
            out[key] = {"speedup": round(b[0] / a[0], 1), "bound": "lower" if b[1] else "exact"}
    lk_cx, lk_base = cx.get("lookup", {}), base.get("lookup", {})
    if lk_cx.get("p50_ms") and lk_base.get("p50_ms"):
        out["lookup p50"] = {
            "speedup": round(lk_base["p50_ms"] / lk_cx["p50_ms"], 1),
            "bound": "exact",
        }
    return out


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    with open("/proc/meminfo", encoding="ascii") as f:
        info["memory_gib"] = round(int(f.readline().split()[1]) / 1024**2, 1)
    with open("/proc/cpuinfo", encoding="ascii") as f:
        names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    info["cpu"] = names[0] if names else platform.processor()
    info["packages"] = {p: _version(p) for p in PACKAGES}
    git = shutil.which("git")
    if git:
        head = subprocess.run(
            [git, "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            check=False,
        )
        info["commit"] = head.stdout.strip()
    return info


def code_digest() -> str:
    """A digest of the code and data the benchmark exercises (library modules, gap
    queries, ontology), to tell when the code changed during a run."""
    digest = hashlib.sha256()
    parts = [*sorted((ROOT / "src" / "cxgraph").glob("*.py"))]
    parts += [*sorted((ROOT / "queries" / "gaps").glob("*.rq")), ROOT / "ontology" / "cxgraph.ttl"]
    for path in parts:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def targets(sizes: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets against the largest size measured (and 100k for the ratio),
    issue 11's cold-CLI targets for every profile; the older ones on the sparse profile."""
    checks: list[dict[str, Any]] = floor_checks(sizes)
    sizes = {k: v for k, v in sizes.items() if v.get("profile", "sparse") == "sparse"}
    million = [s for s in sizes.values() if s["triples"] >= 900_000]
    if million:
        cx = million[0]["cxgraph"]
        for stage, limit in TARGETS_1M.items():
            got = cx.get(stage, {}).get("seconds")
            checks.append(
                {
                    "target": f"{stage} at 1M <= {limit:g} s",
                    "measured": got,
                    "met": got is not None and got <= limit,
                }
            )
    for label, s in sizes.items():
        got = s["cxgraph"].get("lookup", {}).get("p50_ms")
        checks.append(
            {
                "target": f"lookup p50 at {label} <= {TARGET_P50_MS:g} ms",
                "measured": got,
                "met": got is not None and got <= TARGET_P50_MS,
            }
        )
    hundred = [s for s in sizes.values() if 90_000 <= s["triples"] <= 110_000]
    if hundred:
        r = hundred[0]["ratios"].get("reason+gaps")
        got = r["speedup"] if r else None
        checks.append(
            {
                "target": f"reason+gaps at 100k >= {TARGET_SPEEDUP_100K:g}x rdflib+owlrl",
                "measured": got,
                "bound": r["bound"] if r else None,
                "met": got is not None and got >= TARGET_SPEEDUP_100K,
            }
        )
    return checks


def floor_checks(sizes: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 11's targets: the cold CLI against the bare parse and rdflib, per size."""
    checks: list[dict[str, Any]] = []

    def ratio(s: dict[str, Any], floor: str) -> float | None:
        cli, base = s["cxgraph"].get("cli", {}), s["cxgraph"].get(floor, {})
        if cli.get("status") == "ok" and base.get("status") == "ok" and base.get("seconds"):
            return round(cli["seconds"] / base["seconds"], 2)
        return None

    for label, s in sizes.items():
        big = s["triples"] >= 900_000
        if not (big or 90_000 <= s["triples"] <= 110_000):
            continue
        got = ratio(s, "bare")
        checks.append(
            {
                "target": f"cold CLI at {label} <= {TARGET_CLI_OVER_BARE:g}x bare parse",
                "measured": got,
                "met": got is not None and got <= TARGET_CLI_OVER_BARE,
            }
        )
        if not big:
            got = ratio(s, "rdflib")
            checks.append(
                {
                    "target": f"cold CLI at {label} <= "
                    f"{TARGET_CLI_OVER_RDFLIB_100K:g}x rdflib parse",
                    "measured": got,
                    "met": got is not None and got <= TARGET_CLI_OVER_RDFLIB_100K,
                }
            )
        if big and s.get("profile") == "dense":
            cli = s["cxgraph"].get("cli", {})
            for key, limit, unit in (
                ("seconds", TARGET_DENSE_1M_SECONDS, "s"),
                ("peak_rss_mb", TARGET_DENSE_1M_RSS_MB, "MB"),
            ):
                got = cli.get(key)
                checks.append(
                    {
                        "target": f"cold CLI at {label} {key} <= {limit:g} {unit}",
                        "measured": got,
                        "met": got is not None and cli.get("status") == "ok" and got <= limit,
                    }
                )
        checks.append(
            {
                "target": f"findings at {label} exact against the manifest",
                "measured": s["cxgraph"].get("cli", {}).get("manifest"),
                "met": s["cxgraph"].get("cli", {}).get("manifest") == "ok",
            }
        )
    return checks


def floor_table(sizes: dict[str, Any]) -> str:
    """Cold ``cxgraph gaps`` against the bare pyoxigraph parse and rdflib parse, per size."""
    lines = [
        "| size | profile | file | triples | findings | bare parse s | rdflib parse s | "
        "cold CLI s | CLI peak MB | CLI / bare | CLI / rdflib | load / reason / gaps s |",
        "|" + "---|" * 12,
    ]
    for label, s in sizes.items():
        cx = s["cxgraph"]
        bare, rdf, cli = (cx.get(k, {}) for k in ("bare", "rdflib", "cli"))

        def over(base: dict[str, Any], cli: dict[str, Any] = cli) -> str:
            if cli.get("seconds") and base.get("seconds") and base.get("status") == "ok":
                return f"{cli['seconds'] / base['seconds']:.2f}x"
            return "-"

        stages = " / ".join(_cell(cx.get(k, {}), digits=2) for k in ("load", "reason", "gaps"))
        lines.append(
            f"| {label} | {s.get('profile', 'sparse')} | {s.get('file', 'model.ttl')} | "
            f"{s['triples']:,} | {cli.get('findings', s.get('planted', '-'))} | {_cell(bare)} | "
            f"{_cell(rdf)} | {_cell(cli)} | {_cell(cli, 'peak_rss_mb', 0)} | {over(bare)} | "
            f"{over(rdf)} | {stages} |"
        )
    return "\n".join(lines)


def _cell(stage: dict[str, Any], key: str = "seconds", digits: int = 3) -> str:
    if stage.get("status") not in ("ok", None) and stage.get(key) is None:
        return str(stage.get("status"))
    value = stage.get(key)
    if value is None:
        return "-"
    text = f"{value:.{digits}f}"
    return text if stage.get("status") == "ok" else f">{text} ({stage['status']})"


def table(sizes: dict[str, Any]) -> str:
    """The figures as a Markdown table, one row per size and stage."""
    head = (
        "| size | triples | stage | cxgraph s | cxgraph peak MB | rdflib+owlrl s | "
        "rdflib+owlrl peak MB | speed-up |"
    )
    lines = [head, "|" + "---|" * 8]
    for label, s in sizes.items():
        for stage in CX_STAGES:
            cx, base = s["cxgraph"].get(stage, {}), s["baseline"].get(stage, {})
            ratio = s["ratios"].get(stage) or s["ratios"].get(f"{stage} p50")
            speed = (
                f"{'≥' if ratio and ratio['bound'] == 'lower' else ''}{ratio['speedup']:g}x"
                if ratio
                else ""
            )
            if stage == "lookup":
                cells = [
                    f"p50 {_cell(cx, 'p50_ms')} ms, p95 {_cell(cx, 'p95_ms')} ms",
                    _cell(cx, "peak_rss_mb", 0),
                    f"p50 {_cell(base, 'p50_ms')} ms"
                    if base.get("p50_ms")
                    else str(base.get("status", "-")),
                    _cell(base, "peak_rss_mb", 0),
                ]
            else:
                cells = [
                    _cell(cx),
                    _cell(cx, "peak_rss_mb", 0),
                    _cell(base) if base else "-",
                    _cell(base, "peak_rss_mb", 0) if base else "-",
                ]
            lines.append(
                f"| {label} | {s['triples']:,} | {stage} | " + " | ".join(cells) + f" | {speed} |"
            )
        both = s["ratios"].get("reason+gaps")
        if both:
            mark = "≥" if both["bound"] == "lower" else ""
            lines.append(f"| {label} | | reason+gaps | | | | | {mark}{both['speedup']:g}x |")
    return "\n".join(lines)
