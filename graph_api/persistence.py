"""The persistent store: an Oxigraph database on disk, reused while its sources are unchanged, rebuilt when not.

A store directory (``GRAPH_API_STORE``) holds::

    manifest.json       which database is current and what it was built from: schema, pyoxigraph version, base
                        IRI, each source's path, kind, graph, size and SHA-256; replaced atomically, written last
    build.lock          held exclusively while a build runs; names the builder
    write.lock          held exclusively while a change is committed, shared while a reader opens the database
    journal.json        the undo of the change being committed (graph_api.journal); present only during a commit
    db-<stamp>/         Oxigraph databases: the current one, and older ones while a running process still reads them
    db-<stamp>.lock     held shared by every process that reads that database (its query workers read under it)

:func:`open_store` hashes the sources and compares them with the manifest. When they are equal, the current
database is opened read-only: no file is parsed. Otherwise the store is rebuilt: the files are bulk-loaded into a new
``db-*`` directory (:mod:`graph_api.bulk`), flushed and closed, and only then named in the manifest, so a build that
fails or is killed half-way leaves the previous database current and usable. Databases no process reads any more,
and half-built ones, are removed by the next build.

Builds run one at a time; a second one fails at once with a :class:`ConfigError` naming the process that holds
``build.lock``.

Writes (``writable=True``): one process opens the current database read-write (Oxigraph allows one) and commits
changes through :mod:`graph_api.transactions`, which journals each one and counts it in the manifest: ``changes``
(committed to this database), ``sequence`` (the last change's number over the store's life) and ``exported`` (the
number up to which the data files hold them, set by :func:`mark_exported`). Any number of other processes still
read it read-only: they open it under a shared ``write.lock`` (so never in the middle of a commit) and see the
state committed when they opened it; a worker that wants newer changes re-opens when :func:`committed_state`
changes. A leftover journal is rolled back by the next writable open. While changes are not exported, a rebuild
from the files would lose them: it is refused (:class:`UnexportedChanges`) unless ``discard_changes``; the audit
log (:mod:`graph_api.audit`) is carried over to the rebuilt database, without the records of discarded changes.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import re
import secrets
import shutil
import time
import traceback
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api import journal
from graph_api.audit import AUDIT_GRAPH
from graph_api.bulk import LoadedFile, bulk_load
from graph_api.errors import ConfigError, LoadError, StoreBusy, UnexportedChanges
from graph_api.locks import FileLock, LockBusy, note_of
from graph_api.store import GraphStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from graph_api.store import QuadTransform, Source
    from graph_api.types import PathLike

#: Version of the directory layout and of what a build does to the files; a store of another version is rebuilt.
SCHEMA: Final = 3  # 2: the query union is materialised in the default graph; 3: compacted after the build
MANIFEST: Final = "manifest.json"
BUILD_LOCK: Final = "build.lock"
WRITE_LOCK: Final = "write.lock"
#: The command that writes committed changes back to the data files (named by :class:`UnexportedChanges`).
EXPORT_COMMAND: Final = "graph-api export --data"
_DB: Final = "db-"
_LOCK: Final = ".lock"
_TMP: Final = ".tmp"


@dataclass(frozen=True)
class SourceRecord:
    """One source file as a store records it: absolute path, kind, named graph, size and SHA-256."""

    path: str
    kind: str
    graph: str
    size: int
    sha256: str

    @classmethod
    def of(cls, source: Source, *, size: int, sha256: str) -> SourceRecord:
        return cls(str(source.path.resolve()), source.kind, source.graph, size, sha256)

    @classmethod
    def read(cls, source: Source) -> SourceRecord:
        """Hash the file as it is now."""
        digest = hashlib.sha256()
        try:
            with source.path.open("rb") as file:
                while chunk := file.read(1 << 20):
                    digest.update(chunk)
        except OSError as exc:
            raise LoadError(source.path, exc.strerror or str(exc)) from exc
        return cls.of(source, size=source.path.stat().st_size, sha256=digest.hexdigest())


@dataclass(frozen=True)
class Manifest:
    """What a store's current database was built from, and when."""

    schema: int
    oxigraph: str
    base_iri: str
    sources: tuple[SourceRecord, ...]
    database: str
    quads: int
    built: str
    seconds: float
    changes: int = 0
    sequence: int = 0
    exported: int = 0

    @property
    def pending(self) -> int:
        """Committed changes the data files do not hold yet."""
        return self.sequence - self.exported

    def describes(self, base_iri: str, sources: Sequence[SourceRecord]) -> bool:
        """Whether the database holds exactly these files loaded this way (else it must be rebuilt)."""
        return (
            self.schema == SCHEMA
            and self.oxigraph == ox.__version__
            and self.base_iri == base_iri
            and self.sources == tuple(sources)
        )

    @classmethod
    def read(cls, directory: Path) -> Manifest | None:
        """The directory's manifest; None when there is none, or it is unreadable or of another schema."""
        try:
            data: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            if data.get("schema") != SCHEMA:
                return None
            records = tuple(SourceRecord(**record) for record in data.pop("sources"))
            return cls(sources=records, **data)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def write(self, directory: Path) -> None:
        """Replace the directory's manifest atomically (write a temporary file, flush it, rename it)."""
        temporary = directory / (MANIFEST + _TMP)
        with temporary.open("w", encoding="utf-8") as file:
            json.dump(asdict(self), file, ensure_ascii=False, indent=2)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, directory / MANIFEST)
        journal.sync_directory(directory)


