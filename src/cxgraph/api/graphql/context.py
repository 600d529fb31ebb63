"""The context of one GraphQL request: the served knowledge graph and its loaders."""

from __future__ import annotations

from typing import TypeAlias

import strawberry
from fastapi import Request
from strawberry.fastapi import BaseContext

from cxgraph.api.graphql.loaders import Loaders
from cxgraph.api.state import get_kg
from cxgraph.pipeline import KnowledgeGraph


class GraphQLContext(BaseContext):
    """What every resolver reads: the knowledge graph and this request's loaders."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        super().__init__()
        self.kg = kg
        self.loaders = Loaders(kg)


Info: TypeAlias = strawberry.Info[GraphQLContext, None]


def get_context(request: Request) -> GraphQLContext:
    """FastAPI dependency: a fresh context per request (503 while the graph loads)."""
    return GraphQLContext(get_kg(request))
