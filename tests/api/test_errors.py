"""Every error answered in one shape, ``{"error", "message"}``, with the status of
:mod:`cxgraph.api.errors`: library exceptions raised anywhere below a route, FastAPI's own
refusals, never a 500 for what the user or the store can fix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cxgraph.api import create_app
from cxgraph.config import Settings
from cxgraph.errors import (
    InputError,
    QueryError,
    ShapesViolated,
    StoreError,
    StoreRefused,
    WriteRefused,
)
from cxgraph.sandbox import EvaluationTimeout, Overloaded, ResourceLimit

from .conftest import SAMPLES

RAISED: dict[str, tuple[Exception, int, str]] = {
    "read-only graph": (WriteRefused("read_only_graph", "no"), 400, "read_only_graph"),
    "missing graph": (WriteRefused("not_found", "no"), 404, "not_found"),
    "replica": (WriteRefused("read_only_instance", "no"), 403, "read_only_instance"),
    "shapes": (ShapesViolated(1, [{"focus": "x"}]), 409, "shapes_violated"),
    "input": (InputError("bad", file="a.ttl", line=3), 400, "bad_request"),
    "query": (QueryError("bad"), 400, "bad_request"),
    "store down": (StoreError("down"), 503, "store_unavailable"),
    "store dialect": (StoreRefused("refused"), 502, "store_refused"),
    "timeout": (EvaluationTimeout("late"), 503, "query_timeout"),
    "overloaded": (Overloaded("busy"), 503, "overloaded"),
    "memory": (ResourceLimit("big"), 503, "resource_limit"),
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(Settings(data=SAMPLES))

    async def fail(name: str) -> None:
        raise RAISED[name][0]

    app.router.add_api_route("/test-raise/{name}", fail)
    # ahead of the entity pages' catch-all route
    app.router.routes.insert(0, app.router.routes.pop())
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("name", sorted(RAISED))
def test_library_errors_have_their_status_and_shape(client: TestClient, name: str) -> None:
    _, status, error = RAISED[name]
    reply = client.get(f"/test-raise/{name}")
    assert reply.status_code == status
    body = reply.json()
    assert body["error"] == error
    assert body["message"]
    if status == 503:
        assert reply.headers["retry-after"] == "1"
    if name == "shapes":
        assert body["report"] == [{"focus": "x"}]
    if name == "input":
        assert body["message"] == "a.ttl:3: bad"


def test_frameworks_own_refusals_have_the_same_shape(client: TestClient) -> None:
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong = client.delete("/health")
    assert wrong.status_code == 405
    assert wrong.json() == {"error": "method_not_allowed", "message": "Method Not Allowed"}
