"""``cxgraph gaps --format html``: one standalone page to share without a server."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxgraph.cli import app
from tests.conftest import GAP_FIXTURES

runner = CliRunner()
TRIGGER = str(GAP_FIXTURES / "unmet-need" / "trigger.ttl")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "srcset", "data", "poster"):
                self.addresses.append((tag, name, value or ""))


def report(tmp_path: Path, *args: str) -> tuple[int, str]:
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["gaps", "--format", "html", "-o", str(page), *args])
    assert result.stdout == ""
    return result.exit_code, page.read_text(encoding="utf-8")


def test_report_is_standalone_and_requests_nothing(tmp_path: Path) -> None:
    code, page = report(tmp_path)
    assert code == 1  # the samples have error findings, as for the table
    assert page.startswith("<!DOCTYPE html>")
    links = _Links()
    links.feed(page)
    assert links.addresses, "the page links its own sections"
    for tag, name, value in links.addresses:
        assert value.startswith("#"), (tag, name, value)  # nothing outside the page
    assert "script" not in links.tags and "link" not in links.tags
    assert "iframe" not in links.tags and "img" not in links.tags
    assert not re.search(r"@import|url\(", page)
    assert "<!DOCTYPE svg" not in page  # the SVG's DTD address is dropped


def test_report_has_the_findings_errors_first_with_counts(tmp_path: Path) -> None:
    _, page = report(tmp_path)
    findings = json.loads(runner.invoke(app, ["gaps", "-f", "json"]).stdout)
    assert f"Summary: {len(findings)} findings" in page
    text = unescape(page)
    for finding in findings:
        assert finding["message"] in text
    sections = re.findall(
        r"<details open id='rule-([\w-]+)'><summary><span class='sev (\w+)'", page
    )
    severities = [severity for _, severity in sections]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert len(sections) == len({f["rule"] for f in findings})
    unmet = sum(1 for f in findings if f["rule"] == "unmet-need")
    assert f"<code>unmet-need</code></td><td>{unmet}</td>" in page
    errors = sum(1 for f in findings if f["severity"] == "error")
    assert f"<div class='card error'><b>{errors}</b>errors</div>" in page


def test_report_heat_map_counts_needs_met_and_unmet(tmp_path: Path) -> None:
    _, page = report(tmp_path, "--data", TRIGGER)
    heat = page.split("<table class='heat'>")[1].split("</table>")[0]
    row = heat.split("Commuter</th>")[1].split("</tr>")[0]
    assert "✗ 2</td>" in row  # both of the commuter's needs are unmet
    assert "Installed within a week" in row and "Reliable connection" in row  # tooltips
    _, page = report(tmp_path)
    heat = page.split("<table class='heat'>")[1].split("</table>")[0]
    assert "Design and build the network</th>" in heat  # an inside-out process is a column


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_report_embeds_the_chain_as_inline_svg(tmp_path: Path) -> None:
    _, page = report(tmp_path)
    chain = page.split("<h2 id='chain'>")[1]
    assert chain.split("<div class='chain'>")[1].lstrip().startswith("<svg")
    assert "GAP: unmet-need" in unescape(chain)


def test_report_without_graphviz_says_how_to_get_the_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, page = report(tmp_path, "--data", TRIGGER)
    assert code == 1
    assert "apt-get install graphviz" in page and "<svg" not in page
