"""Evaluation under a deadline: each request-path query runs in a forked child process.

pyoxigraph cannot interrupt a query, and a thread cannot be killed, so a query that would
run past its deadline must live in a process the server can kill. The child is forked
from the server (copy-on-write, so it sees the store as it is, at no load cost), runs the
evaluation, writes the serialised answer to a pipe and exits. The parent waits until the
deadline, then kills the child: CPU is back to idle at once and the server lives on.
At most ``workers`` evaluations run at a time; ``queue_size`` more may wait; beyond that a
request is refused at once (the caller answers 503 with Retry-After). Each child has an
address-space cap so a string-doubling query fails cleanly.

Forks happen under the store's write lock, so no child ever starts mid-write.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import struct
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress

from cxgraph.errors import CxGraphError, InputError, QueryError

_HEADER = struct.Struct("!BQ")
_OK, _QUERY_ERROR, _INPUT_ERROR, _OTHER_ERROR = 0, 1, 2, 3


class EvaluationTimeout(CxGraphError):
    """The evaluation ran past its deadline and was stopped."""


class Overloaded(CxGraphError):
    """Too many evaluations are running or waiting; try again shortly."""


class ResourceLimit(CxGraphError):
    """The evaluation needed more memory than a worker may use."""


class Sandbox:
    """Runs callables in forked children with a deadline, bounded concurrency and a
    per-child memory cap."""

    def __init__(
        self,
        *,
        deadline: float = 30.0,
        workers: int = 2,
        queue_size: int = 16,
        memory_limit: int | None = 2 * 1024**3,
        fork_lock: AbstractContextManager[object] | None = None,
    ) -> None:
        self.deadline = deadline
        self.busy = 0
        self._slots = threading.BoundedSemaphore(workers)
        self._waiting = 0
        self._max_waiting = queue_size
        self._guard = threading.Lock()
        self._memory_limit = memory_limit
        self._fork_lock = fork_lock

    @property
    def waiting(self) -> int:
        """How many evaluations wait for a worker."""
        return self._waiting

    def run(self, evaluate: Callable[[], bytes], deadline: float | None = None) -> bytes:
        """Evaluate in a child; the bytes it returns, or EvaluationTimeout, Overloaded,
        ResourceLimit, or the QueryError/InputError it raised."""
        limit = self.deadline if deadline is None else min(deadline, self.deadline)
        started = time.monotonic()
        with self._guard:
            if self._waiting >= self._max_waiting:
                raise Overloaded("too many queries are waiting; retry shortly")
            self._waiting += 1
        try:
            if not self._slots.acquire(timeout=limit):
                raise EvaluationTimeout(f"no worker became free within {limit:g} s")
        finally:
            with self._guard:
                self._waiting -= 1
        with self._guard:
            self.busy += 1
        try:
            remaining = limit - (time.monotonic() - started)
            return self._fork_and_wait(evaluate, max(remaining, 0.001), limit)
        finally:
            with self._guard:
                self.busy -= 1
            self._slots.release()

    def _fork_and_wait(
        self, evaluate: Callable[[], bytes], remaining: float, limit: float
    ) -> bytes:
        read_end, write_end = os.pipe()
        if self._fork_lock is not None:
            with self._fork_lock:
                pid = os.fork()
        else:
            pid = os.fork()
        if pid == 0:  # child
            os.close(read_end)
            _child(evaluate, write_end, self._memory_limit)
        os.close(write_end)
        try:
            return _collect(pid, read_end, time.monotonic() + remaining, limit)
        finally:
            os.close(read_end)


def _child(evaluate: Callable[[], bytes], fd: int, memory_limit: int | None) -> None:
    status, payload = _OTHER_ERROR, b"evaluation failed"
    try:
        if memory_limit is not None:
            current = _address_space()
            resource.setrlimit(resource.RLIMIT_AS, (current + memory_limit, current + memory_limit))
        payload = evaluate()
        status = _OK
    except QueryError as error:
        status, payload = _QUERY_ERROR, str(error).encode()
    except InputError as error:
        status, payload = _INPUT_ERROR, str(error).encode()
    except MemoryError:
        status, payload = _OTHER_ERROR, b"memory limit"
    except BaseException as error:
        status, payload = _OTHER_ERROR, f"{type(error).__name__}: {error}".encode()
    try:
        view = memoryview(_HEADER.pack(status, len(payload)) + payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os._exit(0)


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _collect(pid: int, fd: int, deadline_at: float, limit: float) -> bytes:
    chunks: list[bytes] = []
    while True:
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            _kill(pid)
            raise EvaluationTimeout(f"the query ran past its deadline of {limit:g} s")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    _, wait_status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if len(data) < _HEADER.size:
        if os.WIFSIGNALED(wait_status):
            raise ResourceLimit("the query needed more memory than a worker may use")
        raise ResourceLimit("the query worker stopped without an answer")
    status, length = _HEADER.unpack_from(data)
    payload = data[_HEADER.size : _HEADER.size + length]
    if status == _OK:
        return payload
    message = payload.decode(errors="replace")
    if status == _QUERY_ERROR:
        raise QueryError(message)
    if status == _INPUT_ERROR:
        raise InputError(message)
    if "memory" in message.lower():
        raise ResourceLimit("the query needed more memory than a worker may use")
    raise QueryError(message)


def _kill(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
