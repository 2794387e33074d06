"""The query worker: what runs inside each process of the :mod:`graph_api.executor` pool.

A worker opens its own read-only copy of the graph (:class:`WorkerSpec`: an on-disk store opened with
``pyoxigraph.Store.read_only``, an N-Quads snapshot loaded into memory, or an on-disk store beside an in-memory copy
of its default graph, :class:`MemoryCopy`), says it is ready, then answers
:class:`QueryRequest` objects received on a pipe, one at a time, with a :class:`QueryAnswer` (already serialised
bytes) or a :class:`Failure` (a typed error, flattened so that it crosses the pipe unchanged).
A :class:`WorkerSpec` received instead makes it open its store again (the pool's refresh after a commit).

:func:`answer` is a plain function over a :class:`GraphStore`, usable (and tested) without any process.

Row limit: at most ``max_rows`` solutions (SELECT) or triples (CONSTRUCT/DESCRIBE) are serialised; when the result
had more, the answer's ``truncated`` is the limit (the HTTP layer turns it into a ``Graph-Api-Truncated`` header).
"""

from __future__ import annotations

import json
import signal
import sys
import time
from dataclasses import dataclass, field, replace
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import pyoxigraph as ox

from graph_api.errors import ConfigError, GraphApiError, QueryError, QuerySyntaxError, UnsupportedFormat
from graph_api.negotiation import ResultKind, choose
from graph_api.persistence import MANIFEST, WRITE_LOCK, wait_for_lock
from graph_api.sparql import (
    SOLUTION_FORMATS,
    _syntax_error,  # the library's own reading of pyoxigraph's messages (line, column)
)
from graph_api.sparql_text import keyword_found
from graph_api.store import GraphStore, as_bytes, serialize_triples

if TYPE_CHECKING:
    from collections.abc import Mapping

    from graph_api.types import Term

_XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIR_LANG_STRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


@dataclass(frozen=True)
class WorkerSpec:
    """Where a worker finds its graph: an on-disk store (``store_path``), an N-Quads file (``snapshot``) or a SPARQL
    server (``server_url``, the 'server' backend: each worker has its own connection to it).

    ``memory_copy`` (with both ``store_path`` and ``snapshot``): open the on-disk store and hold an in-memory copy of
    its default graph (:class:`MemoryCopy`), loaded from the N-Triples file ``snapshot``, which the worker first
    writes from the store when it does not exist yet (the pool's memory copies, :mod:`graph_api.executor`)."""

    store_path: str | None = None
    snapshot: str | None = None
    server_url: str | None = None
    memory_copy: bool = False


@dataclass(frozen=True)
class QueryRequest:
    """One query to run: text, dataset, bound variables, how to serialise and how many rows at most.

    ``default_graph``/``named_graphs`` are the protocol's ``default-graph-uri``/``named-graph-uri`` (None: the
    service's default dataset, or the query's own FROM). ``accept`` and ``format`` are negotiated in the worker,
    once the query's form is known, before any row is read. ``base_iri`` resolves relative IRIs in the query (the
    endpoint's URL, as the protocol suggests).
    """

    query: str
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    substitutions: Mapping[str, Term] | None = None
    accept: str | None = None
    format: str | None = None
    max_rows: int | None = None
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryAnswer:
    """A serialised result: its kind, format, media type, bytes, and the row limit that cut it (None: complete).

    ``elapsed`` is the seconds the worker process spent on the request (query, rows, serialisation), set by
    :func:`main` for the ``Server-Timing`` header; None when :func:`answer` is called directly.
    """

    kind: ResultKind
    format: str
    media_type: str
    body: bytes = field(repr=False)
    rows: int | None = None
    truncated: int | None = None
    elapsed: float | None = None


@dataclass(frozen=True)
class Failure:
    """A typed error flattened to plain data: ``error`` names the class, ``args`` rebuild it."""

    error: Literal["syntax", "query", "format", "internal"]
    message: str
    args: tuple[Any, ...] = ()
    elapsed: float | None = None

    @classmethod
    def of(cls, exc: BaseException) -> Failure:
        if isinstance(exc, QuerySyntaxError):
            return cls("syntax", exc.detail, (exc.line, exc.column))
        if isinstance(exc, UnsupportedFormat):
            return cls("format", exc.message, (exc.requested, tuple(exc.supported)))
        if isinstance(exc, QueryError):
            return cls("query", exc.message)
        return cls("internal", f"{type(exc).__name__}: {exc}")

    def rebuild(self) -> GraphApiError:
        """The error this failure stands for, raised again on the server side."""
        if self.error == "syntax":
            line, column = self.args
            return QuerySyntaxError(self.message, line=line, column=column)
        if self.error == "format":
            requested, supported = self.args
            return UnsupportedFormat(requested, supported)
        if self.error == "query":
            return QueryError(self.message)
        return GraphApiError(f"the query worker failed: {self.message}")


