"""``python -m cxgraph``: the same as the ``cxgraph`` command."""

from cxgraph.cli import console

console()
