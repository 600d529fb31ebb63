"""Warnings: nothing read is lost silently (ill-typed literals, undefined cx: terms, files
with no triples, axioms outside OWL 2 RL); --strict turns them into exit 2; no traceback
reaches a user."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxgraph import build_knowledge_graph, cli
from cxgraph.api.app import create_app
from cxgraph.config import Settings
from cxgraph.pipeline import StrictError
from tests.conftest import FIXTURES

SILENT = FIXTURES / "silent" / "ill-typed-and-misspelt.ttl"
EMPTY = FIXTURES / "silent" / "empty.ttl"


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the console entry point as a user would, in process."""
    monkeypatch.setattr(sys, "argv", ["cxgraph", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def test_ill_typed_literals_and_misspelt_terms_are_named_with_file_and_line() -> None:
    kg = build_knowledge_graph([SILENT])
    shown = [str(w) for w in kg.warnings]
    assert shown == [
        f'{SILENT}:6: cx:score "high" is not a valid xsd:decimal: rules that compare it '
        "cannot use it",
        f'{SILENT}:7: cx:score "eight"^^xsd:decimal is not a valid xsd:decimal: rules that '
        "compare it cannot use it",
        f"{SILENT}:8: cx:hasNeeds is not defined by the cxgraph ontology, so nothing reads "
        "it; did you mean cx:hasNeed?",
        f"{SILENT}:9: cx:Persone is not defined by the cxgraph ontology, so nothing reads "
        "it; did you mean cx:Persona?",
    ]


def test_a_file_with_no_triples_is_named() -> None:
    kg = build_knowledge_graph([EMPTY])
    assert [str(w) for w in kg.warnings] == [f"{EMPTY}: the file holds no triples"]


def test_clean_samples_have_no_warnings() -> None:
    assert build_knowledge_graph().warnings == []


def test_strict_refuses_and_keeps_nothing_in_a_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with pytest.raises(StrictError) as raised:
        build_knowledge_graph([SILENT], store_path=store, strict=True)
    assert len(raised.value.warnings) == 4
    kg = build_knowledge_graph(store_path=store)  # nothing of SILENT was kept
    assert not any("silent" in g.value for g in kg.store.data_graphs())


@pytest.mark.parametrize("command", ["gaps", "reason", "query", "validate"])
def test_commands_print_warnings_on_stderr_and_strict_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    extra = ["ASK {}"] if command == "query" else []
    code, _out, err = run_main(monkeypatch, capsys, command, *extra, "--data", str(SILENT))
    assert f"warning: {SILENT}:8: cx:hasNeeds" in err
    assert "Traceback" not in err
    assert code in (0, 1)
    code, _out, err = run_main(
        monkeypatch, capsys, command, *extra, "--data", str(SILENT), "--strict"
    )
    assert code == 2
    assert "4 warning(s) and --strict" in err


def test_unexpected_error_is_one_line_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli.shared, "build_knowledge_graph", broken)
    code, _out, err = run_main(monkeypatch, capsys, "gaps", "--data", str(EMPTY))
    assert code == 2
    assert "Traceback" not in err
    assert "unexpected RuntimeError: boom" in err and "--debug" in err
    monkeypatch.setattr(sys, "argv", ["cxgraph", "gaps", "--debug"])
    with pytest.raises(RuntimeError, match="boom"):
        cli.main()


def test_health_reports_warnings() -> None:
    with TestClient(create_app(Settings(data=(SILENT,)))) as client:
        body = client.get("/health").json()
    assert len(body["warnings"]) == 4
    assert any("cx:Persone" in w for w in body["warnings"])


RDF_FIXTURES = sorted(
    p for p in FIXTURES.rglob("*") if p.suffix in (".ttl", ".trig") and p.is_file()
)


@pytest.mark.parametrize("path", RDF_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_no_fixture_makes_a_command_print_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "gaps", "--data", str(path), "-f", "json")
    assert "Traceback" not in err + out
    assert code in (0, 1, 2)
    assert code != 2 or err.startswith("error:")
