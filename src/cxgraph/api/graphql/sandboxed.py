"""GraphQL operations run in the evaluation sandbox, under the same deadline as SPARQL.

strawberry's router calls ``schema.execute``; :class:`SandboxedSchema` forwards that call
to a sandbox worker (see :mod:`cxgraph.sandbox`), where the real schema runs with its
limits, masking and loaders against the knowledge graph forked with the worker. The
answer comes back as JSON and is rebuilt into an ``ExecutionResult`` for the router.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from functools import partial
from typing import Any

from fastapi import FastAPI, HTTPException
from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.schema import Schema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from cxgraph.api.graphql.context import GraphQLContext
from cxgraph.api.state import get_sandbox
from cxgraph.pipeline import KnowledgeGraph
from cxgraph.sandbox import Sandbox


class SandboxedSchema:
    """Delegates to the real schema, except ``execute``, which runs in a worker."""

    def __init__(self, schema: Schema, app: FastAPI) -> None:
        self._schema = schema
        self._app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)

    def __str__(self) -> str:
        return str(self._schema)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        del context_value, root_value, operation_extensions
        sandbox = get_sandbox(self._app)
        allowed = sorted(t.value for t in allowed_operation_types or ())
        call = partial(sandbox.run, "graphql", query, variable_values, operation_name, allowed)
        answer = json.loads(await asyncio.to_thread(call))
        if "http_error" in answer:
            raise HTTPException(answer["http_error"], answer["reason"])
        errors = [
            GraphQLError(e["message"], path=e.get("path"), extensions=e.get("extensions"))
            for e in answer.get("errors") or []
        ]
        return ExecutionResult(
            data=answer.get("data"), errors=errors or None, extensions=answer.get("extensions")
        )


def register(app: FastAPI, schema: Schema, sandbox: Sandbox) -> None:
    """Make GraphQL execution available to the sandbox's workers."""
    del app
    sandbox.register("graphql", partial(_execute_in_worker, schema=schema), contextual=True)


def _execute_in_worker(
    kg: KnowledgeGraph,
    query: str | None,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    allowed: list[str],
    *,
    schema: Schema,
) -> bytes:
    """Runs in a worker, on the committed knowledge graph ``kg``."""
    context = GraphQLContext(kg)
    try:
        result = asyncio.run(
            schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types={OperationType(v) for v in allowed},
            )
        )
    except CannotGetOperationTypeError as error:
        return json.dumps({"http_error": 400, "reason": error.as_http_error_reason()}).encode()
    except InvalidOperationTypeError as error:
        method = "GET" if allowed == [OperationType.QUERY.value] else "POST"
        reason = error.as_http_error_reason(method)
        return json.dumps({"http_error": 400, "reason": reason}).encode()
    except MissingQueryError:
        reason = "No GraphQL query found in the request"
        return json.dumps({"http_error": 400, "reason": reason}).encode()
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [e.formatted for e in result.errors]
    if result.extensions:
        answer["extensions"] = result.extensions
    return json.dumps(answer).encode()
