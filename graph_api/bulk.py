"""Bulk loading of files into a new on-disk store, with a progress bar of files, bytes and quads.

Each file goes to its own named graph, as :meth:`graph_api.store.GraphStore.load` does, but streamed (memory stays
flat) and without a transaction, so the caller loads into a directory of its own and discards it on failure
(:mod:`graph_api.persistence`). Two paths:

- **fast**: Turtle and N-Triples, when the transform only checks quads (no IRI to re-base), go through
  ``Store.bulk_load``: parsed and written in Rust. The Unicode NFC check is made on the bytes as they stream by;
  a file whose text is not all NFC, or that has ``\\u`` escapes, then has its literals checked one by one, which
  names the offending literal and line as the in-memory load does;
- **general**: any other file is parsed by pyoxigraph, each quad goes through the transform (checked, re-based)
  and the quads are written by ``Store.bulk_extend``.

Every byte read is hashed (SHA-256) on the way: the store records exactly what it was built from. A file whose graph
is in the queries' union (ontology, data, extra) is also loaded into the default graph, where
:mod:`graph_api.store` keeps that union materialised: on the fast path by a second ``bulk_load`` of the file, on the
general path by writing each quad twice.
"""

from __future__ import annotations

import hashlib
import io
import sys
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from graph_api.errors import LoadError
from graph_api.store import DEFAULT_GRAPH, count_in, in_union, rdf_format_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from graph_api.store import QuadTransform, Source

#: Syntaxes that hold triples only (``to_graph`` applies) and whose escapes are ``\\u``/``\\U``.
_FAST_FORMATS: Final = (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES)
_CHECK_EVERY: Final = 1 << 20


@dataclass(frozen=True)
class LoadedFile:
    """What was loaded from one source: its size and SHA-256 as read, and the number of quads it gave."""

    source: Source
    size: int
    sha256: str
    quads: int


class _Tap(io.RawIOBase):
    """A file read through: hashes every byte, reports progress, and checks that the text is NFC, by whole lines."""

    def __init__(self, raw: io.BufferedReader, advance: Callable[[int], None]) -> None:
        super().__init__()
        self._raw = raw
        self._advance = advance
        self._hash = hashlib.sha256()
        self._pending = bytearray()
        self.size = 0
        self.suspect = False  # some text is not NFC or has an escape: check the literals one by one
        self.blank = False  # some text may be a blank node ("_:" or "["): over-approximated, never missed
        self._last = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer)
        if not count:
            self._check(final=True)
            return 0
        chunk = bytes(memoryview(buffer)[:count])
        self._hash.update(chunk)
        if not self.blank:
            self.blank = b"[" in chunk or b"_:" in self._last + chunk[:1] or b"_:" in chunk
            self._last = chunk[-1:]
        self.size += count
        if not self.suspect:
            self._pending += chunk
            if len(self._pending) >= _CHECK_EVERY:
                self._check(final=False)
        self._advance(count)
        return count

    def _check(self, *, final: bool) -> None:
        """Check the pending text up to its last newline (a safe place to cut: NFC never composes across it)."""
        cut = len(self._pending) if final else self._pending.rfind(b"\n") + 1
        text = bytes(self._pending[:cut])
        del self._pending[:cut]
        if b"\\u" in text or b"\\U" in text:
            self.suspect = True
        elif not text.isascii():
            self.suspect = not unicodedata.is_normalized("NFC", text.decode("utf-8", errors="replace"))

    def drain(self) -> None:
        """Read what the parser left unread, so that the hash covers the whole file."""
        while self.read(1 << 20):
            pass

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class _Bar:
    """The progress display (a no-op when hidden): files done of all, bytes read of all, quads loaded."""

    def __init__(self, sources: Sequence[Source], show: bool) -> None:
        self._files = len(sources)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if show:
            total = sum(s.path.stat().st_size for s in sources if s.path.is_file())
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[quads]:,} quads"),
                TimeElapsedColumn(),
            )
            self._progress = Progress(*columns, console=Console(stderr=True), transient=False)
            self._task = self._progress.add_task("loading", total=total, quads=0)
        self.quads = 0

    def __enter__(self) -> _Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def file(self, number: int, source: Source) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=f"[{number}/{self._files}] {source.path.name}")

    def bytes_read(self, count: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, count)

    def add_quads(self, count: int) -> None:
        self.quads += count
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, quads=self.quads)


