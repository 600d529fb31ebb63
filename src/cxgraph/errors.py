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