def open_store(
    directory: PathLike,
    sources: Sequence[Source],
    transform: QuadTransform,
    *,
    base_iri: str,
    rewrites: bool,
    progress: bool | None = None,
    rebuild: bool = False,
    writable: bool = False,
    discard_changes: bool = False,
) -> GraphStore:
    """The store directory's database, opened read-only (read-write when ``writable``, a leftover journal rolled
    back first); (re)built first when its sources, base IRI or version differ from the manifest's, or when
    ``rebuild``. ``rewrites``: whether ``transform`` changes quads (re-basing), which rules out the fastest loading
    path. A rebuild is refused while committed changes are not exported (:class:`UnexportedChanges`), unless
    ``discard_changes``."""
    root = Path(directory)
    _prepare(root)
    if not rebuild:
        wanted = [SourceRecord.read(source) for source in sources]
        reused = _open_current(root, lambda manifest: manifest.describes(base_iri, wanted), writable=writable)
        if reused is not None:
            return reused
    try:
        build_lock = FileLock.acquire(root / BUILD_LOCK, shared=False, note=f"pid {os.getpid()}, since {_now()}")
    except LockBusy as exc:
        holder = note_of(root / BUILD_LOCK) or str(exc)
        raise ConfigError(f"the store {root} is being built by another process ({holder}); try again later") from None
    with build_lock:
        if not discard_changes:  # refused before building; checked again under the lock
            _refuse_unexported(root, Manifest.read(root), discard_changes)
        manifest = _build(root, sources, transform, base_iri=base_iri, rewrites=rewrites, progress=progress)
        try:
            with write_lock(root, shared=False):  # no commit while the current database is replaced
                previous = Manifest.read(root)  # again: a writer may have committed during the build
                committed = _refuse_unexported(root, previous, discard_changes)
                through = min(committed, previous.exported) if previous is not None else 0
                carried = _audit_of(root, previous, through) if previous is not None else []
                _add(root / manifest.database, carried)
                manifest = replace(manifest, quads=manifest.quads + len(carried), sequence=through, exported=through)
                manifest.write(root)
                journal.clear(root)  # a journal left for the previous database does not apply to this one
        except BaseException:
            shutil.rmtree(root / manifest.database, ignore_errors=True)
            raise
        opened = _open_current(root, lambda current: current.database == manifest.database, writable=writable)
        _collect(root, keep=manifest.database)
    if opened is None:  # pragma: no cover - only if the database just built cannot be read back
        raise ConfigError(f"cannot open the store just built in {root / manifest.database}")
    return opened


def open_current(directory: PathLike) -> GraphStore:
    """The directory's current database as it is, whatever its sources say now (to export committed changes
    before a rebuild); a :class:`ConfigError` when there is none."""
    root = Path(directory)
    _prepare(root)
    opened = _open_current(root, lambda _: True)
    if opened is None:
        raise ConfigError(f"{root} holds no store yet: load it first")
    return opened


def committed_state(directory: PathLike) -> tuple[str, int] | None:
    """(database, number of the last committed change) from the manifest: it changes when a change is committed or
    the store is rebuilt, never for a change rolled back; a reader re-opens the store when it changes."""
    manifest = Manifest.read(Path(directory))
    return (manifest.database, manifest.sequence) if manifest is not None else None


def record_commit(directory: Path, database: str, number: int) -> dict[str, int]:
    """Count a committed change (number ``number``) in the manifest; return the counters as they were before.
    A :class:`ConfigError` when the store was rebuilt meanwhile (the change went to a database no longer current)."""
    manifest = Manifest.read(directory)
    if manifest is None or manifest.database != database:
        raise ConfigError(f"the store {directory} was rebuilt while it was open for writing; open it again")
    before = {"changes": manifest.changes, "sequence": manifest.sequence}
    replace(manifest, changes=manifest.changes + 1, sequence=number).write(directory)
    return before


