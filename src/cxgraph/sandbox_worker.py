"""The worker side of :mod:`cxgraph.sandbox`: the loop a forked worker process runs, and
the framing of requests and answers on the two pipes between it and the server.

A request is a length (``LENGTH``) and a pickled ``(name, args)``; an answer is a status and
a length (``HEADER``) and the payload: the evaluation's bytes (``OK``), an error message
(``QUERY_ERROR``, ``INPUT_ERROR``, ``OTHER_ERROR``), or one chunk of a streamed answer
(``CHUNK``) before its last part.
"""

from __future__ import annotations

import gc
import os
import pickle
import resource
import signal
import struct
from collections.abc import Callable

from cxgraph.errors import InputError, QueryError

HEADER = struct.Struct("!BQ")
LENGTH = struct.Struct("!Q")
OK, QUERY_ERROR, INPUT_ERROR, OTHER_ERROR, CHUNK = 0, 1, 2, 3, 4

Evaluation = Callable[..., bytes]


def send_request(fd: int, payload: bytes) -> None:
    """Write one request (length and payload) to the worker's request pipe."""
    _write_all(fd, LENGTH.pack(len(payload)) + payload)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def serve(
    requests: int,
    answers: int,
    registry: dict[str, Evaluation],
    memory_limit: int | None,
) -> None:
    """The worker's loop: one request, one answer, until the parent goes away."""
    try:
        # what the worker inherited is never collected here: no finaliser of the parent's
        # objects (a RocksDB iterator, say) runs in a forked copy, and fewer pages are
        # copied on write
        gc.freeze()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if memory_limit is not None:
            cap = _address_space() + memory_limit
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        while True:
            head = _read_exactly(requests, LENGTH.size)
            if head is None:
                break
            body = _read_exactly(requests, LENGTH.unpack(head)[0])
            if body is None:
                break
            name, args = pickle.loads(body)
            status, payload = _evaluate(registry[name], args)
            send_answer(answers, status, payload)
    finally:
        os._exit(0)


def _evaluate(evaluation: Evaluation, args: tuple[object, ...]) -> tuple[int, bytes]:
    try:
        return OK, evaluation(*args)
    except QueryError as error:
        return QUERY_ERROR, str(error).encode()
    except InputError as error:
        return INPUT_ERROR, str(error).encode()
    except MemoryError:
        return OTHER_ERROR, b"memory limit"
    except Exception as error:  # reported to the parent as a failed evaluation
        return OTHER_ERROR, f"{type(error).__name__}: {error}".encode()


def send_answer(fd: int, status: int, payload: bytes) -> None:
    """Write one answer (status, length and payload) to the answer pipe."""
    _write_all(fd, HEADER.pack(status, len(payload)) + payload)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


__all__ = [
    "CHUNK",
    "HEADER",
    "INPUT_ERROR",
    "OK",
    "QUERY_ERROR",
    "Evaluation",
    "send_answer",
    "send_request",
    "serve",
]
