"""Access to the knowledge graph the app's lifespan built, for route handlers."""

from __future__ import annotations

from fastapi import HTTPException, Request

from cxgraph.config import Settings
from cxgraph.pipeline import KnowledgeGraph


def get_kg(request: Request) -> KnowledgeGraph:
    """The served knowledge graph; 503 while it is still being built."""
    kg: KnowledgeGraph | None = getattr(request.app.state, "kg", None)
    if kg is None:
        raise HTTPException(
            status_code=503,
            detail="the knowledge graph is still loading",
            headers={"Retry-After": "1"},
        )
    return kg


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
