"""The 'server' backend's loading: the files go into a SPARQL server once, for every API process that uses it.

The server holds, beside the files' graphs, two graphs of the loader's own (hidden from the store's listing, see
:data:`graph_api.remote.HIDDEN`):

- ``…/graph/meta/manifest``: what the server was loaded from (schema, base IRI, each file's kind, named graph, size
  and SHA-256; quads, time), one JSON literal, written last. Every API process hashes its files and compares: when
  they agree, the server is used as it is, nothing is parsed or sent. Paths are not compared, so processes on
  several hosts, each with its own checkout of the same files, agree;
- ``…/graph/meta/lock``: the loader's lease. One process loads at a time: it takes the lease (an ``INSERT … WHERE
  FILTER NOT EXISTS`` then a read-back, so that two takers cannot both win), renews it every :data:`BEAT` seconds
  while loading, and drops it at the end. Another process that finds the server being loaded waits, then uses what
  was loaded; a lease not renewed for :data:`LEASE` seconds (its loader was killed) is taken over. Times are the
  server's own (``NOW()``), so hosts need not agree on the clock.

A (re)load drops the manifest first, then every graph, then loads each file into its named graph by a Graph Store
``POST ?graph=`` of the file as it is (Turtle, N-Triples; other syntaxes, and files whose IRIs are re-based, are
parsed here and sent as N-Triples), with Oxigraph's ``no_transaction`` bulk loader, and copies the union's files
into the default graph as :mod:`graph_api.bulk` does: a second POST of the file, or ``ADD <graph> TO DEFAULT``
(SPARQL 1.1 Update) when it has blank nodes, which must stay the same nodes in both. Only then is the manifest
written: a load that fails or is killed leaves no manifest, and the next process to start loads again.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

import pyoxigraph as ox

from graph_api.bulk import LoadedFile, _Bar, _check_each, _Tap  # the embedded bulk loader's reading of files
from graph_api.errors import ConfigError, LoadError
from graph_api.persistence import SourceRecord
from graph_api.remote import HIDDEN, RemoteStore
from graph_api.store import GraphStore, count_in, in_union, rdf_format_of

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path
    from types import TracebackType

    from graph_api.store import QuadTransform, Source

log = logging.getLogger(__name__)

#: Version of what a load puts in the server; a server loaded by another version is loaded again.
SCHEMA: Final = 1
MANIFEST_GRAPH: Final = HIDDEN + "manifest"
LOCK_GRAPH: Final = HIDDEN + "lock"
_JSON: Final = f"<{MANIFEST_GRAPH}#json>"
_BEAT_PREDICATE: Final = f"<{LOCK_GRAPH}#beat>"
_NOTE_PREDICATE: Final = f"<{LOCK_GRAPH}#note>"
#: Seconds between two renewals of the lease, and after which a lease not renewed is taken over.
BEAT: Final = 10.0
LEASE: Final = 60.0
_WAIT: Final = 1.0
_FAST_FORMATS: Final = (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES)
_CHUNK: Final = 1 << 20
_BATCH: Final = 10_000
_LINE: Final = re.compile(r"line (\d+)|at (\d+):\d+")
LoadPolicy = Literal["auto", "never"]


@dataclass(frozen=True)
class ServerManifest:
    """What a server was loaded from: per file (kind, graph, size, SHA-256), base IRI, quads, when, by whom."""

    schema: int
    base_iri: str
    sources: tuple[tuple[str, str, int, str], ...]
    quads: int
    built: str
    seconds: float
    loader: str

    @staticmethod
    def key(records: Sequence[SourceRecord]) -> tuple[tuple[str, str, int, str], ...]:
        return tuple((r.kind, r.graph, r.size, r.sha256) for r in records)

    def describes(self, base_iri: str, records: Sequence[SourceRecord]) -> bool:
        """Whether the server holds exactly these files loaded this way."""
        return self.schema == SCHEMA and self.base_iri == base_iri and self.sources == self.key(records)

    @classmethod
    def read(cls, server: RemoteStore) -> ServerManifest | None:
        """The server's manifest; None when it has none, or one of another schema."""
        rows = server.query(f"SELECT ?json WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> {_JSON} ?json }} }}")
        for row in rows if isinstance(rows, ox.QuerySolutions) else ():
            text = row["json"]
            try:
                data: dict[str, Any] = json.loads(text.value if isinstance(text, ox.Literal) else "")
                if data.get("schema") != SCHEMA:
                    return None
                data["sources"] = tuple(tuple(record) for record in data["sources"])
                return cls(**data)
            except (ValueError, TypeError, KeyError):
                return None
        return None

    def write(self, server: RemoteStore) -> None:
        text = ox.Literal(json.dumps(asdict(self), ensure_ascii=False))
        server.update(
            f"DROP SILENT GRAPH <{MANIFEST_GRAPH}> ;\n"
            f"INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> {_JSON} {text} }} }}"
        )


