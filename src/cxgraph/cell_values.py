"""Cell values as the text a person typed, and as xsd:decimal and xsd:boolean lexical
forms: what the workbook import (:mod:`cxgraph.table_import`) reads and the export
(:mod:`cxgraph.table_export`) checks it can write back unchanged."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from cxgraph.sheets import SEPARATOR
from cxgraph.tables import Cell

_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_BOOLEANS = {"true", "false", "1", "0"}


def decimal_lexical(value: int | float | Decimal) -> str:
    """The xsd:decimal lexical form of a number read from a cell (7 → "7", 7.5 → "7.5",
    1e-7 → "0.0000001")."""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    return text


def plain(value: Cell) -> str:
    """A cell's value as the text a person typed (numbers without a spurious .0)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return decimal_lexical(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return "" if value is None else str(value)


def stripped(value: Cell) -> str:
    """:func:`plain`, without surrounding spaces."""
    return plain(value).strip()


def split(text: str) -> list[str]:
    """The values of a cell holding several, separated by ``SEPARATOR``."""
    return [part.strip() for part in text.split(SEPARATOR) if part.strip()]


def decimal_value(value: Cell) -> str:
    """The xsd:decimal lexical form of a cell; ValueError saying what is wrong."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, str):
        if _DECIMAL.match(value):
            return value
        raise ValueError(f"{value!r} is not a decimal number such as 7.5")
    try:
        return decimal_lexical(value)
    except (InvalidOperation, ValueError):
        raise ValueError(f"{value!r} is not a finite number") from None


def boolean_value(value: Cell) -> str:
    """The xsd:boolean lexical form of a cell; ValueError saying what is wrong."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = plain(value)
    if text in _BOOLEANS:
        return text
    if text.strip().lower() in ("true", "false"):
        return text.strip().lower()
    raise ValueError(f"{text!r} is not true or false")


__all__ = ["boolean_value", "decimal_lexical", "decimal_value", "plain", "split", "stripped"]
