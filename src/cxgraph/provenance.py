"""Where an imported entity came from, in PROV-O.

Every entity read from a workbook row or an ArchiMate element gets
``prov:wasDerivedFrom`` a small node standing for that row or element::

    ex:silver prov:wasDerivedFrom <urn:cxgraph:import:acme.xlsx#Personas!4> .
    <urn:cxgraph:import:acme.xlsx#Personas!4> a prov:Entity ;
        rdfs:label "acme.xlsx, Personas!4" ;
        dcterms:source "acme.xlsx" ; dcterms:identifier "Personas!4" .

The node's IRI is a function of the file name and the row (or element id), so importing the
same file again states the same triples. Provenance describes the import, not the model:
workbook export leaves these triples out (they are stated again on the next import), and
round-trip comparisons remove them with :func:`without_provenance`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from cxgraph.namespaces import DCTERMS, PROV, RDF_TYPE, RDFS_LABEL

PROVENANCE_PREFIX = "urn:cxgraph:import:"
WAS_DERIVED_FROM = ox.NamedNode(PROV + "wasDerivedFrom")
_ENTITY = ox.NamedNode(PROV + "Entity")
_SOURCE = ox.NamedNode(DCTERMS + "source")
_IDENTIFIER = ox.NamedNode(DCTERMS + "identifier")


def provenance_node(source: str, location: str) -> ox.NamedNode:
    """The node standing for one row or element (``location``) of the file ``source``."""
    name = Path(source).name
    return ox.NamedNode(f"{PROVENANCE_PREFIX}{quote(name, safe='')}#{quote(location, safe='!')}")


def provenance_triples(
    entity: ox.NamedNode | ox.BlankNode, source: str, location: str
) -> list[ox.Triple]:
    """``entity`` derived from ``location`` (``Needs!14``, an element id) of ``source``."""
    node = provenance_node(source, location)
    name = Path(source).name
    return [
        ox.Triple(entity, WAS_DERIVED_FROM, node),
        ox.Triple(node, RDF_TYPE, _ENTITY),
        ox.Triple(node, RDFS_LABEL, ox.Literal(f"{name}, {location}")),
        ox.Triple(node, _SOURCE, ox.Literal(name)),
        ox.Triple(node, _IDENTIFIER, ox.Literal(location)),
    ]


def is_provenance(triple: ox.Triple) -> bool:
    """Whether a triple is import provenance (about a provenance node, or pointing at one)."""
    subject, obj = triple.subject, triple.object
    if isinstance(subject, ox.NamedNode) and subject.value.startswith(PROVENANCE_PREFIX):
        return True
    return (
        triple.predicate == WAS_DERIVED_FROM
        and isinstance(obj, ox.NamedNode)
        and obj.value.startswith(PROVENANCE_PREFIX)
    )


def without_provenance(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The triples that describe the model, import provenance left out."""
    return [t for t in triples if not is_provenance(t)]
