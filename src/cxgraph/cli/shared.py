"""The command-line app and what every command shares: the options, the shared flags
(``--strict``, ``--lang``, ``--debug``, ``--store-auth-file``), building the knowledge graph
with its warnings, and error reporting (exit 2, one line on stderr).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cxgraph import __version__, resources
from cxgraph.cli_help import CxTyper
from cxgraph.diagnostics import Diagnostic
from cxgraph.errors import CxGraphError
from cxgraph.formats import spelled
from cxgraph.pipeline import KnowledgeGraph, build_knowledge_graph
from cxgraph.prefixes import model_prefixes
from cxgraph.profiles import ReasoningProfile, WriteValidation
from cxgraph.sources import parse_format_name
from cxgraph.store import RemoteLocation

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
        help=f"Parse every --data file in this format ({spelled()}) instead of by extension.",
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
    left_to_exit: list[object] | None = None
    """What a command leaves for the end of the process to free, or None to free as usual:
    set by the console script (:func:`cxgraph.cli.entry.console`), which then ends with
    ``os._exit`` rather than free a one-shot graph's store entry by entry (0.7 s after the
    1M dense report is printed). Never set in-process (tests, library use)."""


session = _Session()


def leave_to_exit(value: object) -> None:
    """Keep ``value`` (an in-memory graph nothing writes to) until the process ends, if the
    console script is running (see ``_Session.left_to_exit``)."""
    if session.left_to_exit is not None:
        session.left_to_exit.append(value)


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
    session.strict, session.debug, session.lang = strict, debug, lang
    session.store_auth_file = store_auth_file


def store_location_of(store: str | None) -> Path | RemoteLocation | None:
    """The store ``--store`` (or CXGRAPH_STORE) names: a directory or a remote store."""
    from cxgraph.config import store_location

    return store_location(store, session.store_auth_file)


@contextmanager
def progress(message: str, quiet: bool) -> Iterator[None]:
    if quiet or not err.is_terminal:
        yield
        return
    with err.status(message):
        yield


def fail(error: CxGraphError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {error}", highlight=False, markup=True)
    return typer.Exit(2)


def prefixes_for(data: Sequence[Path] | None, store: str | None) -> dict[str, str]:
    """The standard prefixes and those the model files declare (the bundled samples'
    when no --data and no store)."""
    files = list(data) if data else (resources.sample_files() if store is None else [])
    return model_prefixes(files)


def build_model(
    data: Sequence[Path] | None,
    store: str | None,
    input_format: str | None,
    profile: ReasoningProfile,
    quiet: bool,
    write_validation: WriteValidation = WriteValidation.OFF,
    *,
    one_shot: bool = False,
) -> KnowledgeGraph:
    """The knowledge graph a command reads; ``one_shot`` (ignored with a store, which
    keeps what is inferred) when it only reads the findings."""
    fmt = parse_format_name(input_format) if input_format else None
    location = store_location_of(store)
    with progress("Loading, reasoning and detecting gaps…", quiet):
        kg = build_knowledge_graph(
            data,
            store_path=location,
            profile=profile,
            source_format=fmt,
            strict=session.strict,
            language=session.lang or "en",
            write_validation=write_validation,
            one_shot=one_shot and location is None,
        )
    warn(kg.warnings)
    return kg


def warn(warnings: Sequence[Diagnostic]) -> None:
    for warning in warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, markup=True)
