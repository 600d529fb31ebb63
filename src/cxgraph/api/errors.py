"""Every error the HTTP layer answers, mapped to its status in one place.

Route handlers and the library raise; :func:`install` registers one handler per kind of
error, each answering ``{"error": <code>, "message": <text>}`` JSON (plus ``report`` for a
write refused by the shapes). A request never gets a 500 for something the user can fix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from cxgraph.api.protocol import ProtocolError
from cxgraph.errors import (
    CxGraphError,
    ShapesViolated,
    StoreError,
    StoreRefused,
    WriteRefused,
)
from cxgraph.sandbox import EvaluationTimeout, Overloaded, ResourceLimit

WRITE_STATUS = {"not_found": 404, "read_only_instance": 403, "shapes_violated": 409}
"""The status of a refused write by its code; any other code is 400."""
_RETRY = {"Retry-After": "1"}

Handler = Callable[[Request, Exception], Awaitable[Response]]


def _json(error: str, message: str, status: int, **extra: object) -> JSONResponse:
    headers = _RETRY if status == 503 else None
    return JSONResponse({"error": error, "message": message, **extra}, status, headers)


async def _protocol(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProtocolError)
    return JSONResponse(
        {"error": exc.error, "message": exc.message}, status_code=exc.status, headers=exc.headers
    )


async def _write_refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WriteRefused)
    extra = {"report": exc.report} if isinstance(exc, ShapesViolated) else {}
    return _json(exc.code, exc.message, WRITE_STATUS.get(exc.code, 400), **extra)


async def _timeout(_request: Request, exc: Exception) -> Response:
    return _json("query_timeout", str(exc), 503)


async def _overloaded(_request: Request, exc: Exception) -> Response:
    return _json("overloaded", str(exc), 503)


async def _resource_limit(_request: Request, exc: Exception) -> Response:
    return _json("resource_limit", str(exc), 503)


async def _store_unavailable(_request: Request, exc: Exception) -> Response:
    return _json("store_unavailable", str(exc), 503)


async def _store_refused(_request: Request, exc: Exception) -> Response:
    return _json("store_refused", str(exc), 502)


_HTTP_ERRORS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    503: "unavailable",
}


async def _http(_request: Request, exc: Exception) -> Response:
    """FastAPI's and Starlette's own errors (an unknown path, a method not allowed, the
    GraphQL router's refusals) in the same shape as every other error."""
    assert isinstance(exc, StarletteHTTPException)
    error = _HTTP_ERRORS.get(exc.status_code, "error")
    return JSONResponse(
        {"error": error, "message": str(exc.detail)},
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )


async def _bad_request(_request: Request, exc: Exception) -> Response:
    return _json("bad_request", str(exc), 400)


HANDLERS: dict[type[Exception], Handler] = {
    StarletteHTTPException: _http,
    ProtocolError: _protocol,
    WriteRefused: _write_refused,
    EvaluationTimeout: _timeout,
    Overloaded: _overloaded,
    ResourceLimit: _resource_limit,
    StoreError: _store_unavailable,
    StoreRefused: _store_refused,
    CxGraphError: _bad_request,
}
"""Starlette picks the handler of the closest class in an exception's MRO, so a
:class:`WriteRefused` (a :class:`CxGraphError`) gets its own answer."""


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)
