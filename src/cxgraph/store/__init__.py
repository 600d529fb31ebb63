"""The store package: the only code that holds a quad store.

- :mod:`cxgraph.store.backend`: :class:`StoreBackend`, the store interface (a
  ``typing.Protocol``) the embedded pyoxigraph store and a remote SPARQL 1.1 store satisfy;
- :mod:`cxgraph.store.store`: :class:`Store`, cxgraph's named graphs over one backend (what
  the rest of cxgraph reads and writes through);
- :mod:`cxgraph.store.remote`: :class:`RemoteStore`, a SPARQL 1.1 Protocol + Graph Store
  Protocol client (``--store URL``), at a :mod:`cxgraph.store.location`.

Modules outside this package never construct or import pyoxigraph's store: they get a
:class:`Store`, or an in-memory :func:`scratch_dataset` to parse into. pyoxigraph terms
(``NamedNode``, ``Quad``...) stay the currency everywhere.
"""

from cxgraph.store.backend import Binding, GraphName, StoreBackend, scratch_dataset
from cxgraph.store.location import Credentials, RemoteLocation, is_store_url
from cxgraph.store.rdflib_copy import quiet_rdflib_literals
from cxgraph.store.store import QueryResult, Store, Term, graph_for_path

__all__ = [
    "Binding",
    "Credentials",
    "GraphName",
    "QueryResult",
    "RemoteLocation",
    "RemoteStore",
    "Store",
    "StoreBackend",
    "Term",
    "graph_for_path",
    "is_store_url",
    "quiet_rdflib_literals",
    "scratch_dataset",
]


def __getattr__(name: str) -> object:
    """:class:`RemoteStore` is imported when first asked for: its HTTP stack (urllib, ssl,
    http.client) costs 25 ms of a command's start that only remote stores need."""
    if name == "RemoteStore":
        from cxgraph.store.remote import RemoteStore

        return RemoteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
