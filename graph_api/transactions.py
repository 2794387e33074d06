"""Committing a change: one writer at a time, journaled, validated against the shapes, recorded, or rolled back.

:meth:`Writer.commit`, under the writer's lock (a thread lock, and ``write.lock`` in the store directory against
other processes):

1. takes the focus nodes of the change on the store before it (:mod:`graph_api.change_focus`);
2. writes the undo of the change and of its audit record to the journal (:mod:`graph_api.journal`, fsynced);
3. applies the change and its audit record (:mod:`graph_api.audit`) as one Oxigraph transaction
   (:meth:`GraphStore.apply <graph_api.store.GraphStore.apply>`, which keeps the default-graph union exact);
4. validates the focus nodes before and after the change (``validate_focus``: the results a full validation
   gives for them; the whole graph when the change touches the ontology or the shapes);
5. on a Violation (warnings and infos do not block) applies the undo and raises :class:`ChangeRejected` with the
   report; else counts the change in the manifest, removes the journal and returns a :class:`CommitResult`.

Readers never see a change that is rolled back: other processes open the database under a shared ``write.lock``
(:func:`graph_api.persistence.open_store`), so never between steps 3 and 5, and see what was committed when they
opened it (a query worker re-opens when :func:`graph_api.persistence.committed_state` changes, or when
:meth:`Writer.on_commit` tells it). Threads of the writing process that read the same store take
:meth:`Writer.reading`, which waits while a commit is between steps 3 and 5. An in-memory store has no journal and
no file lock.
"""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyoxigraph as ox

from graph_api import journal
from graph_api.audit import AUDIT_GRAPH, change_iri, last_number, record
from graph_api.change_focus import documents_of, focus_nodes, touched
from graph_api.changes import Change
from graph_api.errors import ChangeRejected, UpdateNotAllowed
from graph_api.iris import DEFAULT_BASE
from graph_api.persistence import MANIFEST, Manifest, record_commit, write_lock
from graph_api.shacl_sparql import validate_focus, validate_store
from graph_api.update_delta import DirectStage, update_delta

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from graph_api.changes import About
    from graph_api.store import GraphStore
    from graph_api.validation_report import ValidationReport


@dataclass(frozen=True)
class CommitResult:
    """A committed change: as recorded (its documents filled in), its number and audit record, when, the focus
    nodes validated and their report (warnings and infos; no violation)."""

    change: Change
    number: int | None
    record: str | None
    started: datetime
    ended: datetime
    focus: frozenset[str] | None
    report: ValidationReport


