"""The one table of formats: every name, alias, extension and media type resolves to the
same record on the command line and over HTTP, unknown names are refused with the choices,
and ``cxgraph export``/``cxgraph query`` take the same names as the Graph Store and the
SPARQL endpoint."""

from __future__ import annotations

import doctest
import pickle
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxgraph import formats
from cxgraph.api import create_app
from cxgraph.api.protocol import OFFERS, Answer, Wants, choose_format, negotiate
from cxgraph.cli import app
from cxgraph.config import Settings
from cxgraph.errors import InputError
from cxgraph.formats import (
    DATASET_FORMATS,
    GRAPH_FORMATS,
    HTML,
    RDF_FORMATS,
    SOLUTIONS_FORMATS,
    Format,
)
from cxgraph.prefixes import model_prefixes
from cxgraph.reports import parse_result_format
from cxgraph.sources import (
    SourceFormat,
    format_for_media_type,
    format_for_path,
    is_model_file_name,
    parse_format_name,
)
from tests.conftest import GAP_FIXTURES

TRIGGER = GAP_FIXTURES / "unmet-need" / "trigger.ttl"
TRIGGER_GRAPH = "urn:cxgraph:graph:data:trigger"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
runner = CliRunner()

# Every group formats are looked up in, by the CLI or by a route.
GROUPS: dict[str, Sequence[Format]] = {
    "rdf (--format, --input-format, --data, uploads)": RDF_FORMATS,
    "graph store ?graph=": (*GRAPH_FORMATS, *DATASET_FORMATS),
    "linked data and service description": (*GRAPH_FORMATS, HTML),
    **{f"/sparql {answer.value}": offered for answer, offered in OFFERS.items()},
}


def names_of(fmt: Format) -> tuple[str, ...]:
    """Everything ``--format`` and ``format=`` take for ``fmt``."""
    return (*fmt.names, *fmt.media_types)


def every_name(among: Sequence[Format]) -> list[object]:
    """``(name, format)`` parameters, one per name of each format of ``among``."""
    return [
        pytest.param(name, fmt, id=f"{fmt.name}:{name}") for fmt in among for name in names_of(fmt)
    ]


RDF_NAMES = every_name(RDF_FORMATS)
RESULT_NAMES = every_name(SOLUTIONS_FORMATS)


def http_choice(name: str, offered: Sequence[Format]) -> Format:
    return choose_format(Wants(None, (name,)), offered, "a test")


# -- the table -------------------------------------------------------------------------------


def test_the_doctests_hold() -> None:
    assert doctest.testmod(formats).failed == 0


@pytest.mark.parametrize("group", GROUPS)
def test_no_two_formats_of_a_group_share_a_name_extension_or_media_type(group: str) -> None:
    among = GROUPS[group]
    for key in (
        lambda f: f.names,
        lambda f: f.media_types,
        lambda f: f.extensions,
    ):
        seen = [k for f in among for k in key(f)]
        assert len(seen) == len(set(seen)), (group, seen)
    canonical = {f.name for f in among}
    aliases = {a for f in among for a in f.aliases}
    assert not canonical & aliases, group


def test_the_table_agrees_with_pyoxigraph() -> None:
    for fmt in formats.FORMATS:
        assert fmt.name == fmt.name.strip().lower()
        assert all(n == n.lower() for n in names_of(fmt))
        spec = fmt.rdf or fmt.results
        if spec is None:
            continue
        assert fmt.title == spec.name
        assert fmt.media_type == spec.media_type.split(";")[0]
        assert fmt.extension == spec.file_extension
        assert fmt.iri is not None and fmt.iri.startswith(formats.W3C_FORMATS)
        assert fmt.iri == spec.iri or fmt is formats.JSONLD
    for fmt in RDF_FORMATS:
        assert fmt.rdf is not None and fmt.results is None
        assert fmt.dataset == (fmt.rdf in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS))
        for media_type in fmt.media_types:
            assert ox.RdfFormat.from_media_type(media_type) == fmt.rdf
    for fmt in SOLUTIONS_FORMATS:
        assert fmt.results is not None and fmt.rdf is None


def test_formats_pickle_as_the_records_of_the_table() -> None:
    for fmt in formats.FORMATS:
        assert pickle.loads(pickle.dumps(fmt)) is fmt
        for media_type in fmt.media_types:
            sent = fmt.sent_as(media_type)
            assert pickle.loads(pickle.dumps(sent)) == sent


def test_source_formats_are_the_rdf_formats_of_the_table() -> None:
    assert [f.value for f in SourceFormat] == [f.name for f in RDF_FORMATS]
    for member, fmt in zip(SourceFormat, RDF_FORMATS, strict=True):
        assert member.record is fmt
        assert SourceFormat.of(fmt) is member
        assert member.rdf_format == fmt.rdf
        assert member.is_dataset == fmt.dataset


