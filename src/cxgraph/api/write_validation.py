"""Writes checked against the SHACL shapes, as ``Settings.write_validation`` says.

``refuse`` runs the write on a scratch copy of the knowledge graph first and refuses it
(409 ``shapes_violated``, store untouched) if the result has a violation the store did not
have before; ``report`` applies it and adds the validation report to the response; ``off``
skips validation. Validation runs under the store lock, so the report describes exactly
the state the write produced.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse

from cxgraph.api.protocol import ProtocolError
from cxgraph.config import Settings
from cxgraph.errors import InputError
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.store import Store
from cxgraph.validation import ValidationReport, ValidationResult

_REPORTED = 100  # validation results a response carries at most
T = TypeVar("T")


class WriteValidation(Enum):
    """What a write that breaks the SHACL shapes gets (``Settings.write_validation``)."""

    REFUSE = "refuse"
    REPORT = "report"
    OFF = "off"

    @classmethod
    def of(cls, settings: Settings) -> WriteValidation:
        try:
            return cls(settings.write_validation)
        except ValueError:
            raise InputError(
                f"write_validation={settings.write_validation!r} is not one of "
                + ", ".join(m.value for m in cls)
            ) from None


class ShapesViolated(ProtocolError):
    """A write refused because its result breaks shapes the store satisfied (409)."""

    def __init__(self, introduced: list[ValidationResult]) -> None:
        super().__init__(
            409,
            "shapes_violated",
            f"the write was refused: it would add {len(introduced)} SHACL violation(s); "
            "nothing was changed",
        )
        self.report = [r.as_json() for r in introduced[:_REPORTED]]


async def shapes_violated_response(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ShapesViolated)
    return JSONResponse(
        {"error": exc.error, "message": exc.message, "report": exc.report}, status_code=409
    )


def validated(
    kg: KnowledgeGraph, write: Callable[[KnowledgeGraph], T], mode: WriteValidation
) -> tuple[T, dict[str, object]]:
    """Run ``write`` on ``kg`` under the store lock, checked against the shapes as ``mode``
    says; return what it returned and ``{"validation": …}`` (empty when ``OFF``).

    ``REFUSE`` runs ``write`` on a scratch copy first and raises ShapesViolated, leaving
    ``kg`` untouched, when the result has a violation the store does not have now (so a
    store that already breaks a shape still takes writes that add no new violation)."""
    with kg.store.lock:
        if mode is WriteValidation.OFF:
            return write(kg), {}
        if mode is WriteValidation.REPORT:
            result = write(kg)
            return result, _validation_json(kg.validate())
        trial = _scratch_copy(kg)
        write(trial)
        after = trial.validate()
        if not after.conforms:
            before = set(kg.validate().results)
            introduced = [r for r in after.results if r.severity == "Violation" and r not in before]
            if introduced:
                raise ShapesViolated(introduced)
        return write(kg), _validation_json(after)


def _scratch_copy(kg: KnowledgeGraph) -> KnowledgeGraph:
    """An in-memory copy of ``kg`` (every graph, empty ones too, and the findings)."""
    store = Store()
    kg.store.copy_into(store)
    return KnowledgeGraph(store, kg.profile, kg.inference, list(kg.findings), kg.version)


def _validation_json(report: ValidationReport) -> dict[str, object]:
    return {
        "validation": {
            "conforms": report.conforms,
            "total": len(report.results),
            "results": [r.as_json() for r in report.results[:_REPORTED]],
        }
    }
