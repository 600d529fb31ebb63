"""Namespaces and the names of the store's graphs, shared by every stage of the data flow."""

from pyoxigraph import NamedNode

CX = "https://w3id.org/cxgraph#"
ONTOLOGY_IRI = "https://w3id.org/cxgraph"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"

GRAPH_PREFIX = "urn:cxgraph:graph:"
ONTOLOGY_GRAPH = NamedNode(GRAPH_PREFIX + "ontology")
DATA_GRAPH = NamedNode(GRAPH_PREFIX + "data")
DATA_GRAPH_PREFIX = GRAPH_PREFIX + "data:"
INFERRED_GRAPH = NamedNode(GRAPH_PREFIX + "inferred")
GAPS_GRAPH = NamedNode(GRAPH_PREFIX + "gaps")
QUERIES_GRAPH = NamedNode(GRAPH_PREFIX + "queries")

RDF_TYPE = NamedNode(RDF + "type")
RDFS_LABEL = NamedNode(RDFS + "label")

PREFIXES: dict[str, str] = {
    "cx": CX,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
}

STANDARD_PREFIXES: dict[str, str] = {**PREFIXES, "prov": PROV, "dcterms": DCTERMS}
"""The prefixes cxgraph always knows (CLI tables, Turtle exports, imports)."""


def cx(local: str) -> NamedNode:
    """The cxgraph term with this local name."""
    return NamedNode(CX + local)


def is_data_graph(graph: NamedNode) -> bool:
    """True for graphs that hold asserted instance data (not ontology, inferred or gaps)."""
    return (
        graph == DATA_GRAPH
        or graph.value.startswith(DATA_GRAPH_PREFIX)
        or not (graph.value.startswith(GRAPH_PREFIX))
    )
