"""The dashboard in a real headless Chromium against a real server: it renders the
findings, the heat map and the value chain, and loads nothing from outside."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxgraph import Severity, build_knowledge_graph
from tests.api.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer


def test_dashboard_page_is_served_with_local_assets_only(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "/static/vendor/cytoscape.min.js" in html
    assert "reports/findings" in html
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) is None


@pytest.fixture(scope="module")
def page(live_server: LiveServer) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/install-dev.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.requests = []  # type: ignore[attr-defined]
        page.errors = []  # type: ignore[attr-defined]
        page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
        page.goto(live_server.url + "/")
        page.wait_for_selector("body[data-ready]", timeout=30_000)
        yield page
        browser.close()


def test_dashboard_renders_findings(page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    assert page.get_attribute("body", "data-ready") == "true", page.errors
    kg = build_knowledge_graph(None)
    assert page.locator("#findings tbody tr").count() == len(kg.findings)
    errors = [f for f in kg.findings if f.severity is Severity.ERROR]
    assert page.locator(".card.error .n").inner_text() == str(len(errors))
    page.select_option("#rule-filter", "unmet-need")
    rows = page.locator("#findings tbody tr")
    assert rows.count() == len(kg.gaps(["unmet-need"]))
    assert all(r == "unmet-need" for r in rows.evaluate_all("rs => rs.map(r => r.dataset.rule)"))
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)


def test_heatmap_and_chain(page: Any) -> None:
    assert page.locator("#heatmap td.cell").count() > 10
    assert page.locator("#heatmap td.cell:not([data-count='0'])").count() > 0
    assert page.locator("#chain canvas").count() > 0
    nodes = page.evaluate("window.cxChain.nodes().length")
    assert nodes > 20
    assert page.locator("#breakpoints tbody tr[data-managed='false']").count() > 0


def test_nothing_is_loaded_from_outside(page: Any, live_server: LiveServer) -> None:
    assert page.requests
    outside = [u for u in page.requests if not u.startswith(live_server.url)]
    assert outside == []
    assert page.errors == []
