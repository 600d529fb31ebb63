"""Start real SPARQL servers on loopback for the remote-store tests and benchmarks.

``oxigraph_server`` runs the Oxigraph server binary of the ``oxigraph`` package (the dev
extra); ``virtuoso_server`` runs Debian's Virtuoso open source (``virtuoso-t``, installed
by ``scripts/install-dev.sh``) with a database, ports and limits of its own, and lets its
anonymous SPARQL user update (a throwaway loopback instance; see docs/deployment.md for a
real one). Each yields the store URL and stops the server on exit.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cxgraph.errors import StoreError
from cxgraph.store.location import RemoteLocation
from cxgraph.store.remote import RemoteStore

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            RemoteStore(RemoteLocation.parse(url, timeout=2)).check()
            return
        except StoreError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url}: the server did not start") from None
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def oxigraph_server(location: Path | None) -> Iterator[str]:
    """``oxigraph serve`` on a free loopback port (on disk at ``location``, else in memory)."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server binary is missing: pip install -e '.[dev]'")
    port = free_port()
    command = [binary, "serve", "--bind", f"127.0.0.1:{port}"]
    if location is not None:
        command += ["--location", str(location)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, 30)
        yield url
    finally:
        _stop(process)


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = {dir}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


@contextmanager
def virtuoso_server(directory: Path) -> Iterator[str]:
    """Virtuoso on free loopback ports with its database in ``directory``; the URL is its
    ``/sparql`` endpoint, which may update."""
    if VIRTUOSO is None or ISQL is None:
        raise RuntimeError("virtuoso-t is missing: bash scripts/install-dev.sh")
    directory.mkdir(parents=True, exist_ok=True)
    sql, http = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(dir=directory, sql=sql, http=http), encoding="utf-8")
    process = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(ini)],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{http}/sparql"
    try:
        _wait_ready(url, process, 90)
        grant = 'GRANT SPARQL_UPDATE TO "SPARQL";'
        subprocess.run(
            [ISQL, str(sql), "dba", "dba", f"exec={grant}"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield url
    finally:
        _stop(process)


def empty(location: RemoteLocation) -> None:
    """Drop every graph cxgraph can see (not Virtuoso's own)."""
    store = RemoteStore(location)
    for graph in store.named_graphs():
        store.remove_graph(graph)
