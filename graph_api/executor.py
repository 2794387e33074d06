"""Query execution with a real deadline: a pool of worker processes, each with its own read-only store.

pyoxigraph cannot cancel a query running in a thread (oxigraph issue #1336) and rdflib recurses on deep paths, so a
query runs in another process, which is killed when its deadline passes::

    request ──► QueryExecutor.run ──► idle worker (waits in line when all are busy)
                    │  send QueryRequest on the worker's pipe; wait for the answer off the event loop
                    ├─ answer within the deadline   ──► QueryAnswer (serialised bytes) / typed error
                    ├─ deadline passes              ──► kill the worker, start a replacement, QueryTimeout (503)
                    └─ the worker dies meanwhile    ──► start a replacement, QueryCrashed (500)

The deadline covers the whole request, waiting for a free worker included. Each run records its ``Server-Timing``
parts (:mod:`graph_api.timing`): ``queue`` (waiting for a worker), ``query`` (in the worker, as it measured) and
``ipc`` (the rest of the round trip: pickling, the pipe, the hand-over between threads).

Each worker is a fresh interpreter (``python -m graph_api.worker``; never a fork of the threaded server) that loads
the snapshot the pool was made from (:meth:`QueryExecutor.for_store`): an on-disk store is opened read-only where it
is, an in-memory one is written once to an N-Quads file in a temporary directory that :meth:`QueryExecutor.stop`
removes. ``stop`` ends every worker.

Cheap queries run in this process instead (``inline_budget``, ``GRAPH_API_INLINE_QUERY_MS``): a request the pool has
answered within the budget at the current state of the store (same text, dataset, bindings, format and row limit) is
remembered, and from then on is answered by this process, on the event loop, without the round trip to a worker
(about 0.5 ms of a 1 ms query: pickling, the pipe, two context switches, a colder cache). The deadline stays safe: a
query is only run here once the pool has shown that it takes less than the budget on exactly this data, and a run
that takes more than twice the budget sends it back to the pool. A commit (:meth:`QueryExecutor.refresh`) forgets
everything remembered. The application enables it only for an embedded store without writes: a write validates its
change in the store before committing it, so a reader in this process would need the writer's read gate.

Writes (:mod:`graph_api.transactions`) call :meth:`QueryExecutor.refresh` after each commit: every worker re-opens
its store (or a new snapshot) before its next query, so a query sent after a write was acknowledged sees it.

A store open for writing is never opened by the workers themselves: opening an Oxigraph database read-only while
another process writes it is undefined behaviour (pyoxigraph's own warning; seen here as a worker looping on a
COUNT until its deadline while its memory grew past 6 GB). The pool reads checkpoints instead
(``Store.backup``: hard links of the database files, made in milliseconds), one per commit, in ``.checkpoints/``
beside the database; a checkpoint is removed once no worker reads it and a newer one exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, OrderedDict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api import worker as worker_module
from graph_api.errors import ConfigError, QueryCrashed, QueryTimeout
from graph_api.timing import record
from graph_api.worker import Failure, QueryAnswer, QueryRequest, WorkerSpec

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterator
    from types import TracebackType

    from graph_api.store import GraphStore

log = logging.getLogger(__name__)

_KILL_WAIT: Final = 5.0
#: How many cheap requests the pool remembers for running in process (the least recently used are forgotten).
_CHEAP_KEPT: Final = 1024


#: Directory beside a database open for writing where the pool keeps the checkpoints its workers read.
CHECKPOINTS: Final = ".checkpoints"


class _Late(Exception):
    """The worker did not answer within the deadline."""


class _Gone(Exception):
    """The worker's pipe closed: the process is dead."""


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    connection: Connection
    number: int
    generation: int = 0  # of the state it reads (QueryExecutor.refresh)

    def alive(self) -> bool:
        return self.process.poll() is None and not self.connection.closed


@dataclass(frozen=True)
class PoolStatus:
    """A snapshot of the pool, for ``/health``."""

    size: int
    idle: int
    busy: int
    starting: int
    waiting: int
    replaced: int


