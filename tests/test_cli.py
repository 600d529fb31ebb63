"""The cxgraph command line: output formats, exit codes and error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxgraph.cli import app, expand_variadic
from tests.conftest import GAP_FIXTURES

runner = CliRunner()
TRIGGER = str(GAP_FIXTURES / "unmet-need" / "trigger.ttl")
CLEAN = str(GAP_FIXTURES / "unmet-need" / "clean.ttl")
OWNERLESS = str(GAP_FIXTURES / "ownerless-process" / "trigger.ttl")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("cxgraph ")


def test_gaps_json_is_exactly_the_contract_array() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cxgraph", "gaps", "--data", TRIGGER, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)
    assert proc.stderr == ""
    assert findings and all(
        set(f) == {"rule", "focus", "severity", "message", "evidence"} for f in findings
    )
    assert {"unmet-need"} <= {f["rule"] for f in findings}


def _console(*args: str) -> list[str]:
    return [sys.executable, "-m", "cxgraph", *args]


@pytest.mark.parametrize(("severity", "code"), [("error", 1), ("info", 0)])
def test_console_script_report_is_whole_after_its_fast_exit(
    tmp_path: Path, severity: str, code: int
) -> None:
    # a one-shot report ends with os._exit (its store is left to the OS): what it printed
    # or wrote is flushed first, and the exit code is the report's
    for target in ("stdout", "file"):
        written = tmp_path / f"{severity}.json"
        extra = ["-o", str(written)] if target == "file" else []
        proc = subprocess.run(
            _console("gaps", "--data", TRIGGER, "-f", "json", "--severity", severity, *extra),
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == code, proc.stderr
        report = json.loads(written.read_text() if extra else proc.stdout)
        assert report and {f["severity"] for f in report} == {severity}
    table = subprocess.run(_console("gaps", "--data", TRIGGER), capture_output=True, text=True)
    assert table.returncode == 1 and "findings:" in table.stdout.splitlines()[-1]


def test_closed_stdout_ends_quietly() -> None:
    # `cxgraph gaps | head -1`: the reader goes away before the report is written
    with subprocess.Popen(
        _console("gaps", "--data", TRIGGER, "-f", "csv"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        errors = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 1
    assert errors == ""


def test_in_process_commands_keep_nothing_for_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxgraph.cli import main
    from cxgraph.cli.shared import session

    code, out, _ = run("gaps", "--data", TRIGGER, "-f", "json")
    assert code == 1 and json.loads(out)
    assert session.left_to_exit is None
    # main() in a process that goes on (this one) raises SystemExit, never os._exit
    monkeypatch.setattr(sys, "argv", ["cxgraph", "gaps", "--data", TRIGGER, "-f", "json"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 1 and session.left_to_exit is None


def test_exit_zero_without_error_findings() -> None:
    code, out, _ = run("gaps", "--data", TRIGGER, "--severity", "info", "--format", "json")
    assert code == 0
    assert all(f["severity"] == "info" for f in json.loads(out))


def test_rule_filter_and_formats() -> None:
    code, out, _ = run("gaps", "--data", TRIGGER, "--rule", "unmet-need", "-f", "csv")
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[0] == "rule,severity,focus,message,evidence"
    assert len(lines) == 3 and all(line.startswith("unmet-need,error,") for line in lines[1:])
    code, out, _ = run("gaps", "--data", TRIGGER, "--rule", "unmet-need", "-f", "md")
    assert "## Unmet need (`unmet-need`, error): 2" in out
    code, out, _ = run("gaps", "--data", TRIGGER, "--rule", "unmet-need")
    assert "Unmet need (unmet-need): 2" in out


def test_clean_model_exits_zero_for_that_rule() -> None:
    code, out, _ = run("gaps", "--data", CLEAN, "--rule", "unmet-need", "-f", "json")
    assert code == 0 and json.loads(out) == []


def test_unknown_rule_exits_2() -> None:
    code, _, err = run("gaps", "--data", TRIGGER, "--rule", "nope")
    assert code == 2 and "unknown gap rule nope" in err


def test_syntax_error_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://e/> .\nex:a ex:b .\n")
    code, out, err = run("gaps", "--data", str(bad), "-f", "json")
    assert code == 2 and out == ""
    assert f"{bad}:2:" in err


def test_usage_error_exits_2() -> None:
    code, _, _ = run("gaps", "--format", "yaml")
    assert code == 2


def test_data_takes_several_files() -> None:
    assert expand_variadic(["gaps", "--data", "a.ttl", "b.nt", "-f", "json"]) == [
        "gaps",
        "--data",
        "a.ttl",
        "--data",
        "b.nt",
        "-f",
        "json",
    ]
    assert expand_variadic(["query", "--data", "a.ttl", "SELECT * {}"]) == [
        "query",
        "--data",
        "a.ttl",
        "SELECT * {}",
    ]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cxgraph",
            "gaps",
            "--data",
            TRIGGER,
            OWNERLESS,
            "-f",
            "json",
            "--rule",
            "unmet-need",
            "--rule",
            "ownerless-process",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    rules = sorted(f["rule"] for f in json.loads(proc.stdout))
    assert rules.count("unmet-need") == 2 and "ownerless-process" in rules


def test_query_text_file_and_saved_id(tmp_path: Path) -> None:
    code, out, _ = run(
        "query",
        "--data",
        TRIGGER,
        "-f",
        "json",
        "SELECT (COUNT(*) AS ?n) WHERE { ?p <https://w3id.org/cxgraph#hasNeed> ?x }",
    )
    assert code == 0
    assert int(json.loads(out)["results"]["bindings"][0]["n"]["value"]) >= 2
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?s a <https://w3id.org/cxgraph#Persona> }")
    code, out, _ = run("query", "--data", TRIGGER, str(rq), "-f", "json")
    assert json.loads(out)["boolean"] is True
    code, out, _ = run("query", "--data", TRIGGER, "reports/findings", "-f", "csv")
    assert code == 0 and out.splitlines()[0].startswith("rule,focus,severity,message")
    code, out, _ = run(
        "query",
        "--data",
        TRIGGER,
        "-f",
        "tsv",
        "SELECT ?s WHERE { ?s a <https://w3id.org/cxgraph#Persona> }",
    )
    assert out.splitlines()[0] == "?s"
    code, out, _ = run(
        "query",
        "--data",
        TRIGGER,
        "-f",
        "turtle",
        "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 3",
    )
    assert (code == 0 and " a " in out) or "rdf-syntax-ns#type" in out


def test_query_errors_exit_2() -> None:
    code, _, err = run("query", "--data", TRIGGER, "SELECT WHERE {")
    assert code == 2 and "SPARQL syntax error" in err
    code, _, err = run("query", "--data", TRIGGER, "reports/nope")
    assert code == 2 and "no saved query" in err
    code, _, err = run("query", "--data", TRIGGER, "-f", "turtle", "SELECT * WHERE { ?s ?p ?o }")
    assert code == 2


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads", "json-ld", "nt", "rdf-xml"])
def test_export_formats(tmp_path: Path, fmt: str) -> None:
    out_file = tmp_path / f"out.{fmt}"
    code, _, err = run("export", "--data", TRIGGER, "-f", fmt, "-o", str(out_file))
    assert code == 0, err
    assert out_file.stat().st_size > 100


def test_export_gaps_graph_round_trips(tmp_path: Path) -> None:
    out_file = tmp_path / "gaps.nq"
    run("export", "--data", TRIGGER, "-g", "gaps", "-f", "nquads", "-o", str(out_file))
    text = out_file.read_text()
    assert "<urn:cxgraph:graph:gaps>" in text and "unmet-need" in text
    code, _, err = run("export", "--data", TRIGGER, "-g", "everything")
    assert code == 2 and "unknown graph" in err


def test_reason_prints_rules_and_writes_inferred(tmp_path: Path) -> None:
    out_file = tmp_path / "inferred.ttl"
    code, out, _ = run("reason", "--data", CLEAN, "-o", str(out_file))
    assert code == 0
    assert "prp-spo2 meetsNeed" in out and "triples inferred by rules" in out
    assert "meetsNeed" in out_file.read_text()
    code, out, _ = run("reason", "--data", CLEAN, "--profile", "owlrl")
    assert "triples inferred by owlrl" in out


def test_validate_reports_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix cx: <https://w3id.org/cxgraph#> .\n@prefix ex: <https://e.org/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ex:x a cx:Experience ; rdfs:label "Checkout" ; cx:score 11.0 ; cx:occursAt ex:m .\n'
        'ex:m a cx:MomentOfTruth ; rdfs:label "Pay" .\n'
    )
    code, out, _ = run("validate", "--data", str(bad), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    assert any(
        r["focus"] == "https://e.org/x" and r["path"] == "https://w3id.org/cxgraph#score"
        for r in report["results"]
    )
    code, out, _ = run("validate", "--data", CLEAN, "--format", "json")
    assert code == 0 and json.loads(out)["conforms"] is True


def test_check_passes_on_fixture() -> None:
    code, out, _ = run("check", "--data", CLEAN)
    assert code == 0 and out.strip().endswith("0 violations")


def test_check_flags_undeclared_term(tmp_path: Path) -> None:
    bad = tmp_path / "typo.ttl"
    bad.write_text("<https://e.org/p> <https://w3id.org/cxgraph#hasNeeed> <https://e.org/n> .\n")
    code, out, _ = run("check", "--data", str(bad))
    assert code == 1 and "hasNeeed" in out


def test_rules_lists_catalogue() -> None:
    code, out, _ = run("rules")
    assert code == 0 and len(out.strip().splitlines()) == 15


# -- readable output (issue 15) --------------------------------------------------------

COMMANDS = [
    "gaps",
    "diagram",
    "validate",
    "reason",
    "query",
    "export",
    "check",
    "serve",
    "rules",
    "template",
    "import",
]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_metavars_not_python_types(command: str | None) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0
    text = result.stdout
    for python_type in ("<bool>", "<list[", "<str>", "<path>", "<Path>", "{", "╭"):
        assert python_type not in text, (python_type, text)
    assert "--help  " in text or "--help\n" in text or "--help " in text


def test_help_metavars_read_conventionally() -> None:
    gaps_help = CliRunner().invoke(app, ["gaps", "--help"], env={"COLUMNS": "80"}).stdout
    assert "-q, --quiet" in gaps_help and "-d, --data FILE" in gaps_help
    assert "--severity [error|warning|info]" in gaps_help  # one metavar, on one line
    query_help = CliRunner().invoke(app, ["query", "--help"], env={"COLUMNS": "80"}).stdout
    assert "Usage: cxgraph query [OPTIONS] SPARQL" in " ".join(query_help.split())


LONG_NS = "https://example.org/a/very/long/namespace/for/testing/the/wrapping/of/iris#"


def test_tables_wrap_long_iris_in_80_columns(tmp_path: Path) -> None:
    model = tmp_path / "long.nt"
    model.write_text(
        f"<{LONG_NS}PersonaWithAVeryLongName> <https://w3id.org/cxgraph#hasNeed> "
        f"<{LONG_NS}NeedWithAnEvenLongerNameThanThePersona> .\n"
    )
    runner80 = CliRunner()
    for args in (
        ["gaps", "--data", str(model), "--rule", "unmet-need"],
        ["query", "--data", str(model), "SELECT ?n ?p WHERE { ?p cx:hasNeed ?n }"],
    ):
        result = runner80.invoke(app, args, env={"COLUMNS": "80"}, terminal_width=80)
        lines = result.stdout.splitlines()
        assert lines and all(len(line) <= 80 for line in lines), result.stdout
        assert "…" not in result.stdout, result.stdout
        # the IRI is all there, only folded over lines of its column
        cells = "".join(line.split("│")[1].strip() for line in lines if line.count("│") >= 2)
        assert "NeedWithAnEvenLongerNameThanThePersona" in cells


def test_tables_show_compact_names_from_the_model() -> None:
    code, out, _ = run("gaps", "--data", TRIGGER, "--rule", "unmet-need")
    assert "ex:fastInstall" in out and "https://example.org/fx" not in out.split("│")[1]
    code, out, _ = run(
        "query", "--data", TRIGGER, "SELECT ?p ?n WHERE { ?p cx:hasNeed ?n } ORDER BY ?n"
    )
    assert code == 0 and "ex:commuter" in out and "https://example.org" not in out
    code, out, _ = run("query", "--data", TRIGGER, "-f", "json", "SELECT ?p { ?p cx:hasNeed ?n }")
    assert "https://example.org/fx/unmet-need#commuter" in out  # machine formats: full IRIs


@pytest.mark.parametrize("alias", ["ttl", "turtle", "ntriples", "nt", "jsonld", "json-ld"])
def test_export_takes_format_aliases(tmp_path: Path, alias: str) -> None:
    out_file = tmp_path / "out"
    code, _, err = run("export", "--data", TRIGGER, "-f", alias, "-o", str(out_file))
    assert code == 0, err
    assert out_file.stat().st_size > 100


def test_turtle_export_writes_the_models_prefixes() -> None:
    code, out, _ = run("export", "--data", TRIGGER, "-f", "ttl", "-g", "data")
    assert code == 0
    assert "@prefix cx: <https://w3id.org/cxgraph#> ." in out
    assert "@prefix ex: <https://example.org/fx/unmet-need#> ." in out
    assert "ex:commuter" in out


def test_input_format_and_query_format_aliases(tmp_path: Path) -> None:
    copy = tmp_path / "model.txt"
    copy.write_text(Path(TRIGGER).read_text())
    code, _, err = run("gaps", "--data", str(copy), "--input-format", "ttl", "-f", "json")
    assert code == 1, err  # parsed, and the model has error findings
    for alias in ("ttl", "ntriples", "jsonld"):
        code, out, err = run(
            "query",
            "--data",
            TRIGGER,
            "-f",
            alias,
            "CONSTRUCT { ?p cx:hasNeed ?n } WHERE { ?p cx:hasNeed ?n }",
        )
        assert code == 0 and "commuter" in out, (alias, err)
    code, out, _ = run(
        "query", "--data", TRIGGER, "-f", "ttl", "CONSTRUCT WHERE { ?p cx:hasNeed ?n }"
    )
    assert "@prefix ex:" in out and "ex:commuter" in out


def test_query_on_a_missing_file_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "missing.rq"
    code, _, err = run("query", "--data", TRIGGER, str(missing))
    assert code == 2
    assert "no such query file" in err and str(missing) in err
    assert "syntax" not in err


def test_query_knows_common_and_model_prefixes() -> None:
    code, out, err = run(
        "query",
        "--data",
        TRIGGER,
        "-f",
        "csv",
        "SELECT ?p WHERE { ?p a cx:Persona ; rdfs:label ?l . FILTER(?p = ex:commuter) }",
    )
    assert code == 0, err
    assert out.splitlines()[1:] == ["https://example.org/fx/unmet-need#commuter"]
    code, _, err = run("query", "--data", TRIGGER, "SELECT * { ?p nope:x ?o }")
    assert code == 2 and "'nope:' is not declared" in err
    assert "\\u{" not in err and len(err) < 400


def test_gaps_writes_any_format_to_a_file(tmp_path: Path) -> None:
    out_file = tmp_path / "gaps.json"
    code, out, _ = run("gaps", "--data", TRIGGER, "-f", "json", "-o", str(out_file))
    assert code == 1 and out == ""
    assert {f["rule"] for f in json.loads(out_file.read_text())} >= {"unmet-need"}
    table = tmp_path / "gaps.txt"
    run("gaps", "--data", TRIGGER, "-o", str(table))
    assert "ex:fastInstall" in table.read_text()


def test_validate_and_check_show_compact_names(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix cx: <https://w3id.org/cxgraph#> .\n@prefix ex: <https://e.org/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ex:x a cx:Experience ; rdfs:label "Checkout" ; cx:score 11.0 ; cx:occursAt ex:m .\n'
        'ex:m a cx:MomentOfTruth ; rdfs:label "Pay" .\n'
    )
    code, out, _ = run("validate", "--data", str(bad))
    assert code == 1 and "ex:x" in out and "cx:score" in out and "https://e.org" not in out
    typo = tmp_path / "typo.ttl"
    typo.write_text("<https://e.org/p> <https://w3id.org/cxgraph#hasNeeed> <https://e.org/n> .\n")
    code, out, _ = run("check", "--data", str(typo))
    assert code == 1 and "cx:hasNeeed" in out
