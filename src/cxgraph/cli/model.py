"""The commands over a model: gaps, diagram, validate, reason, query, export, check, rules.

Each is a few lines over the library; exit codes as in cx-model.md (0 fine, 1 error
findings or violations, 2 usage or input errors).
"""

from __future__ import annotations

import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cxgraph.cli.shared import (
    DataOption,
    FormatOption,
    ProfileOption,
    QuietOption,
    StoreOption,
    app,
    build_model,
    fail,
    leave_to_exit,
    out,
    prefixes_for,
    progress,
)
from cxgraph.errors import CxGraphError, InputError, QueryError
from cxgraph.formats import GRAPH_FORMATS, RDF_FORMATS, SOLUTIONS_FORMATS, spelled
from cxgraph.gaps import Severity, select_rules
from cxgraph.namespaces import GAPS_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from cxgraph.prefixes import compact
from cxgraph.profiles import ReasoningProfile
from cxgraph.queries import saved_query
from cxgraph.reports import (
    GapFormat,
    parse_result_format,
    readable_query_error,
    render_findings,
    render_result,
    render_validation,
)
from cxgraph.sources import parse_format_name


@app.command()
def gaps(
    data: DataOption = None,
    store: StoreOption = None,
    input_format: FormatOption = None,
    profile: ProfileOption = ReasoningProfile.RULES,
    severity: Annotated[
        list[Severity] | None, typer.Option("--severity", "-s", help="Only these severities.")
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", "-r", metavar="ID", help="Only these rules.")
    ] = None,
    output_format: Annotated[
        GapFormat,
        typer.Option(
            "--format", "-f", help="html: one standalone page (findings, heat map, chain)."
        ),
    ] = GapFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Default: stdout.")
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Report the gaps: needs no process meets, promises no experience realises, ...

    Exit 1 when any finding of error severity is reported."""
    try:
        select_rules(rule, severity)
        kg = build_model(
            data,
            store,
            input_format,
            profile,
            quiet or output_format != GapFormat.TABLE,
            one_shot=output_format is not GapFormat.HTML,  # the page queries the graph
        )
        findings = kg.gaps(rule, severity)
        if kg.one_shot:
            leave_to_exit(kg)
        prefixes = prefixes_for(data, store)
        if output_format is GapFormat.HTML:
            from cxgraph.report_html import write_report

            write_text(write_report(kg, findings, prefixes), output)
        elif output is not None:
            with output.open("w", encoding="utf-8") as handle, redirect_stdout(handle):
                render_findings(findings, output_format, Console(file=handle), prefixes)
        else:
            render_findings(findings, output_format, out, prefixes)
    except CxGraphError as error:
        raise fail(error) from None
    except BrokenPipeError:
        raise  # stdout's reader went away: click ends quietly, with exit 1
    except OSError as error:
        raise fail(CxGraphError(f"{output}: cannot write: {error.strerror}")) from None
    if any(f.severity is Severity.ERROR for f in findings):
        raise typer.Exit(1)


def write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def diagram(
    data: DataOption = None,
    store: StoreOption = None,
    input_format: FormatOption = None,
    focus: Annotated[
        str | None,
        typer.Option(
            "--focus",
            metavar="IRI",
            help="Draw only this resource (IRI or prefix:name) and its chain up and down.",
        ),
    ] = None,
    format_name: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="[svg|png|dot]",
            help="svg and png need Graphviz's dot; dot writes the Graphviz text. "
            "Default: from the -o extension, else svg.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Default: stdout.")
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Draw the value chain, promise to experience, with its gaps in red (Graphviz)."""
    from cxgraph.diagram import chain_dot, diagram_format, expand_focus, read_chain, render_diagram

    try:
        fmt = diagram_format(format_name, output.suffix if output else None)
        prefixes = prefixes_for(data, store)
        kg = build_model(data, store, input_format, ReasoningProfile.RULES, quiet)
        iri = expand_focus(focus, prefixes) if focus else None
        chain = read_chain(kg, kg.gaps(), iri)
        picture = render_diagram(chain_dot(chain, prefixes, focus or "Value chain"), fmt)
        if output is None:
            sys.stdout.buffer.write(picture)
        else:
            output.write_bytes(picture)
    except CxGraphError as error:
        raise fail(error) from None
    except OSError as error:
        raise fail(CxGraphError(f"{output}: cannot write: {error.strerror}")) from None


@app.command()
def validate(
    data: DataOption = None,
    store: StoreOption = None,
    input_format: FormatOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report.")] = False,
    output_format: Annotated[str, typer.Option("--format", "-f", metavar="[table|json]")] = "table",
    quiet: QuietOption = False,
) -> None:
    """Check the model against the SHACL shapes; exit 1 on violations."""
    if output_format not in ("table", "json"):
        raise fail(CxGraphError(f"unknown format {output_format!r}; use table or json"))
    as_json = as_json or output_format == "json"
    try:
        kg = build_model(data, store, input_format, ReasoningProfile.RULES, quiet or as_json)
        with progress("Validating…", quiet or as_json):
            report = kg.validate()
    except CxGraphError as error:
        raise fail(error) from None
    render_validation(report, as_json, out, prefixes_for(data, store))
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
def reason(
    data: DataOption = None,
    store: StoreOption = None,
    input_format: FormatOption = None,
    profile: ProfileOption = ReasoningProfile.RULES,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the inferred graph here."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="Format of --output.")
    ] = "turtle",
    quiet: QuietOption = False,
) -> None:
    """Complete the graph by reasoning; print what each rule added."""
    try:
        fmt = parse_format_name(output_format)
        kg = build_model(data, store, input_format, profile, quiet)
    except CxGraphError as error:
        raise fail(error) from None
    report = kg.inference
    assert report is not None
    for name, count in sorted(report.added.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{count:8d}  {name}")
    print(
        f"{report.total:8d}  triples inferred by {report.profile.value} in "
        f"{report.rounds} rounds, {report.seconds:.2f} s"
    )
    if output is not None:
        output.write_bytes(kg.export(fmt, [INFERRED_GRAPH], prefixes_for(data, store)))


@app.command()
def query(
    sparql: Annotated[
        str,
        typer.Argument(
            metavar="SPARQL",
            help="SPARQL text, a .rq file, or a saved query id such as reports/needs-per-persona. "
            "The model's prefixes (cx:, rdf:, rdfs:, owl:, xsd:, skos:, prov:, dcterms: and "
            "those its files declare) need no PREFIX line.",
        ),
    ],
    data: DataOption = None,
    store: StoreOption = None,
    input_format: FormatOption = None,
    format_name: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help=f"table, {spelled(SOLUTIONS_FORMATS)}; for CONSTRUCT/DESCRIBE "
            f"{spelled(GRAPH_FORMATS)} (json and xml: JSON-LD and RDF/XML).",
        ),
    ] = "table",
    quiet: QuietOption = False,
) -> None:
    """Run a SPARQL query over the reasoned model and its findings."""
    try:
        output_format = parse_result_format(format_name)
        text = query_text(sparql)
        prefixes = prefixes_for(data, store)
        kg = build_model(
            data,
            store,
            input_format,
            ReasoningProfile.RULES,
            quiet or not output_format.is_table,
        )
        try:
            result = kg.query(text, prefixes=prefixes)
        except QueryError as error:
            raise QueryError(readable_query_error(str(error), text, prefixes)) from None
    except CxGraphError as error:
        raise fail(error) from None
    problem = render_result(result, output_format, out, prefixes)
    if problem:
        raise fail(CxGraphError(problem))


