"""The ``graph-api`` command (also ``python -m graph_api``).

Exit codes: 0 success; 1 ``validate`` found a Violation; 2 a user error (bad input, unknown symbol, bad query…),
reported as one line on stderr. Settings come from ``GRAPH_API_*`` variables; options override them.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec

import pyoxigraph as ox
import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from graph_api.app import create_app
from graph_api.errors import ConfigError, GraphApiError, QueryError
from graph_api.export import export, write_back
from graph_api.lineage import RELATIONS, Lineage, lineage
from graph_api.loading import build_store, project_sources
from graph_api.namespaces import DH
from graph_api.resolve import resolve, resolve_one
from graph_api.settings import IN_MEMORY, Settings, get_settings
from graph_api.sparql import AskResult, GraphResult, QueryResult, SelectResult, parse_named_query, run_query
from graph_api.validation import compact, validate

if TYPE_CHECKING:
    from collections.abc import Callable

    from graph_api.store import GraphStore
    from graph_api.types import Term

app = typer.Typer(
    name="graph-api",
    help="Knowledge graph of Vietnam's directive hierarchy: query, lineage, validation, export, HTTP service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

USER_ERROR = 2
_P = ParamSpec("_P")


def _reports_errors(command: Callable[_P, None]) -> Callable[_P, None]:
    """Turn a :class:`GraphApiError` into one line on stderr and exit code 2; the one place the CLI maps errors."""

    @functools.wraps(command)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except GraphApiError as exc:
            typer.echo(f"error: {' '.join(str(exc).splitlines())}", err=True)
            raise typer.Exit(USER_ERROR) from None

    return wrapper


def _settings(*, in_memory: bool = False, **overrides: Any) -> Settings:
    """The environment's settings with the options that were given on the command line."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if isinstance(given.get("backend"), BackendChoice):
        given["backend"] = given["backend"].value
    if in_memory or str(given.get("store")) == IN_MEMORY:
        given["store"] = None
    return get_settings().model_copy(update=given)


def _write(data: bytes | str, output: Path | None = None) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if output is not None:
        output.write_bytes(raw)
        return
    sys.stdout.buffer.write(raw)
    if raw and not raw.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Store directory, rebuilt when the files change (default: GRAPH_API_STORE, else var/store)."
    ),
]
InMemoryOpt = Annotated[
    bool, typer.Option("--in-memory", help="Load the files into memory instead of using a store directory.")
]


class BackendChoice(StrEnum):
    embedded = "embedded"
    server = "server"


BackendOpt = Annotated[
    BackendChoice | None,
    typer.Option(help="embedded: a store in this process; server: a SPARQL server (default: GRAPH_API_BACKEND)."),
]
ServerUrlOpt = Annotated[
    str | None, typer.Option("--server-url", help="The SPARQL server of --backend server (GRAPH_API_SERVER_URL).")
]


def _open(
    store: Path | None,
    in_memory: bool,
    backend: BackendChoice | None = None,
    server_url: str | None = None,
    *,
    progress: bool | None = None,
) -> GraphStore:
    settings = _settings(store=store, in_memory=in_memory, backend=backend, server_url=server_url)
    return build_store(settings, progress=progress)


def _where(store: GraphStore) -> str:
    """Where a store's quads are, for a message."""
    if store.server_url is not None:
        return f"in the SPARQL server at {store.server_url}"
    return f"from {store.path}" if store.path is not None else "in memory"


DataOpt = Annotated[
    list[Path] | None, typer.Option("--data", help="RDF file to serve (repeatable), in addition to the project.")
]
ProjectOpt = Annotated[bool, typer.Option(help="Also load ontology/, data/ and shapes/.")]
GraphOpt = Annotated[
    list[str] | None,
    typer.Option("--graph", metavar="IRI=FILE", help="RDF file to serve in the named graph IRI (repeatable)."),
]


def _named_graphs(graph: list[str] | None) -> dict[str, Path] | None:
    if not graph:
        return None
    pairs = [item.rpartition("=") for item in graph]
    if any(not iri or not path for iri, _, path in pairs):
        raise ConfigError("--graph takes IRI=FILE")
    return {iri: Path(path) for iri, _, path in pairs}


# -- serve ---------------------------------------------------------------------------------------------------


@app.command()
@_reports_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    store: StoreOpt = None,
    in_memory: InMemoryOpt = False,
    data: DataOpt = None,
    project: ProjectOpt = True,
    graph: GraphOpt = None,
    backend: BackendOpt = None,
    server_url: ServerUrlOpt = None,
) -> None:
    """Serve the graph over HTTP (SPARQL endpoint at /sparql)."""
    settings = _settings(
        host=host,
        port=port,
        store=store,
        in_memory=in_memory,
        extra_files=data,
        load_project=project,
        named_graph_files=_named_graphs(graph),
        backend=backend,
        server_url=server_url,
    )
    started = time.perf_counter()
    loaded = build_store(settings, writable=settings.writes_enabled)  # writes need the store read-write
    elapsed = time.perf_counter() - started
    message = f"loaded {len(loaded)} quads in {len(loaded.graphs())} graphs {_where(loaded)} ({elapsed:.2f} s)"
    typer.echo(message, err=True)
    uvicorn.run(create_app(settings, store=loaded), host=settings.host, port=settings.port)


