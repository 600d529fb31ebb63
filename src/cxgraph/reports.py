"""Rendering of findings, validation reports and query results for people and machines.

The CLI picks a format; each renderer returns text. Machine formats (JSON, CSV, TSV) carry
nothing but the data.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from enum import Enum

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from cxgraph.gaps import Finding
from cxgraph.queries import saved_queries
from cxgraph.validation import ValidationReport


class GapFormat(Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MD = "md"


class ResultFormat(Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"
    XML = "xml"
    TURTLE = "turtle"
    NTRIPLES = "nt"


def render_findings(findings: Sequence[Finding], fmt: GapFormat, console: Console) -> None:
    if fmt is GapFormat.JSON:
        print(json.dumps([f.as_json() for f in findings], indent=2, ensure_ascii=False))
    elif fmt is GapFormat.CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["rule", "severity", "focus", "message", "evidence"])
        for f in findings:
            writer.writerow([f.rule, f.severity.value, f.focus, f.message, " ".join(f.evidence)])
        print(out.getvalue(), end="")
    elif fmt is GapFormat.MD:
        print(_findings_markdown(findings), end="")
    else:
        _findings_table(findings, console)


def _titles() -> dict[str, str]:
    return {q.name: q.title for q in saved_queries("gaps")}


def _findings_markdown(findings: Sequence[Finding]) -> str:
    titles = _titles()
    lines = ["# Gap report", ""]
    lines += _summary_lines(findings)
    for rule, group in _by_rule(findings).items():
        lines += [
            "",
            f"## {titles.get(rule, rule)} (`{rule}`, {group[0].severity.value}): {len(group)}",
            "",
            "| focus | message |",
            "|---|---|",
        ]
        lines += [f"| <{f.focus}> | {_md_escape(f.message)} |" for f in group]
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _summary_lines(findings: Sequence[Finding]) -> list[str]:
    counts = Counter(f.severity.value for f in findings)
    return [
        f"{len(findings)} findings: {counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['info']} info."
    ]


def _by_rule(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.rule].append(f)
    return groups


_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _findings_table(findings: Sequence[Finding], console: Console) -> None:
    titles = _titles()
    if not findings:
        console.print("No gaps found: every need, promise and hand-off checked out.")
        return
    for rule, group in _by_rule(findings).items():
        severity = group[0].severity.value
        table = Table(
            title=f"[{_STYLE[severity]}]{severity.upper()}[/] {titles.get(rule, rule)} "
            f"({rule}): {len(group)}",
            title_justify="left",
            show_lines=False,
            expand=False,
        )
        table.add_column("focus", overflow="fold")
        table.add_column("message", overflow="fold")
        for f in group:
            table.add_row(f.focus, f.message)
        console.print(table)
    console.print(_summary_lines(findings)[0])


def render_validation(report: ValidationReport, as_json: bool, console: Console) -> None:
    if as_json:
        print(
            json.dumps(
                {"conforms": report.conforms, "results": [r.as_json() for r in report.results]},
                indent=2,
            )
        )
        return
    if not report.results:
        console.print("The model conforms to the shapes.")
        return
    table = Table(title=f"{len(report.results)} shape violations", title_justify="left")
    for column in ("severity", "focus", "path", "message"):
        table.add_column(column, overflow="fold")
    for r in report.results:
        table.add_row(r.severity, r.focus, r.path or "", r.message)
    console.print(table)


_RESULT_FORMATS = {
    ResultFormat.JSON: ox.QueryResultsFormat.JSON,
    ResultFormat.CSV: ox.QueryResultsFormat.CSV,
    ResultFormat.TSV: ox.QueryResultsFormat.TSV,
    ResultFormat.XML: ox.QueryResultsFormat.XML,
}
_GRAPH_FORMATS = {
    ResultFormat.TURTLE: ox.RdfFormat.TURTLE,
    ResultFormat.NTRIPLES: ox.RdfFormat.N_TRIPLES,
}


def render_result(result: object, fmt: ResultFormat, console: Console) -> str | None:
    """Print a query result; returns an error message when the format does not fit."""
    if isinstance(result, ox.QueryTriples):
        if fmt is ResultFormat.TABLE or fmt in _GRAPH_FORMATS:
            data = result.serialize(format=_GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE))
            print((data or b"").decode(), end="")
            return None
        return f"a CONSTRUCT/DESCRIBE result cannot be written as {fmt.value}; use turtle or nt"
    if fmt in _GRAPH_FORMATS:
        return f"a SELECT/ASK result cannot be written as {fmt.value}; use table, json, csv, tsv"
    if fmt is ResultFormat.TABLE:
        if isinstance(result, ox.QueryBoolean):
            console.print("yes" if bool(result) else "no")
            return None
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        table = Table(*names)
        rows = 0
        for row in result:
            table.add_row(*[_cell(row[n]) for n in names])
            rows += 1
        console.print(table)
        console.print(f"{rows} rows")
        return None
    data = result.serialize(format=_RESULT_FORMATS[fmt])  # type: ignore[attr-defined]
    print((data or b"").decode(), end="")
    return None


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal | ox.NamedNode | ox.BlankNode):
        return term.value
    return str(term)