def query_text(arg: str, suffixes: tuple[str, ...] = (".rq", ".sparql")) -> str:
    """SPARQL text given as itself, as a file with one of ``suffixes``, or as the id of a
    saved query."""
    path = Path(arg)
    if path.suffix in suffixes and not any(c.isspace() for c in arg):
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError("no such query file", file=path) from None
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read the query file: {error}", file=path) from None
    if "/" in arg and not any(c.isspace() for c in arg) and "{" not in arg:
        return saved_query(arg).text
    return arg


_GRAPHS = {"ontology": [ONTOLOGY_GRAPH], "inferred": [INFERRED_GRAPH], "gaps": [GAPS_GRAPH]}


@app.command()
def export(
    data: DataOption = None,
    store: StoreOption = None,
    input_format: FormatOption = None,
    graph: Annotated[
        list[str] | None,
        typer.Option(
            "--graph",
            "-g",
            help="data, inferred, gaps, ontology (repeatable). Default: data, inferred and gaps.",
        ),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help=f"{spelled(RDF_FORMATS)}; "
            "xlsx writes the asserted model as a CX workbook (needs -o).",
        ),
    ] = "trig",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Default: stdout.")
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Export graphs in a standard RDF format, or the model as a CX workbook (-f xlsx)."""
    if output_format.lower() == "xlsx":
        from cxgraph.cli.workbook import export_workbook_file  # registered after these

        export_workbook_file(data, store, input_format, output)
        return
    try:
        fmt = parse_format_name(output_format)
        for name in graph or []:
            if name not in (*_GRAPHS, "data"):
                raise CxGraphError(
                    f"unknown graph {name!r}; choose data, inferred, gaps or ontology"
                )
        kg = build_model(data, store, input_format, ReasoningProfile.RULES, True)
    except CxGraphError as error:
        raise fail(error) from None
    chosen = None
    if graph:
        chosen = [
            g
            for name in graph
            for g in (kg.store.data_graphs() if name == "data" else _GRAPHS[name])
        ]
    payload = kg.export(fmt, chosen, prefixes_for(data, store))
    if output is None:
        sys.stdout.buffer.write(payload)
    else:
        output.write_bytes(payload)


@app.command()
def check(
    data: DataOption = None,
    store: StoreOption = None,
    input_format: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Run the ontology and model quality checks (queries/checks); exit 1 on violations."""
    from cxgraph.checks import run_checks

    try:
        kg = build_model(data, store, input_format, ReasoningProfile.RULES, quiet)
        violations = run_checks(kg.store)
    except CxGraphError as error:
        raise fail(error) from None
    prefixes = prefixes_for(data, store)
    for v in violations:
        print(f"{v.check}: {compact(v.term, prefixes)}: {v.message}")
    print(f"{len(violations)} violations")
    if violations:
        raise typer.Exit(1)


@app.command("rules")
def list_rules() -> None:
    """List the gap rules with their severity and title."""
    for q in select_rules():
        print(f"{q.name:30s} {q.severity:8s} {q.title}")


# -- spreadsheets and ArchiMate (issue 14) -------------------------------------------------
