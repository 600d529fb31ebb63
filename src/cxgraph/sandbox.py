"""Evaluation under a deadline, in worker processes the server can kill.

pyoxigraph cannot interrupt a query and a thread cannot be killed, so request-path
evaluations run in worker processes forked from the server: copy-on-write, so a worker
sees the store exactly as it was at the fork, at no load cost. Workers are kept and reused
while the knowledge graph does not change (``version``); after a write the next request
gets a freshly forked worker. The parent sends a registered evaluation's name and
arguments, waits until the deadline, and on expiry kills the worker: CPU is back to idle
at once and the server lives on. At most ``workers`` evaluations run at a time and
``queue_size`` more may wait; beyond that a request is refused at once (the caller
answers 503 with Retry-After). Each worker has an address-space cap, so a
string-doubling query fails cleanly.

What workers evaluate against is *published*: after a write commits, the writer calls
:meth:`Sandbox.publish` with the new version and a context (the knowledge graph a worker
sees; with an on-disk store an in-memory snapshot of it, so that no worker ever touches a
forked RocksDB handle). Publishing retires the idle workers of older versions and forks
fresh ones at once, so that reads during the next write are answered by workers of the
last committed state and need no fork. A worker forked later (after one was killed) is
forked under ``fork_lock`` when the context can change in place (in-memory mode), so no
worker starts mid-write. What runs inside a worker, and the framing on its pipes, is
:mod:`cxgraph.sandbox_worker`.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from functools import partial

from cxgraph.errors import CxGraphError, InputError, QueryError
from cxgraph.sandbox_worker import (
    CHUNK,
    HEADER,
    INPUT_ERROR,
    OK,
    QUERY_ERROR,
    Evaluation,
    send_answer,
    send_request,
    serve,
)


class EvaluationTimeout(CxGraphError):
    """The evaluation ran past its deadline and was stopped."""


class Overloaded(CxGraphError):
    """Too many evaluations are running or waiting; try again shortly."""


class ResourceLimit(CxGraphError):
    """The evaluation needed more memory than a worker may use."""


@dataclass
class _Worker:
    pid: int
    requests: int  # parent's write end
    answers: int  # parent's read end
    version: object


_UNPUBLISHED = object()
PREFORK = 4
"""Workers forked at each publication at most (each fork costs a few milliseconds of the
write that publishes)."""


class Sandbox:
    """A pool of forked workers running registered evaluations with a deadline, bounded
    concurrency and a per-worker memory cap."""

    def __init__(
        self,
        *,
        deadline: float = 30.0,
        workers: int = 2,
        queue_size: int = 16,
        memory_limit: int | None = 2 * 1024**3,
        fork_lock: AbstractContextManager[object] | None = None,
        version: Callable[[], object] = lambda: 0,
    ) -> None:
        self.deadline = deadline
        self.busy = 0
        self._slots = threading.BoundedSemaphore(workers)
        self._waiting = 0
        self._max_waiting = queue_size
        self._guard = threading.Lock()
        self._memory_limit = memory_limit
        self._fork_lock = fork_lock
        self._version = version
        self._workers = workers
        self._registry: dict[str, Evaluation] = {}
        self._contextual: set[str] = set()
        self._streaming: set[str] = set()
        self._idle: list[_Worker] = []
        self._all: dict[int, _Worker] = {}
        self._published: tuple[object, object] = (_UNPUBLISHED, None)
        self._closed = False

    def register(
        self,
        name: str,
        evaluation: Evaluation,
        *,
        contextual: bool = False,
        streaming: bool = False,
    ) -> None:
        """Make ``evaluation`` callable by name in workers forked from now on; a
        ``contextual`` one gets the published context as its first argument, a
        ``streaming`` one then an ``emit(bytes)`` function (see :meth:`stream`)."""
        self._registry[name] = evaluation
        if contextual:
            self._contextual.add(name)
        if streaming:
            self._streaming.add(name)
        self.retire()

    def publish(self, version: object, context: object, *, prefork: int | None = None) -> None:
        """Make ``context`` (at ``version``) what workers evaluate against from now on:
        retire idle workers of other versions and fork ``prefork`` (default: as many as
        may run at once, at most ``PREFORK``) fresh ones. Call it where ``context`` is
        consistent (a writer holding the store lock, or before serving)."""
        with self._guard:
            if self._closed:
                return
            self._published = (version, context)
        self.retire()
        for _ in range(min(self._workers, PREFORK) if prefork is None else prefork):
            worker = self._fork()
            with self._guard:
                self._idle.append(worker)

    @property
    def version(self) -> object:
        """The version workers are forked at now."""
        return self._current()[0]

    def _current(self) -> tuple[object, object]:
        """The published version and context, read together."""
        version, context = self._published
        return (self._version() if version is _UNPUBLISHED else version), context

    @property
    def waiting(self) -> int:
        """How many evaluations wait for a worker."""
        return self._waiting

    def run(self, name: str, *args: object, deadline: float | None = None) -> bytes:
        """Run a registered evaluation in a worker; the bytes it returns, or
        EvaluationTimeout, Overloaded, ResourceLimit, or the QueryError/InputError it
        raised. ``args`` must pickle. A client may only ask for a shorter deadline."""
        chunks = list(self.stream(name, *args, deadline=deadline))
        return b"".join(chunks)

    def stream(
        self, name: str, *args: object, deadline: float | None = None
    ) -> Generator[bytes, None, None]:
        """Like :meth:`run`, but the answer comes as it is made: a ``streaming``
        evaluation gets an ``emit`` function (after the context, if any) whose chunks are
        yielded here at once; its return value is the last chunk. The deadline covers the
        whole stream, and the worker's slot is held until the stream ends. Closing the
        iterator early kills the worker."""
        if name not in self._registry:
            raise QueryError(f"no evaluation named {name!r}")
        if self._closed:
            raise Overloaded("the server is shutting down")
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
        worker: _Worker | None = None
        finished = False
        try:
            worker = self._checkout()
            deadline_at = started + limit
            try:
                send_request(worker.requests, pickle.dumps((name, args)))
                while True:
                    answer = _receive(worker.answers, deadline_at)
                    if answer[0] != CHUNK:
                        break
                    yield answer[HEADER.size :]
            except EvaluationTimeout:
                raise EvaluationTimeout(f"the query ran past its deadline of {limit:g} s") from None
            except (ResourceLimit, OSError) as error:  # OSError: a worker close() killed
                if self._closed:
                    raise Overloaded("the server is shutting down; retry shortly") from None
                if isinstance(error, ResourceLimit):
                    raise
                raise ResourceLimit("the query worker stopped without an answer") from None
            finished = True
            last = _unpack(answer)
            if last:
                yield last
        finally:
            if worker is not None:
                with self._guard:
                    reusable = finished and worker.version == self.version and not self._closed
                    if reusable:
                        self._idle.append(worker)
                if not reusable:
                    self._discard(worker)
            with self._guard:
                self.busy -= 1
            self._slots.release()

    def retire(self) -> None:
        """Stop every idle worker (the next requests fork fresh ones)."""
        with self._guard:
            idle, self._idle = self._idle, []
        for worker in idle:
            self._discard(worker)

    def close(self) -> None:
        """Stop all workers (busy ones too: their callers get ResourceLimit) and refuse
        new evaluations."""
        with self._guard:
            self._closed = True
        self.retire()
        for worker in list(self._all.values()):
            self._discard(worker)

    def _checkout(self) -> _Worker:
        if self._closed:  # closed while this caller waited for a slot
            raise Overloaded("the server is shutting down")
        current = self.version
        stale: list[_Worker] = []
        chosen: _Worker | None = None
        with self._guard:
            while self._idle:
                worker = self._idle.pop()
                if worker.version == current:
                    chosen = worker
                    break
                stale.append(worker)
        for worker in stale:
            self._discard(worker)
        return chosen if chosen is not None else self._fork()

    def _fork(self) -> _Worker:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        own = {request_read, request_write, answer_read, answer_write}
        with self._guard:
            others = [
                fd for w in self._all.values() for fd in (w.requests, w.answers) if fd not in own
            ]
        if self._fork_lock is not None:
            with self._fork_lock:
                version, context = self._current()
                pid = os.fork()
        else:
            version, context = self._current()
            pid = os.fork()
        if pid == 0:  # the worker
            for fd in (request_write, answer_read, *others):
                with suppress(OSError):
                    os.close(fd)
            emit = partial(send_answer, answer_write, CHUNK)
            registry = {}
            for name, evaluation in self._registry.items():
                leading = [context] if name in self._contextual else []
                leading += [emit] if name in self._streaming else []
                registry[name] = partial(evaluation, *leading) if leading else evaluation
            serve(request_read, answer_write, registry, self._memory_limit)
        os.close(request_read)
        os.close(answer_write)
        worker = _Worker(pid, request_write, answer_read, version)
        with self._guard:
            self._all[pid] = worker
        return worker

    def _discard(self, worker: _Worker) -> None:
        with suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)
        with self._guard:
            self._all.pop(worker.pid, None)
        for fd in (worker.requests, worker.answers):
            with suppress(OSError):
                os.close(fd)


def _receive(fd: int, deadline_at: float) -> bytes:
    """One whole answer (header and payload), or EvaluationTimeout / ResourceLimit."""
    buffer = bytearray()
    needed = HEADER.size
    while len(buffer) < needed:
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            raise EvaluationTimeout("deadline")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, min(needed - len(buffer), 1 << 20))  # never into the next answer
        if not chunk:
            raise ResourceLimit("the query worker stopped without an answer (memory limit?)")
        buffer += chunk
        if len(buffer) >= HEADER.size:
            needed = HEADER.size + HEADER.unpack_from(buffer)[1]
    return bytes(buffer[:needed])


def _unpack(answer: bytes) -> bytes:
    status, length = HEADER.unpack_from(answer)
    payload = answer[HEADER.size : HEADER.size + length]
    if status == OK:
        return payload
    message = payload.decode(errors="replace")
    if status == QUERY_ERROR:
        raise QueryError(message)
    if status == INPUT_ERROR:
        raise InputError(message)
    if "memory" in message.lower():
        raise ResourceLimit("the query needed more memory than a worker may use")
    raise QueryError(message)
