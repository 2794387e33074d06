"""Memory copies (``QueryExecutor(memory_copies=True)``, ``GRAPH_API_QUERY_MEMORY_MB``): the workers of an on-disk store
start on it and are replaced, one at a time and in the background, by workers holding a copy of it in memory.

Proved here: the budget (``graph_api.memory``); a pool converges to copies that give the same answers as the store on
disk; its snapshot directory sits beside the database and goes at stop; stopping while a copy loads leaves no process;
a worker killed at its deadline comes back on disk and is copied again; after a commit no copy of the old state
answers; the application copies only a read-only store that fits, and says so in ``/health``.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from http_helpers import client_for

from graph_api import memory
from graph_api.errors import QueryTimeout
from graph_api.executor import COPIES_PREFIX, QueryExecutor, copy_directory
from graph_api.loading import build_store
from graph_api.store import GraphStore
from graph_api.worker import (
    MemoryCopy,
    QueryAnswer,
    QueryRequest,
    WorkerSpec,
    answer,
    names_a_graph,
    open_store,
    write_snapshot,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graph_api.settings import Settings

pytestmark = pytest.mark.embedded_only("memory copies are of the embedded on-disk store")

CHAIN = "\n".join(
    f"<http://example.org/n{i}> <http://example.org/p> <http://example.org/n{i + 1}> ." for i in range(200)
)
ALL = QueryRequest("SELECT ?s ?o { ?s <http://example.org/p> ?o } ORDER BY ?s ?o", format="tsv")
SLOW = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@pytest.fixture
def on_disk(tmp_path: Path) -> Iterator[GraphStore]:
    (tmp_path / "store").mkdir()
    store = GraphStore(tmp_path / "store" / "db")
    store.load_text(CHAIN, name="chain.ttl", kind="extra")
    store.close()
    reader = GraphStore(tmp_path / "store" / "db", read_only=True)
    yield reader
    reader.close()


def _warm(runner: asyncio.Runner, pool: QueryExecutor, within: float = 60.0) -> None:
    """Wait until every worker holds a memory copy (the pool answers meanwhile)."""
    deadline = time.monotonic() + within
    while pool.status().memory < pool.size:
        assert time.monotonic() < deadline, f"not copied into memory within {within:g} s: {pool.status()}"
        runner.run(asyncio.sleep(0.05))


async def _together(pool: QueryExecutor, request: QueryRequest, times: int) -> list[QueryAnswer]:
    return list(await asyncio.gather(*(pool.run(request) for _ in range(times))))


def _children() -> set[int]:
    """Live (not zombie) child processes of this test process."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii").rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat[1]) == os.getpid() and stat[0] != "Z":
            found.add(int(entry.name))
    return found


