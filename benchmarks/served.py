"""A real ``cxgraph serve`` on a free loopback port, for the HTTP benchmarks."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(data: Sequence[Path]) -> Iterator[str]:
    """A real ``cxgraph serve`` process; yields its base URL."""
    port = free_port()
    args = [sys.executable, "-m", "cxgraph", "serve", "--host", "127.0.0.1", "--port", str(port)]
    args += [a for path in data for a in ("--data", str(path))]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("cxgraph serve did not become healthy")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
