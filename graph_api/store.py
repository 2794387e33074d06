"""The quad store: a :class:`pyoxigraph.Store` with one named graph per input file.

A file ``ontology/directives.ttl`` is loaded into ``https://w3id.org/vn-directives/graph/ontology/directives``:
``{GRAPH_BASE}{kind}/{file stem}`` with kind one of ontology, data, shapes, extra. Queries see, as their default
graph, the union of the ontology, data and extra graphs (never the shapes), and every named graph through ``GRAPH``,
unless the query has its own ``FROM``/``FROM NAMED`` or the caller names the dataset (SPARQL protocol
``default-graph-uri``/``named-graph-uri``).

The union is materialised: every triple of an ontology, data or extra graph is also in Oxigraph's own default graph,
and this class keeps it so on every change (a triple leaves the default graph only when no union graph holds it any
more). Oxigraph answers a query over its default graph from dedicated indexes; over a list of named graphs it merges
one lookup per graph, which measured 2.9 times slower on the query mix at 10⁶ triples. The cost is the union's triples
stored twice.

Loading is atomic: all files of one call are parsed first, and only when every one parses are their quads added.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar, cast, get_args
from urllib.parse import quote

import pyoxigraph as ox
import rdflib
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graph_api.errors import ConfigError, LoadError, QueryError, UnsupportedFormat
from graph_api.namespaces import GRAPH_BASE, PREFIXES
from graph_api.remote import RemoteStore
from graph_api.types import Bindings, GraphKind, PathLike, TriplesByGraph

if TYPE_CHECKING:
    from types import TracebackType

_T = TypeVar("_T")

GRAPH_KINDS: Final[tuple[GraphKind, ...]] = get_args(GraphKind)
#: The kinds whose union is a query's default graph.
QUERY_KINDS: Final[tuple[GraphKind, ...]] = ("ontology", "data", "extra")
#: Oxigraph's default graph, where the union of the graphs of :data:`QUERY_KINDS` is materialised.
DEFAULT_GRAPH: Final = ox.DefaultGraph()

#: Checks or rewrites each parsed quad of a file before it is added; raise :class:`LoadError` to refuse the file.
QuadTransform = Callable[[ox.Quad, Path], ox.Quad]

QueryOutcome = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

#: Serialisations of a whole dataset (graphs kept) and of one graph.
DATASET_FORMATS: Final[dict[str, ox.RdfFormat]] = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
GRAPH_FORMATS: Final[dict[str, ox.RdfFormat]] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def as_bytes(serialized: bytes | None) -> bytes:
    """pyoxigraph's serialisers return None only when given an output; without one they return bytes."""
    return serialized if serialized is not None else b""


def count_in(database: ox.Store | RemoteStore, graph: ox.NamedNode | ox.DefaultGraph) -> int:
    """Triples in one graph, counted by the store (no quad crosses into Python)."""
    solutions = database.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=graph)
    for row in solutions if isinstance(solutions, ox.QuerySolutions) else ():
        count = row[0]
        if isinstance(count, ox.Literal):
            return int(count.value)
    return 0


def graph_iri(kind: GraphKind, stem: str) -> str:
    """Named-graph IRI of the file with this stem and kind."""
    return f"{GRAPH_BASE}{kind}/{quote(stem, safe='')}"


@lru_cache(maxsize=4096)
def in_union(iri: str) -> bool:
    """Whether the named graph is part of the queries' default graph (its kind is ontology, data or extra)."""
    return graph_kind(iri) in QUERY_KINDS


def graph_kind(iri: str) -> GraphKind | None:
    """The kind encoded in a named-graph IRI, or None for a graph this package did not name."""
    if not iri.startswith(GRAPH_BASE):
        return None
    head = iri[len(GRAPH_BASE) :].split("/", 1)[0]
    for kind in GRAPH_KINDS:
        if head == kind:
            return kind
    return None


def rdf_format_of(path: Path) -> ox.RdfFormat:
    """The RDF syntax of a file, from its extension."""
    suffix = path.suffix.lower().lstrip(".")
    found = ox.RdfFormat.from_extension({"owl": "rdf", "jsonld": "jsonld"}.get(suffix, suffix))
    if found is None:
        raise LoadError(path, f"unknown RDF file extension {path.suffix!r}")
    return found


