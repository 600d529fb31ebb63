"""Where the bundled ontology, queries and sample models live.

In a wheel they ship as ``cxgraph/_resources``; in a source checkout they are the top-level
``ontology/``, ``queries/`` and ``data/`` folders. Paths never depend on the working directory.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _root() -> Path:
    bundled = _PACKAGE / "_resources"
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent.parent


def ontology_dir() -> Path:
    return _root() / "ontology"


def ontology_file() -> Path:
    return ontology_dir() / "cxgraph.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def queries_dir() -> Path:
    return _root() / "queries"


def data_dir() -> Path:
    return _root() / "data"


def sample_files() -> list[Path]:
    """The bundled sample models, in a stable order."""
    return sorted(data_dir().glob("*.ttl"))
