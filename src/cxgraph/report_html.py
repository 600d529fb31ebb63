"""The gap report as one standalone HTML file, to share without a server.

``cxgraph gaps --format html -o report.html`` writes it: the findings, errors first, with
counts per rule and severity; a persona-by-end-to-end process heat map of needs met and
unmet (from the saved query ``reports/persona-needs-by-process``, the one the dashboard
reads); and the value-chain picture (:mod:`cxgraph.diagram`) as inline SVG. Styles are
inline and there are no scripts, fonts or images from elsewhere: the file makes no
request when opened.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

import pyoxigraph as ox

from cxgraph import __version__
from cxgraph.diagram import (
    INSTALL_HINT,
    DiagramFormat,
    chain_dot,
    graphviz_available,
    read_chain,
    render_diagram,
    term_text,
)
from cxgraph.gaps import Finding, Severity
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.prefixes import compact
from cxgraph.queries import saved_queries, saved_query

HEAT_MAP_QUERY = "reports/persona-needs-by-process"
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass
class HeatMap:
    """Personas (rows) by top-level processes (columns): the needs each process meets,
    and the needs no process meets."""

    personas: dict[str, str] = field(default_factory=dict)
    processes: dict[str, str] = field(default_factory=dict)
    needs: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    met: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def unmet(self, persona: str) -> list[str]:
        met = set().union(*(n for (p, _), n in self.met.items() if p == persona))
        return sorted(n for n in self.needs[persona] if n not in met)


def read_heat_map(kg: KnowledgeGraph) -> HeatMap:
    """The persona-by-process heat map's data, from the saved query."""
    heat = HeatMap()
    result = kg.query(saved_query(HEAT_MAP_QUERY).text)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        persona, need, process = (term_text(row[v]) for v in ("persona", "need", "process"))
        if process:
            heat.processes.setdefault(process, term_text(row["processLabel"]) or process)
        if not persona:
            continue
        heat.personas.setdefault(persona, term_text(row["personaLabel"]) or persona)
        if need:
            heat.needs[persona].setdefault(need, term_text(row["needLabel"]) or need)
            if process:
                heat.met[(persona, process)].add(need)
    return heat


