"""The ``cxgraph`` command line: a thin surface over the library.

Exit codes (cx-model.md): 0 fine, 1 findings of error severity (``gaps``) or violations
(``validate``, ``check``), 2 usage or input errors, with the message on stderr naming
file:line where known. With no ``--data`` every command uses the bundled sample models.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cxgraph import __version__, resources
from cxgraph.cli_help import CxTyper
from cxgraph.diagnostics import Diagnostic
from cxgraph.errors import CxGraphError, InputError, QueryError
from cxgraph.gaps import Severity, select_rules
from cxgraph.namespaces import GAPS_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH
from cxgraph.pipeline import KnowledgeGraph, build_knowledge_graph
from cxgraph.prefixes import compact, model_prefixes
from cxgraph.queries import saved_query
from cxgraph.reasoning import ReasoningProfile
from cxgraph.remote import RemoteLocation
from cxgraph.reports import (
    GapFormat,
    ResultFormat,
    parse_result_format,
    readable_query_error,
    render_findings,
    render_result,
    render_validation,
)
from cxgraph.sources import is_model_file_name, parse_format_name

app = CxTyper(
    name="cxgraph",
    help="A knowledge graph of customer experience: from brand promise to experience, "
    "with reasoning, gap rules, SPARQL and GraphQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console(soft_wrap=False)
err = Console(stderr=True, soft_wrap=True)

DataOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        "-d",
        metavar="FILE",
        help="Model file(s): Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML "
        "(by extension). Repeat or list several. Default: the bundled samples.",
        show_default=False,
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="DIR|URL",
        help="Directory of a persistent on-disk store (reopened next run), or the URL of a "
        "SPARQL 1.1 store (docs/deployment.md). Default: CXGRAPH_STORE.",
        show_default=False,
    ),
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        metavar="FORMAT",
        help="Parse every --data file in this format "
        "(turtle/ttl, trig, nt/ntriples, nquads, json-ld/jsonld, rdf-xml) instead of by "
        "extension.",
    ),
]
ProfileOption = Annotated[
    ReasoningProfile,
    typer.Option("--profile", help="Reasoner: rules (fast, default) or owlrl (reference)."),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]


def _version(value: bool) -> None:
    if value:
        print(f"cxgraph {__version__}")
        raise typer.Exit()


@dataclass
class _Session:
    """The options every command shares (given anywhere on the command line)."""

    strict: bool = False
    debug: bool = False
    lang: str | None = None
    store_auth_file: Path | None = None


_session = _Session()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 on any warning about the model.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an unexpected error.")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="TAG",
            help="Language of the labels in messages (default: en, then untagged, then any).",
        ),
    ] = None,
    store_auth_file: Annotated[
        Path | None,
        typer.Option(
            "--store-auth-file",
            metavar="FILE",
            help="Credentials of a remote --store: user= and password= lines, or token=.",
        ),
    ] = None,
) -> None:
    """cxgraph command line. --strict, --debug, --lang and --store-auth-file may follow
    any command."""
    _session.strict, _session.debug, _session.lang = strict, debug, lang
    _session.store_auth_file = store_auth_file


def _store_location(store: str | None) -> Path | RemoteLocation | None:
    """The store ``--store`` (or CXGRAPH_STORE) names: a directory or a remote store."""
    from cxgraph.config import store_location

    return store_location(store, _session.store_auth_file)


@contextmanager
def _progress(message: str, quiet: bool) -> Iterator[None]:
    if quiet or not err.is_terminal:
        yield
        return
    with err.status(message):
        yield


def _fail(error: CxGraphError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {error}", highlight=False, markup=True)
    return typer.Exit(2)


def _prefixes(data: Sequence[Path] | None, store: str | None) -> dict[str, str]:
    """The standard prefixes and those the model files declare (the bundled samples'
    when no --data and no store)."""
    files = list(data) if data else (resources.sample_files() if store is None else [])
    return model_prefixes(files)


def _build(
    data: Sequence[Path] | None,
    store: str | None,
    input_format: str | None,
    profile: ReasoningProfile,
    quiet: bool,
) -> KnowledgeGraph:
    fmt = parse_format_name(input_format) if input_format else None
    location = _store_location(store)
    with _progress("Loading, reasoning and detecting gaps…", quiet):
        kg = build_knowledge_graph(
            data,
            store_path=location,
            profile=profile,
            source_format=fmt,
            strict=_session.strict,
            language=_session.lang or "en",
        )
    _warn(kg.warnings)
    return kg


def _warn(warnings: Sequence[Diagnostic]) -> None:
    for warning in warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, markup=True)


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
        kg = _build(data, store, input_format, profile, quiet or output_format != GapFormat.TABLE)
        findings = kg.gaps(rule, severity)
        prefixes = _prefixes(data, store)
        if output_format is GapFormat.HTML:
            from cxgraph.report_html import write_report

            _write_text(write_report(kg, findings, prefixes), output)
        elif output is not None:
            with output.open("w", encoding="utf-8") as handle, redirect_stdout(handle):
                render_findings(findings, output_format, Console(file=handle), prefixes)
        else:
            render_findings(findings, output_format, out, prefixes)
    except CxGraphError as error:
        raise _fail(error) from None
    except OSError as error:
        raise _fail(CxGraphError(f"{output}: cannot write: {error.strerror}")) from None
    if any(f.severity is Severity.ERROR for f in findings):
        raise typer.Exit(1)


def _write_text(text: str, output: Path | None) -> None:
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
        prefixes = _prefixes(data, store)
        kg = _build(data, store, input_format, ReasoningProfile.RULES, quiet)
        iri = expand_focus(focus, prefixes) if focus else None
        chain = read_chain(kg, kg.gaps(), iri)
        picture = render_diagram(chain_dot(chain, prefixes, focus or "Value chain"), fmt)
        if output is None:
            sys.stdout.buffer.write(picture)
        else:
            output.write_bytes(picture)
    except CxGraphError as error:
        raise _fail(error) from None
    except OSError as error:
        raise _fail(CxGraphError(f"{output}: cannot write: {error.strerror}")) from None


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
        raise _fail(CxGraphError(f"unknown format {output_format!r}; use table or json"))
    as_json = as_json or output_format == "json"
    try:
        kg = _build(data, store, input_format, ReasoningProfile.RULES, quiet or as_json)
        with _progress("Validating…", quiet or as_json):
            report = kg.validate()
    except CxGraphError as error:
        raise _fail(error) from None
    render_validation(report, as_json, out, _prefixes(data, store))
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
        kg = _build(data, store, input_format, profile, quiet)
    except CxGraphError as error:
        raise _fail(error) from None
    report = kg.inference
    assert report is not None
    for name, count in sorted(report.added.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{count:8d}  {name}")
    print(
        f"{report.total:8d}  triples inferred by {report.profile.value} in "
        f"{report.rounds} rounds, {report.seconds:.2f} s"
    )
    if output is not None:
        output.write_bytes(kg.export(fmt, [INFERRED_GRAPH], _prefixes(data, store)))


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
            help="table, json, csv, tsv, xml; for CONSTRUCT/DESCRIBE turtle/ttl, "
            "nt/ntriples, json-ld/jsonld.",
        ),
    ] = "table",
    quiet: QuietOption = False,
) -> None:
    """Run a SPARQL query over the reasoned model and its findings."""
    try:
        output_format = parse_result_format(format_name)
        text = _query_text(sparql)
        prefixes = _prefixes(data, store)
        kg = _build(
            data,
            store,
            input_format,
            ReasoningProfile.RULES,
            quiet or output_format is not ResultFormat.TABLE,
        )
        try:
            result = kg.query(text, prefixes=prefixes)
        except QueryError as error:
            raise QueryError(readable_query_error(str(error), text, prefixes)) from None
    except CxGraphError as error:
        raise _fail(error) from None
    problem = render_result(result, output_format, out, prefixes)
    if problem:
        raise _fail(CxGraphError(problem))


def _query_text(arg: str) -> str:
    path = Path(arg)
    if path.suffix in (".rq", ".sparql") and not any(c.isspace() for c in arg):
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
            help="trig, turtle/ttl, nquads, nt/ntriples, json-ld/jsonld, rdf-xml; "
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
        _export_workbook(data, store, input_format, output)
        return
    try:
        fmt = parse_format_name(output_format)
        for name in graph or []:
            if name not in (*_GRAPHS, "data"):
                raise CxGraphError(
                    f"unknown graph {name!r}; choose data, inferred, gaps or ontology"
                )
        kg = _build(data, store, input_format, ReasoningProfile.RULES, True)
    except CxGraphError as error:
        raise _fail(error) from None
    chosen = None
    if graph:
        chosen = [
            g
            for name in graph
            for g in (kg.store.data_graphs() if name == "data" else _GRAPHS[name])
        ]
    payload = kg.export(fmt, chosen, _prefixes(data, store))
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
        kg = _build(data, store, input_format, ReasoningProfile.RULES, quiet)
        violations = run_checks(kg.store)
    except CxGraphError as error:
        raise _fail(error) from None
    prefixes = _prefixes(data, store)
    for v in violations:
        print(f"{v.check}: {compact(v.term, prefixes)}: {v.message}")
    print(f"{len(violations)} violations")
    if violations:
        raise typer.Exit(1)


@app.command()
def serve(
    data: DataOption = None,
    store: StoreOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p")] = 8000,
    profile: ProfileOption = ReasoningProfile.RULES,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help="File holding the write token (or set "
            "CXGRAPH_WRITE_TOKEN). Without a token, writes are off.",
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Public base URL entity IRIs resolve under.")
    ] = None,
    production: Annotated[
        bool, typer.Option("--production", help="No GraphiQL and no GraphQL introspection.")
    ] = False,
) -> None:
    """Serve SPARQL 1.1, GraphQL, linked data and the dashboard over HTTP."""
    from cxgraph.api.app import serve as run_server
    from cxgraph.config import Settings

    try:
        token = token_file.read_text().strip() if token_file else None
        overrides: dict[str, object] = {
            "data": tuple(data) if data else None,
            "store_path": _served_store(store),
            "host": host,
            "port": port,
            "profile": profile,
            "write_token": token,
            "base_url": base_url,
        }
        if production:
            overrides.update(graphiql=False, introspection=False)
        settings = Settings.from_env(None, **overrides)
        for path in settings.data:
            if not path.is_file():
                raise CxGraphError(f"{path}: no such file")
        if _session.strict:  # check the model before serving it (warnings: exit 2)
            build_knowledge_graph(list(settings.data) or None, profile=profile, strict=True)
    except (CxGraphError, OSError) as error:
        raise _fail(CxGraphError(str(error))) from None
    err.print(f"cxgraph {__version__} serving on http://{host}:{port}/", highlight=False)
    run_server(settings)


def _served_store(store: str | None) -> Path | None:
    location = _store_location(store)
    if isinstance(location, RemoteLocation):
        raise InputError(
            "cxgraph serve on a remote store is not supported yet (docs/deployment.md)"
        )
    return location


@app.command("rules")
def list_rules() -> None:
    """List the gap rules with their severity and title."""
    for q in select_rules():
        print(f"{q.name:30s} {q.severity:8s} {q.title}")


# -- spreadsheets and ArchiMate (issue 14) -------------------------------------------------


def _export_workbook(
    data: Sequence[Path] | None, store: str | None, input_format: str | None, output: Path | None
) -> None:
    from cxgraph.model_import import export_workbook

    try:
        if output is None:
            raise InputError("-f xlsx writes a workbook: give the file with -o FILE.xlsx")
        kg = _build(data, store, input_format, ReasoningProfile.RULES, True)
        summary = export_workbook(kg, output)
    except CxGraphError as error:
        raise _fail(error) from None
    rows = sum(summary.rows.values())
    err.print(f"wrote {output}: {rows} rows", highlight=False, markup=False)


@app.command()
def template(
    path: Annotated[Path, typer.Argument(metavar="FILE.xlsx", help="The workbook to write.")],
) -> None:
    """Write an empty CX workbook to fill in: one sheet per kind, a README sheet."""
    from cxgraph.sheets import workbook_layout
    from cxgraph.workbook import write_template

    try:
        write_template(path, workbook_layout())
    except CxGraphError as error:
        raise _fail(error) from None


@app.command("import")
def import_models(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help=".xlsx workbooks, folders of .csv files (one per sheet) or ArchiMate "
            "exchange files (.xml).",
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Default: stdout.")
    ] = None,
    base: Annotated[
        str | None,
        typer.Option("--base", metavar="IRI", help="IRI that local names in id cells go under."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="RDF format written.")
    ] = "turtle",
    store: StoreOption = None,
    provenance: Annotated[
        bool, typer.Option(help="State where each entity came from (PROV-O).")
    ] = True,
    profile: ProfileOption = ReasoningProfile.RULES,
) -> None:
    """Import spreadsheets and ArchiMate models as RDF; with --store, load them (all or
    nothing), reason and detect gaps. Exit 2, nothing imported, on any error."""
    from rich.markup import escape

    from cxgraph.model_import import import_files, load_imported, serialize_triples

    try:
        fmt = parse_format_name(output_format)
        imported = import_files(files, base=base, provenance=provenance)
        for note in (n for f in imported for n in f.notes):
            err.print(f"not imported: {escape(note)}", highlight=False)
        if store is None or output is not None:
            payload = serialize_triples([t for f in imported for t in f.triples], fmt)
            if output is None:
                sys.stdout.buffer.write(payload)
            else:
                output.write_bytes(payload)
        if store is not None:
            kg = load_imported(imported, _store_location(store), profile)
            errors = sum(1 for f in kg.findings if f.severity is Severity.ERROR)
            err.print(
                f"loaded {', '.join(f.name for f in imported)} into {store}: "
                f"{len(kg.findings)} findings, {errors} of error severity "
                f"(cxgraph gaps --store {store})",
                highlight=False,
                markup=False,
            )
    except CxGraphError as error:
        raise _fail(CxGraphError(escape(str(error)))) from None


_VARIADIC = {"--data", "-d"}


def expand_variadic(argv: Sequence[str]) -> list[str]:
    """Let ``--data a.ttl b.ttl`` mean ``--data a.ttl --data b.ttl``: following arguments
    that name RDF files are taken as more data files."""
    result: list[str] = []
    taking = False
    for arg in argv:
        if arg in _VARIADIC:
            taking = False
            result.append(arg)
            continue
        if result and result[-1] in _VARIADIC:
            result.append(arg)
            taking = True
            continue
        if taking and not arg.startswith("-") and is_model_file_name(arg):
            result += ["--data", arg]
            continue
        taking = False
        result.append(arg)
    return result


_SHARED_FLAGS = {"--strict", "--debug"}
_SHARED_VALUED = {"--lang", "--store-auth-file"}


def hoist_shared_options(argv: Sequence[str]) -> list[str]:
    """Move the options every command shares (``--strict``, ``--debug``, ``--lang TAG``)
    in front of the command, so they may be written anywhere."""
    shared: list[str] = []
    rest: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in _SHARED_FLAGS or (arg.split("=", 1)[0] in _SHARED_VALUED and "=" in arg):
            shared.append(arg)
        elif arg in _SHARED_VALUED:
            shared += [arg, next(args, "")]
        else:
            rest.append(arg)
    return [*shared, *rest]


def main() -> None:
    """Console-script entry point. An unexpected error prints one line (``--debug``: the
    traceback) and exits 2; no traceback reaches a user otherwise."""
    argv = hoist_shared_options(expand_variadic(sys.argv[1:]))
    try:
        app(args=argv, prog_name="cxgraph", standalone_mode=True)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        if "--debug" in argv:
            raise
        err.print(
            f"[bold red]error:[/] unexpected {type(error).__name__}: {error}. "
            "This is a bug in cxgraph; rerun with --debug for the traceback and report it.",
            highlight=False,
            markup=True,
        )
        sys.exit(2)


__all__ = ["app", "main"]