def _gone(pids: set[int], within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while pids & _children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- the budget ----------------------------------------------------------------------------------------------------


def test_the_budget_is_a_quarter_of_the_machine_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "machine_memory", lambda: 8 * 2**30)
    assert memory.budget_bytes(None) == 2 * 2**30
    assert memory.budget_bytes(512) == 512 * 2**20
    per_copy = 2 * 2**30 // memory.BYTES_PER_QUAD
    assert memory.copies_fit(per_copy // 2, 2, None)
    assert not memory.copies_fit(per_copy // 2 + 1, 2, None)
    assert not memory.copies_fit(10, 2, 0), "0 turns the copies off"
    assert memory.copies_fit(10_000, 2, 100)
    monkeypatch.setattr(memory, "machine_memory", lambda: None)
    assert not memory.copies_fit(10, 2, None), "unknown memory: stay on disk"


def test_a_container_limit_below_the_machine_is_the_one_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    unlimited, limited = tmp_path / "memory.max", tmp_path / "limit_in_bytes"
    unlimited.write_text("max\n", encoding="ascii")
    limited.write_text(f"{2**20}\n", encoding="ascii")
    monkeypatch.setattr(memory, "_CGROUP_LIMITS", (str(unlimited),))
    physical = memory.machine_memory()
    assert physical is not None
    assert physical > 2**20
    monkeypatch.setattr(memory, "_CGROUP_LIMITS", (str(unlimited), str(limited), str(tmp_path / "missing")))
    assert memory.machine_memory() == 2**20


# -- the worker ----------------------------------------------------------------------------------------------------


def test_a_worker_copies_the_default_graph_and_reads_named_graphs_on_disk(on_disk: GraphStore, tmp_path: Path) -> None:
    snapshot = tmp_path / "copy.nt"
    spec = WorkerSpec(store_path=str(on_disk.path), snapshot=str(snapshot), memory_copy=True)
    copy = open_store(spec)
    assert isinstance(copy, MemoryCopy)
    assert (copy.memory.path, copy.disk.path) == (None, on_disk.path)
    assert len(copy.memory.oxigraph) == 200, "the default graph (the union) only, no named graph"
    assert snapshot.is_file()
    assert not list(tmp_path.glob("*.part")), "written whole, under a temporary name"
    written = snapshot.stat().st_mtime_ns
    assert isinstance(open_store(spec), MemoryCopy)
    assert snapshot.stat().st_mtime_ns == written, "the second worker reads the snapshot the first one wrote"

    [chain] = on_disk.graphs()
    count = "SELECT (COUNT(*) AS ?n) {{ {} }}"
    plain = QueryRequest(count.format("?s ?p ?o"), format="tsv")
    requests = {
        "plain": plain,
        "GRAPH": QueryRequest(count.format("GRAPH ?g { ?s ?p ?o }"), format="tsv"),
        "FROM": QueryRequest(f"SELECT (COUNT(*) AS ?n) FROM <{chain}> {{ ?s ?p ?o }}", format="tsv"),
        "FROM NAMED": QueryRequest(f"SELECT ?g FROM NAMED <{chain}> {{ GRAPH ?g {{}} }}", format="tsv"),
        "default-graph-uri": QueryRequest(count.format("?s ?p ?o"), default_graph=(chain,), format="tsv"),
        "named-graph-uri": QueryRequest("SELECT ?g { GRAPH ?g {} }", named_graphs=(chain,), format="tsv"),
    }
    for name, request in requests.items():
        expected = copy.memory if request is plain else copy.disk
        assert copy.store_for(request) is expected, name
        assert answer(copy, request).body == answer(on_disk, request).body, name
    assert answer(copy, requests["GRAPH"]).body.decode().split()[-1] == "200", "the named graph is seen"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("SELECT * { GRAPH ?g { ?s ?p ?o } }", True),
        ("select * from named <http://x/g> { graph ?g { } }", True),
        ("SELECT * FROM <http://x/g> { ?s ?p ?o }", True),
        ("SELECT * { GR\\u0041PH ?g { ?s ?p ?o } }", True),  # a codepoint escape is read as the letter
        ("PREFIX graph: <http://x/> SELECT * { graph:a ?p ?o }", True),  # a false alarm: the query goes to disk
        ('SELECT * { ?s ?p "GRAPH FROM" }', False),
        ("SELECT * { ?s <http://x/graph> ?o }  # FROM a comment", False),
        ("SELECT ?graph ?from { ?graph ?p ?from }", False),
    ],
)
def test_a_query_that_may_name_a_graph_is_recognised(query: str, named: bool) -> None:
    assert names_a_graph(query) is named


def test_a_failed_snapshot_leaves_no_partial_file(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "db")
    store.load_text(CHAIN, name="chain.ttl", kind="extra")
    with pytest.raises(OSError, match=r"(?i)no such file|not found"):
        write_snapshot(store, tmp_path / "missing" / "copy.nq")
    assert not list(tmp_path.rglob("*.part"))
    store.close()


def test_leftover_snapshot_directories_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / f"{COPIES_PREFIX}999999999-abc"  # no such process
    ours = tmp_path / f"{COPIES_PREFIX}{os.getpid()}-abc"
    dead.mkdir()
    ours.mkdir()
    made = copy_directory(tmp_path)
    try:
        assert not dead.exists()
        assert ours.exists(), "a live process's directory is its own"
        assert Path(made.name).parent == tmp_path
        assert Path(made.name).name.startswith(f"{COPIES_PREFIX}{os.getpid()}-")
    finally:
        made.cleanup()


# -- the pool ------------------------------------------------------------------------------------------------------


def test_the_pool_converges_to_memory_copies_with_the_same_answers(runner: asyncio.Runner, on_disk: GraphStore) -> None:
    before = _children()
    pool = QueryExecutor(on_disk, workers=2, timeout=10.0, memory_copies=True)
    runner.run(pool.start())
    try:
        assert pool.status().memory == 0, "the workers start on disk: the service answers at once"
        on_disk_answer = runner.run(pool.run(ALL)).body
        assert on_disk_answer.decode().count("\n") == 201
        started = set(pool.pids())
        _warm(runner, pool)
        status = pool.status()
        assert (status.size, status.idle, status.memory, status.replaced) == (2, 2, 2, 0)
        assert not started & set(pool.pids()), "both on-disk workers were replaced"
        assert _gone(started), "and stopped"
        assert pool.warm_ups == 2
        answers = runner.run(_together(pool, ALL, 4))
        assert {a.body for a in answers} == {on_disk_answer}
        assert on_disk.path is not None
        copies = list(on_disk.path.parent.glob(COPIES_PREFIX + "*"))
        assert len(copies) == 1, "the snapshot sits beside the database"
        assert [p.name for p in copies[0].iterdir()] == ["state-0.nt"]
    finally:
        runner.run(pool.stop())
    assert not list(on_disk.path.parent.glob(COPIES_PREFIX + "*")), "stop removes the snapshot"
    assert _gone(_children() - before), "stop leaves no worker behind"