def write_report(
    kg: KnowledgeGraph,
    findings: Sequence[Finding],
    prefixes: Mapping[str, str],
    title: str = "cxgraph gap report",
) -> str:
    """The whole report as one HTML document."""
    ordered = sorted(findings, key=lambda f: (_SEVERITY_ORDER[f.severity], f.rule, f.focus))
    parts = [
        _head(title),
        f"<h1>{escape(title)}</h1>",
        f"<p class='meta'>cxgraph {escape(__version__)}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Exit code of <code>cxgraph gaps</code>: "
        f"{1 if any(f.severity is Severity.ERROR for f in findings) else 0}.</p>",
        "<nav><a href='#summary'>Summary</a> · <a href='#heat-map'>Needs per persona and "
        "process</a> · <a href='#chain'>Value chain</a> · <a href='#findings'>Findings</a>"
        "</nav>",
        _summary(ordered),
        _heat_map(read_heat_map(kg), prefixes),
        _chain(kg, findings, prefixes),
        _findings(ordered, prefixes),
        "</body></html>\n",
    ]
    return "\n".join(parts)


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;
margin:2em auto;max-width:1400px;padding:0 1em;color:#263238}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #cfd8dc}
.meta{color:#607d8b}nav{margin:1em 0}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #cfd8dc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eceff1}
.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{border:2px solid #90a4ae;border-radius:6px;padding:.6em 1.2em;min-width:8em}
.card b{font-size:1.8em;display:block}
.error{border-color:#b71c1c;color:#b71c1c}.warning{border-color:#e65100;color:#8a3b00}
.info{border-color:#01579b;color:#01579b}
.sev{font-weight:bold;text-transform:uppercase;font-size:.85em}
.heat td.n{text-align:center;min-width:3em}
.heat td.unmet{background:#ffebee;color:#b71c1c;font-weight:bold;border:2px dashed #b71c1c}
.heat th.col{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
.chain svg{max-width:100%;height:auto}
.chain{overflow-x:auto}
code{font-size:.92em}
details{margin:.6em 0}summary{cursor:pointer;font-weight:bold}
"""


def _head(title: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
    )


def _summary(findings: Sequence[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    cards = "".join(
        f"<div class='card {s.value}'><b>{counts[s]}</b>{s.value}"
        f"{'s' if s is not Severity.INFO else ''}</div>"
        for s in _SEVERITY_ORDER
    )
    titles = {q.name: q.title for q in saved_queries("gaps")}
    per_rule = Counter((f.severity, f.rule) for f in findings)
    rows = "".join(
        f"<tr><td class='sev {sev.value}'>{sev.value}</td>"
        f"<td><a href='#rule-{escape(rule)}'>{escape(titles.get(rule, rule))}</a></td>"
        f"<td><code>{escape(rule)}</code></td><td>{count}</td></tr>"
        for (sev, rule), count in sorted(
            per_rule.items(), key=lambda kv: (_SEVERITY_ORDER[kv[0][0]], -kv[1], kv[0][1])
        )
    )
    return (
        f"<h2 id='summary'>Summary: {len(findings)} findings</h2>"
        f"<div class='cards'>{cards}</div>"
        "<table><thead><tr><th>severity</th><th>rule</th><th>id</th><th>findings</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _heat_map(heat: HeatMap, prefixes: Mapping[str, str]) -> str:
    if not heat.personas:
        return "<h2 id='heat-map'>Needs per persona and process</h2><p>No personas.</p>"
    processes = sorted(heat.processes, key=lambda p: heat.processes[p].lower())
    personas = sorted(heat.personas, key=lambda p: heat.personas[p].lower())
    peak = max((len(n) for n in heat.met.values()), default=1) or 1
    head = "".join(
        f"<th class='col' scope='col' title='{escape(compact(p, prefixes))}'>"
        f"{escape(heat.processes[p])}</th>"
        for p in processes
    )
    rows = []
    for persona in personas:
        needs = heat.needs[persona]
        unmet = heat.unmet(persona)
        cells = []
        for process in processes:
            met = sorted(heat.met.get((persona, process), set()))
            shade = 255 - int(140 * len(met) / peak)
            tip = "; ".join(needs[n] for n in met) or "meets none of this persona's needs"
            style = f" style='background:rgb({shade},{min(255, shade + 30)},255)'" if met else ""
            cells.append(
                f"<td class='n'{style} title='{escape(heat.processes[process])}: "
                f"{escape(tip)}'>{len(met) or '·'}</td>"
            )
        unmet_tip = "; ".join(needs[n] for n in unmet) or "every need is met"
        unmet_cell = (
            f"<td class='n unmet' title='{escape(unmet_tip)}'>✗ {len(unmet)}</td>"
            if unmet
            else f"<td class='n' title='{escape(unmet_tip)}'>0</td>"
        )
        rows.append(
            f"<tr><th scope='row' title='{escape(compact(persona, prefixes))}'>"
            f"{escape(heat.personas[persona])}</th><td class='n'>{len(needs)}</td>"
            f"{unmet_cell}{''.join(cells)}</tr>"
        )
    return (
        "<h2 id='heat-map'>Needs per persona and end-to-end process</h2>"
        "<p>Each cell counts the persona's needs the process meets (sub-processes count); "
        "<b>unmet</b> counts needs no process meets (red, dashed, marked ✗). Hover a cell "
        "for the needs behind it. A process column of dots meets no persona's need.</p>"
        "<table class='heat'><thead><tr><th>persona</th><th>needs</th><th>unmet</th>"
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _chain(kg: KnowledgeGraph, findings: Sequence[Finding], prefixes: Mapping[str, str]) -> str:
    heading = "<h2 id='chain'>Value chain</h2>"
    if not graphviz_available():
        hint = INSTALL_HINT.format(fmt="picture")
        return f"{heading}<p>{escape(hint.replace('`', ''))}</p>"
    dot = chain_dot(read_chain(kg, findings), prefixes, "Value chain")
    svg = render_diagram(dot, DiagramFormat.SVG).decode("utf-8")
    return f"{heading}<div class='chain'>{inline_svg(svg)}</div>"


_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--.*?-->\s*)*", re.DOTALL)


def inline_svg(svg: str) -> str:
    """Graphviz's SVG document as an element to put in HTML: no XML prolog, no DOCTYPE
    (whose DTD address a browser would never fetch, but which is an outside URL)."""
    return _PROLOG.sub("", svg, count=1)


def _findings(findings: Sequence[Finding], prefixes: Mapping[str, str]) -> str:
    titles = {q.name: q.title for q in saved_queries("gaps")}
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.rule].append(f)
    sections = []
    for rule, group in groups.items():
        severity = group[0].severity.value
        rows = "".join(
            f"<tr><td><code title='{escape(f.focus)}'>{escape(compact(f.focus, prefixes))}"
            f"</code></td><td>{escape(f.message)}</td></tr>"
            for f in group
        )
        sections.append(
            f"<details open id='rule-{escape(rule)}'><summary>"
            f"<span class='sev {severity}'>{severity}</span> "
            f"{escape(titles.get(rule, rule))} (<code>{escape(rule)}</code>): {len(group)}"
            "</summary><table><thead><tr><th>focus</th><th>message</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></details>"
        )
    body = "".join(sections) or "<p>No gaps found.</p>"
    return f"<h2 id='findings'>Findings, errors first</h2>{body}"


__all__ = ["HeatMap", "inline_svg", "read_heat_map", "write_report"]
