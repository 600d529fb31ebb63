"""Rendering of findings, validation reports and query results for people and machines.

The CLI picks a format; each renderer returns text. Machine formats (JSON, CSV, TSV) carry
nothing but the data.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from json.encoder import encode_basestring

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from cxgraph import formats
from cxgraph.errors import InputError
from cxgraph.formats import Format
from cxgraph.gaps import Finding
from cxgraph.prefixes import STANDARD_PREFIXES, compact
from cxgraph.queries import saved_queries
from cxgraph.validation import ValidationReport


class GapFormat(Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MD = "md"
    HTML = "html"


@dataclass(frozen=True)
class ResultFormat:
    """How ``cxgraph query`` writes its answer: a table for people (Turtle for a graph),
    or the formats of :mod:`cxgraph.formats` a name stands for, which depends on the
    answer as over HTTP (``json``: SPARQL JSON results for SELECT and ASK, JSON-LD for
    CONSTRUCT and DESCRIBE)."""

    name: str
    solutions: Format | None
    graph: Format | None

    @property
    def is_table(self) -> bool:
        return self.name == "table"


TABLE = ResultFormat("table", None, formats.TURTLE)


def parse_result_format(name: str) -> ResultFormat:
    """The query result format with this name, alias or media type (``table``, ``json``,
    ``ttl``, ``ntriples``, ``jsonld``...), or an InputError listing them."""
    if name.strip().lower() == TABLE.name:
        return TABLE
    solutions = formats.format_named(name, formats.SOLUTIONS_FORMATS)
    graph = formats.format_named(name, formats.GRAPH_FORMATS)
    if solutions is None and graph is None:
        every = formats.choices((*formats.SOLUTIONS_FORMATS, *formats.GRAPH_FORMATS))
        raise InputError(f"unknown format {name!r}; choose one of table, {every}")
    return ResultFormat(name.strip().lower(), solutions, graph)


Prefixes = Mapping[str, str]


def findings_json(findings: Sequence[Finding]) -> str:
    """``json.dumps([f.as_json() for f in findings], indent=2, ensure_ascii=False)``, the
    same text, written with the C string encoder: the indenting encoder is pure Python
    (0.6 s for the 64,800 findings of a 1M model)."""
    text = encode_basestring
    items = []
    for f in findings:
        evidence = (
            "[\n" + ",\n".join(f"      {text(e)}" for e in f.evidence) + "\n    ]"
            if f.evidence
            else "[]"
        )
        items.append(
            f'  {{\n    "rule": {text(f.rule)},\n    "focus": {text(f.focus)},\n'
            f'    "severity": {text(f.severity.value)},\n    "message": {text(f.message)},\n'
            f'    "evidence": {evidence}\n  }}'
        )
    return "[\n" + ",\n".join(items) + "\n]" if items else "[]"


def render_findings(
    findings: Sequence[Finding],
    fmt: GapFormat,
    console: Console,
    prefixes: Prefixes = STANDARD_PREFIXES,
) -> None:
    """Print findings; tables and Markdown show compact names, machine formats full IRIs.
    (HTML is written by :mod:`cxgraph.report_html`.)"""
    if fmt is GapFormat.JSON:
        print(findings_json(findings))
    elif fmt is GapFormat.CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["rule", "severity", "focus", "message", "evidence"])
        for f in findings:
            writer.writerow([f.rule, f.severity.value, f.focus, f.message, " ".join(f.evidence)])
        print(out.getvalue(), end="")
    elif fmt is GapFormat.MD:
        print(_findings_markdown(findings, prefixes), end="")
    else:
        _findings_table(findings, console, prefixes)


def _titles() -> dict[str, str]:
    return {q.name: q.title for q in saved_queries("gaps")}


def _findings_markdown(findings: Sequence[Finding], prefixes: Prefixes) -> str:
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
        lines += [
            f"| `{_md_escape(compact(f.focus, prefixes))}` | {_md_escape(f.message)} |"
            for f in group
        ]
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


def _findings_table(findings: Sequence[Finding], console: Console, prefixes: Prefixes) -> None:
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
            table.add_row(compact(f.focus, prefixes), f.message)
        console.print(table)
    console.print(_summary_lines(findings)[0])


def render_validation(
    report: ValidationReport,
    as_json: bool,
    console: Console,
    prefixes: Prefixes = STANDARD_PREFIXES,
) -> None:
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
        table.add_row(
            compact(r.severity, prefixes),
            compact(r.focus, prefixes),
            compact(r.path or "", prefixes),
            r.message,
        )
    console.print(table)


def render_result(
    result: object,
    fmt: ResultFormat,
    console: Console,
    prefixes: Prefixes = STANDARD_PREFIXES,
) -> str | None:
    """Print a query result; returns an error message when the format does not fit. The
    table shows compact names and wraps long values; Turtle is written with prefixes."""
    if isinstance(result, ox.QueryTriples):
        if fmt.graph is None:
            return (
                f"a CONSTRUCT/DESCRIBE result cannot be written as {fmt.name}; use "
                + formats.choices(formats.GRAPH_FORMATS)
            )
        assert fmt.graph.rdf is not None
        data = ox.serialize(list(result), format=fmt.graph.rdf, prefixes=dict(prefixes))
        print((data or b"").decode(), end="")
        return None
    if not fmt.is_table and fmt.solutions is None:
        return (
            f"a SELECT/ASK result cannot be written as {fmt.name}; use table, "
            + formats.choices(formats.SOLUTIONS_FORMATS)
        )
    if fmt.is_table:
        if isinstance(result, ox.QueryBoolean):
            console.print("yes" if bool(result) else "no")
            return None
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        table = Table()
        for name in names:
            table.add_column(name, overflow="fold")
        rows = 0
        for row in result:
            table.add_row(*[_cell(row[n], prefixes) for n in names])
            rows += 1
        console.print(table)
        console.print(f"{rows} rows")
        return None
    assert fmt.solutions is not None
    data = result.serialize(format=fmt.solutions.results)  # type: ignore[attr-defined]
    print((data or b"").decode(), end="")
    return None


def _cell(term: object, prefixes: Prefixes) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value, prefixes)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


_CHARACTER_CLASS = re.compile(r"\[[^\]]*\\u\{[^\]]*\],?\s*")
_PREFIXED_NAME = re.compile(r"(?<![\w<\"'#:/.-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:(?=[A-Za-z_0-9])")
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)


def readable_query_error(message: str, query: str, prefixes: Prefixes) -> str:
    """A SPARQL syntax error a person can act on: an undeclared prefix is named with the
    predeclared ones, and the parser's lists of Unicode ranges are left out."""
    if "Prefix not found" in message:
        declared = set(prefixes) | set(_DECLARED.findall(query))
        unknown = [p for p in _PREFIXED_NAME.findall(_strip_strings(query)) if p not in declared]
        where = message.split(": expected", 1)[0]
        name = f"'{unknown[0]}:' " if unknown else ""
        return (
            f"{where}: the prefix {name}is not declared; add a PREFIX line "
            f"(predeclared: {', '.join(p + ':' for p in prefixes)})"
        )
    shorter = _CHARACTER_CLASS.sub("", message)
    return shorter if len(shorter) <= 400 else shorter[:400] + "…"


def _strip_strings(query: str) -> str:
    return re.sub(r"\"[^\"\n]*\"|'[^'\n]*'|<[^<>\s]*>|#[^\n]*", " ", query)