class _Gate:
    """Readers in this process wait while a commit is between applying and deciding: a phase-fair readers-writer lock.
    A new reader waits while a commit waits, so a steady stream of reads cannot starve writes; and when a commit ends,
    the readers that were waiting for it go in before the next commit, so writes back to back cannot starve reads
    either. A thread must not take ``read`` twice."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0
        self._waiting_readers = 0
        self._admit = 0  # readers let in ahead of waiting writers: those that waited for the last commit

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._condition:
            self._waiting_readers += 1
            try:
                self._condition.wait_for(lambda: not self._writing and (self._waiting_writers == 0 or self._admit > 0))
            finally:
                self._waiting_readers -= 1
            if self._admit:
                self._admit -= 1
                self._condition.notify_all()  # the last one admitted lets a waiting writer go
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._condition:
            self._waiting_writers += 1
            try:
                self._condition.wait_for(lambda: not self._writing and self._readers == 0 and self._admit == 0)
            finally:
                self._waiting_writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._admit = self._waiting_readers
                self._condition.notify_all()


class Writer:
    """The one writer of a store (see the module docstring). ``directory`` is the store directory of a persistent
    store (found from the store's path when it holds a manifest); ``data_base`` the base of data IRIs (where new
    triples go, :func:`graph_api.changes.graph_for`; the audit record's IRIs); ``lock_timeout`` how long a commit
    waits for another process's."""

    def __init__(
        self,
        store: GraphStore,
        *,
        directory: Path | None = None,
        data_base: str = DEFAULT_BASE,
        lock_timeout: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if store.read_only:
            raise UpdateNotAllowed("the store is open read-only: open it with writes enabled")
        self.store = store
        self.directory = directory if directory is not None else store_directory(store)
        self.data_base = data_base
        self.lock_timeout = lock_timeout
        self._clock = clock
        self._lock = threading.RLock()
        self._gate = _Gate()
        self._callbacks: list[Callable[[CommitResult], None]] = []

    # -- readers --------------------------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[GraphStore]:
        """The store, for reading in this process without ever seeing a change that is being validated."""
        with self._gate.read():
            yield self.store

    @contextmanager
    def serialized(self) -> Iterator[GraphStore]:
        """The store, with no other commit of this process running meanwhile (the writer's thread lock, which a
        commit inside takes again): to read what a commit left, such as a document's new version (an ETag), before
        any later commit changes it."""
        with self._lock:
            yield self.store

    def on_commit(self, callback: Callable[[CommitResult], None]) -> None:
        """Call ``callback`` after each commit (to tell query workers to re-open at the new state)."""
        self._callbacks.append(callback)

    # -- writing --------------------------------------------------------------------------------------------

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        with self._lock:
            if self.directory is None:
                yield
                return
            with write_lock(self.directory, shared=False, timeout=self.lock_timeout):
                yield

    def commit(
        self,
        change: Change | Callable[[GraphStore], Change],
        *,
        precondition: Callable[[GraphStore], None] | None = None,
        pause: Callable[[str], None] | None = None,
    ) -> CommitResult:
        """Commit the change (module docstring); :class:`ChangeRejected` leaves the store as it was.

        ``change`` may be a function of the store, called under the writer's lock: a change computed from the
        store (``lambda s: replace_document(s, iri, triples)``) is then computed from the state it applies to.
        ``precondition`` runs under the lock first and raises to refuse the commit (a conditional write:
        :func:`graph_api.changes.expect_version`). ``pause`` is called with ``"journaled"`` (the journal is on disk,
        nothing applied) and ``"applied"`` (the change is in the database, not yet validated): points where a test
        kills the process."""
        with self._exclusive():
            if precondition is not None:
                precondition(self.store)
            built = change(self.store) if callable(change) else change
            return self._commit(built, pause or (lambda _: None))

    def update(
        self,
        update: str,
        *,
        about: About | None = None,
        using_graphs: Sequence[str] = (),
        using_named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
        precondition: Callable[[GraphStore], None] | None = None,
        pause: Callable[[str], None] | None = None,
    ) -> CommitResult:
        """Commit a SPARQL 1.1 Update request: its delta (:func:`graph_api.update_delta.update_delta`, the earlier
        operations applied for the later ones under the lock, journaled, and undone), described by ``about``.
        ``pause`` is also called with ``"staged"`` after each earlier operation is applied."""
        pause = pause or (lambda _: None)
        with self._exclusive():
            if precondition is not None:
                precondition(self.store)
            stage = _JournaledStage(self, pause)
            with self._gate.write():
                change = update_delta(
                    self.store,
                    update,
                    using_graphs=using_graphs,
                    using_named_graphs=using_named_graphs,
                    base_iri=base_iri,
                    data_base=self.data_base,
                    stage=stage,
                )
            if about is not None:
                change = change.described(about)
            return self._commit(change, pause)

    def _net(self, change: Change) -> Change:
        """The change as it applies to the store now: only what it adds that is not there, removes that is, creates
        and drops that does not and does exist (so that its inverse undoes exactly what it did)."""
        added = {g: {t for t in ts if g not in self.store.holders(t)} for g, ts in change.added.items()}
        removed = {g: {t for t in ts if g in self.store.holders(t)} for g, ts in change.removed.items()}
        exists = self.store.oxigraph.contains_named_graph
        return replace(
            Change.of(added, removed, created={g for g in change.created if not exists(ox.NamedNode(g))}),
            message=change.message,
            principal=change.principal,
            source=change.source,
            quote=change.quote,
            documents=change.documents,
            dropped=frozenset(g for g in change.dropped if exists(ox.NamedNode(g))),
        )

    def _commit(self, change: Change, pause: Callable[[str], None]) -> CommitResult:
        started = self._clock()
        change = self._net(change)
        if change.is_empty:  # nothing to validate or record: acknowledged, not logged
            return CommitResult(change, None, None, started, started, frozenset(), validate_focus(self.store, ()))
        documents = change.documents or frozenset(documents_of(self.store, touched(change)))
        change = replace(change, documents=documents)
        before = focus_nodes(self.store, change)
        number = last_number(self.store) + 1
        ended = self._clock()
        audit = record(change, number=number, started=started, ended=ended, base=self.data_base)
        applied = change.then(Change.of({AUDIT_GRAPH: audit}, {}))
        with self._gate.write():
            self.journal_undo(applied.inverse())
            pause("journaled")
            try:
                self.store.apply(applied.added, applied.removed, created=applied.created, dropped=applied.dropped)
                pause("applied")
                after = focus_nodes(self.store, change)
                focus = None if before is None or after is None else frozenset(before | after)
                report = validate_store(self.store) if focus is None else validate_focus(self.store, focus)
                if not report.conforms:
                    raise ChangeRejected(report)
                if self.directory is not None and self.store.path is not None:
                    record_commit(self.directory, self.store.path.name, number)
            except BaseException:
                undo = applied.inverse()
                self.store.apply(undo.added, undo.removed, created=undo.created, dropped=undo.dropped)
                raise
            finally:
                self.clear_journal()
        result = CommitResult(change, number, change_iri(number, self.data_base), started, ended, focus, report)
        for callback in self._callbacks:
            callback(result)
        return result

    def journal_undo(self, undo: Change) -> None:
        """Write the journal of a persistent store: ``undo`` undoes what is about to be applied."""
        if self.directory is None or self.store.path is None:
            return
        manifest = Manifest.read(self.directory)
        counters = {"changes": manifest.changes, "sequence": manifest.sequence} if manifest is not None else {}
        journal.write(self.directory, journal.Entry(self.store.path.name, undo, counters))

    def clear_journal(self) -> None:
        if self.directory is not None:
            journal.clear(self.directory)


class _JournaledStage:
    """Applies a request's earlier operations for the later ones, the undo of all of them journaled first."""

    def __init__(self, writer: Writer, pause: Callable[[str], None]) -> None:
        self.writer = writer
        self.direct = DirectStage(writer.store)
        self.pause = pause
        self.total = Change()  # the net change of the operations applied so far (of ``self.direct.applied``)

    def apply(self, change: Change) -> None:
        total = self.total.then(change)
        self.writer.journal_undo(total.inverse())
        self.direct.apply(change)
        self.total = total
        self.pause("staged")

    def undo(self) -> None:
        self.direct.undo()
        self.total = Change()
        self.writer.clear_journal()


def store_directory(store: GraphStore) -> Path | None:
    """The store directory of a store opened by :func:`graph_api.persistence.open_store` (its database's parent
    holds the manifest naming it), else None."""
    if store.path is None:
        return None
    manifest = Manifest.read(store.path.parent)
    if manifest is not None and manifest.database == store.path.name and (store.path.parent / MANIFEST).is_file():
        return store.path.parent
    return None


_WRITERS: weakref.WeakKeyDictionary[GraphStore, Writer] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def writer_for(store: GraphStore, *, data_base: str = DEFAULT_BASE) -> Writer:
    """The store's writer (one per store object, created on first use)."""
    with _WRITERS_LOCK:
        writer = _WRITERS.get(store)
        if writer is None:
            writer = _WRITERS[store] = Writer(store, data_base=data_base)
        return writer


def commit(store: GraphStore, change: Change, *, data_base: str = DEFAULT_BASE) -> CommitResult:
    """Commit a change through the store's writer (:meth:`Writer.commit`)."""
    return writer_for(store, data_base=data_base).commit(change)


__all__ = ["CommitResult", "Writer", "commit", "store_directory", "writer_for"]
