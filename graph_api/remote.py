"""A SPARQL 1.1 server as the quad store: the part of :class:`pyoxigraph.Store` that :class:`GraphStore` and the
modules reading ``GraphStore.oxigraph`` use, over HTTP (one keep-alive :class:`httpx.Client`).

Endpoints are the Oxigraph server's (``oxigraph serve``): ``/query`` (SPARQL 1.1 Protocol), ``/update`` (SPARQL 1.1
Update) and ``/store`` (Graph Store Protocol: ``?graph=IRI``, ``?default``). Everything goes through the standard
operations except, where they say so, what is Oxigraph's own:

- ``query`` posts the query (``default-graph-uri``/``named-graph-uri`` for a dataset; the rest of pyoxigraph's
  arguments written into the text, :mod:`graph_api.remote_text`) and hands back pyoxigraph's own result objects:
  solutions and booleans parsed from SPARQL JSON results; the triples of a CONSTRUCT or DESCRIBE, received as
  N-Triples, loaded into a scratch in-memory store and read back by ``CONSTRUCT WHERE``, which gives a real
  ``QueryTriples`` (duplicates merged; the order is the scratch store's);
- ``quads_for_pattern`` is a SELECT, or a Graph Store GET for a whole graph; ``__iter__`` a GET of the whole dataset
  as N-Quads (Oxigraph; Jena Fuseki has it too);
- writes are SPARQL Update: ``INSERT DATA``/``DELETE DATA`` in one request each (one transaction, so blank nodes of
  one ``extend`` that share a label stay one node), ``CREATE``/``DROP GRAPH``, ``DROP ALL``; :meth:`remove_graphs`
  drops named graphs and their default-graph copies in one request.

Blank nodes: a server gives every blank node it stores a label of its own, and SPARQL cannot name one in a later
request. Reading is unaffected (labels are stable on Oxigraph, so a pattern on a blank node is matched on the
label, client-side), but a write cannot name an existing blank node: :meth:`remove` refuses one, and
:meth:`remove_graphs` works by pattern on the server instead.

Graphs under :data:`HIDDEN` (the loader's manifest and lock, :mod:`graph_api.remote_load`) are left out of
``named_graphs``, ``len`` and iteration; a query's ``GRAPH ?g`` still sees them.
"""

from __future__ import annotations

import io
import re
import weakref
from typing import TYPE_CHECKING, Final

import httpx
import pyoxigraph as ox

from graph_api.errors import BackendUnavailable
from graph_api.namespaces import GRAPH_BASE
from graph_api.remote_text import bind_values, prologue, shift_error

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Sequence

    from graph_api.types import Term

#: Named graphs of the loader's own (manifest, lock), not part of the dataset this class shows.
HIDDEN: Final = GRAPH_BASE + "meta/"
_JSON: Final = "application/sparql-results+json"
_ACCEPT: Final = f"{_JSON}, application/n-triples;q=0.9"
_SYNTAX: Final = re.compile(r"error at \d+:\d+")
#: A graph that no store holds: the default graph of a dataset that names none (pyoxigraph's ``default_graph=[]``).
_NO_GRAPH: Final = "urn:x-graph-api:no-graph"
_CHUNK: Final = 1 << 16
#: No bound on the wait for an answer (a load may take minutes), only on connecting.
_TIMEOUT: Final = httpx.Timeout(None, connect=10.0)

GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
QueryOutcome = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class _Body(io.RawIOBase):
    """A streamed HTTP response body as a readable binary file, for pyoxigraph's parser."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = chunk
        count = min(len(buffer), len(self._rest))
        buffer[:count] = self._rest[:count]
        self._rest = self._rest[count:]
        return count


def _hidden(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(HIDDEN)


class RemoteStore:
    """The quads of a SPARQL server at ``url``: the subset of :class:`pyoxigraph.Store` the package uses.

    ``read_only`` refuses writes, as ``Store.read_only`` does.
    """

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url.rstrip("/")
        self.read_only = read_only
        self.query_url = self.url + "/query"
        self.update_url = self.url + "/update"
        self.store_url = self.url + "/store"
        self.client = httpx.Client(timeout=_TIMEOUT, follow_redirects=False)
        weakref.finalize(self, self.client.close)  # its connections close with it, even unclosed

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    def close(self) -> None:
        self.client.close()

    # -- HTTP -----------------------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str | list[str]] | None = None,
        content: bytes | Iterator[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request, however long the server takes (as a load may); a server that cannot be reached is a
        :class:`BackendUnavailable` (503) naming it."""
        try:
            return self.client.request(method, url, params=params, data=data, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def _unreachable(self, exc: httpx.TransportError) -> BackendUnavailable:
        return BackendUnavailable(f"the SPARQL server at {self.url} cannot be reached: {exc or type(exc).__name__}")

    def _checked(self, response: httpx.Response, *, lines: int = 0) -> httpx.Response:
        """The response when it succeeded; else the error pyoxigraph would raise for the same cause."""
        if response.is_success:
            return response
        message = response.text.strip() or response.reason_phrase
        if response.status_code == 400 and _SYNTAX.search(message):
            raise SyntaxError(shift_error(message, lines))
        if response.status_code in (400, 404, 406, 415):
            raise ValueError(message)
        raise RuntimeError(f"the SPARQL server answered {response.status_code}: {message}")

    def update(self, update: str) -> None:
        """Run a SPARQL Update (one request, one transaction on the server)."""
        self._writable()
        self._checked(self.request("POST", self.update_url, data={"update": update}))

    def _writable(self) -> None:
        if self.read_only:
            raise OSError(f"the store at {self.url} is opened read-only")

    # -- queries --------------------------------------------------------------------------------------------------

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        default_graph: GraphName | list[GraphName] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, Term] | None = None,
    ) -> QueryOutcome:
        """Run a query as ``pyoxigraph.Store.query`` does. ``default_graph`` may be the server's default graph
        (``DefaultGraph``: the query's own dataset, if any, applies) or named graphs, not both."""
        head = prologue(base_iri, prefixes)
        text = bind_values(query, {v.value: t for v, t in (substitutions or {}).items()})
        fields: dict[str, str | list[str]] = {"query": head + text}
        defaults = default_graph if isinstance(default_graph, list) else [default_graph] if default_graph else []
        if any(isinstance(g, ox.DefaultGraph) for g in defaults):
            if len(defaults) > 1 or named_graphs is not None:
                raise ValueError("the SPARQL protocol cannot add the server's default graph to a dataset")
        elif default_graph is not None or named_graphs is not None:
            fields["default-graph-uri"] = [self._iri(g) for g in defaults] or [_NO_GRAPH]
            fields["named-graph-uri"] = [self._iri(g) for g in named_graphs or ()]
        response = self._checked(
            self.request("POST", self.query_url, data=fields, headers={"Accept": _ACCEPT}), lines=head.count("\n")
        )
        media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        try:
            results = ox.QueryResultsFormat.from_media_type(media)
            if results is not None:
                return ox.parse_query_results(response.content, results)
            graph = ox.RdfFormat.from_media_type(media)
            if graph is None:
                raise RuntimeError(f"the SPARQL server answered in an unexpected media type {media!r}")
            scratch = ox.Store()
            scratch.load(input=response.content, format=graph)
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        except SyntaxError as exc:
            # A streamed answer already under way when the server failed or gave up (Oxigraph's --timeout-s) is a
            # 200 whose body breaks off; that is the server's failure, not a syntax error of the query.
            raise RuntimeError(f"the SPARQL server's answer is incomplete: {_ending(response.content)}") from exc

    @staticmethod
    def _iri(graph: GraphName) -> str:
        if not isinstance(graph, ox.NamedNode):
            raise ValueError(f"the SPARQL protocol names graphs by IRI, not {graph}")
        return graph.value

    def _select(self, query: str) -> ox.QuerySolutions:
        outcome = self.query(query)
        if not isinstance(outcome, ox.QuerySolutions):  # pragma: no cover - the server answers a SELECT so
            raise RuntimeError("expected solutions")
        return outcome

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
        predicate: ox.NamedNode | None,
        object: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None,  # pyoxigraph's name
        graph_name: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None: any); ``graph_name`` None means the default graph and every named
        graph, as in pyoxigraph."""
        if subject is None and predicate is None and object is None and graph_name is not None:
            return self._graph(graph_name)
        terms: list[Term | None] = [subject, predicate, object]
        slots = [
            f"?{name}" if term is None or isinstance(term, ox.BlankNode) else str(term)
            for name, term in zip("spo", terms, strict=True)
        ]
        # A blank node is asked for as "any blank node there", then matched on its label: far fewer rows than "any".
        blanks = [
            f"FILTER(isBlank(?{name}))" for name, t in zip("spo", terms, strict=True) if isinstance(t, ox.BlankNode)
        ]
        pattern = " ".join([*slots, *blanks])
        if graph_name is None:
            where = (
                f"{{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} FILTER(!STRSTARTS(STR(?g), {_string(HIDDEN)})) }}"
            )
        elif isinstance(graph_name, ox.DefaultGraph):
            where = pattern
        else:
            where = f"GRAPH {ox.NamedNode(self._iri(graph_name))} {{ {pattern} }}"
        rows = self._select(f"SELECT * WHERE {{ {where} }}")
        return _quads(rows, terms, graph_name)

    def _graph(self, graph_name: GraphName) -> Iterator[ox.Quad]:
        """Every triple of one graph, by a Graph Store GET (N-Triples); none when the graph does not exist."""
        params = {"default": ""} if isinstance(graph_name, ox.DefaultGraph) else {"graph": self._iri(graph_name)}
        for quad in self._stream(params, "application/n-triples", ox.RdfFormat.N_TRIPLES):
            yield ox.Quad(quad.subject, quad.predicate, quad.object, graph_name)

    def _stream(self, params: dict[str, str], media: str, fmt: ox.RdfFormat) -> Iterator[ox.Quad]:
        try:
            with self.client.stream("GET", self.store_url, params=params, headers={"Accept": media}) as response:
                if response.status_code == 404:
                    return
                if not response.is_success:
                    response.read()
                    self._checked(response)
                body = io.BufferedReader(_Body(response.iter_bytes(_CHUNK)), buffer_size=_CHUNK)
                yield from ox.parse(input=body, format=fmt)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def __iter__(self) -> Iterator[ox.Quad]:
        """Every quad of the dataset (a GET of the whole store as N-Quads)."""
        return (q for q in self._stream({}, "application/n-quads", ox.RdfFormat.N_QUADS) if not _hidden(q.graph_name))

    def __len__(self) -> int:
        """Quads in the default graph and the named graphs (hidden ones excepted)."""
        rows = self._select(
            "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION "
            f"{{ GRAPH ?g {{ ?s ?p ?o }} FILTER(!STRSTARTS(STR(?g), {_string(HIDDEN)})) }} }}"
        )
        for row in rows:
            count = row["n"]
            return int(count.value) if isinstance(count, ox.Literal) else 0
        return 0  # pragma: no cover - COUNT gives one row

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        graphs = [row["g"] for row in rows]
        return iter([g for g in graphs if isinstance(g, ox.NamedNode | ox.BlankNode) and not _hidden(g)])

    def contains_named_graph(self, graph_name: GraphName) -> bool:
        """Whether the named graph exists (a Graph Store HEAD)."""
        if isinstance(graph_name, ox.DefaultGraph):
            return True
        response = self.request("HEAD", self.store_url, params={"graph": self._iri(graph_name)})
        if response.status_code == 404:
            return False
        self._checked(response)
        return True

    # -- writes ---------------------------------------------------------------------------------------------------

    def add_graph(self, graph_name: GraphName) -> None:
        if not isinstance(graph_name, ox.DefaultGraph):
            self.update(f"CREATE SILENT GRAPH <{self._iri(graph_name)}>")

    def remove_graph(self, graph_name: GraphName) -> None:
        target = "DEFAULT" if isinstance(graph_name, ox.DefaultGraph) else f"GRAPH <{self._iri(graph_name)}>"
        self.update(f"DROP SILENT {target}")

    def remove_graphs(self, graphs: Sequence[str], *, copied: Collection[str], keep: Sequence[str]) -> None:
        """Drop named graphs in one request; the triples of those in ``copied`` also leave the default graph,
        unless a graph of ``keep`` holds them too (blank nodes are matched on the server: nothing names them)."""
        if not graphs:
            return
        held = " ".join(str(ox.NamedNode(g)) for g in keep)
        operations = []
        for name in graphs:
            graph = ox.NamedNode(name)
            if name in copied:
                operations.append(
                    f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} "
                    f"FILTER NOT EXISTS {{ VALUES ?h {{ {held} }} GRAPH ?h {{ ?s ?p ?o }} }} }}"
                )
            operations.append(f"DROP SILENT GRAPH {graph}")
        self.update(" ;\n".join(operations))

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one ``INSERT DATA`` (one transaction)."""
        data = _quad_data(quads)
        if data:
            self.update(f"INSERT DATA {{\n{data}}}")

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """As :meth:`extend`: the type of ``GraphStore.oxigraph`` admits this store where ``bulk_extend`` is called."""
        self.extend(quads)

    def remove(self, quad: ox.Quad) -> None:
        """Remove one quad (``DELETE DATA``); a quad with a blank node cannot be named over SPARQL."""
        if any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name)):
            raise ValueError("a quad with a blank node cannot be removed over SPARQL: remove its graph instead")
        self.update(f"DELETE DATA {{\n{_quad_data([quad])}}}")

    def clear(self) -> None:
        self.update("DROP ALL")

    def flush(self) -> None:
        """Nothing to do: the server commits each request."""


