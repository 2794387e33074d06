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
that takes more than twice the budget, or (from its second run here) more than the pool's whole round trip for it,
sends it back to the pool for good (on this state: a worker holding a memory copy can be several times faster than
this process's store on disk, and learning the query again would alternate fast and slow runs). A commit
(:meth:`QueryExecutor.refresh`) forgets everything remembered. The application enables it only for an embedded store
without writes: a write validates its change in the store before committing it, so a reader in this process would
need the writer's read gate.

Memory copies (``memory_copies``, set by the application when the graph fits the memory budget of
``GRAPH_API_QUERY_MEMORY_MB``, :mod:`graph_api.memory`): the workers of an on-disk store start on it, so the service
answers within seconds of starting, and are then replaced one at a time, in the background, by workers that also
hold the store's default graph in memory (:class:`graph_api.worker.MemoryCopy`), loaded from an N-Triples snapshot
of it that the first of them writes (in a ``.memory-copy-*`` directory beside the database, removed by
:meth:`QueryExecutor.stop`). Oxigraph's on-disk store reads each string and IRI of a result from RocksDB; in memory
the benchmark's heavier queries ran up to six times faster. An on-disk worker stays in service until its
replacement is ready; a worker started again after a crash or a deadline starts on disk and is copied again. The copy
is of one state of the store: after a commit the workers read the store on disk again, and are copied again at the
new state.

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
    from collections.abc import Callable, Coroutine, Hashable, Iterator
    from types import TracebackType

    from graph_api.store import GraphStore

log = logging.getLogger(__name__)

_KILL_WAIT: Final = 5.0
#: Seconds a worker may take to copy the store into memory (it works in the background: the store is on disk meanwhile).
_WARM_TIMEOUT: Final = 3600.0
#: Failed copies in a row after which the pool stays on disk (each is logged).
_WARM_ATTEMPTS: Final = 3
#: How many cheap requests the pool remembers for running in process (the least recently used are forgotten).
_CHEAP_KEPT: Final = 1024


#: Directory beside a database open for writing where the pool keeps the checkpoints its workers read.
CHECKPOINTS: Final = ".checkpoints"
#: Prefix of the directories (in a store's directory) where the pool writes the snapshots memory copies load.
COPIES_PREFIX: Final = ".memory-copy-"


def copy_directory(beside: Path) -> tempfile.TemporaryDirectory[str]:
    """A new directory for the snapshots of memory copies, in the store's directory ``beside`` (a snapshot is the
    store's N-Quads: on the store's disk rather than in a temporary directory that may be held in memory), or in the
    system's temporary directory when that one cannot be written. Those left by a process that has died go first."""
    if beside.name == CHECKPOINTS:  # a checkpoint's directory is the pool's own: use the store's
        beside = beside.parent
    for leftover in beside.glob(COPIES_PREFIX + "*"):
        pid = leftover.name.removeprefix(COPIES_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    try:
        return tempfile.TemporaryDirectory(prefix=f"{COPIES_PREFIX}{os.getpid()}-", dir=beside)
    except OSError:
        return tempfile.TemporaryDirectory(prefix=f"graph-api-copy-{os.getpid()}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


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
    in_memory: bool = False  # holds a memory copy of an on-disk store

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
    memory: int  # workers that hold an in-memory copy of the store's current state
    memory_copies: bool  # whether the workers are copied into memory (QueryExecutor(memory_copies=...))


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


def _start_worker(
    spec: WorkerSpec,
    number: int,
    timeout: float,
    spawned: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> _Worker:
    """Start a worker process and wait until it has opened its store (runs on a thread); ``spawned`` is told the
    process as soon as it exists (so that another thread can kill it while it starts).

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
    if spawned is not None:
        spawned(process)
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
        memory_copies: bool = False,
    ) -> None:
        """``inline_budget``: seconds under which a query the pool has answered is run in this process from then on
        (see the module docstring); 0 runs everything in the pool. Only for an embedded store that nothing writes
        while the pool runs (or whose writes go through :meth:`refresh` under a lock the caller holds).
        ``memory_copies``: replace the workers of an on-disk store by workers holding it in memory, in the background
        (see the module docstring); ignored for any other store."""
        if workers < 1:
            raise ConfigError("the query pool needs at least one worker")
        self._source = source
        embedded = not isinstance(source, WorkerSpec) and source.server_url is None
        self.inline_budget = inline_budget if embedded else 0.0
        self._cheap: OrderedDict[Hashable, _Cheap] = OrderedDict()
        self._not_cheap: OrderedDict[Hashable, None] = OrderedDict()  # found slow here: the pool keeps them
        self.inline_runs = 0
        self.memory_copies = memory_copies and not isinstance(source, WorkerSpec) and source.path is not None
        self._copies: tempfile.TemporaryDirectory[str] | None = None  # the snapshots memory copies are loaded from
        self._warmer: asyncio.Task[None] | None = None
        self._warming: subprocess.Popen[bytes] | None = None  # the worker being copied into memory
        self._retiring: set[int] = set()  # on-disk workers to stop once their query is answered
        self.warm_ups = 0  # workers put in service with a memory copy
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
        self._ensure_warming()

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
        warming = self._warming
        if warming is not None and warming.poll() is None:
            warming.kill()  # its start is waited for on a thread: the closed pipe ends that wait
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
        if self._copies is not None:
            self._copies.cleanup()
            self._copies = None
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
            memory=self._in_memory(),
            memory_copies=self.memory_copies,
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
        self._not_cheap.clear()
        self._collect_checkpoints()

    # -- the pool -----------------------------------------------------------------------------------------------

    def _release(self, one: _Worker) -> None:
        self._busy.discard(one.number)
        if not self._running:
            return
        if one.number in self._retiring:  # replaced by a memory copy while it answered its last query
            self._drop(one)
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
        if one.number in self._retiring:  # its memory copy is already in service: nothing to start
            self._retiring.discard(one.number)
            self._background(asyncio.to_thread(_kill, one.process, None))
            return
        self._background(self._respawn(one))

    def _background(self, work: Coroutine[object, object, None]) -> asyncio.Task[None]:
        """Run a coroutine as a task that :meth:`stop` cancels."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _drop(self, one: _Worker) -> None:
        """Stop a worker that is neither busy nor idle any more (an on-disk worker a memory copy replaces)."""
        self._retiring.discard(one.number)
        self._all.pop(one.number, None)
        self._background(asyncio.to_thread(_kill, one.process, one.connection))

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
        self._ensure_warming()

    # -- memory copies --------------------------------------------------------------------------------------------

    def _ensure_warming(self) -> None:
        """Start copying on-disk workers into memory, one at a time, unless done or under way."""
        if not self.memory_copies or not self._running or (self._warmer is not None and not self._warmer.done()):
            return
        if self._in_memory() >= self.size:
            return
        self._warmer = self._background(self._warm())

    def _in_memory(self) -> int:
        """Workers in service that hold a memory copy of the current state."""
        return sum(1 for w in self._all.values() if w.in_memory and w.generation == self._generation)

    async def _warm(self) -> None:
        """Put workers holding a memory copy in service one at a time, each in place of an on-disk worker."""
        failures = 0
        while self._running and self._in_memory() < self.size and failures < _WARM_ATTEMPTS:
            with self._state_to_open() as (generation, spec):
                if spec.store_path is None:  # pragma: no cover - memory_copies is only set for an on-disk store
                    return
                snapshot = self._copy_snapshot(generation, Path(spec.store_path))
                copy = WorkerSpec(store_path=spec.store_path, snapshot=str(snapshot), memory_copy=True)
                self._numbers += 1
                number = self._numbers
                try:
                    fresh = await asyncio.to_thread(_start_worker, copy, number, _WARM_TIMEOUT, self._spawned)
                except ConfigError as exc:
                    failures += 1
                    log.warning("cannot copy the store into memory for a query worker: %s", exc)
                    continue
                finally:
                    self._warming = None
            if not self._running or generation != self._generation:  # stopped, or a commit made the copy stale
                await asyncio.to_thread(_kill, fresh.process, fresh.connection)
                continue
            fresh.generation, fresh.in_memory = generation, True
            self._all[number] = fresh
            self.warm_ups += 1
            failures = 0
            self._retire_one()
            self._release(fresh)

    def _spawned(self, process: subprocess.Popen[bytes]) -> None:
        self._warming = process
        if not self._running:  # stopped while it was being started: stop() could not see it
            process.kill()

    def _copy_snapshot(self, generation: int, database: Path) -> Path:
        """The N-Triples snapshot a memory copy of this state loads (written by the first worker that needs it);
        those of earlier states are removed."""
        if self._copies is None:
            self._copies = copy_directory(database.parent)
        directory = Path(self._copies.name)
        for old in directory.glob("state-*.nt"):
            if old.name != f"state-{generation}.nt":
                old.unlink(missing_ok=True)
        return directory / f"state-{generation}.nt"

    def _retire_one(self) -> None:
        """Stop one on-disk worker (or a copy of an earlier state): now if idle, else once its query is answered."""
        stale = [w for w in self._all.values() if w.number not in self._retiring]
        stale = [w for w in stale if not w.in_memory or w.generation != self._generation]
        if not stale:
            return
        idle = [w for w in stale if w in self._idle]
        if idle:
            self._idle.remove(idle[0])
            self._drop(idle[0])
        else:
            self._retiring.add(stale[0].number)

    async def run(self, request: QueryRequest) -> QueryAnswer:
        """Run one request within the deadline; raises :class:`QueryTimeout`, :class:`QueryCrashed` or the
        query's own typed error (syntax, evaluation, unacceptable format)."""
        if not self._running:
            raise ConfigError("the query pool is not running")
        key = _request_key(request) if self.inline_budget > 0 else None
        cheap = None if key is None else self._cheap.get(key)
        if key is not None and cheap is not None and cheap.generation == self._generation:
            return self._run_inline(key, request, cheap)
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
                    one.generation, one.in_memory = generation, False
            if reopened:
                self._collect_checkpoints()
                self._ensure_warming()
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
        round_trip = time.perf_counter() - acquired
        _record_exchange(reply, round_trip)
        if isinstance(reply, Failure):
            raise reply.rebuild()
        if key is not None and reply.elapsed is not None and reply.elapsed <= self.inline_budget:
            self._remember(key, _Cheap(wanted, round_trip))
        return reply

    def _remember(self, key: Hashable, cheap: _Cheap) -> None:
        """Run ``key`` in process from now on, if the state it was measured on is still the current one."""
        if cheap.generation != self._generation or key in self._not_cheap:
            return
        self._cheap[key] = cheap
        self._cheap.move_to_end(key)
        while len(self._cheap) > _CHEAP_KEPT:
            self._cheap.popitem(last=False)

    def _run_inline(self, key: Hashable, request: QueryRequest, cheap: _Cheap) -> QueryAnswer:
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
            cheap.runs += 1
            # Slower than twice the budget, or (from its second run here, the first one finding colder caches)
            # slower than the pool's whole round trip: a worker holding a memory copy can be several times faster
            # than this process's store on disk. Then the pool takes it back for good, on this state: learning it
            # again would alternate fast and slow runs.
            if elapsed > 2 * self.inline_budget or (cheap.runs > 1 and elapsed > cheap.pool):
                self._cheap.pop(key, None)
                self._not_cheap[key] = None
                while len(self._not_cheap) > _CHEAP_KEPT:
                    self._not_cheap.popitem(last=False)


@dataclass
class _Cheap:
    """A request found cheap: the state it was measured on, the pool's round trip for it (seconds: the worker's time
    and the hand-over), and how many times it has been run in process since."""

    generation: int
    pool: float
    runs: int = 0


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
