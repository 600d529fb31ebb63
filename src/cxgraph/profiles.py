"""The modes a knowledge graph runs in, as enums: how it reasons
(:class:`ReasoningProfile`) and what a write breaking the shapes gets
(:class:`WriteValidation`). Settings, CLI options and the library share these values."""

from __future__ import annotations

from enum import Enum

from cxgraph.errors import InputError


class ReasoningProfile(Enum):
    """Which reasoner completes the graph."""

    RULES = "rules"
    OWLRL = "owlrl"
    NONE = "none"


class WriteValidation(Enum):
    """What a write that breaks the SHACL shapes gets."""

    REFUSE = "refuse"
    REPORT = "report"
    OFF = "off"

    @classmethod
    def parse(cls, value: str | WriteValidation) -> WriteValidation:
        """``value`` as a mode; InputError naming the modes when it is none of them."""
        if isinstance(value, WriteValidation):
            return value
        try:
            return cls(value)
        except ValueError:
            raise InputError(
                f"write_validation={value!r} is not one of " + ", ".join(m.value for m in cls)
            ) from None