# -- running a query ---------------------------------------------------------------------------------------------


def _term_json(term: Term) -> dict[str, Any]:
    """A term in SPARQL 1.1 (and 1.2, for triple terms and directions) Query Results JSON."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        found: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
            if term.direction is not None:
                found["its:dir"] = str(term.direction).rsplit(".", 1)[-1].lower()
        elif term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING, _RDF_DIR_LANG_STRING):
            found["datatype"] = term.datatype.value
        return found
    return {
        "type": "triple",
        "value": {
            "subject": _term_json(term.subject),
            "predicate": _term_json(term.predicate),
            "object": _term_json(term.object),
        },
    }


def solutions_json(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    """SPARQL Results JSON of these solutions (the canonical form, converted by pyoxigraph to the others)."""
    bindings = []
    for solution in rows:
        binding: dict[str, Any] = {}
        for index, name in enumerate(variables):
            term = solution[index]
            if term is not None:
                binding[name] = _term_json(term)
        bindings.append(binding)
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _kind_of(outcome: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ResultKind:
    if isinstance(outcome, ox.QueryBoolean):
        return "boolean"
    if isinstance(outcome, ox.QueryTriples):
        return "graph"
    return "solutions"


def _serialise(
    outcome: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str, limit: int | None
) -> tuple[bytes, int | None, int | None]:
    """Body, number of rows (or triples) in it, and the limit when it cut the result."""
    if isinstance(outcome, ox.QueryBoolean):
        return as_bytes(outcome.serialize(format=SOLUTION_FORMATS[fmt])), None, None
    stop = None if limit is None else limit + 1
    if isinstance(outcome, ox.QueryTriples):
        triples = list(islice(outcome, stop))
        cut = limit is not None and len(triples) > limit
        triples = triples[:limit] if cut else triples
        body = serialize_triples(triples, fmt)
        return body, len(triples), limit if cut else None
    variables = [v.value for v in outcome.variables]
    rows = list(islice(outcome, stop))
    cut = limit is not None and len(rows) > limit
    rows = rows[:limit] if cut else rows
    body = solutions_json(variables, rows)
    if fmt != "json":
        parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        body = as_bytes(parsed.serialize(format=SOLUTION_FORMATS[fmt]))
    return body, len(rows), limit if cut else None


def answer(store: GraphStore | MemoryCopy, request: QueryRequest) -> QueryAnswer:
    """Run one request on a store and serialise its result; raises typed errors (:mod:`graph_api.errors`)."""
    if isinstance(store, MemoryCopy):
        store = store.store_for(request)
    try:
        outcome = store.query(
            request.query,
            default_graph=request.default_graph,
            named_graphs=request.named_graphs,
            substitutions=request.substitutions,
            base_iri=request.base_iri,
        )
        kind = _kind_of(outcome)
        chosen = choose(kind, request.accept, request.format)
        body, rows, truncated = _serialise(outcome, chosen.name, request.max_rows)
    except SyntaxError as exc:
        raise _syntax_error(exc) from exc
    except (RuntimeError, OSError, ValueError) as exc:
        raise QueryError(str(exc)) from exc
    return QueryAnswer(kind, chosen.name, chosen.media_type, body, rows, truncated)


# -- the process -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemoryCopy:
    """An on-disk store and an in-memory copy of its default graph (the union of the graphs queries see by default).

    Oxigraph's on-disk store reads every string and IRI of a result from RocksDB; in memory the benchmark's heavier
    queries ran up to six times faster. Only the default graph is copied: Oxigraph's in-memory indexes do not put
    the graph first, so with the named graphs beside it (each of their triples is also in the union) every pattern
    of a default-graph query met twice the quads (path queries took twice as long), and the copy took twice the
    memory. A request that may read a named graph (its text names ``GRAPH`` or ``FROM``, or it gives a dataset of its
    own) is answered from the store on disk; any other from memory, with the same answer.
    """

    memory: GraphStore
    disk: GraphStore

    def store_for(self, request: QueryRequest) -> GraphStore:
        """The store that answers this request: the copy when the request reads the default graph only."""
        if request.default_graph is None and request.named_graphs is None and not names_a_graph(request.query):
            return self.memory
        return self.disk


def names_a_graph(query: str) -> bool:
    """Whether a query may read a named graph: ``GRAPH`` or ``FROM`` (``FROM NAMED``) may be read as a keyword of
    it. Loose on purpose (:func:`graph_api.sparql_text.keyword_found`): a false alarm only sends the query to disk."""
    return keyword_found(query, "graph") or keyword_found(query, "from")


def open_store(spec: WorkerSpec) -> GraphStore | MemoryCopy:
    """The worker's own copy of the graph (or its own connection to the server that holds it)."""
    if spec.server_url is not None:
        return GraphStore.remote(spec.server_url, read_only=True)
    if spec.store_path is not None and spec.memory_copy and spec.snapshot is not None:
        disk = _open_committed(Path(spec.store_path))
        snapshot = Path(spec.snapshot)
        if not snapshot.exists():
            write_snapshot(disk, snapshot)
        return MemoryCopy(_load_snapshot(snapshot, ox.RdfFormat.N_TRIPLES), disk)
    if spec.store_path is not None:
        return _open_committed(Path(spec.store_path))
    return _load_snapshot(None if spec.snapshot is None else Path(spec.snapshot), ox.RdfFormat.N_QUADS)


