"""XML from outside, read safely: ArchiMate exchange files and the parts of a workbook.

The standard library's expat parser is used directly, with a handler that refuses any
DOCTYPE or ENTITY declaration whatever the document's encoding (entity expansion is a
denial-of-service vector, external entities read files), and a cap on element nesting.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import IO, NoReturn
from xml.parsers import expat

from cxgraph.errors import InputError

MAX_DEPTH = 128
_CHUNK = 1 << 20


class _Refused(Exception):
    pass


def _refuse(*_: object) -> NoReturn:
    raise _Refused("XML with DOCTYPE or ENTITY declarations is refused (entity expansion)")


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def check_xml(stream: IO[bytes], name: str) -> None:
    """Read an XML document through expat, refusing DTDs; raise InputError naming ``name``."""
    parser = _parser()
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused as err:
        raise InputError(str(err), file=name) from None
    except expat.ExpatError as err:
        raise InputError(f"not well-formed XML: {err}", file=name) from None


def parse_xml(content: bytes, name: str) -> ET.Element:
    """The root element of an XML document, tags in ``{namespace}local`` form.

    Raises InputError (file, line) on malformed XML, DOCTYPE/ENTITY declarations or nesting
    deeper than ``MAX_DEPTH``."""
    parser = _parser()
    builder = ET.TreeBuilder()
    depth = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused(f"elements nest deeper than {MAX_DEPTH} levels")
        builder.start(_clark(tag), {_clark(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_clark(tag))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(content, True)
    except _Refused as err:
        raise InputError(str(err), file=name, line=parser.CurrentLineNumber) from None
    except expat.ExpatError as err:
        raise InputError(f"not well-formed XML: {err}", file=name, line=err.lineno) from None
    return builder.close()


def _clark(tag: str) -> str:
    return "{" + tag if "}" in tag else tag
