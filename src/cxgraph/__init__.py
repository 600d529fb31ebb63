"""cxgraph: a knowledge graph of customer experience.

The public API follows the one data flow of the project:
load model files into a store, validate them, infer what the ontology implies, detect gaps,
then query the result. ``build_knowledge_graph`` runs the whole flow and returns a
:class:`KnowledgeGraph` that the CLI, the SPARQL endpoint and GraphQL all read.
"""

from cxgraph.errors import CxGraphError, InputError, QueryError
from cxgraph.gaps import Finding, Severity, detect_gaps
from cxgraph.pipeline import KnowledgeGraph, build_knowledge_graph
from cxgraph.reasoning import ReasoningProfile, infer
from cxgraph.validation import ValidationReport, validate

__version__ = "0.1.0"

__all__ = [
    "CxGraphError",
    "Finding",
    "InputError",
    "KnowledgeGraph",
    "QueryError",
    "ReasoningProfile",
    "Severity",
    "ValidationReport",
    "__version__",
    "build_knowledge_graph",
    "detect_gaps",
    "infer",
    "validate",
]