# -- one record, whichever way it is looked up -------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), RDF_NAMES)
def test_an_rdf_name_means_one_format_on_the_cli_and_over_http(name: str, fmt: Format) -> None:
    for spelled in (name, name.upper(), f" {name} "):
        assert formats.find_format(spelled) is fmt
        assert parse_format_name(spelled).record is fmt
    assert http_choice(name, GROUPS["graph store ?graph="]).same(fmt)
    offers = OFFERS[Answer.DATASET if fmt.dataset else Answer.GRAPH]
    assert http_choice(name, offers).same(fmt)
    if name in fmt.media_types:
        assert http_choice(name, offers).media_type == name  # sent as asked
        negotiated = negotiate(name, offers)
        assert negotiated is not None and negotiated.same(fmt)
        assert format_for_media_type(f"{name}; charset=utf-8") is SourceFormat.of(fmt)


@pytest.mark.parametrize(("name", "fmt"), RESULT_NAMES)
def test_a_result_name_means_one_format_on_the_cli_and_over_http(name: str, fmt: Format) -> None:
    assert parse_result_format(name).solutions is fmt
    assert http_choice(name, OFFERS[Answer.SOLUTIONS]).same(fmt)
    if fmt in OFFERS[Answer.BOOLEAN]:
        assert http_choice(name, OFFERS[Answer.BOOLEAN]).same(fmt)


@pytest.mark.parametrize(("name", "fmt"), every_name(GRAPH_FORMATS))
def test_a_graph_name_means_one_format_for_cli_queries_and_http(name: str, fmt: Format) -> None:
    assert parse_result_format(name).graph is fmt
    assert http_choice(name, OFFERS[Answer.GRAPH]).same(fmt)


def test_json_and_xml_depend_on_the_answer_as_over_http() -> None:
    for name, solutions, graph in (
        ("json", formats.JSON, formats.JSONLD),
        ("xml", formats.XML, formats.RDFXML),
        ("application/xml", formats.XML, formats.RDFXML),
    ):
        chosen = parse_result_format(name)
        assert (chosen.solutions, chosen.graph) == (solutions, graph)
        assert http_choice(name, OFFERS[Answer.SOLUTIONS]).same(solutions)
        assert http_choice(name, OFFERS[Answer.GRAPH]).same(graph)
    assert formats.find_format("json") is formats.JSONLD  # among the RDF formats


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_extensions_name_the_same_format_for_files_and_uploads(fmt: Format) -> None:
    for extension in fmt.extensions:
        for spelled in (extension, extension.upper()):
            assert formats.format_for_extension(f".{spelled}") is fmt
            assert format_for_path(Path(f"model.{spelled}")) is SourceFormat.of(fmt)
            assert is_model_file_name(f"model.{spelled}")


def test_old_spellings_keep_working() -> None:
    old = {
        "turtle": "turtle",
        "ttl": "turtle",
        "nt": "nt",
        "ntriples": "nt",
        "n-triples": "nt",
        "nquads": "nquads",
        "nq": "nquads",
        "n-quads": "nquads",
        "json-ld": "json-ld",
        "jsonld": "json-ld",
        "rdf-xml": "rdf-xml",
        "rdfxml": "rdf-xml",
        "rdf": "rdf-xml",
        "xml": "rdf-xml",
        "trig": "trig",
    }
    for name, canonical in old.items():
        assert parse_format_name(name).value == canonical
        assert http_choice(name, GROUPS["graph store ?graph="]).name == canonical


# -- unknown names ---------------------------------------------------------------------------


def test_unknown_names_are_refused_with_the_choices() -> None:
    with pytest.raises(InputError) as rdf:
        parse_format_name("yaml")
    assert str(rdf.value) == (
        "unknown format 'yaml'; choose one of turtle, trig, nt, nquads, json-ld, rdf-xml"
    )
    with pytest.raises(InputError) as result:
        parse_result_format("yaml")
    assert "choose one of table, json, xml, csv, tsv, turtle, nt, json-ld, rdf-xml" in str(
        result.value
    )
    with pytest.raises(InputError, match=r"\.ttl.*or pass --format"):
        format_for_path(Path("model.docx"))
    assert format_for_media_type("application/pdf") is None
    assert not is_model_file_name("model.docx")


# -- the command line and the endpoints take the same names ------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data=(TRIGGER,)))) as test_client:
        yield test_client


def parsed(content: bytes, fmt: Format) -> set[ox.Triple]:
    assert fmt.rdf is not None
    return {q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(content, format=fmt.rdf)}


