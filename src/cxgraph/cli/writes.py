"""``cxgraph update``: one SPARQL 1.1 update applied to a model, through the library's
write API (:meth:`cxgraph.pipeline.KnowledgeGraph.update`), as the HTTP endpoint applies
it: all or nothing, only data graphs written, the inferred graph and the findings brought
up to date before it returns. Meant for a persistent or remote ``--store``, which must hold
a model already (nothing is loaded into it, and a refused update leaves it exactly as it
was); without one the update applies to the in-memory model of ``--data`` (or the samples)
and only the summary is kept.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cxgraph.cli.model import query_text
from cxgraph.cli.shared import (
    DataOption,
    FormatOption,
    ProfileOption,
    QuietOption,
    StoreOption,
    app,
    build_model,
    fail,
    out,
    session,
    store_location_of,
)
from cxgraph.errors import CxGraphError, InputError
from cxgraph.pipeline import open_knowledge_graph
from cxgraph.profiles import ReasoningProfile, WriteValidation


@app.command()
def update(
    sparql: Annotated[
        str,
        typer.Argument(
            metavar="UPDATE",
            help="SPARQL 1.1 Update text or a .ru/.rq file. The model's prefixes (cx:, "
            "rdf:, rdfs:, owl:, xsd:, skos:...) need no PREFIX line. Triples inserted "
            "without a GRAPH go to urn:cxgraph:graph:data:updates.",
        ),
    ],
    data: DataOption = None,
    store: StoreOption = None,
    input_format: FormatOption = None,
    profile: ProfileOption = ReasoningProfile.RULES,
    validation: Annotated[
        WriteValidation,
        typer.Option(
            "--validation",
            help="An update breaking the SHACL shapes: refuse it (exit 2, store unchanged), "
            "report the violations, or do not check (the default; validation reads the "
            "whole model).",
        ),
    ] = WriteValidation.OFF,
    base_iri: Annotated[
        str | None,
        typer.Option("--base", metavar="IRI", help="Base IRI of relative IRIs in the update."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Apply a SPARQL update to the model in --store; print what changed as JSON."""
    try:
        text = query_text(sparql, (".ru", ".rq", ".sparql"))
        location = store_location_of(store)
        if location is None:
            kg = build_model(data, store, input_format, profile, quiet, validation)
        elif data:
            raise InputError(
                "--data and --store: load files into the store first (cxgraph gaps --store "
                "... --data FILE), then update it"
            )
        else:
            kg = open_knowledge_graph(
                location,
                profile=profile,
                language=session.lang or "en",
                write_validation=validation,
            )
        before = len(kg.findings)
        summary = kg.update(text, base_iri=base_iri)
    except CxGraphError as error:
        raise fail(error) from None
    out.print_json(json.dumps({**summary, "findings_before": before}), highlight=False)
