"""Run SPARQL on a :class:`GraphStore`, get typed results, serialise them; named queries from ``queries/*.rq``.

Results: ``SELECT`` gives a :class:`SelectResult`, ``ASK`` an :class:`AskResult`, ``CONSTRUCT``/``DESCRIBE`` a
:class:`GraphResult`. Solutions serialise (by pyoxigraph) as SPARQL JSON, XML, CSV and TSV; graphs as Turtle,
N-Triples, RDF/XML and JSON-LD.

Time limit: a query runs on a worker thread and the caller gets :class:`QueryTimeout` after ``timeout`` seconds.
pyoxigraph cannot cancel a running query, so the worker finishes on its own in the background (as a daemon
thread, it never holds up the process's exit).

Named queries. A file's header is its leading comment lines; those of the form ``#+ KEY: VALUE`` are read::

    #+ summary: Documents that implement a document, at any depth      (one line; required; "title" is a synonym)
    #+ description: Longer text; the key may repeat, lines are joined   (optional)
    #+ tags: lineage, implements                                        (comma-separated; optional)
    #+ param: doc iri — the document to start from (default: <https://w3id.org/vn-directives/id/...>)

Any other key (``summary_vi``, ``cq``…) is kept, as text, in :attr:`NamedQuery.meta`.

``param`` grammar: ``NAME [TYPE] — DESCRIPTION (default: VALUE)``. NAME is the query variable without ``?``; TYPE
(bare or in brackets) is ``iri``, ``literal`` or ``integer``, and ``literal`` when left out; the dash may be ``—``,
``–`` or ``--``; the ``(default: …)`` suffix is optional, and a parameter without a default must be given. An
``iri`` value is written ``<…>``, bare, or as a prefixed name of :data:`graph_api.namespaces.PREFIXES`; a
``literal`` may be quoted (``"tăng trưởng"``). Values are bound with pyoxigraph substitutions, never spliced into
the text; in a ``SELECT`` a bound variable must be in the projection (or use ``SELECT *``), which pyoxigraph
requires.
"""

from __future__ import annotations

import re
import threading
import traceback
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, TypeVar

import pyoxigraph as ox

from graph_api.errors import LoadError, QueryError, QuerySyntaxError, QueryTimeout, ResultTooLarge, UnsupportedFormat
from graph_api.namespaces import PREFIXES, XSD
from graph_api.store import GRAPH_FORMATS, GraphStore, as_bytes, serialize_triples

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from graph_api.types import Bindings, Row, Term

SOLUTION_FORMATS: Final[dict[str, ox.QueryResultsFormat]] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
#: Serialisations of CONSTRUCT and DESCRIBE results, by name.
TRIPLE_FORMATS: Final[dict[str, ox.RdfFormat]] = GRAPH_FORMATS

_T = TypeVar("_T")
_CANONICAL = ox.QueryResultsFormat.JSON


def _solutions_format(fmt: str) -> ox.QueryResultsFormat:
    try:
        return SOLUTION_FORMATS[fmt]
    except KeyError:
        raise UnsupportedFormat(fmt, list(SOLUTION_FORMATS)) from None