# -- query ---------------------------------------------------------------------------------------------------


class QueryFormat(StrEnum):
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    table = "table"
    turtle = "turtle"
    nt = "nt"
    jsonld = "jsonld"


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _print_table(result: SelectResult | AskResult) -> None:
    # Wide when piped, so that a table written to a file is not folded to 80 columns.
    console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 400)
    if isinstance(result, AskResult):
        console.print("yes" if result.value else "no")
        return
    table = Table(*result.variables, show_lines=False)
    for row in result.rows:
        table.add_row(*map(_cell, row))
    console.print(table)
    console.print(f"{len(result.rows)} row(s)", style="dim")


def _parse_params(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise QueryError(f"--param takes NAME=VALUE, not {pair!r}")
        values[name.strip().lstrip("?$")] = value
    return values


def _plain_term(value: str) -> Term:
    if value.startswith("<") and value.endswith(">"):
        return ox.NamedNode(value[1:-1])
    return ox.Literal(value)


def _emit(result: QueryResult, fmt: QueryFormat | None) -> None:
    if isinstance(result, GraphResult):
        _write(result.serialize((fmt or QueryFormat.turtle).value))
    elif fmt in (None, QueryFormat.table):
        _print_table(result)
    else:
        _write(result.serialize(fmt.value))


@app.command()
@_reports_errors
def query(
    text: Annotated[str | None, typer.Argument(help="The query; read from -f or stdin when left out.")] = None,
    file: Annotated[Path | None, typer.Option("-f", "--file", help="Read the query from this file.")] = None,
    fmt: Annotated[
        QueryFormat | None, typer.Option("--format", help="Output (default: table, or turtle for graphs).")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE bound to ?NAME (repeatable).")
    ] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds before giving up.")] = None,
    store: StoreOpt = None,
    in_memory: InMemoryOpt = False,
    backend: BackendOpt = None,
    server_url: ServerUrlOpt = None,
) -> None:
    """Run a SPARQL query; a named query's parameters (#+ param:) are typed by its header."""
    if file is not None:
        try:
            source = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"cannot read {file}: {exc.strerror}") from exc
    else:
        source = text if text is not None else sys.stdin.read()
    values = _parse_params(param or [])
    if "#+ summary:" in source:
        named = parse_named_query(source, file or Path("query.rq"))
        bound = named.bind(values)
    else:
        bound = {name: _plain_term(value) for name, value in values.items()}
    settings = _settings(store=store, in_memory=in_memory, backend=backend, server_url=server_url)
    loaded = build_store(settings)
    result = run_query(
        loaded,
        source,
        substitutions=bound,
        timeout=timeout if timeout is not None else settings.query_timeout,
        max_rows=settings.max_rows,
    )
    _emit(result, fmt)


# -- lineage, resolve ----------------------------------------------------------------------------------------


class DirectionChoice(StrEnum):
    down = "down"
    up = "up"
    both = "both"


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


def _symbol_of(store: GraphStore, iri: str) -> str | None:
    """The document's canonical symbol, to label the root as the graph writes it rather than as the user typed it."""
    found = run_query(
        store,
        f"SELECT ?doc ?symbol WHERE {{ ?doc <{DH.symbol}> ?symbol }} LIMIT 1",
        substitutions={"doc": ox.NamedNode(iri)},
    )
    rows = found.rows if isinstance(found, SelectResult) else ()
    symbol = rows[0][1] if rows else None
    return symbol.value if isinstance(symbol, ox.Literal) else None


def _lineage_text(result: Lineage, root_label: str) -> str:
    label = {node.iri: node.symbol or node.iri for node in result.nodes} | {result.root: root_label}
    lines = [f"{root_label}  <{result.root}>"]
    lines += [
        f"{'  ' * node.depth}{node.symbol or '-'}  <{node.iri}>"
        for node in sorted(result.nodes, key=lambda n: (n.depth, n.symbol or "", n.iri))
    ]
    if result.edges:
        lines.append("")
    for edge in result.edges:
        lines.append(f"{label.get(edge.source, edge.source)} {edge.relation} {label.get(edge.target, edge.target)}")
        lines += [f"    “{e.quote}” ({e.source})" for e in edge.evidence]
    return "\n".join(lines)


@app.command("lineage")
@_reports_errors
def lineage_command(
    document: Annotated[str, typer.Argument(help="A symbol (15-NQ/TW, 306/KH-UBND…) or a document IRI.")],
    direction: Annotated[DirectionChoice, typer.Option(help="down: what implements it; up: what it implements.")] = (
        DirectionChoice.down
    ),
    relations: Annotated[
        str, typer.Option(help=f"Comma-separated relations to follow, of: {', '.join(RELATIONS)}.")
    ] = "implements",
    depth: Annotated[int | None, typer.Option(min=1, help="Follow at most this many edges.")] = None,
    types: Annotated[
        list[str] | None, typer.Option("--type", help="Keep documents of this class or type code (repeatable).")
    ] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
    store: StoreOpt = None,
    in_memory: InMemoryOpt = False,
    backend: BackendOpt = None,
    server_url: ServerUrlOpt = None,
) -> None:
    """Documents that carry out a document (down), or that it carries out (up)."""
    loaded = _open(store, in_memory, backend, server_url)
    root = resolve_one(loaded, document)
    chosen = [r.strip() for r in relations.split(",") if r.strip()]
    result = lineage(loaded, root, direction=direction.value, relations=chosen, depth=depth, types=types)
    if fmt is TextOrJson.json:
        _write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _write(_lineage_text(result, _symbol_of(loaded, root) or document.strip()))


