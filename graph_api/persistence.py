"""The persistent store: an Oxigraph database on disk, reused while its sources are unchanged, rebuilt when not.

A store directory (``GRAPH_API_STORE``) holds::

    manifest.json       which database is current and what it was built from: schema, pyoxigraph version, base
                        IRI, each source's path, kind, graph, size and SHA-256; replaced atomically, written last
    build.lock          held exclusively while a build runs; names the builder
    db-<stamp>/         Oxigraph databases: the current one, and older ones while a running process still reads them
    db-<stamp>.lock     held shared by every process that reads that database (its query workers read under it)

:func:`open_store` hashes the sources and compares them with the manifest. When they are equal, the current
database is opened read-only: no file is parsed. Otherwise the store is rebuilt: the files are bulk-loaded into a new
``db-*`` directory (:mod:`graph_api.bulk`), flushed and closed, and only then named in the manifest, so a build that
fails or is killed half-way leaves the previous database current and usable. Databases no process reads any more,
and half-built ones, are removed by the next build.

After a build nothing writes: every process (servers, their query workers, CLI commands) reads a database read-only,
so any number of them share one directory. Builds run one at a time; a second one fails at once with a
:class:`ConfigError` naming the process that holds ``build.lock``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import secrets
import shutil
import time
import traceback
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api.bulk import LoadedFile, bulk_load
from graph_api.errors import ConfigError, LoadError
from graph_api.locks import FileLock, LockBusy, note_of
from graph_api.store import GraphStore

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from graph_api.store import QuadTransform, Source
    from graph_api.types import PathLike

#: Version of the directory layout and of what a build does to the files; a store of another version is rebuilt.
SCHEMA: Final = 2  # 2: the query union is materialised in the default graph
MANIFEST: Final = "manifest.json"
BUILD_LOCK: Final = "build.lock"
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
        _fsync_directory(directory)


def open_store(
    directory: PathLike,
    sources: Sequence[Source],
    transform: QuadTransform,
    *,
    base_iri: str,
    rewrites: bool,
    progress: bool | None = None,
    rebuild: bool = False,
) -> GraphStore:
    """The store directory's database, opened read-only; (re)built first when its sources, base IRI or version
    differ from the manifest's, or when ``rebuild``. ``rewrites``: whether ``transform`` changes quads (re-basing),
    which rules out the fastest loading path."""
    root = Path(directory)
    _prepare(root)
    if not rebuild:
        wanted = [SourceRecord.read(source) for source in sources]
        reused = _open_current(root, lambda manifest: manifest.describes(base_iri, wanted))
        if reused is not None:
            return reused
    try:
        build_lock = FileLock.acquire(root / BUILD_LOCK, shared=False, note=f"pid {os.getpid()}, since {_now()}")
    except LockBusy as exc:
        holder = note_of(root / BUILD_LOCK) or str(exc)
        raise ConfigError(f"the store {root} is being built by another process ({holder}); try again later") from None
    with build_lock:
        manifest = _build(root, sources, transform, base_iri=base_iri, rewrites=rewrites, progress=progress)
        manifest.write(root)
        opened = _open_current(root, lambda current: current.database == manifest.database)
        _collect(root, keep=manifest.database)
    if opened is None:  # pragma: no cover - only if the database just built cannot be read back
        raise ConfigError(f"cannot open the store just built in {root / manifest.database}")
    return opened


def _prepare(root: Path) -> None:
    """Create the directory, or check that an existing one holds a store and nothing else."""
    if root.exists() and not root.is_dir():
        raise ConfigError(f"the store {root} is not a directory")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the store directory {root}: {exc.strerror or exc}") from exc
    ours = {MANIFEST, MANIFEST + _TMP, BUILD_LOCK}
    for entry in root.iterdir():
        if not (entry.name in ours or entry.name.startswith((_DB, "."))):
            raise ConfigError(
                f"{root} is not a graph-api store directory (it holds {entry.name!r}): "
                "use an empty or new directory, or remove this one to have it rebuilt"
            )


def _open_current(root: Path, accept: Callable[[Manifest], bool]) -> GraphStore | None:
    """Open the manifest's database read-only, under its reader lock, if the manifest is acceptable."""
    for _ in range(3):  # the manifest may change under us, once per concurrent build
        manifest = Manifest.read(root)
        if manifest is None or not accept(manifest) or not (root / manifest.database).is_dir():
            return None
        try:
            reader = FileLock.acquire(root / (manifest.database + _LOCK), shared=True)
        except LockBusy:
            continue  # being removed: it is no longer current
        again = Manifest.read(root)
        if again is None or again.database != manifest.database:
            reader.release()
            continue
        try:
            return GraphStore(root / manifest.database, read_only=True, on_close=reader.release, length=manifest.quads)
        except ConfigError:
            reader.release()
            return None  # unreadable database: rebuild it
    return None


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


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
