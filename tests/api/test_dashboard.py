"""The dashboard in a real headless Chromium against a real server: findings grouped
errors first, the brand/persona/process filters, both heat maps (tooltips, clicks, the
inside-out columns), the layered value chain of one persona, keyboard use, and nothing
loaded from outside. Screenshots go to docs/screenshots/ (git-ignored; README's copy is
docs/dashboard.png)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxgraph import KnowledgeGraph, Severity, build_knowledge_graph
from tests.api.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer

# How many pairs of nodes (with their labels) overlap on the chain's canvas.
OVERLAPS = """() => {
  const boxes = window.cxChain.nodes()
    .map(n => n.renderedBoundingBox({includeLabels: true}));
  let count = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.x1 < b.x2 - 1 && b.x1 < a.x2 - 1 && a.y1 < b.y2 - 1 && b.y1 < a.y2 - 1) count++;
  }
  return count;
}"""
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TEL = "https://example.org/telecom#"
SALON = "https://example.org/salon#"
CARS = "https://example.org/cars#"
CX = "https://w3id.org/cxgraph#"


def test_dashboard_page_is_served_with_local_assets_only(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "/static/vendor/cytoscape.min.js" in html
    assert "reports/findings" in html
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) is None


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return build_knowledge_graph(None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/install-dev.sh installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requests = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]
    page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    page.goto(live_server.url + "/")
    page.wait_for_selector("body[data-ready]", timeout=30_000)
    yield page
    context.close()


def choose(page: Any, select: str, value: str) -> None:
    page.select_option(select, value)
    page.wait_for_timeout(100)


def shown_findings(page: Any) -> list[dict[str, str]]:
    """Every finding in the (filtered) groups, whether the group is open or not."""
    script = """() => Array.from(document.querySelectorAll('#findings details')).map(d => ({
        rule: d.dataset.rule, severity: d.dataset.severity, open: d.open,
        count: parseInt(d.querySelector('summary .count').textContent, 10)}))"""
    groups: list[dict[str, str]] = page.evaluate(script)
    return groups


@pytest.mark.browser
def test_findings_grouped_errors_first(page: Any, kg: KnowledgeGraph) -> None:
    assert page.get_attribute("body", "data-ready") == "true", page.errors
    groups = shown_findings(page)
    ranks = [Severity(g["severity"]).rank for g in groups]
    assert ranks == sorted(ranks) and ranks[0] == 0
    expected = Counter(f.rule for f in kg.findings)
    assert {g["rule"]: g["count"] for g in groups} == dict(expected)
    assert all(g["open"] == (g["severity"] == "error") for g in groups)
    errors = sum(1 for f in kg.findings if f.severity is Severity.ERROR)
    assert page.locator(".card.error .n").inner_text().endswith(str(errors))
    # the gap list does not push the heat map down the page
    heatmap_top = page.locator("#alignment-section").bounding_box()["y"]
    assert heatmap_top < 2600, heatmap_top
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)


@pytest.mark.browser
def test_findings_rule_and_severity_filters(page: Any, kg: KnowledgeGraph) -> None:
    choose(page, "#rule-filter", "unmet-need")
    groups = shown_findings(page)
    assert [g["rule"] for g in groups] == ["unmet-need"]
    assert groups[0]["count"] == len(kg.gaps(["unmet-need"]))
    choose(page, "#rule-filter", "")
    choose(page, "#severity-filter", "info")
    assert {g["severity"] for g in shown_findings(page)} == {"info"}
    choose(page, "#severity-filter", "")


@pytest.mark.browser
def test_brand_persona_and_process_filters(page: Any, kg: KnowledgeGraph) -> None:
    everything = sum(int(g["count"]) for g in shown_findings(page))
    # brand: the salon's findings only (each sample model is one brand)
    choose(page, "#brand-filter", SALON + "CornerCut")
    foci = page.eval_on_selector_all(
        "#findings tbody tr td:first-child a", "as => as.map(a => a.title)"
    )
    assert foci and all(f.startswith(SALON) for f in foci)
    salon = sum(int(g["count"]) for g in shown_findings(page))
    assert salon == sum(1 for f in kg.findings if f.focus.startswith(SALON))
    assert page.locator("#persona-process tr[data-iri]").count() == 2
    page.click("#clear-filters")
    # persona: one heat-map row, and the unmet need of the housebound senior is listed
    choose(page, "#persona-filter", SALON + "HomeboundSenior")
    assert page.locator("#persona-process tr[data-iri]").count() == 1
    assert "unmet-need" in [g["rule"] for g in shown_findings(page)]
    assert sum(int(g["count"]) for g in shown_findings(page)) < everything
    page.click("#clear-filters")
    # process: its own findings are in, other brands' are out
    choose(page, "#process-filter", TEL + "InstallService")
    rules = {g["rule"] for g in shown_findings(page)}
    assert {"ownerless-process", "unmeasured-process"} <= rules
    foci = page.eval_on_selector_all(
        "#findings tbody tr td:first-child a", "as => as.map(a => a.title)"
    )
    assert not [f for f in foci if f.startswith((SALON, CARS))]
    assert page.locator("#persona-process th.col[data-iri]").count() == 1
    page.screenshot(path=str(SHOTS / "dashboard-process-filter.png"), full_page=True)
    page.click("#clear-filters")


@pytest.mark.browser
def test_persona_process_heatmap(page: Any, kg: KnowledgeGraph) -> None:
    columns = page.eval_on_selector_all(
        "#persona-process th.col[data-iri]", "ths => ths.map(t => t.dataset.iri)"
    )
    for finding in kg.gaps(["inside-out-process"]):
        assert finding.focus in columns  # inside-out processes are columns too
    buttons = page.locator("#persona-process td.cell button")
    assert buttons.count() == page.locator("#persona-process td.cell").count() > 10
    assert all(t for t in buttons.evaluate_all("bs => bs.map(b => b.title)"))
    # the cell Family household x Install service: the needs the process meets
    met = {
        str(r["need"].value)
        for r in kg.query(
            f"SELECT ?need WHERE {{ <{TEL}Household> <{CX}hasNeed> ?need . "
            f"<{TEL}InstallService> <{CX}meetsNeed> ?need }}"
        )
    }
    cell = page.locator(
        f"#persona-process tr[data-iri='{TEL}Household'] td[data-process='{TEL}InstallService']"
    )
    assert cell.get_attribute("data-count") == str(len(met))
    assert f"{len(met)} of" in cell.locator("button").get_attribute("title")
    cell.locator("button").click()
    detail = page.locator("#detail")
    assert detail.is_visible()
    listed = detail.locator("ul").first.locator("a").evaluate_all("as => as.map(a => a.title)")
    assert set(listed) == met
    assert "ownerless-process" in detail.inner_text()  # the gaps behind the cell
    # the unmet column agrees with the unmet-need findings
    unmet = {f.focus for f in kg.gaps(["unmet-need"])}
    senior = page.locator(f"#persona-process tr[data-iri='{SALON}HomeboundSenior'] td.unmet")
    needs = {
        str(r["n"].value)
        for r in kg.query(f"SELECT ?n {{ <{SALON}HomeboundSenior> <{CX}hasNeed> ?n }}")
    }
    assert senior.get_attribute("data-count") == str(len(needs & unmet))
    assert "✗" in senior.inner_text()  # not colour alone


@pytest.mark.browser
def test_promise_experience_heatmap(page: Any, kg: KnowledgeGraph) -> None:
    without = {f.focus for f in kg.gaps(["promise-without-experience"])}
    for promise in without:
        row = page.locator(f"#promise-experience tr[data-iri='{promise}']")
        assert "✗ none" in row.inner_text()
    below = kg.gaps(["experience-below-promise"])
    assert page.locator("#promise-experience td.bad button:has-text('✗')").count() >= 1
    page.locator("#promise-experience td.bad button", has_text=re.compile(r"✗ \d")).first.click()
    text = page.locator("#detail").inner_text()
    assert "below" in text
    assert any(f.rule == "experience-below-promise" for f in below)
    assert "experience-below-promise" in text


@pytest.mark.browser
def test_keyboard_reaches_a_heatmap_cell(page: Any) -> None:
    page.locator("#detail").evaluate("d => d.hidden = true")
    first = page.locator("#persona-process td.cell button").first
    first.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.locator("#detail").is_visible()
    assert page.evaluate("document.activeElement.id") == "detail-title"


@pytest.mark.browser
def test_value_chain_of_a_persona_in_fixed_layers(page: Any, kg: KnowledgeGraph) -> None:
    choose(page, "#chain-focus", TEL + "Household")
    page.wait_for_timeout(300)
    nodes = page.evaluate(
        """() => window.cxChain.nodes('[!header]').map(n => ({
            id: n.id(), kind: n.data('kind'), x: n.position('x'), gap: n.data('gap'),
            label: n.data('label')}))"""
    )
    ids = {n["id"] for n in nodes}
    needs = {
        str(r["n"].value) for r in kg.query(f"SELECT ?n {{ <{TEL}Household> <{CX}hasNeed> ?n }}")
    }
    assert {TEL + "Household", TEL + "InstallService"} | needs <= ids
    assert SALON + "WalkInRegular" not in ids
    # one column per kind, in the chain's order
    order = ["Brand", "BrandPromise", "ValueProposition", "Persona", "Need", "Offering",
             "Process", "MomentOfTruth", "Experience"]  # fmt: skip
    xs: dict[str, set[float]] = {}
    for n in nodes:
        xs.setdefault(n["kind"], set()).add(n["x"])
    assert all(len(v) == 1 for v in xs.values()), xs
    present = [k for k in order if k in xs]
    assert [min(xs[k]) for k in present] == sorted(min(xs[k]) for k in present)
    assert len(present) == 9
    # gaps: red outline and a ⚠ in the label (not colour alone), explained by the legend
    gaps = {f.focus for f in kg.findings}
    for n in nodes:
        assert (n["gap"] == 1) == (n["id"] in gaps)
        assert n["label"].startswith("⚠") == (n["id"] in gaps)
    legend = page.locator("#chain-legend").inner_text()
    assert "has a gap" in legend and "Moment of truth" in legend
    page.locator("#chain-section").screenshot(path=str(SHOTS / "chain-persona.png"))
    # selecting a node lists its neighbours in the chain and its gaps
    page.evaluate(f"() => {{ window.cxChain.$id('{TEL}InstallService').emit('tap'); }}")
    detail = page.locator("#detail").inner_text()
    assert "Downstream in the chain" in detail and "ownerless-process" in detail
    assert page.locator("#chain-list li").count() == len(nodes)


@pytest.mark.browser
def test_whole_chain_labels_do_not_overlap(page: Any) -> None:
    choose(page, "#chain-focus", "")
    page.wait_for_timeout(300)
    overlaps = page.evaluate(OVERLAPS)
    assert overlaps == 0
    assert page.evaluate("window.cxChain.nodes('[!header]').length") > 100
    assert page.evaluate("12 * window.cxChain.zoom()") >= 8  # rendered font size, px
    page.locator("#chain-section").screenshot(path=str(SHOTS / "chain-whole.png"))


@pytest.mark.browser
def test_entity_page_from_a_finding(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/telecom#InstallService")
    page.wait_for_selector("article.entity")
    assert "iri=" in page.url
    assert page.locator("h1").inner_text() == "Install service"
    assert page.locator("tr.inferred").count() > 0
    assert page.locator("a.gap-link").count() > 0
    page.screenshot(path=str(SHOTS / "entity.png"), full_page=True)
    page.go_back()
    page.goto(live_server.url + "/")
    page.wait_for_selector("body[data-ready]")


@pytest.mark.browser
def test_nothing_is_loaded_from_outside(page: Any, live_server: LiveServer) -> None:
    assert page.requests
    outside = [u for u in page.requests if not u.startswith(live_server.url)]
    assert outside == []
    assert page.errors == []


def chain_model(path: Path) -> Path:
    """A model whose value chain has a little over 200 nodes, with long labels."""
    lines = [
        "@prefix cx: <https://w3id.org/cxgraph#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix : <https://example.org/big#> .",
    ]

    def label(iri: str, text: str) -> None:
        lines.append(f':{iri} rdfs:label "{text}"@en .')

    for b in range(2):
        label(f"B{b}", f"Brand number {b} of the big model")
        for p in range(3):
            lines.append(f":B{b} cx:hasPromise :P{b}{p} .")
            label(f"P{b}{p}", f"Promise {b}.{p}: always there when it matters")
    for v in range(8):
        lines.append(f":V{v} cx:expresses :P{v % 2}{v % 3} .")
        label(f"V{v}", f"Value proposition {v} for busy customers")
        for k in (2 * v, 2 * v + 1):
            lines.append(f":V{v} cx:targets :Persona{k} .")
    for k in range(16):
        label(f"Persona{k}", f"Persona {k}, a customer segment")
        for n in range(4):
            lines.append(f":Persona{k} cx:hasNeed :N{4 * k + n} .")
    for n in range(64):
        label(f"N{n}", f"Need {n}: to be told what happens next")
        lines.append(f":O{n % 40} cx:fulfils :N{n} .")
    for o in range(40):
        label(f"O{o}", f"Offering {o} with a fairly long name")
        lines.append(f":Proc{o % 12} cx:delivers :O{o} .")
    for r in range(12):
        label(f"Proc{r}", f"End-to-end process {r}")
        for m in range(3):
            lines.append(f":Proc{r} cx:hasStep :M{3 * r + m} .")
    for m in range(36):
        lines.append(f":M{m} a cx:MomentOfTruth .")
        label(f"M{m}", f"Moment of truth {m}: the customer waits")
    for e in range(24):
        lines.append(f":E{e} cx:occursAt :M{e} ; cx:realises :P0{e % 3} ; cx:score 6.5 .")
        label(f"E{e}", f"Experience {e} at the counter")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.browser
@pytest.mark.server
def test_chain_of_200_nodes_is_readable(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.api.conftest import start_server, stop_server

    model = chain_model(tmp_path_factory.mktemp("big") / "big.ttl")
    server = start_server("--data", str(model))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        page.wait_for_selector("body[data-ready='true']", timeout=30_000)
        choose(page, "#chain-focus", "")
        page.wait_for_timeout(300)
        assert page.evaluate("window.cxChain.nodes('[!header]').length") >= 200
        assert page.evaluate(OVERLAPS) == 0
        assert page.evaluate("12 * window.cxChain.zoom()") >= 8
        page.locator("#chain-section").screenshot(path=str(SHOTS / "chain-200.png"))
    finally:
        context.close()
        stop_server(server)