class ServerLease:
    """The loader's lease on a server (see the module docstring); a context manager that renews it meanwhile."""

    def __init__(self, server: RemoteStore, token: str) -> None:
        self.server = server
        self.node = f"<urn:graph-api:loader:{token}>"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    @classmethod
    def take(cls, server: RemoteStore, note: str) -> ServerLease | None:
        """The lease, or None while another loader holds a live one."""
        lease = cls(server, secrets.token_hex(8))
        stale = f'NOW() - "PT{LEASE:g}S"^^<http://www.w3.org/2001/XMLSchema#dayTimeDuration>'
        server.update(
            f"DELETE {{ GRAPH <{LOCK_GRAPH}> {{ ?holder ?p ?o }} }} WHERE {{ GRAPH <{LOCK_GRAPH}> "
            f"{{ ?holder {_BEAT_PREDICATE} ?beat ; ?p ?o }} FILTER(?beat < {stale}) }} ;\n"
            f"INSERT {{ GRAPH <{LOCK_GRAPH}> {{ {lease.node} {_BEAT_PREDICATE} ?now ; {_NOTE_PREDICATE} "
            f"{ox.Literal(note)} }} }} WHERE {{ BIND(NOW() AS ?now) FILTER NOT EXISTS {{ GRAPH <{LOCK_GRAPH}> "
            f"{{ ?other {_BEAT_PREDICATE} ?beat }} }} }}"
        )
        holders = {str(node) for node, _ in holders_of(server)}
        if holders == {lease.node}:
            return lease
        if lease.node in holders:  # another taker got in at the same time: both step back, and try again
            lease.release()
        return None

    def __enter__(self) -> ServerLease:
        self._renewer = threading.Thread(target=self._renew, name="graph-api-lease", daemon=True)
        self._renewer.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        self.release()

    def _renew(self) -> None:
        while not self._stop.wait(BEAT):
            with contextlib.suppress(ConfigError, RuntimeError, ValueError, OSError):
                self.server.update(
                    f"DELETE {{ GRAPH <{LOCK_GRAPH}> {{ {self.node} {_BEAT_PREDICATE} ?beat }} }} "
                    f"INSERT {{ GRAPH <{LOCK_GRAPH}> {{ {self.node} {_BEAT_PREDICATE} ?now }} }} "
                    f"WHERE {{ GRAPH <{LOCK_GRAPH}> {{ {self.node} {_BEAT_PREDICATE} ?beat }} BIND(NOW() AS ?now) }}"
                )

    def release(self) -> None:
        self.server.update(f"DELETE WHERE {{ GRAPH <{LOCK_GRAPH}> {{ {self.node} ?p ?o }} }}")


def holders_of(server: RemoteStore) -> list[tuple[ox.NamedNode, str]]:
    """The loaders holding a lease on the server, with their notes (process, host, since when)."""
    rows = server.query(
        f"SELECT ?holder ?note WHERE {{ GRAPH <{LOCK_GRAPH}> {{ ?holder {_BEAT_PREDICATE} ?beat "
        f"OPTIONAL {{ ?holder {_NOTE_PREDICATE} ?note }} }} }}"
    )
    found = []
    for row in rows if isinstance(rows, ox.QuerySolutions) else ():
        holder, note = row["holder"], row["note"]
        if isinstance(holder, ox.NamedNode):
            found.append((holder, note.value if isinstance(note, ox.Literal) else "another process"))
    return found