@dataclass(frozen=True)
class SelectResult:
    """Solutions of a SELECT: variable names and rows of terms (None where unbound)."""

    variables: tuple[str, ...]
    rows: tuple[Row, ...]
    _json: bytes = field(repr=False)

    def bindings(self) -> list[dict[str, Term]]:
        """Each row as a dict of its bound variables."""
        return [{v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows]

    def media_type(self, fmt: str) -> str:
        return _solutions_format(fmt).media_type

    def serialize(self, fmt: str = "json") -> bytes:
        """The results in ``json``, ``xml``, ``csv`` or ``tsv``."""
        return as_bytes(ox.parse_query_results(self._json, _CANONICAL).serialize(format=_solutions_format(fmt)))


@dataclass(frozen=True)
class AskResult:
    """The answer of an ASK."""

    value: bool
    _json: bytes = field(repr=False)

    def media_type(self, fmt: str) -> str:
        return _solutions_format(fmt).media_type

    def serialize(self, fmt: str = "json") -> bytes:
        return as_bytes(ox.parse_query_results(self._json, _CANONICAL).serialize(format=_solutions_format(fmt)))


@dataclass(frozen=True)
class GraphResult:
    """Triples of a CONSTRUCT or DESCRIBE."""

    triples: tuple[ox.Triple, ...]

    def media_type(self, fmt: str) -> str:
        return self._format(fmt).media_type

    def serialize(self, fmt: str = "turtle") -> bytes:
        """The triples in ``turtle``, ``nt``, ``rdfxml`` or ``jsonld``."""
        return serialize_triples(self.triples, fmt)

    @staticmethod
    def _format(fmt: str) -> ox.RdfFormat:
        try:
            return TRIPLE_FORMATS[fmt]
        except KeyError:
            raise UnsupportedFormat(fmt, list(TRIPLE_FORMATS)) from None


QueryResult = SelectResult | AskResult | GraphResult

_POSITION = re.compile(r"^(?:.*?\b)?error at (\d+):(\d+):\s*")


def _syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    message = exc.msg or str(exc)
    found = _POSITION.search(message)
    if found:
        return QuerySyntaxError(message[found.end() :], line=int(found[1]), column=int(found[2]))
    return QuerySyntaxError(message, line=exc.lineno, column=exc.offset)


def _materialise(
    store: GraphStore,
    query: str,
    *,
    substitutions: Bindings | None,
    default_graph: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    max_rows: int | None,
) -> QueryResult:
    try:
        outcome = store.query(
            query, substitutions=substitutions, default_graph=default_graph, named_graphs=named_graphs
        )
        if isinstance(outcome, ox.QueryBoolean):
            return AskResult(bool(outcome), as_bytes(outcome.serialize(format=_CANONICAL)))
        if isinstance(outcome, ox.QueryTriples):
            return GraphResult(tuple(outcome))
        payload = as_bytes(outcome.serialize(format=_CANONICAL))
    except SyntaxError as exc:
        raise _syntax_error(exc) from exc
    except (RuntimeError, OSError, ValueError) as exc:
        raise QueryError(str(exc)) from exc
    parsed = ox.parse_query_results(payload, _CANONICAL)
    if not isinstance(parsed, ox.QuerySolutions):  # pragma: no cover - a SELECT always gives solutions
        raise QueryError("unexpected result type")
    variables = tuple(v.value for v in parsed.variables)
    rows: list[Row] = []
    for solution in parsed:
        if max_rows is not None and len(rows) >= max_rows:
            raise ResultTooLarge(max_rows)
        rows.append(tuple(solution[i] for i in range(len(variables))))
    return SelectResult(variables, tuple(rows), payload)


def call_with_timeout(function: Callable[[], _T], timeout: float | None) -> _T:
    """``function()``, run on a daemon thread; :class:`QueryTimeout` if it takes longer than ``timeout`` s."""
    if timeout is None:
        return function()
    future: Future[_T] = Future()

    def work() -> None:
        try:
            future.set_result(function())
        except BaseException as exc:  # handed over unchanged to the caller, which re-raises it
            # Its traceback's frames hold the query's pyoxigraph objects (a result cut by max_rows: the solutions
            # being read), which must be freed on this thread: pyoxigraph refuses to drop them on another one.
            traceback.clear_frames(exc.__traceback__)
            future.set_exception(exc)

    threading.Thread(target=work, name="graph-api-query", daemon=True).start()
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise QueryTimeout(timeout) from None


def run_query(
    store: GraphStore,
    query: str,
    *,
    substitutions: Bindings | None = None,
    default_graph: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """Run ``query`` and return its typed, fully read result.

    Raises :class:`QuerySyntaxError`, :class:`QueryTimeout`, :class:`ResultTooLarge` or :class:`QueryError`.
    """
    return call_with_timeout(
        lambda: _materialise(
            store,
            query,
            substitutions=substitutions,
            default_graph=default_graph,
            named_graphs=named_graphs,
            max_rows=max_rows,
        ),
        timeout,
    )


# -- named queries ----------------------------------------------------------------------------------------------

ParamType = Literal["iri", "literal", "integer"]
_PARAM_TYPES: Final[tuple[ParamType, ...]] = ("iri", "literal", "integer")
_HEADER = re.compile(r"^#\+\s*(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\s+\[?(?P<type>[a-z]+)\]?)?\s*(?:—|–|--)\s*(?P<description>.*?)"
    r"(?:\s*\(default:\s*(?P<default>.*?)\))?$"
)


@dataclass(frozen=True)
class QueryParameter:
    """A parameter of a named query, declared by a ``#+ param:`` line."""

    name: str
    type: ParamType
    description: str
    default: str | None = None

    def to_term(self, value: str) -> Term:
        """The term a value written as text stands for, by this parameter's type."""
        text = value.strip()
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d+", text):
                raise QueryError(f"parameter {self.name!r} must be an integer, not {value!r}")
            return ox.Literal(text, datatype=ox.NamedNode(str(XSD.integer)))
        if self.type == "iri":
            return ox.NamedNode(_expand_iri(text, self.name))
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1]
        return ox.Literal(text)


def _expand_iri(text: str, name: str) -> str:
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text):
        return text
    raise QueryError(f"parameter {name!r} must be an IRI, not {text!r}")


