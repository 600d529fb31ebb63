"""Prefixes: the short names people read IRIs by, in tables, Turtle exports and queries.

The standard ones (``cx:``, ``rdf:``, ``rdfs:``, ``owl:``, ``xsd:``, ``skos:``, ``prov:``,
``dcterms:``) are always known; a model adds those its files declare (Turtle and TriG
``@prefix``/``PREFIX`` lines, RDF/XML ``xmlns:``, string entries of a JSON-LD
``@context``). Declarations are read from the file text, without a second parse, so
this costs next to nothing even for a large model. :func:`compact` writes an IRI as
``prefix:local`` when a prefix covers it, and as it is otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from cxgraph.formats import JSONLD, RDFXML, format_for_extension
from cxgraph.namespaces import STANDARD_PREFIXES

_TURTLE_PREFIX = re.compile(
    r"^[ \t]*(?:@prefix|PREFIX)[ \t]+([A-Za-z][\w.-]*)?:[ \t]*<([^<>\"{}|^`\\\s]*)>",
    re.MULTILINE | re.IGNORECASE,
)
_XML_NAMESPACE = re.compile(r"""xmlns:([A-Za-z][\w.-]*)\s*=\s*["']([^"']+)["']""")
_NAME = re.compile(r"^[A-Za-z][\w.-]*$")
# The local part of a prefixed name, kept to what every serialisation reads back.
_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[\w.-]*[\w-])?$")
_HEAD_BYTES = 1 << 20


def declared_prefixes(paths: Iterable[Path]) -> dict[str, str]:
    """The prefixes the model files declare, first declaration of a name winning.
    Unreadable files are skipped: loading reports them."""
    found: dict[str, str] = {}
    for path in paths:
        try:
            with path.open("rb") as handle:
                text = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        for name, namespace in _declarations(text, path.suffix.lower()):
            found.setdefault(name, namespace)
    return found


def _declarations(text: str, suffix: str) -> list[tuple[str, str]]:
    fmt = format_for_extension(suffix)
    if fmt is RDFXML:
        return _XML_NAMESPACE.findall(text)
    if fmt is JSONLD:
        return _context_prefixes(text)
    return [(name, ns) for name, ns in _TURTLE_PREFIX.findall(text) if name]


def _context_prefixes(text: str) -> list[tuple[str, str]]:
    try:
        document = json.loads(text)
    except ValueError:
        return []
    contexts = [
        d.get("@context")
        for d in (document if isinstance(document, list) else [document])
        if isinstance(d, dict)
    ]
    pairs: list[tuple[str, str]] = []
    for context in contexts:
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, dict):
                pairs += [
                    (k, v)
                    for k, v in entry.items()
                    if isinstance(v, str) and _NAME.match(k) and v.endswith(("#", "/"))
                ]
    return pairs


def model_prefixes(paths: Iterable[Path] = ()) -> dict[str, str]:
    """The standard prefixes plus those the files declare. A declared name or namespace
    that would shadow a standard one is left out, so ``cx:`` always means cxgraph."""
    prefixes = dict(STANDARD_PREFIXES)
    known = set(prefixes.values())
    for name, namespace in declared_prefixes(paths).items():
        if name not in prefixes and namespace not in known and namespace:
            prefixes[name] = namespace
            known.add(namespace)
    return prefixes


def compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """``iri`` as ``prefix:local`` under the longest matching namespace, else unchanged."""
    best = ""
    best_name = ""
    for name, namespace in prefixes.items():
        if len(namespace) > len(best) and iri.startswith(namespace):
            local = iri[len(namespace) :]
            if local == "" or _LOCAL.match(local):
                best, best_name = namespace, name
    if not best:
        return iri
    return f"{best_name}:{iri[len(best) :]}"


__all__ = ["STANDARD_PREFIXES", "compact", "declared_prefixes", "model_prefixes"]
