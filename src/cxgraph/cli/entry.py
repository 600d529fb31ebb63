"""The console-script entry point: data files after ``--data``, shared flags anywhere, and
one line (no traceback) for an unexpected error."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from cxgraph.cli.shared import app, err, session
from cxgraph.sources import is_model_file_name

_VARIADIC = {"--data", "-d"}


def expand_variadic(argv: Sequence[str]) -> list[str]:
    """Let ``--data a.ttl b.ttl`` mean ``--data a.ttl --data b.ttl``: following arguments
    that name RDF files are taken as more data files."""
    result: list[str] = []
    taking = False
    for arg in argv:
        if arg in _VARIADIC:
            taking = False
            result.append(arg)
            continue
        if result and result[-1] in _VARIADIC:
            result.append(arg)
            taking = True
            continue
        if taking and not arg.startswith("-") and is_model_file_name(arg):
            result += ["--data", arg]
            continue
        taking = False
        result.append(arg)
    return result


_SHARED_FLAGS = {"--strict", "--debug"}
_SHARED_VALUED = {"--lang", "--store-auth-file"}


def hoist_shared_options(argv: Sequence[str]) -> list[str]:
    """Move the options every command shares (``--strict``, ``--debug``, ``--lang TAG``)
    in front of the command, so they may be written anywhere."""
    shared: list[str] = []
    rest: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in _SHARED_FLAGS or (arg.split("=", 1)[0] in _SHARED_VALUED and "=" in arg):
            shared.append(arg)
        elif arg in _SHARED_VALUED:
            shared += [arg, next(args, "")]
        else:
            rest.append(arg)
    return [*shared, *rest]


def console() -> None:
    """The ``cxgraph`` program (console script, ``python -m cxgraph``): :func:`main`, ending
    the process as soon as the output is flushed when a command left a one-shot graph to
    free (:func:`cxgraph.cli.shared.leave_to_exit`)."""
    main(leave_to_os=True)


def main(*, leave_to_os: bool = False) -> None:
    """Run the command in ``sys.argv``; raises SystemExit with its exit code (unless
    ``leave_to_os``: see :func:`console`). An unexpected error prints one line
    (``--debug``: the traceback) and exits 2; no traceback reaches a user otherwise."""
    argv = hoist_shared_options(expand_variadic(sys.argv[1:]))
    session.left_to_exit = [] if leave_to_os else None
    try:
        app(args=argv, prog_name="cxgraph", standalone_mode=True)
    except SystemExit as done:
        if session.left_to_exit:
            _exit_now(done.code)
        raise
    except KeyboardInterrupt:
        raise
    except Exception as error:
        if "--debug" in argv:
            raise
        err.print(
            f"[bold red]error:[/] unexpected {type(error).__name__}: {error}. "
            "This is a bug in cxgraph; rerun with --debug for the traceback and report it.",
            highlight=False,
            markup=True,
        )
        sys.exit(2)
    finally:
        session.left_to_exit = None


def _exit_now(code: int | str | None) -> NoReturn:
    """End the process with ``code`` once the output is flushed, leaving what the command
    kept (:func:`cxgraph.cli.shared.leave_to_exit`) for the operating system to reclaim."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader went away (``| head``): nothing more can be said
        pass
    os._exit(code or 0)
