"""Building blocks of the GraphQL types (:mod:`cxgraph.api.graphql.entities`): typed field
descriptions, fields read from one cx: property (a number, a flag, a subclass), and the
gap-rule filter the ``gaps`` fields share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pyoxigraph as ox
import strawberry

from cxgraph.api.graphql.context import Info
from cxgraph.errors import InputError
from cxgraph.gaps import Finding, Severity, rule_ids
from cxgraph.namespaces import CX, cx

if TYPE_CHECKING:
    from cxgraph.api.graphql.entities import Node

F = TypeVar("F", bound=Callable[..., Any])


def described(description: str) -> Callable[[F], F]:
    """``@strawberry.field(description=...)``, typed for mypy (strawberry types it Any)."""
    return cast(Callable[[F], F], strawberry.field(description=description))


def check_rule(rule: str | None) -> None:
    """Refuse a gap rule id that is not in the catalogue, naming the known ones."""
    if rule is not None and rule not in rule_ids():
        raise InputError(f"unknown gap rule {rule!r}; known rules: {', '.join(rule_ids())}")


def matching(
    findings: Sequence[Finding], rule: str | None, severity: Severity | None
) -> list[Finding]:
    return [
        f
        for f in findings
        if (rule is None or f.rule == rule) and (severity is None or f.severity is severity)
    ]


def number(prop: str, description: str) -> Any:
    """A field with the numeric value of ``cx:prop``, if any."""
    predicate = cx(prop)

    async def resolve(root: Node, info: Info) -> float | None:
        for term in await info.context.loaders.objects(predicate).load(root.iri):
            if isinstance(term, ox.Literal):
                try:
                    return float(term.value)
                except ValueError:
                    continue
        return None

    return strawberry.field(resolver=resolve, description=description)


def flag(prop: str, description: str, default: bool) -> Any:
    """A field with the boolean value of ``cx:prop``, ``default`` when the model has none."""
    predicate = cx(prop)

    async def resolve(root: Node, info: Info) -> bool:
        for term in await info.context.loaders.objects(predicate).load(root.iri):
            if isinstance(term, ox.Literal) and term.value in ("true", "1", "false", "0"):
                return term.value in ("true", "1")
        return default

    return strawberry.field(resolver=resolve, description=description)


def subclass(enum: type[Enum], description: str) -> Any:
    """A field naming which of the ``enum``'s cx: subclasses the resource belongs to."""

    async def resolve(root: Node, info: Info) -> Any:
        classes = await info.context.loaders.types.load(root.iri)
        return next((m for m in enum if CX + str(m.value) in classes), None)

    return strawberry.field(resolver=resolve, graphql_type=enum | None, description=description)


__all__ = ["check_rule", "described", "flag", "matching", "number", "subclass"]