def _load_snapshot(snapshot: Path | None, fmt: ox.RdfFormat) -> GraphStore:
    """An in-memory store holding a snapshot's content: a whole dataset (N-Quads, the default graph's union copies
    included) or a default graph (N-Triples)."""
    store = GraphStore()
    if snapshot is not None and snapshot.stat().st_size:
        local = store.oxigraph
        assert isinstance(local, ox.Store)  # GraphStore() is in memory
        local.load(path=str(snapshot), format=fmt)
    return store


def write_snapshot(store: GraphStore, path: Path) -> None:
    """Write the default graph of an embedded store (the union the queries see) to an N-Triples file, whole or not at
    all: under a temporary name, renamed once complete, so a reader never loads half a snapshot."""
    database = store.oxigraph
    if not isinstance(database, ox.Store):  # pragma: no cover - only an embedded store is copied
        raise ConfigError("only an embedded store can be copied into memory")
    partial = path.with_name(path.name + ".part")
    try:
        database.dump(str(partial), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


#: Read-only opens of a database that another process writes, before giving up.
_OPEN_ATTEMPTS: Final = 8


def _open_committed(path: Path) -> GraphStore:
    """An on-disk database, read-only; in a store directory, under its shared ``write.lock``, so at a committed
    state, never in the middle of a commit (:mod:`graph_api.transactions`)."""
    if not (path.parent / MANIFEST).is_file():
        return GraphStore(path, read_only=True)
    for attempt in range(_OPEN_ATTEMPTS):
        lock = wait_for_lock(path.parent / WRITE_LOCK, shared=True, timeout=30.0)
        try:
            return GraphStore(path, read_only=True)
        except (ConfigError, RuntimeError):
            # RocksDB's compaction in the writing process may remove a file the read-only open has just read
            # about ("Corruption: … No such file"): a race, not damage; opening again reads the new file list.
            if attempt + 1 == _OPEN_ATTEMPTS:
                raise
        finally:
            lock.release()
        time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def main(spec: WorkerSpec, connection: Connection) -> None:
    """Entry point of a worker process: open the store, say ``ready``, answer requests until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the server stops its workers
    store = _open_or_report(spec, connection)
    while store is not None:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if isinstance(request, WorkerSpec):  # re-open at the state committed now (QueryExecutor.refresh)
            store = _open_or_report(request, connection)
            continue
        if not isinstance(request, QueryRequest):
            return
        reply: QueryAnswer | Failure
        started = time.perf_counter()
        try:
            reply = answer(store, request)
        except GraphApiError as exc:
            reply = Failure.of(exc)
        except Exception as exc:
            reply = Failure.of(exc)
        connection.send(replace(reply, elapsed=time.perf_counter() - started))


def _open_or_report(spec: WorkerSpec, connection: Connection) -> GraphStore | MemoryCopy | None:
    """Open the store and say ``ready``; or say why it cannot be opened (a :class:`Failure`) and give None."""
    try:
        store = open_store(spec)
    except (GraphApiError, OSError, SyntaxError, ValueError, RuntimeError) as exc:
        connection.send(Failure("internal", f"cannot open the store: {exc}"))
        return None
    connection.send("ready")
    return store


def _run_from_command_line() -> None:
    """``python -m graph_api.worker FD``: FD is this process's end of the socket pair; the first message is the spec."""
    connection = Connection(int(sys.argv[1]))
    try:
        spec = connection.recv()
    except (EOFError, OSError):
        return
    if isinstance(spec, WorkerSpec):
        main(spec, connection)


if __name__ == "__main__":
    # Run the imported module's function, not this __main__ copy's: pickled requests name graph_api.worker classes.
    from graph_api.worker import _run_from_command_line as run

    run()
