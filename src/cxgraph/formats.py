"""The formats cxgraph reads and writes, in one table: the RDF serialisations, the SPARQL
query results formats and the HTML page.

Each format has one canonical name (what ``--format``, ``--input-format`` and ``format=``
list), the other names it answers to, its file extensions and its media types (the preferred
first), and pyoxigraph's ``RdfFormat`` or ``QueryResultsFormat`` for it, from which the
title, the preferred media type and the preferred extension come. The CLI (``--format``,
``--input-format``, ``--data`` files by extension) and HTTP (``format=``, ``Accept``,
``Content-Type``, upload file names) look formats up here and nowhere else.

A name is looked up among the formats that fit what is asked for: ``json`` is SPARQL JSON
results for a SELECT and JSON-LD for a graph, ``xml`` and ``application/xml`` are SPARQL XML
results or RDF/XML, on the command line as over HTTP. Within each group no two formats share
a name, an alias, an extension or a media type.

>>> find_format("ntriples").name
'nt'
>>> find_format("json", GRAPH_FORMATS) is JSONLD
True
>>> format_for_extension(".owl") is RDFXML
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pyoxigraph as ox

from cxgraph.errors import InputError


@dataclass(frozen=True)
class Format:
    """One serialisation: its canonical name, the other names it answers to, file
    extensions (without the dot) and media types, the preferred first of each."""

    name: str
    title: str
    media_types: tuple[str, ...]
    extensions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    dataset: bool = False
    """Whether it holds a dataset (named graphs: TriG, N-Quads), not one graph."""
    iri: str | None = None
    """Its IRI in the W3C's formats namespace (a service description names it so)."""

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name, then the aliases."""
        return (self.name, *self.aliases)

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def content_type(self) -> str:
        """The preferred media type as a Content-Type header (text with its charset)."""
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("json", "xml", "n-triples", "n-quads", "trig")
        )
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type

    def sent_as(self, media_type: str) -> Format:
        """This format with ``media_type`` (one of its own) as the one to send."""
        others = tuple(m for m in self.media_types if m != media_type)
        return replace(self, media_types=(media_type, *others))

    def same(self, other: Format) -> bool:
        """Whether ``other`` is this format, whichever media type either is sent as."""
        return self.name == other.name

    def __reduce__(self) -> tuple[Callable[[str, str], Format], tuple[str, str]]:
        """Pickled by name (pyoxigraph's format objects do not pickle): a worker process
        gets the table's record back, sent as the same media type."""
        return (_unpickled, (self.name, self.media_type))


def _unpickled(name: str, media_type: str) -> Format:
    fmt = next(f for f in FORMATS if f.name == name)
    return fmt if media_type == fmt.media_type else fmt.sent_as(media_type)


def _media(media_type: str) -> str:
    return media_type.split(";")[0].strip().lower()


def _rdf(
    name: str,
    rdf: ox.RdfFormat,
    *,
    aliases: tuple[str, ...] = (),
    media_types: tuple[str, ...] = (),
    extensions: tuple[str, ...] = (),
    dataset: bool = False,
    iri: str | None = None,
) -> Format:
    return Format(
        name,
        rdf.name,
        (_media(rdf.media_type), *media_types),
        (rdf.file_extension, *extensions),
        aliases,
        rdf=rdf,
        dataset=dataset,
        iri=iri or rdf.iri,
    )


def _results(
    name: str,
    results: ox.QueryResultsFormat,
    *,
    media_types: tuple[str, ...] = (),
) -> Format:
    return Format(
        name,
        results.name,
        (_media(results.media_type), *media_types),
        (results.file_extension,),
        results=results,
        iri=results.iri,
    )


W3C_FORMATS = "http://www.w3.org/ns/formats/"

# -- the table -------------------------------------------------------------------------------

TURTLE = _rdf(
    "turtle",
    ox.RdfFormat.TURTLE,
    aliases=("ttl",),
    media_types=("application/x-turtle",),
    extensions=("turtle",),
)
TRIG = _rdf("trig", ox.RdfFormat.TRIG, dataset=True)
NTRIPLES = _rdf(
    "nt",
    ox.RdfFormat.N_TRIPLES,
    aliases=("ntriples", "n-triples"),
    media_types=("text/plain",),
    extensions=("ntriples",),
)
NQUADS = _rdf(
    "nquads",
    ox.RdfFormat.N_QUADS,
    aliases=("nq", "n-quads"),
    extensions=("nquads",),
    dataset=True,
)
JSONLD = _rdf(
    "json-ld",
    ox.RdfFormat.JSON_LD,
    aliases=("jsonld", "json"),
    extensions=("json-ld", "json"),
    iri=W3C_FORMATS + "JSON-LD",  # pyoxigraph's is https://www.w3.org/ns/formats/data/JSON-LD
)
RDFXML = _rdf(
    "rdf-xml",
    ox.RdfFormat.RDF_XML,
    aliases=("rdfxml", "rdf", "xml"),
    media_types=("application/xml", "text/xml"),
    extensions=("owl", "xml"),
)

JSON = _results("json", ox.QueryResultsFormat.JSON, media_types=("application/json",))
XML = _results("xml", ox.QueryResultsFormat.XML, media_types=("application/xml", "text/xml"))
CSV = _results("csv", ox.QueryResultsFormat.CSV)
TSV = _results("tsv", ox.QueryResultsFormat.TSV)

HTML = Format("html", "HTML", ("text/html",), ("html", "htm"))

# The groups formats are looked up in, each in order of preference (over HTTP the first is
# what ``*/*`` or no Accept at all gets).
RDF_FORMATS = (TURTLE, TRIG, NTRIPLES, NQUADS, JSONLD, RDFXML)
GRAPH_FORMATS = tuple(f for f in RDF_FORMATS if not f.dataset)
DATASET_FORMATS = tuple(f for f in RDF_FORMATS if f.dataset)
SOLUTIONS_FORMATS = (JSON, XML, CSV, TSV)
BOOLEAN_FORMATS = (JSON, XML)
FORMATS = (*RDF_FORMATS, *SOLUTIONS_FORMATS, HTML)


# -- lookups ---------------------------------------------------------------------------------


def choices(among: Sequence[Format]) -> str:
    """The canonical names of ``among``, as error messages list them."""
    return ", ".join(f.name for f in among)


def spelled(among: Sequence[Format] = RDF_FORMATS) -> str:
    """The names ``--help`` shows: each canonical name with its first alias.

    >>> spelled(GRAPH_FORMATS)
    'turtle/ttl, nt/ntriples, json-ld/jsonld, rdf-xml/rdfxml'
    """
    return ", ".join("/".join(f.names[:2]) for f in among)


def listed(among: Sequence[Format] = RDF_FORMATS) -> str:
    """The formats of ``among`` by title and preferred media type, for a 415 answer.

    >>> listed(GRAPH_FORMATS[:2])
    'Turtle (text/turtle), N-Triples (application/n-triples)'
    """
    return ", ".join(f"{f.title} ({f.media_type})" for f in among)


def find_format(name: str, among: Sequence[Format] = RDF_FORMATS, what: str = "") -> Format:
    """The format of ``among`` with this name, alias or media type (case and surrounding
    blanks ignored), or an InputError naming the choices. A canonical name wins over
    another format's alias (``json`` among JSON results and JSON-LD is JSON results).
    ``what`` says what the format is for, in the error message (``"SELECT results"``).

    >>> find_format("TTL") is TURTLE
    True
    >>> find_format("yaml", SOLUTIONS_FORMATS)
    Traceback (most recent call last):
    ...
    cxgraph.errors.InputError: unknown format 'yaml'; choose one of json, xml, csv, tsv
    """
    found = format_named(name, among)
    if found is None:
        where = f" for {what}" if what else ""
        raise InputError(f"unknown format {name!r}{where}; choose one of {choices(among)}")
    return found


def format_named(name: str, among: Sequence[Format] = RDF_FORMATS) -> Format | None:
    """The format of ``among`` with this name, alias or media type, as
    :func:`find_format` finds it, or None."""
    key = name.strip().lower()
    for fmt in among:
        if key == fmt.name:
            return fmt
    for fmt in among:
        if key in fmt.aliases or key in fmt.media_types:
            return fmt
    return None


def format_for_extension(suffix: str, among: Sequence[Format] = RDF_FORMATS) -> Format | None:
    """The format of ``among`` a file extension (``.ttl``, ``ttl``, any case) says, or
    None."""
    key = suffix.lower().removeprefix(".")
    return next((f for f in among if key in f.extensions), None)


def format_for_media_type(media_type: str, among: Sequence[Format] = RDF_FORMATS) -> Format | None:
    """The format of ``among`` a media type (a Content-Type header: parameters are
    ignored) says, or None."""
    key = _media(media_type)
    return next((f for f in among if key in f.media_types), None)


def extensions(among: Sequence[Format] = RDF_FORMATS) -> list[str]:
    """Every extension of ``among``, with its dot, as error messages list them."""
    return [f".{e}" for f in among for e in f.extensions]
