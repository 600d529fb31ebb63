"""GraphQL over HTTP: a real client library (gql) against a real server, GET queries,
and GraphiQL served with local assets only, checked in a real headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

from cxgraph import build_knowledge_graph
from cxgraph.api.graphql.ide import CSP, graphiql_ready
from tests.api.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer


@pytest.mark.server
def test_gql_client_against_a_real_server(live_server: LiveServer) -> None:
    transport = RequestsHTTPTransport(url=live_server.url + "/graphql", timeout=30)
    # fetch_schema_from_transport: gql introspects the schema and validates locally.
    with Client(transport=transport, fetch_schema_from_transport=True) as session:
        result = session.execute(
            GraphQLRequest(
                """query ($first: Int!) { personas(first: $first) { totalCount
                   nodes { label needs { label metBy { label } } } } }""",
                variable_values={"first": 100},
            )
        )
        kg = build_knowledge_graph(None)
        personas = result["personas"]
        assert personas["totalCount"] == len(personas["nodes"]) == 8
        unmet = {f.focus for f in kg.gaps(["unmet-need"])}
        needs = [n for p in personas["nodes"] for n in p["needs"]]
        assert sum(1 for n in needs if not n["metBy"]) >= len(unmet) > 0
        alignment = session.execute(
            gql(
                "{ alignment(rows: PERSONA, columns: PROCESS) { rows { iri } columns { iri } "
                "cells { count gapIds } } }"
            )
        )["alignment"]
        assert len(alignment["cells"]) == len(alignment["rows"]) * len(alignment["columns"])
        with pytest.raises(TransportQueryError, match="first must be between 0 and 100"):
            session.execute(gql("{ personas(first: 500) { totalCount } }"))


def test_queries_by_get(client: TestClient) -> None:
    response = client.get(
        "/graphql",
        params={"query": "{ personas { totalCount } }"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"personas": {"totalCount": 8}}}


def test_graphiql_page_uses_only_local_assets(client: TestClient) -> None:
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    page = response.text
    assert "http://" not in page and "https://" not in page
    if not graphiql_ready():
        assert "scripts/install-ui.sh" in page
        pytest.skip("GraphiQL's vendored files are not installed (scripts/install-ui.sh)")
    urls = [u for u in re.findall(r'(?:src|href)="([^"]*)"', page) if u != "data:,"]
    assert len(urls) == 6  # the favicon, GraphiQL css and js, React, ReactDOM, the start script
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        kind = {".css": "text/css", ".ico": "image/svg+xml"}.get(url[-4:], "text/javascript")
        assert asset.headers["content-type"].startswith(kind), url
    assert "/static/vendor/graphiql.min.js" in urls


@pytest.fixture(scope="module")
def graphiql(live_server: LiveServer) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/install-dev.sh installs it)")
    if not graphiql_ready():
        pytest.skip("GraphiQL's vendored files are not installed (scripts/install-ui.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        page.requests = []  # type: ignore[attr-defined]
        page.errors = []  # type: ignore[attr-defined]
        page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda m: page.errors.append(m.text) if m.type == "error" else None,  # type: ignore[attr-defined]
        )
        page.goto(live_server.url + "/graphql")
        page.wait_for_selector(".graphiql-container", timeout=30_000)
        yield page
        browser.close()


@pytest.mark.browser
def test_graphiql_runs_a_query_offline(graphiql: Any, live_server: LiveServer) -> None:
    graphiql.click(".graphiql-execute-button")
    # (a locator, not wait_for_function: the page's CSP forbids eval, rightly)
    graphiql.locator(".result-window", has_text="totalCount").wait_for(timeout=30_000)
    assert '"totalCount": 8' in graphiql.inner_text(".result-window")
    outside = [u for u in graphiql.requests if not u.startswith(live_server.url)]
    assert outside == []
    assert graphiql.errors == []
