"""How ``cxgraph --help`` reads: plain, 80-column friendly, with conventional metavars.

Typer's own help shows each parameter's Python type (``<bool>`` beside a flag,
``<list[Path]>``, ``{sparql}``) and, in boxed panels, breaks long metavars over two
lines. :class:`CxTyper` makes every command use :class:`CxCommand`, which writes the
usage and options the way Unix tools do: ``-q, --quiet`` with no type, ``--data FILE``,
``--format [table|json|csv]``, arguments as ``SPARQL`` or ``[PATH]...``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperOption

_LABELS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "Path": "PATH"}


class CxCommand(TyperCommand):
    """A command whose help shows conventional metavars instead of Python types."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        for param in self.get_params(ctx):
            if isinstance(param, TyperOption) and param.metavar is None:
                param.metavar = "" if param.is_flag else option_metavar(param, ctx)
        super().format_help(ctx, formatter)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [
            argument_metavar(p) for p in self.get_params(ctx) if isinstance(p, TyperArgument)
        ]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = self.get_params(ctx)
        arguments = [
            (argument_metavar(p), (p.help or "") + ("  [required]" if p.required else ""))
            for p in params
            if isinstance(p, TyperArgument) and not p.hidden
        ]
        options = [
            record
            for p in params
            if not isinstance(p, TyperArgument)
            for record in [p.get_help_record(ctx)]
            if record is not None
        ]
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)


def argument_metavar(param: TyperArgument) -> str:
    """``NAME``, ``[NAME]`` when optional, with ``...`` when it takes several."""
    name = param.metavar or (param.name or "arg").upper()
    if not param.required and not name.startswith("["):
        name = f"[{name}]"
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name


def option_metavar(param: TyperOption, ctx: Any) -> str:
    """``[a|b|c]`` for a choice, else the value's kind in capitals (``TEXT``, ``PATH``)."""
    label = param.display_type(ctx).strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    if "|" in label:
        return f"[{label}]"
    return _LABELS.get(label, label.upper())


class CxTyper(typer.Typer):
    """A Typer app whose commands default to :class:`CxCommand` and plain help."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("rich_markup_mode", None)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        kwargs.setdefault("cls", CxCommand)
        return super().command(*args, **kwargs)


__all__ = ["CxCommand", "CxTyper", "argument_metavar", "option_metavar"]
