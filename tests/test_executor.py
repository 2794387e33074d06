"""The query worker pool (graph_api.executor): deadline, crashes, row limit, clean stop. Real processes, no HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import TYPE_CHECKING

import pytest
from conftest import NQ15, new_store

from graph_api.errors import QueryCrashed, QuerySyntaxError, QueryTimeout
from graph_api.executor import QueryExecutor
from graph_api.loading import build_store
from graph_api.resolve import resolve
from graph_api.store import GraphStore
from graph_api.worker import QueryRequest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from graph_api.settings import Settings

SLOW = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _gone(pid: int, within: float = 2.0) -> bool:
    """Whether the process has exited (it may take a moment after the kill signal)."""
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@pytest.fixture(scope="module")
def pool(runner: asyncio.Runner) -> Iterator[QueryExecutor]:
    """One worker, a 1.5 s deadline, over 200 generated triples (a 5-way cross product never ends in time)."""
    store = new_store(timeout=1.5)  # a server abandons the query at the same deadline
    lines = "\n".join(
        f"<http://example.org/n{i}> <http://example.org/p> <http://example.org/n{i + 1}> ." for i in range(200)
    )
    store.load_text(lines, name="chain.ttl", kind="extra")
    executor = QueryExecutor(store, workers=1, timeout=1.5)
    runner.run(executor.start())
    yield executor
    pids = executor.pids()
    runner.run(executor.stop())
    assert all(_gone(pid) for pid in pids), "stop() leaves no worker behind"


def test_answers_and_row_limit_flag(runner: asyncio.Runner, pool: QueryExecutor) -> None:
    reply = runner.run(pool.run(QueryRequest("SELECT ?s { ?s ?p ?o }", format="csv", max_rows=5)))
    assert (reply.rows, reply.truncated, reply.media_type) == (5, 5, "text/csv")
    whole = runner.run(pool.run(QueryRequest("SELECT ?s { ?s ?p ?o }", max_rows=500)))
    assert (whole.rows, whole.truncated) == (200, None)
    with pytest.raises(QuerySyntaxError):
        runner.run(pool.run(QueryRequest("SELECT ?s {")))


@pytest.mark.embedded_only(
    "the SPARQL server goes on evaluating a query whose worker was killed (--timeout-s does not stop it)"
)
def test_deadline_kills_and_replaces_the_worker(runner: asyncio.Runner, pool: QueryExecutor) -> None:
    [before] = pool.pids()
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as caught:
        runner.run(pool.run(QueryRequest(SLOW)))
    elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 2.5
    assert caught.value.status == 503
    assert _gone(before), "the worker running the slow query is killed"
    # With a pool of one, the next query waits for the replacement, within its own deadline.
    reply = runner.run(pool.run(QueryRequest("ASK {}")))
    assert reply.body.endswith(b"true}")
    assert pool.pids() != [before]
    assert pool.status().replaced == 1


@pytest.mark.embedded_only(
    "the SPARQL server goes on evaluating a query whose worker was killed (--timeout-s does not stop it)"
)
def test_a_crashed_worker_is_reported_and_replaced(runner: asyncio.Runner, pool: QueryExecutor) -> None:
    async def crash_during_query() -> None:
        running = asyncio.create_task(pool.run(QueryRequest(SLOW)))
        await asyncio.sleep(0.3)
        [pid] = pool.pids()
        os.kill(pid, signal.SIGKILL)
        await running

    replaced = pool.status().replaced
    with pytest.raises(QueryCrashed) as caught:
        runner.run(crash_during_query())
    assert caught.value.status == 500
    assert caught.value.exit_code == -signal.SIGKILL
    assert runner.run(pool.run(QueryRequest("ASK {}"))).kind == "boolean"
    # A worker that dies while idle is noticed and replaced before it is given a query.
    [pid] = pool.pids()
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert runner.run(pool.run(QueryRequest("ASK {}"))).kind == "boolean"
    assert pool.status().replaced == replaced + 2


@pytest.mark.embedded_only(
    "the SPARQL server goes on evaluating a query whose worker was killed (--timeout-s does not stop it)"
)
def test_waiting_for_a_busy_pool_counts_against_the_deadline(runner: asyncio.Runner, pool: QueryExecutor) -> None:
    async def two_at_once() -> tuple[BaseException | object, ...]:
        return tuple(
            await asyncio.gather(pool.run(QueryRequest(SLOW)), pool.run(QueryRequest("ASK {}")), return_exceptions=True)
        )

    slow, queued = runner.run(two_at_once())
    assert isinstance(slow, QueryTimeout)
    assert isinstance(queued, QueryTimeout), "the only worker was busy until the deadline"
    assert runner.run(pool.run(QueryRequest("ASK {}"))).kind == "boolean"


@pytest.mark.embedded_only("workers opening an on-disk pyoxigraph store")
def test_an_on_disk_store_is_opened_read_only_by_the_workers(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "db")
    store.load_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .", name="x.ttl")

    async def query() -> bytes:
        async with QueryExecutor(store, workers=1, timeout=10.0) as executor:
            return (await executor.run(QueryRequest("SELECT ?s { ?s ?p ?o }", format="tsv"))).body

    assert asyncio.run(query()).decode().splitlines() == ["?s", "<http://example.org/a>"]
    store.close()


@pytest.mark.embedded_only("workers sharing the persistent store directory")
def test_workers_read_the_persistent_store_the_main_process_reads(project_dirs: Settings, tmp_path: Path) -> None:
    """Main process and workers all open the store directory's database read-only, at the same time."""
    store = build_store(project_dirs.model_copy(update={"store": tmp_path / "store"}), progress=False)
    assert store.read_only

    async def query() -> bytes:
        async with QueryExecutor(store, workers=2, timeout=10.0) as executor:
            assert executor.spec.store_path == str(store.path)
            request = QueryRequest('SELECT ?d { ?d <https://w3id.org/vn-directives/ontology#symbol> "15-NQ/TW" }')
            answers = await asyncio.gather(*(executor.run(request) for _ in range(4)))
            return answers[0].body

    assert NQ15 in asyncio.run(query()).decode()
    assert resolve(store, "15-NQ/TW") == [NQ15], "the main process still reads it"
    store.close()