def test_without_the_flag_or_on_an_in_memory_store_there_are_no_copies(
    runner: asyncio.Runner, on_disk: GraphStore
) -> None:
    assert not QueryExecutor(GraphStore(), workers=1, memory_copies=True).memory_copies
    pool = QueryExecutor(on_disk, workers=1, timeout=10.0)
    runner.run(pool.start())
    try:
        runner.run(pool.run(ALL))
        runner.run(asyncio.sleep(1.0))
        assert pool.status().memory == 0
        assert pool.warm_ups == 0
    finally:
        runner.run(pool.stop())


def test_stopping_while_a_copy_loads_leaves_no_process(runner: asyncio.Runner, on_disk: GraphStore) -> None:
    before = _children()
    pool = QueryExecutor(on_disk, workers=1, timeout=10.0, memory_copies=True)
    runner.run(pool.start())
    deadline = time.monotonic() + 10.0
    while len(_children() - before) < 2:  # the on-disk worker and the one being copied
        assert time.monotonic() < deadline, "no copy was started"
        time.sleep(0.005)
    started = time.monotonic()
    runner.run(pool.stop())
    assert time.monotonic() - started < 5.0
    assert _gone(_children() - before)
    assert on_disk.path is not None
    assert not list(on_disk.path.parent.glob(COPIES_PREFIX + "*"))


def test_a_copy_killed_at_its_deadline_comes_back_on_disk_then_in_memory(
    runner: asyncio.Runner, on_disk: GraphStore
) -> None:
    pool = QueryExecutor(on_disk, workers=1, timeout=1.5, memory_copies=True)
    runner.run(pool.start())
    try:
        _warm(runner, pool)
        with pytest.raises(QueryTimeout):
            runner.run(pool.run(QueryRequest(SLOW)))
        assert pool.status().replaced == 1
        _warm(runner, pool)
        assert pool.warm_ups == 2
        assert runner.run(pool.run(ALL)).body.decode().count("\n") == 201
    finally:
        runner.run(pool.stop())


def test_after_a_commit_no_copy_of_the_old_state_answers(runner: asyncio.Runner, tmp_path: Path) -> None:
    """Writes disable copies in the application; the pool is still right when given both (a copy is of one state)."""
    (tmp_path / "store").mkdir()
    store = GraphStore(tmp_path / "store" / "db")
    store.load_text(CHAIN, name="chain.ttl", kind="extra")
    count = QueryRequest("SELECT (COUNT(*) AS ?n) { ?s <http://example.org/p> ?o }", format="tsv")
    pool = QueryExecutor(store, workers=2, timeout=10.0, memory_copies=True)
    runner.run(pool.start())
    try:
        _warm(runner, pool)
        store.load_text("<http://example.org/x> <http://example.org/p> <http://example.org/y> .", name="more.ttl")
        pool.refresh(store)
        answers = runner.run(_together(pool, count, 4))
        assert {a.body.decode().split()[-1] for a in answers} == {"201"}
        _warm(runner, pool)  # copied again, at the new state
        assert pool.warm_ups >= 4
        answers = runner.run(_together(pool, count, 4))
        assert {a.body.decode().split()[-1] for a in answers} == {"201"}
        copies = next((tmp_path / "store").glob(COPIES_PREFIX + "*"))
        assert [p.name for p in copies.iterdir()] == ["state-1.nt"], "the old state's snapshot is removed"
    finally:
        runner.run(pool.stop())
        store.close()


# -- the application -----------------------------------------------------------------------------------------------


def test_the_service_copies_a_read_only_store_that_fits(on_disk: GraphStore) -> None:
    with client_for(on_disk) as client:
        deadline = time.monotonic() + 60.0
        while (workers := client.get("/health").json()["workers"])["memory"] < 1:
            assert time.monotonic() < deadline, workers
            time.sleep(0.05)
        assert client.app.state.executor.memory_copies  # type: ignore[attr-defined]
    with client_for(on_disk, query_memory_mb=0) as client:
        assert not client.app.state.executor.memory_copies  # type: ignore[attr-defined]
        assert client.get("/health").json()["workers"]["memory"] == 0
    with client_for(on_disk, query_memory_mb=1) as client:  # 200 quads fit in 1 MB
        assert client.app.state.executor.memory_copies  # type: ignore[attr-defined]


def test_the_service_does_not_copy_a_store_it_writes(project_dirs: Settings, tmp_path: Path) -> None:
    settings = project_dirs.model_copy(update={"store": tmp_path / "store"})
    writable = build_store(settings, progress=False, writable=True)
    assert writable.path is not None
    with client_for(writable, write_token="secret") as client:
        assert not client.app.state.executor.memory_copies  # type: ignore[attr-defined]
    writable.close()
