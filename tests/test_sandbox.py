"""Evaluation in a killable child: deadlines, bounded concurrency, memory caps."""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox
import pytest

from cxgraph.errors import QueryError
from cxgraph.sandbox import EvaluationTimeout, Overloaded, ResourceLimit, Sandbox

EX = "http://example.org/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    db = ox.Store()
    p = ox.NamedNode(EX + "p")
    db.extend(
        ox.Quad(ox.NamedNode(f"{EX}n{i}"), p, ox.NamedNode(f"{EX}n{i + 1}"), ox.DefaultGraph())
        for i in range(1000)
    )
    return db


def select(db: ox.Store, text: str) -> bytes:
    result = db.query(text)
    return result.serialize(format=ox.QueryResultsFormat.JSON) or b""  # type: ignore[union-attr]


def test_answer_comes_back(store: ox.Store) -> None:
    sandbox = Sandbox(deadline=5)
    data = sandbox.run(lambda: select(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"))
    assert b'"1000"' in data


def test_cartesian_product_is_stopped_at_the_deadline(store: ox.Store) -> None:
    sandbox = Sandbox(deadline=1.0)
    started = time.monotonic()
    with pytest.raises(EvaluationTimeout, match="deadline of 1 s"):
        sandbox.run(
            lambda: select(store, "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        )
    assert time.monotonic() - started < 3


def test_client_may_only_ask_for_less(store: ox.Store) -> None:
    sandbox = Sandbox(deadline=1.0)
    started = time.monotonic()
    with pytest.raises(EvaluationTimeout):
        sandbox.run(
            lambda: select(store, "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), deadline=0.3
        )
    assert time.monotonic() - started < 1.0
    with pytest.raises(EvaluationTimeout, match="deadline of 1 s"):
        sandbox.run(
            lambda: select(store, "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), deadline=100
        )


def test_query_errors_come_back_as_query_errors(store: ox.Store) -> None:
    def broken() -> bytes:
        raise QueryError("SPARQL syntax error: nope")

    with pytest.raises(QueryError, match="nope"):
        Sandbox().run(broken)


def test_memory_cap_gives_a_clean_error() -> None:
    def greedy() -> bytes:
        blob = b"x"
        while True:
            blob = blob + blob

    sandbox = Sandbox(deadline=10, memory_limit=256 * 1024**2)
    with pytest.raises(ResourceLimit):
        sandbox.run(greedy)
    assert Sandbox().run(lambda: b"still alive") == b"still alive"


def test_queue_overflow_is_refused_at_once(store: ox.Store) -> None:
    sandbox = Sandbox(deadline=2, workers=1, queue_size=1)
    slow = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    errors: list[BaseException] = []

    def busy() -> None:
        try:
            sandbox.run(lambda: select(store, slow))
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=busy) for _ in range(2)]
    for thread in threads:
        thread.start()
    wait_until = time.monotonic() + 2
    while not (sandbox.busy == 1 and sandbox.waiting == 1) and time.monotonic() < wait_until:
        time.sleep(0.005)
    started = time.monotonic()
    with pytest.raises(Overloaded):
        sandbox.run(lambda: b"")
    assert time.monotonic() - started < 0.1
    for thread in threads:
        thread.join()
    assert all(isinstance(e, EvaluationTimeout) for e in errors)
