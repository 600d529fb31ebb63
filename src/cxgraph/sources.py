"""Model files: format detection and safe parsing, the first step of the data flow.

The store of record has pyoxigraph parse each source straight into it, in one transaction
(``Store.load_sources`` keeps a batch all-or-nothing). Nothing is fetched while parsing:
pyoxigraph resolves no remote JSON-LD context, and RDF/XML with DOCTYPE or ENTITY
declarations is refused outright (entity expansion is a denial-of-service vector). So is a
document nesting deeper than ``MAX_NESTING`` (collections, blank nodes, triple terms, JSON
objects and arrays, XML elements): pyoxigraph's parsers recurse on nesting and overflow
the stack, which kills the process, at about 3,200 levels of JSON-LD, 5,000-20,000 of
Turtle triple terms and 49,000 of RDF/XML elements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from itertools import accumulate, repeat
from operator import sub
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from cxgraph import formats
from cxgraph.errors import InputError
from cxgraph.formats import Format
from cxgraph.namespaces import DATA_GRAPH_PREFIX, GRAPH_PREFIX

if TYPE_CHECKING:
    from cxgraph.store.backend import StoreBackend


class SourceFormat(Enum):
    """The RDF serialisations cxgraph reads and writes: the RDF formats of
    :mod:`cxgraph.formats`, each valued by its canonical name."""

    TURTLE = formats.TURTLE.name
    TRIG = formats.TRIG.name
    NTRIPLES = formats.NTRIPLES.name
    NQUADS = formats.NQUADS.name
    JSONLD = formats.JSONLD.name
    RDFXML = formats.RDFXML.name

    @classmethod
    def of(cls, fmt: Format) -> SourceFormat:
        """The member for an RDF format of the table."""
        return cls(fmt.name)

    @property
    def record(self) -> Format:
        """This format's record in :mod:`cxgraph.formats`."""
        return _RECORDS[self.value]

    @property
    def rdf_format(self) -> ox.RdfFormat:
        rdf = self.record.rdf
        assert rdf is not None
        return rdf

    @property
    def is_dataset(self) -> bool:
        return self.record.dataset


_RECORDS = {f.name: f for f in formats.RDF_FORMATS}

_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_NESTING = 128
# What holds no structure in the Turtle family: strings, IRIs, escapes and comments, read
# as the grammar reads them, so that no bracket is hidden from the count.
_TURTLE_OPAQUE = re.compile(
    rb'"""(?:"{0,2}(?:[^"\\]|\\.))*"""'
    rb"|'''(?:'{0,2}(?:[^'\\]|\\.))*'''"
    rb'|"(?:[^"\\\n\r]|\\.)*"'
    rb"|'(?:[^'\\\n\r]|\\.)*'"
    rb'|<[^<>"{}|^`\x00-\x20]*>'
    rb"|\\."
    rb"|#[^\n\r]*",
    re.DOTALL,
)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_XML_OPAQUE = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)
_XML_TAG = re.compile(rb"""<(/?)(?:[^<>"']|"[^"<]*"|'[^'<]*')*>""")  # no < in a value
# Brackets as steps: an opening one counts 2, a closing one 0; minus 1 each: +1 and -1.
_BRACKET_STEPS = bytes.maketrans(b"{([<})]>", b"\x02\x02\x02\x02\x00\x00\x00\x00")


def format_names() -> list[str]:
    return [f.value for f in SourceFormat]


def parse_format_name(name: str) -> SourceFormat:
    """The format with this name, alias or media type (``ttl``, ``ntriples``, ``jsonld``,
    ``text/turtle``...), as given to ``--format``, or an InputError listing them."""
    return SourceFormat.of(formats.find_format(name, formats.RDF_FORMATS))


def is_model_file_name(name: str) -> bool:
    """Whether a file name has an extension cxgraph reads as RDF."""
    return formats.format_for_extension(Path(name).suffix, formats.RDF_FORMATS) is not None