def rdflib_graph(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """An rdflib graph of the triples, with the project's prefixes bound; blank nodes stay shared."""
    graph = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    data = as_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def serialize_triples(triples: Iterable[ox.Triple], fmt: str) -> bytes:
    """Triples as ``turtle``, ``nt``, ``rdfxml`` (by pyoxigraph) or ``jsonld`` (compacted by rdflib with
    the project's prefixes as ``@context``; pyoxigraph writes only expanded JSON-LD)."""
    if fmt == "jsonld":
        return rdflib_graph(triples).serialize(format="json-ld", context=PREFIXES, indent=2).encode("utf-8")
    if fmt in GRAPH_FORMATS:
        return as_bytes(ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=PREFIXES))
    raise UnsupportedFormat(fmt, list(GRAPH_FORMATS))


@dataclass(frozen=True)
class Source:
    """One file to load and the kind of graph it goes to; ``iri`` names the graph explicitly (else it is minted)."""

    path: Path
    kind: GraphKind
    iri: str | None = None

    @property
    def graph(self) -> str:
        return self.iri if self.iri is not None else graph_iri(self.kind, self.path.stem)


class GraphStore:
    """A pyoxigraph store, in memory or on disk, or a SPARQL server (:meth:`remote`), whose named graphs are the
    loaded files."""

    def __init__(
        self,
        path: PathLike | None = None,
        *,
        read_only: bool = False,
        on_close: Callable[[], None] | None = None,
        length: int | None = None,
        server: RemoteStore | None = None,
    ) -> None:
        """``on_close`` runs once when the store is closed (releases a lock); ``length``, for a read-only store,
        is its number of quads when already known (a read-only store never changes, so it is counted at most once).
        ``server``: the quads are a SPARQL server's, not a pyoxigraph store's (see :meth:`remote`).
        """
        self.path = Path(path) if path is not None else None
        self.read_only = read_only and (self.path is not None or server is not None)
        self._on_close = on_close
        self._length = length if self.read_only else None
        self._store: ox.Store | RemoteStore
        try:
            if server is not None:
                self._store = server
            elif self.path is None:
                self._store = ox.Store()
            elif self.read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            raise ConfigError(f"cannot open the store at {self.path}: {exc}") from exc
        self._revision = 0
        self._derived: dict[Hashable, tuple[int, object]] = {}
        self._derived_locks: dict[Hashable, threading.Lock] = {}
        self._derived_guard = threading.Lock()

    @classmethod
    def remote(
        cls,
        url: str,
        *,
        read_only: bool = False,
        length: int | None = None,
    ) -> GraphStore:
        """The store of the SPARQL server at ``url`` (:class:`graph_api.remote.RemoteStore`)."""
        return cls(server=RemoteStore(url, read_only=read_only), read_only=read_only, length=length)

    @property
    def server_url(self) -> str | None:
        """The SPARQL server's URL, when the store is one."""
        return self._store.url if isinstance(self._store, RemoteStore) else None

    # -- state ----------------------------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """A number that changes whenever this object changes the store's content; caches key on it."""
        return self._revision

    def derived(self, key: Hashable, build: Callable[[GraphStore], _T]) -> _T:
        """A value computed from the store's content (an index, a report), built on first use and again only after
        the store changes. One lock per key: callers of a key wait for its build, a slow build of one key (a
        validation report) does not hold up another (a lineage index)."""
        with self._derived_guard:
            lock = self._derived_locks.setdefault(key, threading.Lock())
        with lock:
            hit = self._derived.get(key)
            if hit is not None and hit[0] == self._revision:
                return cast("_T", hit[1])
            revision = self._revision
            value = build(self)
            self._derived[key] = (revision, value)
            return value

    @property
    def oxigraph(self) -> ox.Store | RemoteStore:
        """The underlying store, for what this class does not wrap: a pyoxigraph store or a SPARQL server's."""
        return self._store

    def __len__(self) -> int:
        """Number of quads in the named graphs (the materialised default graph is not counted)."""
        if not self.read_only:  # counted once per revision (/health asks on every call)
            return self.derived("__len__", lambda store: len(store._store) - store._count_in(DEFAULT_GRAPH))
        if self._length is None:
            self._length = len(self._store) - self._count_in(DEFAULT_GRAPH)
        return self._length

    def count(self, graph: str | None = None) -> int:
        """Number of quads in the named graphs, or of triples in one named graph."""
        if graph is None:
            return len(self)
        return self._count_in(ox.NamedNode(graph))

    def _count_in(self, graph: ox.NamedNode | ox.DefaultGraph) -> int:
        return count_in(self._store, graph)

    def graphs(self, kinds: Iterable[GraphKind] | None = None) -> list[str]:
        """IRIs of the named graphs, sorted; only those of ``kinds`` when given."""
        names = sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))
        if kinds is None:
            return names
        wanted = set(kinds)
        return [name for name in names if graph_kind(name) in wanted]

    def is_empty(self) -> bool:
        return len(self) == 0

    def clear(self) -> None:
        self._store.clear()
        self._revision += 1

    def close(self) -> None:
        """Flush an on-disk store (and run ``on_close``); the object must not be used afterwards."""
        if self.path is not None and not self.read_only:
            self._store.flush()
        if isinstance(self._store, RemoteStore):
            self._store.close()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- loading --------------------------------------------------------------------------------------------

    def load(
        self,
        sources: Sequence[Source],
        *,
        transform: QuadTransform | None = None,
        progress: bool | None = None,
        replace: bool = True,
    ) -> int:
        """Load files into their graphs, all or nothing; return the number of quads added.

        ``progress`` shows a progress bar on stderr (default: when stderr is a terminal). With ``replace``, a graph
        that already exists is emptied first, so reloading a changed file leaves no stale triples.
        """
        show = sys.stderr.isatty() if progress is None else progress
        parsed: list[tuple[Source, list[ox.Quad]]] = []
        with _progress(show, len(sources) + 1) as advance:
            for source in sources:
                advance(f"parsing {source.path.name}")
                parsed.append((source, self._parse_file(source, transform)))
            advance("adding quads")
            return self._add(parsed, replace=replace)

    def load_text(
        self,
        text: str | bytes,
        *,
        name: str,
        kind: GraphKind = "data",
        rdf_format: ox.RdfFormat = ox.RdfFormat.TURTLE,
        base_iri: str | None = None,
        transform: QuadTransform | None = None,
    ) -> int:
        """Load RDF text (Turtle by default) into the graph of a file named ``name``; for tests and small inputs."""
        source = Source(Path(name), kind)
        quads = self._parse(source, transform, input=text, rdf_format=rdf_format, base_iri=base_iri)
        return self._add([(source, quads)], replace=True)

    def _parse_file(self, source: Source, transform: QuadTransform | None) -> list[ox.Quad]:
        if not source.path.is_file():
            raise LoadError(source.path, "no such file")
        return self._parse(source, transform, rdf_format=rdf_format_of(source.path))

    def _parse(
        self,
        source: Source,
        transform: QuadTransform | None,
        *,
        rdf_format: ox.RdfFormat,
        input: str | bytes | None = None,
        base_iri: str | None = None,
    ) -> list[ox.Quad]:
        graph = ox.NamedNode(source.graph)
        try:
            if input is None:
                quads = ox.parse(path=source.path, format=rdf_format, base_iri=base_iri, rename_blank_nodes=True)
            else:
                quads = ox.parse(input=input, format=rdf_format, base_iri=base_iri, rename_blank_nodes=True)
            # Every quad of a file goes to the file's graph, whatever graph a dataset syntax put it in.
            result = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]
        except SyntaxError as exc:
            raise LoadError(source.path, exc.msg, line=exc.lineno) from exc
        except (OSError, ValueError) as exc:
            raise LoadError(source.path, str(exc)) from exc
        if transform is not None:
            result = [transform(quad, source.path) for quad in result]
        return result

    def _add(self, parsed: Sequence[tuple[Source, list[ox.Quad]]], *, replace: bool) -> int:
        if replace:
            self._remove_graphs([source.graph for source, _ in parsed])
        for source, _ in parsed:
            self._store.add_graph(ox.NamedNode(source.graph))
        # One extend is one transaction: either every file's quads are added (with their default-graph copies)
        # or none.
        self._store.extend(_with_union_copies(quad for _, quads in parsed for quad in quads))
        self._revision += 1
        return sum(len(quads) for _, quads in parsed)

    def extend_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add triples to a named graph (created if new), and to the default graph when the graph is in the union."""
        node = ox.NamedNode(graph)
        self._store.add_graph(node)
        self._store.extend(_with_union_copies(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples))
        self._revision += 1

    def remove_graphs(self, graphs: Iterable[str]) -> None:
        """Remove named graphs (and their triples from the default graph where no other union graph holds them)."""
        self._remove_graphs(graphs)
        self._revision += 1

    def _remove_graphs(self, graphs: Iterable[str]) -> None:
        """Remove named graphs; their triples leave the default graph unless another union graph still holds them."""
        if isinstance(self._store, RemoteStore):
            # The same rule, run on the server in one request: it matches blank nodes, which no request can name.
            names = list(dict.fromkeys(graphs))
            keep = [name for name in self.graphs(QUERY_KINDS) if name not in names]
            self._store.remove_graphs(names, copied=[name for name in names if in_union(name)], keep=keep)
            return
        leaving: set[ox.Triple] = set()
        for name in dict.fromkeys(graphs):
            node = ox.NamedNode(name)
            if not self._store.contains_named_graph(node):
                continue
            if in_union(name):
                leaving.update(q.triple for q in self._store.quads_for_pattern(None, None, None, node))
            self._store.remove_graph(node)
        stale = [
            ox.Quad(t.subject, t.predicate, t.object, DEFAULT_GRAPH)
            for t in leaving
            if not any(
                isinstance(q.graph_name, ox.NamedNode) and in_union(q.graph_name.value)
                for q in self._store.quads_for_pattern(t.subject, t.predicate, t.object, None)
            )
        ]
        for quad in stale:
            self._store.remove(quad)

    # -- changes (graph_api.changes, graph_api.transactions) ----------------------------------------------------

    def triples_in(self, graph: str) -> Iterator[ox.Triple]:
        """The triples of one named graph."""
        yield from (q.triple for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def holders(self, triple: ox.Triple) -> set[str]:
        """IRIs of the named graphs that hold the triple."""
        quads = self._store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        return {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}

    def apply(
        self,
        added: TriplesByGraph,
        removed: TriplesByGraph,
        *,
        created: Iterable[str] = (),
        dropped: Iterable[str] = (),
    ) -> None:
        """Remove ``removed`` and add ``added`` (triples by named-graph IRI), drop the graphs ``dropped`` (with what
        they still hold) and create the empty graphs ``created``, keeping the default-graph union exact: a triple
        leaves the default graph only when no union graph holds it afterwards.

        One Oxigraph transaction (one ``Store.update``: DELETE DATA, DROP, INSERT DATA, CREATE), unless a quad has
        a blank node, which no update text can name: then removals and drops, then additions (one transaction)."""
        dropped, created = list(dict.fromkeys(dropped)), list(dict.fromkeys(created))
        held: dict[ox.Triple, set[str]] = {}  # holders of a triple, asked once (a query each)

        def holders(triple: ox.Triple) -> set[str]:
            if triple not in held:
                held[triple] = self.holders(triple)
            return held[triple]

        leaving: dict[str, set[ox.Triple]] = {g: {t for t in ts if g in holders(t)} for g, ts in removed.items()}
        for graph in dropped:
            quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            leaving.setdefault(graph, set()).update(q.triple for q in quads)
        gone = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in leaving.items() for t in ts]
        for triple in {t for g, ts in leaving.items() if in_union(g) for t in ts}:
            staying = any(in_union(h) and triple not in leaving.get(h, ()) for h in holders(triple))
            if not staying and not any(in_union(g) and triple in ts for g, ts in added.items()):
                gone.append(ox.Quad(triple.subject, triple.predicate, triple.object, DEFAULT_GRAPH))
        new = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in added.items() for t in ts]
        new = list(_with_union_copies(new))
        if not any(_has_blank_node(q) for q in (*gone, *new)):
            operations = [f"DELETE DATA {{ {_quad_data(gone)} }}", *(f"DROP SILENT GRAPH <{g}>" for g in dropped)]
            operations += [f"INSERT DATA {{ {_quad_data(new)} }}", *(f"CREATE SILENT GRAPH <{g}>" for g in created)]
            self._store.update(" ;\n".join(operations))
        else:
            for quad in gone:
                self._store.remove(quad)
            for graph in dropped:
                if self._store.contains_named_graph(ox.NamedNode(graph)):
                    self._store.remove_graph(ox.NamedNode(graph))
            self._store.extend(new)
            for graph in created:
                self._store.add_graph(ox.NamedNode(graph))
        self._revision += 1

    # -- querying -------------------------------------------------------------------------------------------

    def query(
        self,
        query: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Bindings | None = None,
        base_iri: str | None = None,
    ) -> QueryOutcome:
        """Run a SPARQL query on the project's dataset; see the module docstring for which graphs it sees.

        ``substitutions`` binds variables (by name, without "?") to terms before evaluation: values are bound,
        never spliced into the text. pyoxigraph raises ``SyntaxError`` for a malformed query and ``RuntimeError``
        when it cannot bind a parameter; :mod:`graph_api.sparql` turns them into typed errors.
        """
        default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None
        named: list[ox.NamedNode | ox.BlankNode] | None
        if default_graph is not None or named_graphs is not None:
            default = [ox.NamedNode(g) for g in default_graph or ()]
            named = [ox.NamedNode(g) for g in named_graphs or ()]
        else:
            # The store's default graph is the materialised union (see the module docstring), unless the query
            # declares its own dataset, which Oxigraph then honours.
            default, named = None, None
        bound = {ox.Variable(name): value for name, value in (substitutions or {}).items()}
        return self._store.query(
            query,
            base_iri=base_iri,
            prefixes=None,
            default_graph=default,
            named_graphs=named,
            substitutions=bound or None,
        )

    def select(self, query: str, *, substitutions: Bindings | None = None) -> ox.QuerySolutions:
        """Run a SELECT written in code (on the default dataset) and return its solutions."""
        outcome = self.query(query, substitutions=substitutions)
        if not isinstance(outcome, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        return outcome

    def triples(self, kinds: Iterable[GraphKind] = QUERY_KINDS) -> Iterator[ox.Triple]:
        """Distinct triples of the union of the graphs of ``kinds``."""
        wanted = tuple(kinds)
        if set(wanted) == set(QUERY_KINDS):
            yield from (q.triple for q in self._store.quads_for_pattern(None, None, None, DEFAULT_GRAPH))
            return
        seen: set[ox.Triple] = set()
        for name in self.graphs(wanted):
            for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
                if quad.triple not in seen:
                    seen.add(quad.triple)
                    yield quad.triple

    # -- output ---------------------------------------------------------------------------------------------

    def dump(self, fmt: str, *, kinds: Iterable[GraphKind] | None = None) -> bytes:
        """Serialise the store: the whole dataset as ``nquads``/``trig``, or a union graph as
        ``turtle``/``nt``/``rdfxml``/``jsonld`` (of ``kinds``, default ontology + data + extra)."""
        if fmt in DATASET_FORMATS:
            names = None if kinds is None else set(self.graphs(kinds))
            # The default graph is derived from the named graphs: a dataset dump has each triple once per file.
            quads = (
                q
                for q in self._store
                if isinstance(q.graph_name, ox.NamedNode) and (names is None or q.graph_name.value in names)
            )
            return as_bytes(ox.serialize(quads, format=DATASET_FORMATS[fmt], prefixes=PREFIXES))
        if fmt in GRAPH_FORMATS:
            return serialize_triples(self.triples(QUERY_KINDS if kinds is None else kinds), fmt)
        raise UnsupportedFormat(fmt, [*DATASET_FORMATS, *GRAPH_FORMATS])

    def to_rdflib(self, kinds: Iterable[GraphKind] = ("ontology", "data", "extra")) -> rdflib.Graph:
        """An rdflib graph of the union of the graphs of ``kinds`` (for pySHACL)."""
        return rdflib_graph(self.triples(kinds))


def _has_blank_node(quad: ox.Quad) -> bool:
    return any(isinstance(term, ox.BlankNode) for term in (quad.subject, quad.object))


def _quad_data(quads: Iterable[ox.Quad]) -> str:
    """Quads as the body of INSERT DATA / DELETE DATA (N-Triples terms, one GRAPH block per named graph)."""
    by_graph: dict[str | None, list[str]] = {}
    for quad in quads:
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
        by_graph.setdefault(name, []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
    blocks = [
        " ".join(lines) if name is None else f"GRAPH <{name}> {{ {' '.join(lines)} }}"
        for name, lines in by_graph.items()
    ]
    return " ".join(blocks)


def _with_union_copies(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The quads, each followed by its copy in the default graph when its graph is in the union."""
    for quad in quads:
        yield quad
        if isinstance(quad.graph_name, ox.NamedNode) and in_union(quad.graph_name.value):
            yield ox.Quad(quad.subject, quad.predicate, quad.object, DEFAULT_GRAPH)


@contextmanager
def _progress(show: bool, total: int) -> Iterator[Callable[[str], None]]:
    """Yield a function that advances a progress bar on stderr by one step (a no-op when not shown)."""
    if not show:
        yield lambda _description: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("loading", total=total)

        def advance(description: str) -> None:
            bar.update(task, advance=1, description=description)

        yield advance
