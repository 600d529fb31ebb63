"""``cxgraph diagram``: the value chain drawn by Graphviz, with its gaps marked."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxgraph.cli import app
from cxgraph.diagram import GAP_COLOUR, LAYERS
from tests.conftest import GAP_FIXTURES

runner = CliRunner()
TRIGGER = str(GAP_FIXTURES / "unmet-need" / "trigger.ttl")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's dot is not installed (bash scripts/install-dev.sh installs it)",
)


def draw(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["diagram", *args])
    return result.exit_code, result.stdout, result.stderr


def test_dot_has_one_fixed_rank_per_layer_and_labels_from_the_model() -> None:
    code, dot, err = draw("-f", "dot")
    assert code == 0, err
    assert dot.startswith("digraph value_chain {") and "rankdir=LR" in dot
    for kind, name in LAYERS:
        assert f"subgraph layer_{kind} {{\n    rank=same;" in dot, kind
        assert f'label="{name.upper()}"' in dot
    # the layer headers are chained, so the layers keep their order even where empty
    headers = " -> ".join(f"h_{kind}" for kind, _ in LAYERS)
    assert headers in dot
    assert 'label="Student house-share"' in dot and 'label="Northline"' in dot
    # a process sits in the process rank, never in the value-proposition rank
    proposition_rank = dot.split("subgraph layer_ValueProposition")[1].split("}")[0]
    assert "Install service" not in proposition_rank


def test_gaps_are_red_dashed_and_marked_with_a_legend() -> None:
    code, dot, _ = draw("-f", "dot", "--data", TRIGGER)
    assert code == 0
    gap_lines = [line for line in dot.splitlines() if "GAP: " in line and "tooltip" in line]
    assert gap_lines, dot
    for line in gap_lines:
        assert 'style="rounded,filled,dashed"' in line and f'color="{GAP_COLOUR}"' in line
    assert any(
        "Installed within a week\\nGAP: " in line and "unmet-need" in line for line in gap_lines
    )
    assert "Legend (" in dot and "red, dashed, marked GAP" in dot
    clean = [line for line in dot.splitlines() if "Commuter" in line and "label=" in line]
    assert clean and "dashed" not in clean[0]


def test_focus_draws_its_chain_up_and_down_only() -> None:
    code, dot, err = draw("-f", "dot", "--focus", "tel:StudentHouse")
    assert code == 0, err
    for upstream_or_downstream in (
        "Northline",  # brand, upstream
        "Connected from move-in day",  # proposition targeting the persona
        "Service installed when\\npromised, and first time\\nright",  # its need
        "Install service",  # the process meeting it
        "Students' installation",  # an experience at that process's moment of truth
    ):
        assert upstream_or_downstream in dot, upstream_or_downstream
    assert "Harbour Motors" not in dot and "Corner Cut" not in dot
    assert "Family household" not in dot  # another persona of the same proposition's brand
    assert "peripheries=2" in dot


def test_unknown_focus_exits_2() -> None:
    code, _, err = draw("-f", "dot", "--focus", "https://example.org/nowhere#x")
    assert code == 2 and "not on the value chain" in err


@needs_dot
def test_svg_is_well_formed_xml_with_the_gaps() -> None:
    code, svg, err = draw("-f", "svg")
    assert code == 0, err
    root = ET.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any(t.startswith("GAP: ") for t in texts) and "Student house-share" in texts


@needs_dot
def test_format_follows_the_output_extension(tmp_path: Path) -> None:
    png = tmp_path / "chain.png"
    code, _, err = draw("--focus", "tel:StudentHouse", "-o", str(png))
    assert code == 0, err
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    dot = tmp_path / "chain.dot"
    assert draw("-o", str(dot))[0] == 0 and dot.read_text().startswith("digraph")


def test_without_graphviz_dot_text_works_and_svg_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    code, dot, _ = draw("-f", "dot", "--data", TRIGGER)
    assert code == 0 and dot.startswith("digraph")
    code, out, err = draw("-f", "svg", "--data", TRIGGER)
    assert code == 2 and out == ""
    assert "apt-get install graphviz" in err and "--format dot" in err