def _exchange(connection: Connection, request: QueryRequest, timeout: float) -> QueryAnswer | Failure:
    """Send a request and wait for its answer (runs on a thread, never on the event loop)."""
    try:
        connection.send(request)
    except (OSError, ValueError) as exc:
        raise _Gone(str(exc)) from exc
    try:
        if not connection.poll(max(timeout, 0.0)):
            raise _Late
        reply = connection.recv()
    except (EOFError, OSError) as exc:
        raise _Gone(str(exc)) from exc
    if not isinstance(reply, QueryAnswer | Failure):  # pragma: no cover - the worker sends nothing else
        raise _Gone(f"unexpected reply {reply!r}")
    return reply


def _worker_command() -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a worker: this interpreter, ``-m graph_api.worker``."""
    package_root = str(Path(worker_module.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    env = os.environ | {"PYTHONPATH": package_root + (os.pathsep + path if path else "")}
    return [sys.executable, "-m", "graph_api.worker"], env


def _start_worker(spec: WorkerSpec, number: int, timeout: float) -> _Worker:
    """Start a worker process and wait until it has opened its store (runs on a thread).

    A fresh interpreter (never a fork of this threaded server, and without re-running this program's main module as
    multiprocessing's ``spawn`` does); it talks over one end of a socket pair, with multiprocessing's framing.
    """
    ours, theirs = socket.socketpair()
    command, env = _worker_command()
    try:
        process = subprocess.Popen(
            [*command, str(theirs.fileno())], pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env
        )
    finally:
        theirs.close()
    connection = Connection(ours.detach())
    try:
        connection.send(spec)
        if not connection.poll(timeout):
            _kill(process, connection)
            raise ConfigError(f"query worker {number} did not start within {timeout:g} s")
        hello = connection.recv()
    except (EOFError, OSError) as exc:
        hello = Failure("internal", f"query worker {number} exited while starting ({exc or process.poll()})")
    if hello != "ready":
        _kill(process, connection)
        message = hello.message if isinstance(hello, Failure) else repr(hello)
        raise ConfigError(message)
    return _Worker(process, connection, number)


def _reopen(connection: Connection, spec: WorkerSpec, timeout: float) -> bool:
    """Have a worker open its store again, at the state ``spec`` names now (runs on a thread); whether it did."""
    try:
        connection.send(spec)
        if not connection.poll(timeout):
            return False
        return bool(connection.recv() == "ready")
    except (EOFError, OSError, ValueError):
        return False


def _exit_code(process: subprocess.Popen[bytes], wait: float = 1.0) -> int | None:
    """The exit code of a worker whose pipe has closed (it may take a moment to be reaped); None if still running."""
    try:
        return process.wait(wait)
    except subprocess.TimeoutExpired:
        return None


def _kill(process: subprocess.Popen[bytes], connection: Connection | None) -> None:
    """Kill a worker process and reap it (runs on a thread)."""
    if process.poll() is None:
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(_KILL_WAIT)
    if connection is not None:
        connection.close()


class QueryExecutor:
    """A pool of query worker processes answering :class:`QueryRequest` with a deadline per request."""

    def __init__(
        self,
        source: GraphStore | WorkerSpec,
        *,
        workers: int = 2,
        timeout: float = 30.0,
        startup: float = 120.0,
        inline_budget: float = 0.0,
    ) -> None:
        """``inline_budget``: seconds under which a query the pool has answered is run in this process from then on
        (see the module docstring); 0 runs everything in the pool. Only for an embedded store that nothing writes
        while the pool runs (or whose writes go through :meth:`refresh` under a lock the caller holds)."""
        if workers < 1:
            raise ConfigError("the query pool needs at least one worker")
        self._source = source
        embedded = not isinstance(source, WorkerSpec) and source.server_url is None
        self.inline_budget = inline_budget if embedded else 0.0
        self._cheap: OrderedDict[Hashable, int] = OrderedDict()  # request key -> generation it was measured at
        self.inline_runs = 0
        self.spec = source if isinstance(source, WorkerSpec) else WorkerSpec()
        self.size = workers
        self.timeout = timeout
        self.startup = startup
        self._threads = ThreadPoolExecutor(max_workers=workers * 2 + 2, thread_name_prefix="graph-api-pool")
        self._idle: deque[_Worker] = deque()
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._busy: set[int] = set()
        self._all: dict[int, _Worker] = {}
        self._starting = 0
        self._replaced = 0
        self._numbers = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._snapshots = 0
        self._generation = 0
        self._checkpoints: dict[int, Path] = {}  # generation -> checkpoint directory (store open for writing)
        self._opening: Counter[int] = Counter()  # generations workers are opening right now
        self._checkpoint_lock = threading.Lock()
        self._running = False

    # -- life cycle ---------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every worker and wait until all are ready."""
        if self._running:
            return
        if not isinstance(self._source, WorkerSpec):
            self.spec = await asyncio.to_thread(self._snapshot, self._source)
        self._running = True
        try:
            started = await asyncio.gather(*(self._start_one() for _ in range(self.size)))
        except BaseException:
            await self.stop()
            raise
        for worker in started:
            self._release(worker)

    def _snapshot(self, store: GraphStore) -> WorkerSpec:
        if store.server_url is not None:
            return WorkerSpec(server_url=store.server_url)  # the server is the snapshot: workers query it
        if store.path is not None:
            if not store.read_only:
                return WorkerSpec(store_path=str(self._checkpoint(store)))
            return WorkerSpec(store_path=str(store.path))
        if self._tempdir is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="graph-api-")
        self._snapshots += 1
        path = Path(self._tempdir.name) / f"snapshot-{self._snapshots}.nq"
        # The one before the previous is read by no worker any more (a worker reads its snapshot once, at opening).
        (Path(self._tempdir.name) / f"snapshot-{self._snapshots - 2}.nq").unlink(missing_ok=True)
        with path.open("wb") as out:
            ox.serialize(store.oxigraph, out, format=ox.RdfFormat.N_QUADS)
        return WorkerSpec(snapshot=str(path))

    def _checkpoint(self, store: GraphStore) -> Path:
        """A checkpoint of a store open for writing, for the workers to open read-only (see the module docstring)."""
        assert store.path is not None
        directory = store.path.parent / CHECKPOINTS
        if not self._checkpoints and directory.is_dir():
            # Left by a writer that was killed: only the one writer of the store makes checkpoints.
            for leftover in directory.iterdir():
                shutil.rmtree(leftover, ignore_errors=True)
        directory.mkdir(exist_ok=True)
        self._snapshots += 1
        path = directory / f"{store.path.name}-{os.getpid()}-{self._snapshots}"
        shutil.rmtree(path, ignore_errors=True)  # a leftover of a process with the same pid
        database = store.oxigraph
        if not isinstance(database, ox.Store):  # pragma: no cover - a store with a path is embedded
            raise ConfigError("only an embedded store can be checkpointed")
        database.backup(str(path))
        self._checkpoints[self._generation + 1 if self._running else 0] = path
        return path

    def _collect_checkpoints(self) -> None:
        """Remove the checkpoints that no worker reads, none is opening, and that are not the current one. A
        checkpoint's files must not vanish under a worker that opened it: a read-only Oxigraph database whose files
        are deleted is undefined behaviour (seen: a COUNT looping until its deadline, its memory past 4 GB)."""
        with self._checkpoint_lock:
            keep = {w.generation for w in self._all.values()} | {self._generation} | set(self._opening)
            stale = [self._checkpoints.pop(g) for g in list(self._checkpoints) if g not in keep]
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def _state_to_open(self) -> Iterator[tuple[int, WorkerSpec]]:
        """The current generation and spec, kept (its checkpoint not collected) while a worker opens it."""
        with self._checkpoint_lock:
            generation, spec = self._generation, self.spec
            self._opening[generation] += 1
        try:
            yield generation, spec
        finally:
            with self._checkpoint_lock:
                self._opening[generation] -= 1
                if not self._opening[generation]:
                    del self._opening[generation]

    async def _start_one(self) -> _Worker:
        self._numbers += 1
        number = self._numbers
        self._starting += 1
        try:
            with self._state_to_open() as (generation, spec):
                started = await asyncio.to_thread(_start_worker, spec, number, self.startup)
                started.generation = generation
                self._all[number] = started
        finally:
            self._starting -= 1
        return started

    async def stop(self) -> None:
        """Stop every worker (killing those still running a query) and remove the snapshot."""
        self._running = False
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for waiter in self._waiters:
            waiter.cancel()
        self._waiters.clear()
        workers = list(self._all.values())
        self._all.clear()
        self._idle.clear()
        # Workers only read: killing them loses nothing, and is quicker than letting each interpreter wind down.
        await asyncio.gather(*(asyncio.to_thread(_kill, one.process, one.connection) for one in workers))
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None
        for path in self._checkpoints.values():
            shutil.rmtree(path, ignore_errors=True)
        self._checkpoints.clear()

    async def __aenter__(self) -> QueryExecutor:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        """Whether the pool has been started and not stopped."""
        return self._running

    def status(self) -> PoolStatus:
        return PoolStatus(
            size=self.size,
            idle=len(self._idle),
            busy=len(self._busy),
            starting=self._starting,
            waiting=sum(1 for w in self._waiters if not w.done()),
            replaced=self._replaced,
        )

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        return [w.process.pid for w in self._all.values()]

    def refresh(self, store: GraphStore | None = None) -> None:
        """Make every query that starts from now on see the store as it is now: called after a commit (from the
        committing thread, under the writer's lock). An on-disk store is flushed and re-opened by each worker where
        it is; an in-memory one is written to a new snapshot. A worker re-opens lazily, before its next query (its
        current query, if any, finishes on the state it started with)."""
        if not self._running:  # stopped: nothing to refresh (and no snapshot directory to write to)
            return
        spec = self._snapshot(store) if store is not None and store.server_url is None else self.spec
        self.spec = spec
        self._generation += 1
        self._cheap.clear()  # measured on the state before this commit
        self._collect_checkpoints()

    # -- the pool -----------------------------------------------------------------------------------------------

    def _release(self, one: _Worker) -> None:
        self._busy.discard(one.number)
        if not self._running:
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._busy.add(one.number)
                waiter.set_result(one)
                return
        self._idle.append(one)

    async def _acquire(self, deadline: float) -> _Worker:
        while True:
            if self._idle:
                one = self._idle.popleft()
                self._busy.add(one.number)
            else:
                waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                try:
                    await asyncio.wait({waiter}, timeout=max(deadline - time.monotonic(), 0.0))
                except asyncio.CancelledError:
                    if waiter.done() and not waiter.cancelled():
                        self._release(waiter.result())
                    waiter.cancel()
                    raise
                if not waiter.done():
                    waiter.cancel()
                    raise QueryTimeout(self.timeout)
                one = waiter.result()
            if one.alive():
                return one
            self._replace(one, None)  # died while idle: replace it and look again

    def _replace(self, one: _Worker, pending: Future[QueryAnswer | Failure] | None) -> None:
        """Kill a worker now (a signal, it does not block) and start another in its place, in the background."""
        self._busy.discard(one.number)
        self._all.pop(one.number, None)
        self._replaced += 1
        if one.process.poll() is None:
            one.process.kill()
        if pending is not None and not pending.done():
            # The exchange thread still holds the pipe: close it only once that thread has returned.
            pending.add_done_callback(lambda _: one.connection.close())
        else:
            one.connection.close()
        task = asyncio.get_running_loop().create_task(self._respawn(one))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _respawn(self, old: _Worker) -> None:
        await asyncio.to_thread(_kill, old.process, None)  # reap it
        if not self._running:
            return
        for attempt in range(3):  # a start may fail for a passing reason (a writer compacting the store)
            try:
                fresh = await self._start_one()
                break
            except ConfigError:
                log.exception("cannot start a replacement query worker (attempt %d of 3)", attempt + 1)
                if not self.running:
                    return
                await asyncio.sleep(0.5 * (attempt + 1))
        else:
            return
        if not self.running:  # stopped meanwhile
            await asyncio.to_thread(_kill, fresh.process, fresh.connection)
            return
        self._release(fresh)

    async def run(self, request: QueryRequest) -> QueryAnswer:
        """Run one request within the deadline; raises :class:`QueryTimeout`, :class:`QueryCrashed` or the
        query's own typed error (syntax, evaluation, unacceptable format)."""
        if not self._running:
            raise ConfigError("the query pool is not running")
        key = _request_key(request) if self.inline_budget > 0 else None
        if key is not None and self._cheap.get(key) == self._generation:
            return self._run_inline(key, request)
        started = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        # The query must see every write acknowledged before it arrived, not the ones committed while it waits: with
        # writes back to back, chasing the newest state would re-open forever and never run the query.
        wanted = self._generation
        one = await self._acquire(deadline)
        while one.generation < wanted:  # a commit since it opened its store: re-open first
            with self._state_to_open() as (generation, spec):
                left = max(deadline - time.monotonic(), 0.0)
                reopened = await asyncio.to_thread(_reopen, one.connection, spec, left)
                if reopened:
                    one.generation = generation
            if reopened:
                self._collect_checkpoints()
                continue
            self._replace(one, None)
            one = await self._acquire(deadline)
        acquired = time.perf_counter()
        record("queue", acquired - started)
        pending = self._threads.submit(_exchange, one.connection, request, deadline - time.monotonic())
        try:
            reply = await asyncio.wrap_future(pending)
        except _Late:
            log.warning("query worker %s passed the %g s deadline; killing it", one.number, self.timeout)
            self._replace(one, pending)
            raise QueryTimeout(self.timeout) from None
        except _Gone:
            code = await asyncio.to_thread(_exit_code, one.process)
            self._replace(one, pending)
            raise QueryCrashed(code) from None
        except asyncio.CancelledError:
            self._replace(one, pending)  # the client went away: stop the work
            raise
        self._release(one)
        _record_exchange(reply, time.perf_counter() - acquired)
        if isinstance(reply, Failure):
            raise reply.rebuild()
        if key is not None and reply.elapsed is not None and reply.elapsed <= self.inline_budget:
            self._remember(key, wanted)
        return reply

    def _remember(self, key: Hashable, generation: int) -> None:
        """Run ``key`` in process from now on, if the state it was measured on is still the current one."""
        if generation != self._generation:
            return
        self._cheap[key] = generation
        self._cheap.move_to_end(key)
        while len(self._cheap) > _CHEAP_KEPT:
            self._cheap.popitem(last=False)

    def _run_inline(self, key: Hashable, request: QueryRequest) -> QueryAnswer:
        """Answer a request the pool has shown to be cheap, here, on the event loop: it holds the loop for at most a
        few milliseconds, as serialising a large answer already does, and a thread hop would add ~0.1 ms to it."""
        assert not isinstance(self._source, WorkerSpec)
        self._cheap.move_to_end(key)
        self.inline_runs += 1
        started = time.perf_counter()
        try:
            return worker_module.answer(self._source, request)
        finally:
            elapsed = time.perf_counter() - started
            record("query", elapsed)
            if elapsed > 2 * self.inline_budget:  # slower than the pool measured: let the pool take it again
                self._cheap.pop(key, None)


def _request_key(request: QueryRequest) -> Hashable | None:
    """What identifies a request's work: everything in it (bound values included); None if a value is unhashable."""
    bindings = None if request.substitutions is None else tuple(sorted(request.substitutions.items()))
    key = (request.query, request.default_graph, request.named_graphs, bindings, request.accept, request.format,
           request.max_rows, request.base_iri)  # fmt: skip
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _record_exchange(reply: QueryAnswer | Failure, seconds: float) -> None:
    """Server-Timing parts of a worker's answer: ``query`` in the worker, ``ipc`` the rest of the round trip."""
    if reply.elapsed is None:  # pragma: no cover - the worker always says
        record("query", seconds)
        return
    record("query", reply.elapsed)
    record("ipc", seconds - reply.elapsed)
