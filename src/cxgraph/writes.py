"""Applying writes to a knowledge graph: all or nothing, checked against the shapes, the
inferred graph and the findings brought up to date before returning.

:class:`cxgraph.pipeline.KnowledgeGraph`'s write API (``update``, ``put_graph``,
``post_graph``, ``drop_graph``, ``load``) works out the :class:`cxgraph.changes.Changes` of
a write and hands them to :func:`commit` here; HTTP and the CLI call that API and nothing
below it. Failures are library exceptions (:class:`cxgraph.errors.WriteRefused`,
:class:`cxgraph.errors.ShapesViolated`, :class:`cxgraph.errors.InputError`); the HTTP layer
maps them to status codes in one place (:mod:`cxgraph.api.errors`).

What a write that breaks the SHACL shapes gets is
:class:`cxgraph.profiles.WriteValidation`: ``refuse`` runs the write on a scratch copy first
and refuses it (store untouched) if the result has a violation the store did not have
before; ``report`` applies it and returns the validation report with the summary; ``off``
skips validation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from cxgraph.changes import Changes
from cxgraph.errors import ShapesViolated
from cxgraph.profiles import WriteValidation
from cxgraph.store import Store
from cxgraph.validation import ValidationReport

if TYPE_CHECKING:
    from cxgraph.pipeline import KnowledgeGraph

REPORTED = 100
"""Validation results a write's summary carries at most."""
T = TypeVar("T")


def commit(kg: KnowledgeGraph, changes: Changes) -> dict[str, object]:
    """Apply ``changes`` to ``kg`` (checked as ``kg.write_validation`` says) and return
    the write's summary: triples added and removed per graph, graphs created and dropped,
    inferred triples added, findings, and the validation report unless validation is off.
    Raises WriteRefused (a read-only graph) or ShapesViolated, ``kg`` unchanged."""
    changes.check()
    summary, validation = validated(kg, lambda k: _apply(k, changes))
    return {**summary, **validation}


def validated(
    kg: KnowledgeGraph, write: Callable[[KnowledgeGraph], T]
) -> tuple[T, dict[str, object]]:
    """Run ``write`` on ``kg`` under the store lock, checked against the shapes as
    ``kg.write_validation`` says; return what it returned and ``{"validation": …}``
    (empty when off).

    ``REFUSE`` runs ``write`` on a scratch copy first and raises ShapesViolated, leaving
    ``kg`` untouched, when the result has a violation the store does not have now (so a
    store that already breaks a shape still takes writes that add no new violation)."""
    mode = kg.write_validation
    with kg.store.lock:
        if mode is WriteValidation.OFF:
            return write(kg), {}
        if mode is WriteValidation.REPORT:
            result = write(kg)
            return result, _validation_json(kg.validate())
        trial = kg.copy()
        write(trial)
        after = trial.validate()
        if not after.conforms:
            before = set(kg.validate().results)
            introduced = [r for r in after.results if r.severity == "Violation" and r not in before]
            if introduced:
                raise ShapesViolated(len(introduced), [r.as_json() for r in introduced[:REPORTED]])
        return write(kg), _validation_json(after)


def _apply(kg: KnowledgeGraph, changes: Changes) -> dict[str, object]:
    """Apply ``changes``; if that fails, undo and recompute in full, then re-raise."""
    store: Store = kg.store
    added = changes.added_quads()
    already = set(store.present(added))
    additions = [q for q in added if q not in already]
    removals = store.present(changes.removed_quads())
    for graph in changes.created:
        store.add_graph(graph)
    try:
        report = kg.change(additions, removals)
    except BaseException:
        try:
            store.delete(additions)
            store.insert(removals)
            for graph in changes.created:
                store.remove_graph(graph)
        finally:  # derived graphs recomputed even if the undo itself failed
            kg.refresh()
        raise
    for graph in changes.dropped:
        store.remove_graph(graph)
    if changes.dropped:
        store.flush()
    return {
        **changes.summary(),
        "inferred_added": sum(report.inferred_added.values()),
        "findings": len(kg.findings),
    }


def _validation_json(report: ValidationReport) -> dict[str, object]:
    return {
        "validation": {
            "conforms": report.conforms,
            "total": len(report.results),
            "results": [r.as_json() for r in report.results[:REPORTED]],
        }
    }