@pytest.mark.parametrize(("name", "fmt"), RDF_NAMES)
def test_export_and_the_graph_store_take_the_same_names(
    client: TestClient, tmp_path: Path, name: str, fmt: Format
) -> None:
    out = tmp_path / "out"
    cli = runner.invoke(
        app, ["export", "--data", str(TRIGGER), "-g", "data", "-f", name, "-o", str(out)]
    )
    assert cli.exit_code == 0, cli.stderr
    http = client.get("/rdf-graphs/service", params={"graph": TRIGGER_GRAPH, "format": name})
    assert http.status_code == 200, http.text
    assert http.headers["content-type"].split(";")[0] in fmt.media_types
    from_cli = parsed(out.read_bytes(), fmt)
    assert from_cli == parsed(http.content, fmt)
    assert len(from_cli) > 5


def rows(content: bytes, fmt: ox.QueryResultsFormat) -> set[tuple[str, ...]]:
    if fmt == ox.QueryResultsFormat.CSV:  # lossy: pyoxigraph does not read it back
        return {tuple(line.split(",")) for line in content.decode().splitlines()[1:]}
    solutions = ox.parse_query_results(content, format=fmt)
    assert isinstance(solutions, ox.QuerySolutions)
    return {tuple(str(term) for term in row) for row in solutions}


@pytest.mark.parametrize(("name", "fmt"), [*RESULT_NAMES, *every_name(GRAPH_FORMATS)])
def test_query_and_the_sparql_endpoint_take_the_same_names(
    client: TestClient, name: str, fmt: Format
) -> None:
    text = (
        "CONSTRUCT WHERE { ?p cx:hasNeed ?n }"
        if fmt.rdf
        else "SELECT ?p ?n WHERE { ?p cx:hasNeed ?n }"
    )
    cli = runner.invoke(app, ["query", "--data", str(TRIGGER), "-f", name, text])
    assert cli.exit_code == 0, cli.stderr
    prefixes = "PREFIX cx: <https://w3id.org/cxgraph#>\n"
    http = client.get("/sparql", params={"query": prefixes + text, "format": name})
    assert http.status_code == 200, http.text
    assert http.headers["content-type"].split(";")[0] in fmt.media_types
    if fmt.rdf:
        assert parsed(cli.stdout.encode(), fmt) == parsed(http.content, fmt)
    else:
        assert fmt.results is not None
        assert rows(cli.stdout.encode(), fmt.results) == rows(http.content, fmt.results)
        assert len(rows(http.content, fmt.results)) == 2


@pytest.mark.parametrize("name", ["yaml", "xlsx2", "text/html"])
def test_the_cli_and_the_endpoints_refuse_the_same_unknown_names(
    client: TestClient, name: str
) -> None:
    cli = runner.invoke(app, ["export", "--data", str(TRIGGER), "-f", name])
    assert cli.exit_code == 2
    assert "choose one of turtle, trig, nt, nquads, json-ld, rdf-xml" in cli.stderr
    http = client.get("/rdf-graphs/service", params={"graph": TRIGGER_GRAPH, "format": name})
    assert http.status_code == 400
    assert http.json()["error"] == "unknown_format"
    assert "choose one of turtle, nt, json-ld, rdf-xml, trig, nquads" in http.json()["message"]


def test_declared_prefixes_are_read_as_the_extension_says(tmp_path: Path) -> None:
    namespace = "https://example.org/x#"
    documents = {
        formats.JSONLD: f'{{"@context": {{"ex": "{namespace}"}}, "@id": "ex:a"}}',
        formats.RDFXML: f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="{namespace}"/>',
        formats.TURTLE: f"@prefix ex: <{namespace}> .",
    }
    for fmt, text in documents.items():
        for extension in fmt.extensions:
            path = tmp_path / f"model.{extension}"
            path.write_text(text)
            assert model_prefixes([path]).get("ex") == namespace, extension


@pytest.mark.parametrize(
    ("name", "fmt"),
    [pytest.param(m, f, id=m) for f in RDF_FORMATS for m in f.media_types],
)
def test_uploads_are_read_in_the_format_their_media_type_names(name: str, fmt: Format) -> None:
    assert fmt.rdf is not None
    triples = list(ox.parse(TRIGGER.read_bytes(), format=ox.RdfFormat.TURTLE))
    body = ox.serialize(triples, format=fmt.rdf) or b""
    token = "format-token"
    with TestClient(create_app(Settings(data=(TRIGGER,), write_token=token))) as writer:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": name}
        response = writer.post("/upload?name=upload", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["triples"] == len(triples)
