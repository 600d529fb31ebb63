"""The HTTP surface: SPARQL 1.1 Protocol, GraphQL, linked data and the dashboard."""

from cxgraph.api.app import create_app

__all__ = ["create_app"]
