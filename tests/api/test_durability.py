"""Durability: ``cxgraph serve --store DIR`` killed with SIGKILL during a stream of
acknowledged writes loses none of them and half-applies none, three times over.

The rounds are run by ``benchmarks/durability.py`` (the same code as the 20-round
benchmark, whose figures go to the docs); this test checks its outcome, not its timings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.server
@pytest.mark.parametrize("delete_every", [0, 3], ids=["inserts", "inserts-and-deletes"])
def test_kill_9_during_writes_loses_no_acknowledged_write(
    tmp_path: Path, delete_every: int
) -> None:
    figures_file = tmp_path / "durability.json"
    command = [sys.executable, str(BENCH / "durability.py"), "--rounds", "3"]
    command += ["--store", str(tmp_path / "store"), "--json", str(figures_file)]
    command += ["--delete-every", str(delete_every), "--seed", str(11 + delete_every)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert figures_file.exists(), run.stderr[-2000:]
    figures = json.loads(figures_file.read_text())
    assert figures["rounds"] == 3
    assert figures["acknowledged"] > 0  # writes were in flight when the server died
    assert figures["refused"] == 0
    assert figures["lost"] == 0
    assert figures["partial"] == 0
    assert figures["resurrected"] == 0  # an acknowledged delete stays deleted
    assert figures["phantom"] == 0
    assert figures["scratch_graphs"] == []  # no reasoning scratch graph left visible
    if delete_every:
        assert figures["acknowledged_deletes"] > 0