def open_server(
    url: str,
    sources: Sequence[Source],
    transform: QuadTransform,
    *,
    base_iri: str,
    rewrites: bool,
    progress: bool | None = None,
    rebuild: bool = False,
    policy: LoadPolicy = "auto",
) -> GraphStore:
    """The server's store, (re)loaded first when its manifest does not describe ``sources`` (or when ``rebuild``);
    with policy ``never``, the server as it is. Waits while another process loads it."""
    server = RemoteStore(url)
    try:
        return _open(
            server,
            sources,
            transform,
            base_iri=base_iri,
            rewrites=rewrites,
            progress=progress,
            rebuild=rebuild,
            policy=policy,
        )
    finally:
        server.close()


def _ready(url: str, manifest: ServerManifest) -> GraphStore:
    return GraphStore.remote(url, read_only=True, length=manifest.quads)


def _open(
    server: RemoteStore,
    sources: Sequence[Source],
    transform: QuadTransform,
    *,
    base_iri: str,
    rewrites: bool,
    progress: bool | None,
    rebuild: bool,
    policy: LoadPolicy,
) -> GraphStore:
    manifest = ServerManifest.read(server)
    if policy == "never" and not rebuild:
        if manifest is None:
            raise ConfigError(
                f"the SPARQL server at {server.url} holds no graph loaded by graph-api: run `graph-api load` with "
                "the server backend first (or set GRAPH_API_SERVER_LOAD=auto)"
            )
        return _ready(server.url, manifest)
    wanted = [SourceRecord.read(source) for source in sources]
    note = f"pid {os.getpid()} on {socket.gethostname()}, since {datetime.now(UTC).isoformat(timespec='seconds')}"
    waited = False
    while True:
        if not rebuild and manifest is not None and manifest.describes(base_iri, wanted):
            return _ready(server.url, manifest)
        lease = ServerLease.take(server, note)
        if lease is not None:
            break
        if not waited:
            holders = "; ".join(note for _, note in holders_of(server)) or "another process"
            log.warning("the SPARQL server at %s is being loaded by %s: waiting", server.url, holders)
            waited = True
        time.sleep(_WAIT)
        manifest = ServerManifest.read(server)
        rebuild = rebuild and not waited  # a load that finished meanwhile is as good as ours
    with lease:
        manifest = ServerManifest.read(server)
        if not rebuild and manifest is not None and manifest.describes(base_iri, wanted):
            return _ready(server.url, manifest)
        started = time.monotonic()
        loaded = load_into(server, sources, transform, rewrites=rewrites, progress=progress)
        manifest = ServerManifest(
            schema=SCHEMA,
            base_iri=base_iri,
            sources=ServerManifest.key([SourceRecord.of(f.source, size=f.size, sha256=f.sha256) for f in loaded]),
            quads=sum(f.quads for f in loaded),
            built=datetime.now(UTC).isoformat(timespec="seconds"),
            seconds=round(time.monotonic() - started, 3),
            loader=note,
        )
        manifest.write(server)
    return _ready(server.url, manifest)


def load_into(
    server: RemoteStore, sources: Sequence[Source], transform: QuadTransform, *, rewrites: bool, progress: bool | None
) -> list[LoadedFile]:
    """Empty the server (its manifest first; the lease stays), then load every source into its graph."""
    graphs = server.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    names = [r["g"] for r in graphs] if isinstance(graphs, ox.QuerySolutions) else []
    drops = [f"DROP SILENT GRAPH {g}" for g in names if isinstance(g, ox.NamedNode) and g.value != LOCK_GRAPH]
    drops.sort(key=lambda op: MANIFEST_GRAPH not in op)  # the manifest goes first
    server.update(" ;\n".join([*drops, "DROP SILENT DEFAULT"]))
    show = progress if progress is not None else sys.stderr.isatty()
    loaded: list[LoadedFile] = []
    with _Bar(sources, show) as bar:
        for number, source in enumerate(sources, 1):
            bar.file(number, source)
            loaded.append(_load_one(server, source, transform, rewrites=rewrites, bar=bar))
    return loaded


