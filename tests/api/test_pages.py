"""Every HTML page works offline: in a real Chromium against a real server, each page
loads with no request leaving the server (any such request is aborted and fails the test),
no failed request on the server itself, no script error, and a favicon. Screenshots of
each page go to docs/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from cxgraph.api import static, web
from tests.api.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
INSTALL = "https://example.org/telecom#InstallService"

# (name, path, a selector that shows the page really rendered)
PAGES = [
    ("dashboard", "/", "body[data-ready='true'] #chain canvas"),
    ("sparql-editor", "/sparql", ".yasqe .CodeMirror"),
    ("graphiql", "/graphql", ".graphiql-container"),
    ("api-docs", "/api/docs", ".swagger-ui .opblock"),
    ("entity-index", "/telecom", "table.index"),
    ("entity", "/telecom?iri=" + quote(INSTALL, safe=""), "article.entity"),
    ("entity-fragment", "/salon#Cut", "article.entity"),
]


# In-process tests come first: the app forks its sandbox workers before Playwright's
# driver threads exist in this process.
def test_favicon_is_served(client: TestClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_api_docs_use_the_vendored_swagger_ui(client: TestClient) -> None:
    page = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui-bundle.js" in page
    assert "/static/vendor/swagger-ui.css" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200


def test_pages_say_how_to_get_missing_assets(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(static, "VENDOR_DIR", tmp_path)
    docs = client.get("/api/docs").text
    assert "scripts/install-ui.sh" in docs and "/api/openapi.json" in docs
    assert "scripts/install-ui.sh" in client.get("/sparql", headers={"Accept": "text/html"}).text
    assert "scripts/install-ui.sh" in (web.STATIC_DIR / "dashboard.js").read_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/install-dev.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize(("name", "path", "ready"), PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_nothing_from_outside(
    browser: Any, live_server: LiveServer, name: str, path: str, ready: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(live_server.url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on(
        "requestfailed",
        lambda r: failed.append(f"{r.failure} {r.url}") if r.url not in outside else None,
    )
    try:
        page.goto(live_server.url + path)
        page.wait_for_selector(ready, timeout=30_000)
        page.wait_for_load_state("networkidle")
        icon = page.evaluate("() => (document.querySelector('link[rel~=icon]') || {}).href || ''")
        assert icon.startswith(live_server.url), icon
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"page-{name}.png"))
    finally:
        context.close()
    assert outside == []
    assert failed == []
    assert errors == []


@pytest.mark.browser
def test_sparql_editor_menu_and_labels(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/sparql")
        page.wait_for_selector("#saved-query:not([disabled])")
        groups = page.eval_on_selector_all(
            "#saved-query optgroup", "gs => gs.map(g => [g.label, g.children.length])"
        )
        assert [g[0] for g in groups] == ["Analyst reports", "Gap rules", "Model checks"]
        values = page.eval_on_selector_all("#saved-query option", "os => os.map(o => o.value)")
        assert values[1].startswith("reports/")
        assert not [v for v in values if v.startswith(("graphql/", "entity/"))]
        # a query projecting ?persona and ?personaLabel shows the label beside the IRI
        page.select_option("#saved-query", "reports/needs-per-persona")
        page.locator(".yasqe_queryButton:visible").click()
        page.wait_for_selector(".yasr .dataTable tbody tr", timeout=30_000)
        labels = page.locator(".yasr .cx-label").all_inner_texts()
        assert "Family household" in labels
        page.screenshot(path=str(SHOTS / "sparql-editor-results.png"))
    finally:
        context.close()
