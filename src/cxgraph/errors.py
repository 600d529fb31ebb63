"""Errors cxgraph raises; each names what the user has to fix (file, line, field)."""

from pathlib import Path


class CxGraphError(Exception):
    """Base class of every error cxgraph raises on purpose."""


class InputError(CxGraphError):
    """A model file or argument cannot be used; nothing was changed."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.reason = message
        where = self.file or ""
        if where and line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}" if where else message)


class QueryError(CxGraphError):
    """A SPARQL query or update is malformed or refused."""


class StoreError(CxGraphError):
    """The store cannot be opened or written."""


class StoreRefused(StoreError):
    """A remote store answered a request cxgraph made with an error (its SPARQL dialect
    lacks something cxgraph uses): retrying will not help."""


class WriteRefused(CxGraphError):
    """A write cxgraph refuses as a whole; nothing was changed. ``code`` says why, in a
    word clients can test (``read_only_graph``, ``not_found``, ``syntax_error``,
    ``update_failed``, ``bad_graph``, ``shapes_violated``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ShapesViolated(WriteRefused):
    """A write refused because its result breaks SHACL shapes the store satisfied;
    ``report`` holds the violations it would introduce (as JSON objects)."""

    def __init__(self, count: int, report: list[dict[str, object]]) -> None:
        super().__init__(
            "shapes_violated",
            f"the write was refused: it would add {count} SHACL violation(s); nothing was changed",
        )
        self.report = report
