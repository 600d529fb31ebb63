"""What a GraphQL document may ask for, and which errors a client gets to read.

Hostile documents are refused while they are parsed or validated, before any resolver
runs: more than ``MAX_TOKENS`` tokens, more than ``MAX_ALIASES`` aliases (fragments
counted where they are spread), selections nested deeper than ``MAX_DEPTH``, fragment
cycles (graphql's own rule), and introspection when the settings turn it off (a
``__schema`` inside a fragment included). List fields refuse ``first`` above
``MAX_FIRST``. Errors raised on purpose for bad input (``InputError``) and validation
errors reach the client as written; any other error is masked and logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule

from cxgraph.config import Settings
from cxgraph.errors import InputError

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
MAX_FIRST = 100
DEFAULT_FIRST = 20
MAX_ALIGNMENT_CELLS = 10_000
MASKED_MESSAGE = "Internal error."
CACHED_DOCUMENTS = 256

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


def check_first(first: int) -> None:
    """Refuse a page size outside 0..MAX_FIRST."""
    if not 0 <= first <= MAX_FIRST:
        raise InputError(f"first must be between 0 and {MAX_FIRST}, not {first}")


def is_internal_error(error: GraphQLError) -> bool:
    """True for errors a client must not read: anything raised by accident."""
    original = error.original_error
    return original is not None and not isinstance(original, InputError)


def selection_depth(
    selections: Sequence[SelectionNode],
    fragments: Mapping[str, FragmentDefinitionNode],
    limit: int,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
) -> int:
    """How deep ``selections`` nest (fields with a selection set count one level),
    following fragment spreads once each; stops as soon as ``limit`` is passed.

    Introspection roots (``__schema``, ``__type`` fields) are not counted: they cannot
    reach a resolver and the token limit bounds them. Unknown fragments and cycles are
    left to graphql's own rules (KnownFragmentNames, NoFragmentCycles)."""
    deepest = depth
    for selection in selections:
        found = depth
        if isinstance(selection, FieldNode):
            if selection.selection_set and selection.name.value not in _INTROSPECTION_ROOTS:
                found = selection_depth(
                    selection.selection_set.selections, fragments, limit, depth + 1, seen
                )
        elif isinstance(selection, InlineFragmentNode):
            found = selection_depth(
                selection.selection_set.selections, fragments, limit, depth, seen
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                found = selection_depth(
                    fragment.selection_set.selections, fragments, limit, depth, seen | {name}
                )
        deepest = max(deepest, found)
        if deepest > limit:
            break
    return deepest


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing operations nested deeper than ``max_depth``."""

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            for operation in definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                depth = selection_depth(operation.selection_set.selections, fragments, max_depth)
                if depth > max_depth:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"Operation '{name}' is nested deeper than the maximum depth "
                            f"of {max_depth}.",
                            operation,
                        )
                    )

    return DepthLimit


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories of the schema extensions that enforce the limits above for these
    settings; strawberry makes fresh extensions per request from them.

    The validation rules are made once, so that validation results of a document can be
    cached across requests, as its parse is (bounded caches)."""
    rules: list[type[ASTValidationRule]] = [depth_rule(MAX_DEPTH), alias_rule(MAX_ALIASES)]
    extensions: list[Callable[[], SchemaExtension]] = [
        partial(MaskErrors, should_mask_error=is_internal_error, error_message=MASKED_MESSAGE),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(ParserCache, maxsize=CACHED_DOCUMENTS),
        partial(AddValidationRules, rules),
        partial(ValidationCache, maxsize=CACHED_DOCUMENTS),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return extensions
