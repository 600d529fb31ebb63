"""A start on a store directory still locked by an exiting process waits for it (logged
retries) instead of failing, and gives up with the store's error when the lock stays."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxgraph.api import app as app_module
from cxgraph.config import Settings
from cxgraph.errors import StoreError

from .conftest import SAMPLES

HOLD = (
    "import sys, time, pyoxigraph as ox\n"
    "s = ox.Store(sys.argv[1]); print('held', flush=True); time.sleep(float(sys.argv[2]))\n"
)


def hold(store: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    holder.wait()
    if holder.stdout is not None:
        holder.stdout.close()


def test_a_start_waits_for_a_lock_held_by_an_exiting_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = tmp_path / "store"
    holder = hold(store, 1.0)
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="cxgraph.api.app"):
            kg = app_module._build(Settings(data=SAMPLES, store_path=store))
    finally:
        release(holder)
    assert len(kg.store) > 0
    assert time.monotonic() - started >= 0.5
    assert any("retrying" in record.getMessage() for record in caplog.records)


def test_a_lock_that_stays_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    holder = hold(store, 5.0)
    monkeypatch.setattr(app_module, "STORE_OPEN_WAIT", 0.5)
    try:
        with pytest.raises(StoreError, match="cannot open the store"):
            app_module._build(Settings(data=SAMPLES, store_path=store))
    finally:
        holder.kill()
        release(holder)