def bulk_load(
    store: ox.Store,
    sources: Sequence[Source],
    transform: QuadTransform,
    *,
    rewrites: bool,
    progress: bool | None = None,
) -> list[LoadedFile]:
    """Load every source into its graph of ``store`` (not transactional); ``rewrites`` says whether the transform
    may change a quad (then every file takes the general path). Raises :class:`LoadError` naming the file."""
    show = sys.stderr.isatty() if progress is None else progress
    loaded: list[LoadedFile] = []
    with _Bar(sources, show) as bar:
        for number, source in enumerate(sources, 1):
            bar.file(number, source)
            loaded.append(_load_one(store, source, transform, rewrites=rewrites, bar=bar))
    return loaded


def _load_one(store: ox.Store, source: Source, transform: QuadTransform, *, rewrites: bool, bar: _Bar) -> LoadedFile:
    path = source.path
    if not path.is_file():
        raise LoadError(path, "no such file")
    rdf_format = rdf_format_of(path)
    graph = ox.NamedNode(source.graph)
    union = in_union(source.graph)
    store.add_graph(graph)  # an empty file still has its (empty) graph
    try:
        with path.open("rb") as raw:
            tap = _Tap(raw, bar.bytes_read)
            reader = io.BufferedReader(tap, buffer_size=1 << 16)
            if rdf_format in _FAST_FORMATS and not rewrites:
                store.bulk_load(input=reader, format=rdf_format, to_graph=graph)
                tap.drain()
                if tap.suspect:
                    _check_each(path, rdf_format, transform)
                if union:
                    _copy_to_default(store, graph, path, rdf_format, blank=tap.blank)
                quads = count_in(store, graph)
                bar.add_quads(quads)
            else:
                counted = _Counted(ox.parse(input=reader, format=rdf_format, rename_blank_nodes=True), graph, path)
                store.bulk_extend(counted.quads(transform, bar, union=union))
                tap.drain()
                quads = counted.count
    except SyntaxError as exc:
        raise LoadError(path, exc.msg, line=exc.lineno) from exc
    except (OSError, ValueError) as exc:
        raise LoadError(path, str(exc)) from exc
    return LoadedFile(source, tap.size, tap.sha256, quads)


class _Counted:
    """The parsed quads of one file, moved to its graph, transformed and counted."""

    def __init__(self, parsed: Iterator[ox.Quad], graph: ox.NamedNode, path: Path) -> None:
        self._parsed = parsed
        self._graph = graph
        self._path = path
        self.count = 0

    def quads(self, transform: QuadTransform, bar: _Bar, *, union: bool) -> Iterator[ox.Quad]:
        for quad in self._parsed:
            done = transform(ox.Quad(quad.subject, quad.predicate, quad.object, self._graph), self._path)
            yield done
            if union:
                yield ox.Quad(done.subject, done.predicate, done.object, DEFAULT_GRAPH)
            self.count += 1
            if self.count % 10_000 == 0:
                bar.add_quads(10_000)
        bar.add_quads(self.count % 10_000)


def _copy_to_default(
    store: ox.Store, graph: ox.NamedNode, path: Path, rdf_format: ox.RdfFormat, *, blank: bool
) -> None:
    """Copy a graph just bulk-loaded into the default graph. Without blank nodes a second ``bulk_load`` of the file
    does it in Rust; with them, the quads are copied one by one, because a bulk load gives every blank node a fresh
    label and the copy must hold the very same triples (a write that removes one removes its copy too)."""
    if blank:
        store.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object, DEFAULT_GRAPH)
            for q in store.quads_for_pattern(None, None, None, graph)
        )
    else:
        store.bulk_load(path=path, format=rdf_format, to_graph=DEFAULT_GRAPH)


def _check_each(path: Path, rdf_format: ox.RdfFormat, transform: QuadTransform) -> None:
    """Run the transform's checks on every quad of a file (raises the transform's :class:`LoadError`)."""
    for quad in ox.parse(path=path, format=rdf_format, rename_blank_nodes=True):
        transform(quad, path)