def restore_counters(directory: Path, database: str, counters: dict[str, int]) -> None:
    """Put back the change counters a journal recorded (its change was rolled back)."""
    manifest = Manifest.read(directory)
    if manifest is not None and manifest.database == database:
        changes, sequence = counters.get("changes", manifest.changes), counters.get("sequence", manifest.sequence)
        if (manifest.changes, manifest.sequence) != (changes, sequence):
            replace(manifest, changes=changes, sequence=sequence).write(directory)


def mark_exported(directory: Path, database: str, sources: Sequence[Source]) -> None:
    """Record that the data files hold every committed change: the manifest takes their new hashes (the database
    describes them, so it is reused rather than rebuilt) and ``exported`` becomes the last change's number."""
    manifest = Manifest.read(directory)
    if manifest is None or manifest.database != database:
        raise ConfigError(f"the store {directory} was rebuilt during the export; export again")
    records = tuple(SourceRecord.read(source) for source in sources)
    replace(manifest, sources=records, exported=manifest.sequence).write(directory)


def _refuse_unexported(root: Path, manifest: Manifest | None, discard_changes: bool) -> int:
    """Raise :class:`UnexportedChanges` when the current database holds committed changes the files do not; else
    return the number of the last change committed to it (:func:`_committed`)."""
    committed = _committed(root, manifest)
    if manifest is not None and not discard_changes:
        pending = committed - manifest.exported
        if pending > 0:
            raise UnexportedChanges(pending, EXPORT_COMMAND)
    return committed


def _add(database: Path, quads: Sequence[ox.Quad]) -> None:
    """Add quads to a closed database (the audit log carried over to a new build)."""
    if quads:
        store = ox.Store(str(database))
        store.extend(quads)
        store.flush()
        del store


def _committed(root: Path, manifest: Manifest | None) -> int:
    """The number of the last change committed to the current database (a journal's commit did not happen)."""
    if manifest is None:
        return 0
    entry = journal.read(root)
    if entry is not None and entry.database == manifest.database:
        return min(manifest.sequence, entry.counters.get("sequence", manifest.sequence))
    return manifest.sequence


_NUMBERED: Final = re.compile(r"/change/([0-9]+)(?:/|$)")


def _audit_of(root: Path, manifest: Manifest, through: int) -> list[ox.Quad]:
    """The audit log of the manifest's database, without the records of changes numbered after ``through``."""
    if not (root / manifest.database).is_dir():
        return []
    try:
        database = ox.Store.read_only(str(root / manifest.database))
    except OSError:
        return []
    kept = []
    for quad in database.quads_for_pattern(None, None, None, ox.NamedNode(AUDIT_GRAPH)):
        numbered = _NUMBERED.search(quad.subject.value) if isinstance(quad.subject, ox.NamedNode) else None
        if numbered is None or int(numbered.group(1)) <= through:
            kept.append(quad)
    del database
    return kept


@contextlib.contextmanager
def write_lock(root: Path, *, shared: bool, timeout: float = 30.0) -> Iterator[None]:
    """Hold ``write.lock`` (waiting up to ``timeout`` seconds): exclusive to commit or switch databases, shared to
    open a database at a committed state."""
    lock = wait_for_lock(root / WRITE_LOCK, shared=shared, timeout=timeout)
    try:
        yield
    finally:
        lock.release()