@dataclass(frozen=True)
class NamedQuery:
    """A query file with its header: summary, description, tags and parameters."""

    name: str
    path: Path
    text: str
    summary: str
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[QueryParameter, ...] = ()
    meta: Mapping[str, str] = field(default_factory=dict)

    def bind(self, values: Mapping[str, str]) -> dict[str, Term]:
        """Substitutions for the given parameter values (as text), defaults filled in."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryError(f"{self.name}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(known)}")
        bound: dict[str, Term] = {}
        for parameter in self.parameters:
            value = values.get(parameter.name, parameter.default)
            if value is None:
                raise QueryError(f"{self.name}: parameter {parameter.name!r} is required")
            bound[parameter.name] = parameter.to_term(value)
        return bound


def _parse_param(path: Path, number: int, value: str) -> QueryParameter:
    found = _PARAM.match(value)
    if not found:
        raise LoadError(path, f"bad param line {value!r}; expected 'NAME [TYPE] — description'", line=number)
    kind = found["type"] or "literal"
    for allowed in _PARAM_TYPES:
        if kind == allowed:
            return QueryParameter(found["name"], allowed, found["description"], found["default"])
    raise LoadError(path, f"parameter type must be one of {', '.join(_PARAM_TYPES)}, not {kind!r}", line=number)


def parse_named_query(text: str, path: Path) -> NamedQuery:
    """A :class:`NamedQuery` from a query's text; ``path`` names it and is used in errors."""
    summary, description, tags, params = "", [], [], []
    meta: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        found = _HEADER.match(stripped)
        if not found:
            continue
        key, value = found["key"], found["value"]
        if key in {"summary", "title"}:
            summary = value
        elif key == "description":
            description.append(value)
        elif key == "tags":
            tags += [t.strip() for t in value.split(",") if t.strip()]
        elif key == "param":
            params.append(_parse_param(path, number, value))
        else:
            meta[key] = f"{meta[key]} {value}" if key in meta else value
    if not summary:
        raise LoadError(path, "the header has no '#+ summary:' line")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise LoadError(path, f"a parameter is declared twice: {', '.join(names)}")
    return NamedQuery(path.stem, path, text, summary, " ".join(description), tuple(tags), tuple(params), meta)


def load_named_query(path: Path) -> NamedQuery:
    """Read a ``.rq`` file and its header."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LoadError(path, exc.strerror or str(exc)) from exc
    return parse_named_query(text, path)


def load_named_queries(directory: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` of a directory, by name (file stem); empty when the directory does not exist.

    Parsed again only when a file was added, removed or changed (by name, size and modification time): a server
    answering ``/queries/{name}`` does not re-read twenty files per request, and still sees an edited query."""
    if not directory.is_dir():
        return {}
    files = sorted(directory.glob("*.rq"))
    signature = tuple((path.name, *_stamp(path)) for path in files)
    cached = _LOADED.get(directory)
    if cached is not None and cached[0] == signature:
        return dict(cached[1])
    loaded = {q.name: q for q in map(load_named_query, files)}
    _LOADED[directory] = (signature, loaded)
    return dict(loaded)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError:
        return (-1, -1)
    return (status.st_size, status.st_mtime_ns)


_LOADED: dict[Path, tuple[tuple[tuple[str, int, int], ...], dict[str, NamedQuery]]] = {}


def run_named_query(
    store: GraphStore,
    query: NamedQuery,
    values: Mapping[str, str] | None = None,
    *,
    timeout: float | None = None,
    max_rows: int | None = None,
) -> QueryResult:
    """Run a named query with its parameters bound from ``values`` (text, converted by each parameter's type)."""
    return run_query(store, query.text, substitutions=query.bind(values or {}), timeout=timeout, max_rows=max_rows)
