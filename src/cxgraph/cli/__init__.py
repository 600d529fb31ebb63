"""The ``cxgraph`` command line: a thin surface over the library.

Exit codes (cx-model.md): 0 fine, 1 findings of error severity (``gaps``) or violations
(``validate``, ``check``), 2 usage or input errors, with the message on stderr naming
file:line where known. With no ``--data`` every command uses the bundled sample models.

``shared`` holds the app, the options and the flags every command shares; ``model`` the
commands over a model (gaps, diagram, validate, reason, query, export, check, rules);
``server`` ``serve``; ``writes`` ``update``; ``workbook`` ``template`` and ``import``;
``entry`` the console script.
"""

from cxgraph.cli import model, server, workbook, writes  # noqa: F401  (register the commands)
from cxgraph.cli.entry import console, expand_variadic, hoist_shared_options, main
from cxgraph.cli.shared import app

__all__ = ["app", "console", "expand_variadic", "hoist_shared_options", "main"]