def wait_for_lock(path: Path, *, shared: bool, timeout: float) -> FileLock:
    """Take a lock, retrying while another process holds it; :class:`StoreBusy` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return FileLock.acquire(path, shared=shared, note=None if shared else f"pid {os.getpid()}")
        except LockBusy as exc:
            if time.monotonic() >= deadline:
                raise StoreBusy(f"{exc}: the store is being written", waited=timeout) from None
            time.sleep(0.02)


def _prepare(root: Path) -> None:
    """Create the directory, or check that an existing one holds a store and nothing else."""
    if root.exists() and not root.is_dir():
        raise ConfigError(f"the store {root} is not a directory")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the store directory {root}: {exc.strerror or exc}") from exc
    ours = {MANIFEST, MANIFEST + _TMP, BUILD_LOCK, WRITE_LOCK, journal.JOURNAL, journal.JOURNAL + _TMP}
    for entry in root.iterdir():
        if not (entry.name in ours or entry.name.startswith((_DB, "."))):
            raise ConfigError(
                f"{root} is not a graph-api store directory (it holds {entry.name!r}): "
                "use an empty or new directory, or remove this one to have it rebuilt"
            )


def _open_current(root: Path, accept: Callable[[Manifest], bool], *, writable: bool = False) -> GraphStore | None:
    """Open the manifest's database, under its reader lock, if the manifest is acceptable: read-only at a committed
    state (under a shared ``write.lock``), or read-write with a leftover journal rolled back first."""
    for _ in range(3):  # the manifest may change under us, once per concurrent build
        manifest = Manifest.read(root)
        if manifest is None or not accept(manifest) or not (root / manifest.database).is_dir():
            return None
        # Readers share the database's lock; a writer holds it alone: Oxigraph's read-only open of a database another
        # process writes is undefined behaviour (seen: queries looping with their memory past 4 GB).
        try:
            reader = FileLock.acquire(root / (manifest.database + _LOCK), shared=not writable)
        except LockBusy:
            again = Manifest.read(root)
            if again is None or again.database != manifest.database:
                continue  # being removed: it is no longer current
            if writable:
                raise ConfigError(
                    f"the store {root} is open in another process (a server or a command): stop it before "
                    "opening the store for writing"
                ) from None
            raise ConfigError(
                f"the store {root} is open for writing by another process (a server with writes enabled): "
                "query it through that server's HTTP API, or stop it first"
            ) from None
        again = Manifest.read(root)
        if again is None or again.database != manifest.database:
            reader.release()
            continue
        with write_lock(root, shared=not writable):
            try:
                store = GraphStore(
                    root / manifest.database,
                    read_only=not writable,
                    on_close=reader.release,
                    length=manifest.quads,  # kept by a read-only store only
                )
            except ConfigError:
                reader.release()
                if writable:
                    raise  # held read-write by another process, or damaged: never rebuilt over committed changes
                return None  # unreadable database: rebuild it
            if writable:
                try:
                    recover(root, store)
                except BaseException:
                    store.close()
                    raise
            return store
    return None


def recover(root: Path, store: GraphStore) -> None:
    """Roll back the change a leftover journal of this database describes (its counters too). A journal of another
    database (rebuilt since) is removed."""
    entry = journal.read(root)
    if entry is None:
        return
    database = store.path.name if store.path is not None else ""
    if entry.database == database:
        undo = entry.undo
        store.apply(undo.added, undo.removed, created=undo.created, dropped=undo.dropped)
        store.oxigraph.flush()
        restore_counters(root, database, entry.counters)
    journal.clear(root)


def _build(
    root: Path,
    sources: Sequence[Source],
    transform: QuadTransform,
    *,
    base_iri: str,
    rewrites: bool,
    progress: bool | None,
) -> Manifest:
    """Bulk-load the sources into a new database directory; remove it again if anything fails."""
    name = f"{_DB}{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}-{secrets.token_hex(3)}"
    started = time.monotonic()
    try:
        loaded = _fill(root / name, sources, transform, rewrites=rewrites, progress=progress)
    except BaseException as exc:
        # The failed build's frames hold the database open: let it close before its directory goes.
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
        shutil.rmtree(root / name, ignore_errors=True)
        raise
    return Manifest(
        schema=SCHEMA,
        oxigraph=ox.__version__,
        base_iri=base_iri,
        sources=tuple(SourceRecord.of(f.source, size=f.size, sha256=f.sha256) for f in loaded),
        database=name,
        quads=sum(f.quads for f in loaded),
        built=_now(),
        seconds=round(time.monotonic() - started, 3),
    )


def _fill(
    path: Path, sources: Sequence[Source], transform: QuadTransform, *, rewrites: bool, progress: bool | None
) -> list[LoadedFile]:
    database = ox.Store(str(path))
    try:
        loaded = bulk_load(database, sources, transform, rewrites=rewrites, progress=progress)
        database.flush()
        # Compact what the bulk loads wrote (two per file: its graph and the union): at 10⁶ triples 1.2 s, and the
        # queries of the benchmark mix then ran 1.3-1.9 times faster, as fast as on a database `oxigraph load` made.
        database.optimize()
        return loaded
    finally:
        del database  # closes it: readers open the directory next


def _collect(root: Path, *, keep: str) -> None:
    """Remove the databases (and lock files) that are not current and that no process reads."""
    with contextlib.suppress(FileNotFoundError):
        (root / (MANIFEST + _TMP)).unlink()
    for entry in sorted(root.iterdir()):
        name = entry.name.removesuffix(_LOCK)
        if not name.startswith(_DB) or name == keep or (entry.name.endswith(_LOCK) and (root / name).exists()):
            continue
        try:
            with FileLock.acquire(root / (name + _LOCK), shared=False):
                shutil.rmtree(root / name, ignore_errors=True)
                with contextlib.suppress(FileNotFoundError):
                    (root / (name + _LOCK)).unlink()
        except LockBusy:
            continue  # still read by a running process: the next build removes it


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
