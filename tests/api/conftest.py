"""HTTP test fixtures: an in-process TestClient and a real uvicorn server on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxgraph import resources
from cxgraph.api import create_app
from cxgraph.config import Settings

SAMPLES = tuple(resources.sample_files())


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """The app over the bundled samples, in process."""
    with TestClient(create_app(Settings(data=SAMPLES))) as test_client:
        yield test_client


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]


def start_server(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60.0
) -> LiveServer:
    """Start ``cxgraph serve`` as a real process and wait for /health."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cxgraph",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"cxgraph serve exited: {stderr}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as response:
                if response.status == 200:
                    return LiveServer(url, process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("cxgraph serve did not become healthy")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    if server.process.stderr:
        server.process.stderr.close()


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """A real ``cxgraph serve`` over the samples on a free loopback port."""
    server = start_server(*[arg for p in SAMPLES for arg in ("--data", str(p))])
    yield server
    stop_server(server)


def sample_paths() -> tuple[Path, ...]:
    return SAMPLES