def _post(
    server: RemoteStore, graph: ox.NamedNode | ox.DefaultGraph, body: Iterator[bytes], fmt: ox.RdfFormat, path: Path
) -> None:
    """One Graph Store POST of a streamed body into a graph (Oxigraph: bulk, without a transaction)."""
    params = {"default": ""} if isinstance(graph, ox.DefaultGraph) else {"graph": graph.value}
    response = server.request(
        "POST",
        server.store_url,
        params=params | {"no_transaction": ""},
        content=body,
        headers={"Content-Type": fmt.media_type},
    )
    if not response.is_success:
        message = response.text.strip() or response.reason_phrase
        raise LoadError(path, f"the SPARQL server refused it: {message}", line=_line_of(message))


def _line_of(message: str) -> int | None:
    found = _LINE.search(message)
    return int(found[1] or found[2]) if found else None


def _chunks(reader: io.RawIOBase | io.BufferedIOBase) -> Iterator[bytes]:
    while chunk := reader.read(_CHUNK):
        yield chunk


def _load_one(
    server: RemoteStore, source: Source, transform: QuadTransform, *, rewrites: bool, bar: _Bar
) -> LoadedFile:
    path = source.path
    if not path.is_file():
        raise LoadError(path, "no such file")
    rdf_format = rdf_format_of(path)
    graph = ox.NamedNode(source.graph)
    server.add_graph(graph)  # an empty file still has its (empty) graph
    try:
        if rdf_format in _FAST_FORMATS and not rewrites:
            with path.open("rb") as raw:
                tap = _Tap(raw, bar.bytes_read)
                _post(server, graph, _chunks(tap), rdf_format, path)
                tap.drain()
            if tap.suspect:
                _check_each(path, rdf_format, transform)
            size, sha256, blank = tap.size, tap.sha256, tap.blank
            if in_union(source.graph) and not blank:
                with path.open("rb") as again:
                    _post(server, ox.DefaultGraph(), _chunks(again), rdf_format, path)
        else:
            general = _General(path, rdf_format, transform, bar)
            _post(server, graph, general.triples(), ox.RdfFormat.N_TRIPLES, path)
            size, sha256, blank = general.size, general.sha256, general.blank
            if in_union(source.graph) and not blank:
                _post(
                    server,
                    ox.DefaultGraph(),
                    _General(path, rdf_format, transform, None).triples(),
                    ox.RdfFormat.N_TRIPLES,
                    path,
                )
        if in_union(source.graph) and blank:
            server.update(f"ADD {graph} TO DEFAULT")  # the very same blank nodes in both graphs
    except SyntaxError as exc:
        raise LoadError(path, exc.msg, line=exc.lineno) from exc
    except (OSError, ValueError) as exc:
        raise LoadError(path, str(exc)) from exc
    quads = count_in(server, graph)
    bar.add_quads(quads)
    return LoadedFile(source, size, sha256, quads)


class _General:
    """A file parsed here, each quad checked and re-based by the transform, sent on as N-Triples chunks; what was
    read (size, SHA-256) and whether it had blank nodes are known once :meth:`triples` is exhausted."""

    def __init__(self, path: Path, rdf_format: ox.RdfFormat, transform: QuadTransform, bar: _Bar | None) -> None:
        self.path = path
        self.rdf_format = rdf_format
        self.transform = transform
        self.advance = bar.bytes_read if bar is not None else lambda _count: None
        self.size, self.sha256, self.blank = 0, "", False

    def triples(self) -> Iterator[bytes]:
        with self.path.open("rb") as raw:
            tap = _Tap(raw, self.advance)
            batch: list[ox.Triple] = []
            parsed = ox.parse(
                input=io.BufferedReader(tap, buffer_size=1 << 16), format=self.rdf_format, rename_blank_nodes=True
            )
            for quad in parsed:
                done = self.transform(quad, self.path)
                self.blank = (
                    self.blank or isinstance(done.subject, ox.BlankNode) or isinstance(done.object, ox.BlankNode)
                )
                batch.append(done.triple)
                if len(batch) >= _BATCH:
                    yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""
                    batch = []
            if batch:
                yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""
            tap.drain()
            self.size, self.sha256 = tap.size, tap.sha256