def _quads(rows: ox.QuerySolutions, terms: Sequence[Term | None], graph_name: GraphName | None) -> Iterator[ox.Quad]:
    """The quads of a pattern's solutions (variables ?s ?p ?o, and ?g when every graph was asked for)."""
    for row in rows:
        found = [
            term if term is not None and not isinstance(term, ox.BlankNode) else row[name]
            for name, term in zip("spo", terms, strict=True)
        ]
        if any(isinstance(term, ox.BlankNode) and term != value for term, value in zip(terms, found, strict=True)):
            continue  # a blank node is matched on its label, here: SPARQL cannot name it
        graph = graph_name if graph_name is not None else row["g"]
        subject, predicate, obj = found
        if not isinstance(predicate, ox.NamedNode) or isinstance(subject, ox.Literal) or subject is None or obj is None:
            continue  # pragma: no cover - a triple pattern binds these so
        yield ox.Quad(subject, predicate, obj, graph if isinstance(graph, GraphName) else ox.DefaultGraph())


def _ending(body: bytes) -> str:
    """The last words of a broken answer, where a server writes why it stopped."""
    return body[-200:].decode("utf-8", errors="replace").rsplit("[", 1)[-1].strip() or "it breaks off"


def _string(text: str) -> str:
    return str(ox.Literal(text))


def _quad_data(quads: Iterable[ox.Quad]) -> str:
    """Quads as SPARQL ``QuadData`` lines: default-graph triples bare, the others in ``GRAPH`` blocks."""
    lines: list[str] = []
    current: str | None = None
    for quad in quads:
        graph = None if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        if graph != current:
            if current is not None:
                lines.append("}\n")
            if graph is not None:
                lines.append(f"GRAPH {graph} {{\n")
            current = graph
        lines.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
    if current is not None:
        lines.append("}\n")
    return "".join(lines)
