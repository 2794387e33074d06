"""Cheap queries answered in the server process (``QueryExecutor(inline_budget=…)``, ``GRAPH_API_INLINE_QUERY_MS``).

The pool learns which requests are cheap on the current state of the store; only those run in process, the same
answer as a worker gives; a commit (``refresh``) forgets what it learnt; a run slower than twice the budget goes
back to the pool; a SPARQL server's store never runs in process.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from conftest import SERVER, new_store
from http_helpers import client_for

from graph_api import timing
from graph_api.errors import QuerySyntaxError
from graph_api.executor import QueryExecutor
from graph_api.loading import build_store
from graph_api.settings import Settings
from graph_api.worker import QueryRequest

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx

    from graph_api.store import GraphStore

CHAIN = "\n".join(f"<http://example.org/n{i}> <http://example.org/p> <http://example.org/n{i + 1}> ." for i in range(9))
CHEAP = QueryRequest("SELECT ?s ?o { ?s <http://example.org/p> ?o } ORDER BY ?s", max_rows=10)


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@pytest.fixture(scope="module")
def store() -> GraphStore:
    store = new_store()
    store.load_text(CHAIN, name="chain.ttl", kind="extra")
    return store


def timing_parts(response: httpx.Response) -> list[str]:
    """The names of the parts of a response's Server-Timing header, in order."""
    assert response.status_code == 200, response.text
    return [part.split(";")[0].strip() for part in response.headers[timing.HEADER].split(",")]


def _pool(runner: asyncio.Runner, store: GraphStore, budget: float) -> QueryExecutor:
    executor = QueryExecutor(store, workers=1, timeout=10.0, inline_budget=budget)
    runner.run(executor.start())
    return executor


def _parts(runner: asyncio.Runner, pool: QueryExecutor, request: QueryRequest) -> tuple[bytes, list[str]]:
    """The body of the answer and the Server-Timing parts the run recorded."""

    async def run() -> tuple[bytes, list[str]]:
        timings = timing.Timings()
        token = timing._current.set(timings)  # as the middleware does for a request
        try:
            answer = await pool.run(request)
        finally:
            timing._current.reset(token)
        return answer.body, list(timings.parts)

    return runner.run(run())


@pytest.mark.embedded_only("a SPARQL server's store is never queried in process")
def test_a_cheap_request_runs_in_process_once_the_pool_has_timed_it(runner: asyncio.Runner, store: GraphStore) -> None:
    pool = _pool(runner, store, budget=5.0)  # seconds: every query of this test is cheap
    try:
        first, first_parts = _parts(runner, pool, CHEAP)
        assert first_parts == ["queue", "query", "ipc"]
        assert pool.inline_runs == 0
        again, again_parts = _parts(runner, pool, CHEAP)
        assert again_parts == ["query"]
        assert pool.inline_runs == 1
        assert again == first  # the same bytes as the worker's
        other = QueryRequest(CHEAP.query, format="csv", max_rows=10)  # another format: another request
        assert _parts(runner, pool, other)[1] == ["queue", "query", "ipc"]
        pool.refresh(store)  # a commit: what was learnt was measured on the state before it
        assert _parts(runner, pool, CHEAP)[1] == ["queue", "query", "ipc"]
        assert _parts(runner, pool, CHEAP)[1] == ["query"]
    finally:
        runner.run(pool.stop())


@pytest.mark.embedded_only("a SPARQL server's store is never queried in process")
def test_errors_and_slow_requests_stay_in_the_pool(runner: asyncio.Runner, store: GraphStore) -> None:
    pool = _pool(runner, store, budget=1e-9)  # nothing is that fast
    try:
        for _ in range(2):
            assert _parts(runner, pool, CHEAP)[1] == ["queue", "query", "ipc"]
        assert pool.inline_runs == 0
    finally:
        runner.run(pool.stop())
    pool = _pool(runner, store, budget=5.0)
    try:
        for _ in range(2):
            with pytest.raises(QuerySyntaxError):
                runner.run(pool.run(QueryRequest("SELECT ?s {")))
        assert pool.inline_runs == 0
    finally:
        runner.run(pool.stop())


@pytest.mark.embedded_only("a SPARQL server's store is never queried in process")
def test_a_run_slower_than_twice_the_budget_goes_back_to_the_pool(runner: asyncio.Runner, store: GraphStore) -> None:
    pool = _pool(runner, store, budget=5.0)
    try:
        _parts(runner, pool, CHEAP)
        pool.inline_budget = 1e-9  # the same request now takes far more than twice the budget
        assert _parts(runner, pool, CHEAP)[1] == ["query"]  # runs here once more, and is found slow
        assert _parts(runner, pool, CHEAP)[1] == ["queue", "query", "ipc"]
        # Even when a worker answers it within the budget again (a memory copy is faster than the store on disk this
        # process reads), it stays in the pool on this state: learning it again would alternate fast and slow runs.
        pool.inline_budget = 5.0
        assert [_parts(runner, pool, CHEAP)[1] for _ in range(3)] == [["queue", "query", "ipc"]] * 3
        pool.refresh()  # a new state: measured afresh
        assert [_parts(runner, pool, CHEAP)[1] for _ in range(2)] == [["queue", "query", "ipc"], ["query"]]
    finally:
        runner.run(pool.stop())


def test_a_server_store_always_uses_the_pool(runner: asyncio.Runner, store: GraphStore) -> None:
    pool = QueryExecutor(store, workers=1, inline_budget=5.0)
    assert pool.inline_budget == (0.0 if SERVER else 5.0)


@pytest.mark.embedded_only("a SPARQL server's store is never queried in process")
def test_the_service_runs_a_repeated_cheap_query_in_process(project_store: GraphStore) -> None:
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    with client_for(project_store) as client:
        parts = [(timing_parts(client.get("/sparql", params=query))) for _ in range(2)]
        assert parts == [["queue", "query", "ipc", "total"], ["query", "total"]]
    with client_for(project_store, inline_query_ms=0) as client:
        parts = [(timing_parts(client.get("/sparql", params=query))) for _ in range(2)]
        assert parts == [["queue", "query", "ipc", "total"]] * 2


@pytest.mark.embedded_only("writes need the embedded store")
def test_with_writes_enabled_every_query_uses_the_pool() -> None:
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    writable = build_store(Settings(_env_file=None, store=None, load_project=True), progress=False)
    with client_for(writable, write_token="secret") as client:
        parts = [(timing_parts(client.get("/sparql", params=query))) for _ in range(2)]
        assert parts == [["queue", "query", "ipc", "total"]] * 2


@pytest.mark.embedded_only("a SPARQL server's store is never queried in process")
def test_a_request_slower_here_than_in_the_pool_goes_back_after_its_second_run(
    runner: asyncio.Runner, store: GraphStore
) -> None:
    """A worker holding a memory copy can beat this process's store on disk, round trip included."""
    pool = _pool(runner, store, budget=5.0)
    try:
        _parts(runner, pool, CHEAP)
        [learnt] = pool._cheap.values()
        learnt.pool = 1e-9  # as if the pool's round trip had been faster than any run here
        assert _parts(runner, pool, CHEAP)[1] == ["query"]  # the first run here finds colder caches: not judged
        assert _parts(runner, pool, CHEAP)[1] == ["query"]  # the second is, and is found slower
        assert [_parts(runner, pool, CHEAP)[1] for _ in range(2)] == [["queue", "query", "ipc"]] * 2
    finally:
        runner.run(pool.stop())
