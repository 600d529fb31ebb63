"""GraphQL at ``/graphql``: a typed, read-only schema of the CX model.

``create_app`` calls :func:`mount` (the schema depends on the settings, so this router
is built per app). The schema (``schema``) has a type per class of the
model (``entities``), paged lists (``listing``), alignment matrices (``alignment``) and
impact analysis (``impact``); resolvers read through per-request batched loaders
(``loaders``) that run the saved queries of ``queries/graphql/``. Limits and error
masking are in ``limits``; GraphiQL, served locally, in ``ide``.
"""

from __future__ import annotations

from fastapi import FastAPI

from cxgraph.api.graphql.context import get_context
from cxgraph.api.graphql.ide import LocalGraphiQLRouter, mount_graphiql
from cxgraph.api.graphql.sandboxed import SandboxedSchema
from cxgraph.api.graphql.sandboxed import register as register_evaluation
from cxgraph.api.graphql.schema import build_schema
from cxgraph.api.state import service_of
from cxgraph.config import Settings
from cxgraph.sandbox import Sandbox

__all__ = ["build_schema", "mount", "register"]


def register(app: FastAPI, sandbox: Sandbox) -> None:
    """Make this app's GraphQL execution available to the sandbox's workers."""
    register_evaluation(app, service_of(app).graphql_schema, sandbox)


def mount(app: FastAPI, settings: Settings) -> None:
    """Serve GraphQL at ``/graphql``; GraphiQL and introspection as the settings say.
    Operations execute in the app's sandbox (``sandboxed``), under the query deadline."""
    schema = build_schema(settings)
    service_of(app).graphql_schema = schema
    router = LocalGraphiQLRouter(
        SandboxedSchema(schema, app),  # type: ignore[arg-type]
        path="/graphql",
        graphql_ide="graphiql" if settings.graphiql else None,
        context_getter=get_context,
        tags=["graphql"],
    )
    app.include_router(router)
    if settings.graphiql:
        mount_graphiql(app)
