"""Evaluation in killable workers: deadlines, reuse, bounded concurrency, memory caps."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import pyoxigraph as ox
import pytest

from cxgraph.errors import QueryError
from cxgraph.sandbox import EvaluationTimeout, Overloaded, ResourceLimit, Sandbox

EX = "http://example.org/"
SLOW = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    db = ox.Store()
    p = ox.NamedNode(EX + "p")
    db.extend(
        ox.Quad(ox.NamedNode(f"{EX}n{i}"), p, ox.NamedNode(f"{EX}n{i + 1}"), ox.DefaultGraph())
        for i in range(1000)
    )
    return db


def make(store: ox.Store, **kwargs: object) -> Sandbox:
    sandbox = Sandbox(**kwargs)  # type: ignore[arg-type]

    def select(text: str) -> bytes:
        result = store.query(text)
        return result.serialize(format=ox.QueryResultsFormat.JSON) or b""  # type: ignore[union-attr]

    def broken() -> bytes:
        raise QueryError("SPARQL syntax error: nope")

    def greedy() -> bytes:
        blob = b"x"
        while True:
            blob = blob + blob

    sandbox.register("select", select)
    sandbox.register("broken", broken)
    sandbox.register("greedy", greedy)
    sandbox.register("pid", lambda: str(os.getpid()).encode())
    return sandbox


def test_answer_comes_back_and_workers_are_reused(store: ox.Store) -> None:
    sandbox = make(store, deadline=5)
    try:
        data = sandbox.run("select", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
        assert b'"1000"' in data
        first = sandbox.run("pid")
        assert sandbox.run("pid") == first
        assert first != str(os.getpid()).encode()
    finally:
        sandbox.close()


def test_a_new_version_gets_a_fresh_worker(store: ox.Store) -> None:
    version = [0]
    sandbox = make(store, version=lambda: version[0])
    try:
        first = sandbox.run("pid")
        version[0] += 1
        assert sandbox.run("pid") != first
    finally:
        sandbox.close()


def test_cartesian_product_is_stopped_at_the_deadline(store: ox.Store) -> None:
    sandbox = make(store, deadline=1.0)
    try:
        started = time.monotonic()
        with pytest.raises(EvaluationTimeout, match="deadline of 1 s"):
            sandbox.run("select", SLOW)
        assert time.monotonic() - started < 3
        assert sandbox.run("select", "ASK {}") == b'{"head":{},"boolean":true}'
    finally:
        sandbox.close()


def test_client_may_only_ask_for_less(store: ox.Store) -> None:
    sandbox = make(store, deadline=1.0)
    try:
        started = time.monotonic()
        with pytest.raises(EvaluationTimeout):
            sandbox.run("select", SLOW, deadline=0.3)
        assert time.monotonic() - started < 1.0
        with pytest.raises(EvaluationTimeout, match="deadline of 1 s"):
            sandbox.run("select", SLOW, deadline=100)
    finally:
        sandbox.close()


def test_query_errors_come_back_as_query_errors(store: ox.Store) -> None:
    sandbox = make(store)
    try:
        with pytest.raises(QueryError, match="nope"):
            sandbox.run("broken")
        with pytest.raises(QueryError, match="no evaluation named"):
            sandbox.run("unknown")
    finally:
        sandbox.close()


def test_memory_cap_gives_a_clean_error(store: ox.Store) -> None:
    sandbox = make(store, deadline=10, memory_limit=256 * 1024**2)
    try:
        with pytest.raises(ResourceLimit):
            sandbox.run("greedy")
        assert sandbox.run("pid")
    finally:
        sandbox.close()


def test_queue_overflow_is_refused_at_once(store: ox.Store) -> None:
    sandbox = make(store, deadline=2, workers=1, queue_size=1)
    errors: list[BaseException] = []

    def busy() -> None:
        try:
            sandbox.run("select", SLOW)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=busy) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        wait_until = time.monotonic() + 2
        while not (sandbox.busy == 1 and sandbox.waiting == 1) and time.monotonic() < wait_until:
            time.sleep(0.005)
        started = time.monotonic()
        with pytest.raises(Overloaded):
            sandbox.run("pid")
        assert time.monotonic() - started < 0.1
    finally:
        for thread in threads:
            thread.join()
        sandbox.close()
    assert all(isinstance(e, EvaluationTimeout) for e in errors)


def test_published_context_is_what_workers_see_and_old_workers_retire() -> None:
    """After ``publish`` every evaluation gets the new context; workers are forked at
    publication (none has to be forked by the next read), and a worker of an older
    version that was busy during the publication is not reused."""
    sandbox = Sandbox(deadline=5, workers=2)
    sandbox.register("seen", lambda context: repr(context).encode(), contextual=True)
    sandbox.register("pid", lambda: str(os.getpid()).encode())
    sandbox.register("nap", lambda context, seconds: time.sleep(seconds) or b"", contextual=True)
    try:
        sandbox.publish(1, ("state", 1))
        assert sandbox.run("seen") == b"('state', 1)"
        forked = set(sandbox._all)
        assert len(forked) == 2
        napping = threading.Thread(target=sandbox.run, args=("nap", 0.5))
        napping.start()
        time.sleep(0.1)
        sandbox.publish(2, ("state", 2))
        napping.join()
        assert sandbox.run("seen") == b"('state', 2)"
        assert not forked & set(sandbox._all), "an old worker was kept"
        assert len(sandbox._all) == 2
    finally:
        sandbox.close()
    assert not sandbox._all
    with pytest.raises(Overloaded):
        sandbox.run("pid")


def test_a_stream_comes_in_chunks_and_an_abandoned_one_frees_its_worker() -> None:
    """A streaming evaluation's chunks arrive one by one (frames never run into each
    other); closing the stream early kills its worker and frees the slot."""
    sandbox = Sandbox(deadline=5, workers=1)

    def count(emit: Callable[[bytes], None], n: int, size: int) -> bytes:
        for i in range(n):
            emit(bytes([65 + i % 26]) * size)
        return b"end"

    sandbox.register("count", count, streaming=True)
    sandbox.register("pid", lambda: str(os.getpid()).encode())
    try:
        chunks = list(sandbox.stream("count", 5, 300_000))
        assert [len(c) for c in chunks] == [300_000] * 5 + [3]
        assert [c[0] for c in chunks[:5]] == [65, 66, 67, 68, 69]
        assert sandbox.run("count", 2, 10) == b"A" * 10 + b"B" * 10 + b"end"
        stream = sandbox.stream("count", 1000, 100_000)
        assert next(stream) == b"A" * 100_000
        worker = set(sandbox._all)
        stream.close()
        assert not worker & set(sandbox._all)
        assert sandbox.busy == 0
        assert sandbox.run("pid")  # the slot is free again
    finally:
        sandbox.close()