def format_for_path(path: Path) -> SourceFormat:
    """The format a file's extension says, or an InputError naming the file."""
    fmt = formats.format_for_extension(path.suffix, formats.RDF_FORMATS)
    if fmt is None:
        raise InputError(
            f"cannot tell the RDF format from the extension {path.suffix or '(none)'!r}; "
            f"use one of {', '.join(sorted(formats.extensions(formats.RDF_FORMATS)))} "
            "or pass --format",
            file=path,
        )
    return SourceFormat.of(fmt)


def format_for_media_type(media_type: str) -> SourceFormat | None:
    """The RDF format a Content-Type says (parameters ignored), or None."""
    fmt = formats.format_for_media_type(media_type, formats.RDF_FORMATS)
    return None if fmt is None else SourceFormat.of(fmt)


def graph_for_source(name: str) -> ox.NamedNode:
    """The data graph a source's default-graph triples go into."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return ox.NamedNode(DATA_GRAPH_PREFIX + safe)


@dataclass(frozen=True)
class Source:
    """RDF content with a name (a file path, an upload) and a format."""

    name: str
    content: bytes
    format: SourceFormat
    base_iri: str | None = None

    @classmethod
    def from_path(cls, path: Path, fmt: SourceFormat | None = None) -> Source:
        fmt = fmt or format_for_path(path)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise InputError("no such file", file=path) from None
        except IsADirectoryError:
            raise InputError("is a directory, not a model file", file=path) from None
        except OSError as err:
            raise InputError(f"cannot read: {err.strerror}", file=path) from None
        return cls(str(path), content, fmt, path.resolve().as_uri())


def parse_into(store: StoreBackend, source: Source, graph: ox.NamedNode | None = None) -> None:
    """Parse ``source`` into ``store``: triples into ``graph`` (default: the source's data
    graph); a dataset's named graphs keep their names. Raises InputError with file, line
    and column on any syntax error, refused construct or reserved graph name."""
    target = graph or graph_for_source(Path(source.name).stem)
    check_source(source)
    before = set(store.named_graphs())
    _load(store, source, target)
    new_graphs = set(store.named_graphs()) - before
    for g in new_graphs:
        if g != target and isinstance(g, ox.NamedNode) and _reserved(g):
            raise InputError(
                f"graph name {g.value} is refused: names under {GRAPH_PREFIX} are cxgraph's own",
                file=source.name,
            )
    _name_blank_graphs(store, [g for g in new_graphs if isinstance(g, ox.BlankNode)], target)


def _reserved(graph: ox.NamedNode) -> bool:
    """Graph names cxgraph keeps for itself: everything under ``urn:cxgraph:graph:`` but
    the data graphs, which load back as they were exported."""
    return graph.value.startswith(GRAPH_PREFIX) and not graph.value.startswith(DATA_GRAPH_PREFIX)


def _name_blank_graphs(
    store: StoreBackend, graphs: list[ox.BlankNode], target: ox.NamedNode
) -> None:
    """Give graphs named by a blank node (TriG ``_:g { }``) an IRI under the source's data
    graph, ``<data graph>:blank-<n>``, so that they are reasoned over, queried and replaced
    on reload like every other graph. A blank node's label is local to its file, so the
    graph keeps no other name; ``n`` follows the graphs' contents, not the parser's labels."""

    def order(graph: ox.BlankNode) -> tuple[int, str]:
        quads = list(store.quads_for_pattern(None, None, None, graph))
        return (len(quads), "\n".join(sorted(str(q.triple) for q in quads)))

    for n, graph in enumerate(sorted(graphs, key=order), start=1):
        name = ox.NamedNode(f"{target.value}:blank-{n}")
        quads = list(store.quads_for_pattern(None, None, None, graph))
        store.remove_graph(graph)
        store.extend(ox.Quad(q.subject, q.predicate, q.object, name) for q in quads)


def check_source(source: Source) -> None:
    """Refuse what must not reach a parser: RDF/XML with DOCTYPE or ENTITY declarations and
    documents nesting deeper than ``MAX_NESTING``. Raises InputError naming the file."""
    if source.format is SourceFormat.RDFXML and _DTD.search(source.content):
        raise InputError(
            "RDF/XML with DOCTYPE or ENTITY declarations is refused (entity expansion)",
            file=source.name,
        )
    if nesting_depth(source.content, source.format) > MAX_NESTING:
        raise InputError(
            f"the document nests deeper than {MAX_NESTING} levels (collections, blank "
            "nodes, triple terms, JSON objects or XML elements); flatten it",
            file=source.name,
        )


def load_triples(store: StoreBackend, source: Source, graph: ox.NamedNode) -> None:
    """Parse a triple-format source (not TriG or N-Quads) straight into ``graph`` of
    ``store``, in one transaction: on a syntax error nothing is written. Raises InputError
    with file, line and column, or for a construct :func:`check_source` refuses."""
    if source.format.is_dataset:
        raise ValueError(f"{source.name}: a dataset has graphs of its own; use parse_into")
    check_source(source)
    _load(store, source, graph)


def _load(store: StoreBackend, source: Source, graph: ox.NamedNode) -> None:
    """pyoxigraph parses ``source`` into ``graph`` (a dataset's own graphs keep their
    names), in one transaction; its errors become InputErrors naming file and line."""
    try:
        store.load(
            source.content, source.format.rdf_format, base_iri=source.base_iri, to_graph=graph
        )
    except SyntaxError as err:
        raise _input_error(err, source) from None
    except ValueError as err:
        raise InputError(f"invalid RDF: {err}", file=source.name) from None
    except MemoryError as err:  # pyoxigraph: a term over its 16 MiB token buffer
        raise InputError(f"too large to parse: {err}", file=source.name) from None


def nesting_depth(content: bytes, fmt: SourceFormat) -> int:
    """How deep a document's structure nests: brackets (``[ ( {`` and ``<< >>``) outside
    strings, IRIs and comments in the Turtle family, objects and arrays in JSON-LD,
    elements in RDF/XML. Linear time. A document the parser would reject anyway may be
    counted loosely. N-Triples and N-Quads nest only in triple terms (``<<``): without
    one they are not scanned at all."""
    if fmt in (SourceFormat.NTRIPLES, SourceFormat.NQUADS) and b"<<" not in content:
        return 0
    if fmt is SourceFormat.RDFXML:
        return _element_depth(_XML_OPAQUE.sub(b"", content))
    if fmt is SourceFormat.JSONLD:
        brackets = re.sub(rb"[^\[\]{}]+", b"", _JSON_STRING.sub(b"", content))
    else:
        text = _TURTLE_OPAQUE.sub(b" ", content)
        text = text.replace(b"<<", b"<").replace(b">>", b">")  # a triple term: one level
        brackets = re.sub(rb"[^\[\](){}<>]+", b"", text)
    steps = brackets.translate(_BRACKET_STEPS)
    return max(0, max(accumulate(map(sub, steps, repeat(1))), default=0))


def _element_depth(content: bytes) -> int:
    depth = deepest = 0
    for tag in _XML_TAG.finditer(content):
        if tag.group(1):
            depth -= 1
        elif not tag.group().endswith(b"/>"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    break
    return deepest


def _input_error(err: SyntaxError, source: Source) -> InputError:
    message = str(err.args[0]) if err.args else str(err)
    if "LoadDocumentCallback" in message:
        message = "remote JSON-LD contexts are not fetched; inline the @context"
    line = err.lineno if isinstance(err.lineno, int) and err.lineno > 0 else None
    column = err.offset if isinstance(err.offset, int) and err.offset > 0 else None
    return InputError(message, file=source.name, line=line, column=column)
