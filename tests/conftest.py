"""Shared fixtures: paths to the bundled resources and the gap-rule fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GAP_FIXTURES = FIXTURES / "gaps"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden files (the GraphQL SDL) instead of comparing with them",
    )


def gap_fixture_cases() -> list[tuple[str, str, list[str]]]:
    """(rule, file stem, expected focus IRIs) for every gap fixture."""
    cases = []
    for folder in sorted(GAP_FIXTURES.iterdir()):
        expected = json.loads((folder / "expected.json").read_text())
        for stem, foci in sorted(expected.items()):
            cases.append((folder.name, stem, sorted(foci)))
    return cases


@pytest.fixture
def tmp_model(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a Turtle model into a temporary file and return its path."""

    def write(text: str, name: str = "model.ttl") -> Path:
        path = tmp_path / name
        path.write_text(
            "@prefix cx: <https://w3id.org/cxgraph#> .\n"
            "@prefix ex: <https://example.org/t#> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + text
            if name.endswith(".ttl")
            else text,
            encoding="utf-8",
        )
        return path

    return write