@app.command("resolve")
@_reports_errors
def resolve_command(
    text: Annotated[str, typer.Argument(help="A symbol as written, e.g. 'Nghị quyết số 15-NQ/TƯ'.")],
    store: StoreOpt = None,
    in_memory: InMemoryOpt = False,
    backend: BackendOpt = None,
    server_url: ServerUrlOpt = None,
) -> None:
    """Print the IRI of every document a written symbol stands for."""
    for iri in resolve(_open(store, in_memory, backend, server_url), text):
        typer.echo(iri)


# -- validate, export, load ----------------------------------------------------------------------------------


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    turtle = "turtle"


class ValidationEngine(StrEnum):
    sparql = "sparql"
    pyshacl = "pyshacl"


@app.command("validate")
@_reports_errors
def validate_command(
    fmt: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.text,
    engine: Annotated[
        ValidationEngine, typer.Option(help="sparql: shapes compiled to SPARQL (fast); pyshacl: the reference.")
    ] = ValidationEngine.sparql,
    store: StoreOpt = None,
    in_memory: InMemoryOpt = False,
    backend: BackendOpt = None,
    server_url: ServerUrlOpt = None,
) -> None:
    """Check the graph against the SHACL shapes; exit 1 when there is a Violation."""
    report = validate(_open(store, in_memory, backend, server_url), engine=engine.value)
    rendered = {"text": report.to_text, "json": report.to_json, "turtle": report.to_turtle}[fmt.value]()
    _write(rendered)
    if not report.conforms:
        raise typer.Exit(1)


class ExportFormat(StrEnum):
    turtle = "turtle"
    nt = "nt"
    jsonld = "jsonld"


@app.command("export")
@_reports_errors
def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.turtle,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
    ontology: Annotated[bool, typer.Option(help="Include the ontology (--no-ontology: data only).")] = True,
    store: StoreOpt = None,
    in_memory: InMemoryOpt = False,
    backend: BackendOpt = None,
    server_url: ServerUrlOpt = None,
    data: Annotated[
        bool,
        typer.Option(
            "--data", help="Write the store's data graphs back to data/*.ttl (deterministic Turtle) and record them "
            "as exported, so that committed changes survive a rebuild."
        ),
    ] = False,
) -> None:  # fmt: skip
    """Write the whole graph as one document; with --data, back into the curated files of data/."""
    if not data:
        _write(export(_open(store, in_memory, backend, server_url), fmt.value, include_ontology=ontology), output)
        return
    settings = _settings(store=store, in_memory=in_memory, backend=backend, server_url=server_url)
    if settings.backend != "embedded" or settings.store is None:
        raise ConfigError("export --data writes back the changes of a store directory: give --store DIR")
    written = write_back(settings.store, settings.data_dir, project_sources(settings), base=settings.base_iri)
    typer.echo(f"wrote {len(written)} file(s) to {settings.data_dir}: {', '.join(p.name for p in written)}")


@app.command("load")
@_reports_errors
def load_command(
    store: StoreOpt = None,
    data: DataOpt = None,
    project: ProjectOpt = True,
    graph: GraphOpt = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar (files, bytes, quads).")] = True,
    backend: BackendOpt = None,
    server_url: ServerUrlOpt = None,
    discard_changes: Annotated[
        bool, typer.Option(help="Rebuild even though committed changes are not exported yet (they are lost).")
    ] = False,
) -> None:
    """Rebuild the store directory (or reload the SPARQL server of --backend server) from the files, whether or
    not they changed; the same --data, --graph and --no-project as ``serve`` build the store that ``serve`` then
    opens as it is. Refused while the store holds changes not exported (``export --data``), unless
    --discard-changes."""
    settings = _settings(
        store=store,
        extra_files=data,
        load_project=project,
        named_graph_files=_named_graphs(graph),
        backend=backend,
        server_url=server_url,
    )
    if settings.backend == "embedded" and settings.store is None:
        raise ConfigError(f"load builds a store directory: give --store DIR (GRAPH_API_STORE is {IN_MEMORY!r})")
    started = time.perf_counter()
    loaded = build_store(settings, progress=progress, reload=True, discard_changes=discard_changes)
    elapsed = time.perf_counter() - started
    where = f"the SPARQL server at {loaded.server_url}" if loaded.server_url is not None else str(settings.store)
    typer.echo(f"loaded {len(loaded)} quads in {len(loaded.graphs())} graphs into {where} ({elapsed:.2f} s)")
    loaded.close()
