"""``/sparql``: the SPARQL 1.1 Protocol query operation and the service description.

Reading the request is :func:`graph_api.protocol.parse_request`; running the query is the worker pool
(:class:`graph_api.executor.QueryExecutor`, with its deadline); choosing the format is :mod:`graph_api.negotiation`.

A result cut by the row limit (``GRAPH_API_MAX_ROWS``) carries ``Graph-Api-Truncated: <limit>``, and says so in the
body where the format has room for it without ceasing to be a standard document (:func:`mark_truncated`): a ``link``
in the head of SPARQL JSON and XML results, a comment in Turtle, N-Triples and RDF/XML. CSV, TSV and JSON-LD have no
such room: there the header alone says it.

Before a query runs, :func:`check_query` applies the limits of :mod:`graph_api.limits` (length, nesting, operators)
and refuses SERVICE (:mod:`graph_api.ssrf`); the handler holds one of the client's slots of simultaneous queries
(:class:`graph_api.limits.ClientLimiter`, shared with /queries/{name}) for the request's time (429 when it has none
left).
"""

from __future__ import annotations

import inspect
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph_api.curation import about_of
from graph_api.errors import PayloadTooLarge
from graph_api.http.auth import authorize
from graph_api.http.common import accept_header
from graph_api.http.deps import reading
from graph_api.limits import check_query_complexity, check_query_length, client_slot
from graph_api.negotiation import MEDIA_TYPES, choose
from graph_api.problems import PROBLEM_BASE
from graph_api.protocol import FORM, SPARQL_QUERY, ProtocolRequest, parse_request
from graph_api.service_description import serialize_description, service_description
from graph_api.ssrf import refuse_any_service, refuse_remote_load
from graph_api.worker import QueryAnswer, QueryRequest

if TYPE_CHECKING:
    from starlette.requests import Request

    from graph_api.executor import QueryExecutor
    from graph_api.http.auth import Curator
    from graph_api.settings import Settings

TRUNCATED_HEADER: Final = "Graph-Api-Truncated"
#: The ``link`` a truncated SPARQL JSON/XML result carries in its head (``?max_rows=<limit>`` appended).
TRUNCATED_LINK: Final = PROBLEM_BASE + "result-truncated"

_QUERY_PARAMETERS: Final[list[dict[str, Any]]] = [
    {
        "name": "query",
        "in": "query",
        "schema": {"type": "string"},
        "description": "The SPARQL query (GET, or POST with a form body). Without it, GET answers the service "
        "description.",
        "example": "SELECT ?doc ?symbol { ?doc <https://w3id.org/vn-directives/ontology#symbol> ?symbol }",
    },
    {
        "name": "default-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "A graph of the default graph (repeatable); overrides FROM in the query.",
        "explode": True,
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "A named graph (repeatable); overrides FROM NAMED in the query.",
        "explode": True,
    },
    {
        "name": "format",
        "in": "query",
        "schema": {"type": "string", "enum": ["json", "xml", "csv", "tsv", "turtle", "nt", "jsonld", "rdfxml"]},
        "description": "Result format, overriding Accept (also accepted as `output` or `results`).",
    },
]
_OPENAPI: Final[dict[str, Any]] = {
    "parameters": _QUERY_PARAMETERS,
    "requestBody": {
        "required": False,
        "content": {
            SPARQL_QUERY: {"schema": {"type": "string"}, "example": "ASK { ?s ?p ?o }"},
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    },
                }
            },
        },
    },
    "responses": {
        "200": {
            "description": "SELECT/ASK results or a CONSTRUCT/DESCRIBE graph, negotiated; the service description "
            "when there is no query. `Graph-Api-Truncated` says the result was cut at that many rows.",
            "content": {media: {} for media in MEDIA_TYPES.values()},
        },
        "400": {
            "description": "Malformed request or SPARQL syntax error (problem+json with line and column); a query "
            "over a limit (length, nesting, operators: `limit`, `max`); SERVICE while it is disabled"
        },
        "401": {"description": "SPARQL Update without a valid bearer token (`WWW-Authenticate: Bearer`)"},
        "403": {
            "description": "SPARQL Update while writes are disabled (no GRAPH_API_WRITE_TOKEN), or naming the audit log"
        },
        "422": {
            "description": "SPARQL Update whose change would violate the shapes: the SHACL report, nothing changed"
        },
        "406": {"description": "No acceptable format (problem+json lists the supported media types)"},
        "413": {"description": "Request body over the size limit"},
        "415": {"description": "POST body in another media type, or not UTF-8"},
        "429": {"description": "This client already has the most simultaneous queries allowed (`Retry-After`)"},
        "503": {"description": "The query did not finish within the deadline"},
    },
}


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def mark_truncated(body: bytes, fmt: str, limit: int) -> bytes:
    """The body of a result cut at ``limit`` rows (format ``fmt``), saying so where the format has room: a ``link``
    in the head of SPARQL JSON and XML results (SPARQL 1.1 Query Results, "link"), a comment in Turtle, N-Triples
    and RDF/XML. CSV, TSV and JSON-LD are returned as they are."""
    link = f"{TRUNCATED_LINK}?max_rows={limit}"
    note = f"result cut at {limit} rows (GRAPH_API_MAX_ROWS); add a LIMIT, or page with LIMIT and OFFSET"
    if fmt == "json":
        opening = b'{"head":{'
        if body.startswith(opening):  # the worker's own layout: no need to parse a large document again
            return opening + b'"link":[' + json.dumps(link).encode() + b"]," + body[len(opening) :]
        document = json.loads(body)
        head = document.setdefault("head", {})
        head["link"] = [*head.get("link", []), link]
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == "xml":
        element = f'<link href="{link}"/>'.encode()
        if b"</head>" in body:
            return body.replace(b"</head>", element + b"</head>", 1)
        return body.replace(b"<head/>", b"<head>" + element + b"</head>", 1)
    if fmt in ("turtle", "nt"):
        return f"# {note}\n".encode() + body
    if fmt == "rdfxml":
        comment = f"<!-- {note} -->".encode()
        if body.startswith(b"<?xml"):
            end = body.index(b"?>") + 2
            return body[:end] + b"\n" + comment + body[end:]
        return comment + b"\n" + body
    return body


def answer_response(answer: QueryAnswer) -> Response:
    """The HTTP response of a query answer; ``Graph-Api-Truncated`` (and a mark in the body where the format allows,
    :func:`mark_truncated`) when the row limit cut it."""
    headers = {"Vary": "Accept"}
    body = answer.body
    if answer.truncated is not None:
        headers[TRUNCATED_HEADER] = str(answer.truncated)
        body = mark_truncated(body, answer.format, answer.truncated)
    return Response(body, media_type=answer.media_type, headers=headers)


def check_query(query: str, settings: Settings) -> None:
    """Refuse a query over a limit (length, then nesting and operators) or using SERVICE while it is disabled."""
    check_query_length(query, settings)
    _check_text(query, allow_service=settings.allow_service)


#: Queries up to this length are checked on the event loop (≈ 1 µs a character); longer ones in a thread.
_CHECK_INLINE: Final = 4_000


@lru_cache(maxsize=1024)
def _check_text(query: str, *, allow_service: bool) -> None:
    """The checks that read the whole text, remembered for the texts that passed (an application sends the same
    queries again and again; a refused text raises and is not cached)."""
    check_query_complexity(query)
    if not allow_service:
        refuse_any_service(query)


def to_query_request(
    asked: ProtocolRequest, *, accept: str | None, max_rows: int, base_iri: str | None = None
) -> QueryRequest:
    """The worker request for a protocol request (which has a query)."""
    if asked.query is None:  # pragma: no cover - the router answers the service description before
        raise ValueError("no query")
    dataset = asked.has_dataset
    return QueryRequest(
        asked.query,
        default_graph=asked.default_graphs if dataset else None,
        named_graphs=asked.named_graphs if dataset else None,
        accept=accept,
        format=asked.format,
        max_rows=max_rows,
        base_iri=base_iri,
    )


def check_update(update: str, settings: Settings) -> None:
    """The limits of a query (length, nesting, operators), then SERVICE and LOAD unless allowed."""
    check_query(update, settings)  # refuses SERVICE too, unless allowed (and update_delta refuses it always)
    refuse_remote_load(update, settings)


def run_update(curator: Curator, asked: ProtocolRequest, *, base_iri: str) -> dict[str, Any]:
    """Commit a protocol update request through the writer (validated, recorded); the change in JSON."""
    assert asked.update is not None
    why = {name: value for name, value in (("message", asked.message), ("source", asked.source),
                                           ("quote", asked.quote)) if value is not None}  # fmt: skip
    about = about_of(why, curator.principal, default_message=f"SPARQL Update: {asked.update[:1000]}")
    result = curator.writer.update(
        asked.update,
        about=about,
        using_graphs=asked.using_graphs,
        using_named_graphs=asked.using_named_graphs,
        base_iri=base_iri,
    )
    added, removed = result.change.count()
    return {
        "change": result.number,
        "record": result.record,
        "documents": sorted(result.change.documents),
        "added": added,
        "removed": removed,
        "report": result.report.to_dict(),
    }


async def sparql(request: Request) -> Response:
    """Query by GET `?query=`, POST form or POST `application/sparql-query`; results negotiated by Accept or
    `?format=`. GET without a query answers the service description (Turtle, or any RDF format by Accept).
    With writes enabled, POST `application/sparql-update` or a form `update=` (bearer token) commits an update."""
    with client_slot(request):  # 429 when the client has none left
        return await _sparql(request, request.app.state.settings, request.app.state.executor)


async def _sparql(request: Request, settings: Settings, executor: QueryExecutor) -> Response:
    body = await read_body(request, settings.max_body_bytes) if request.method == "POST" else b""
    asked = parse_request(
        "GET" if request.method == "HEAD" else request.method,  # HEAD: the headers of the GET, no body
        request.scope.get("query_string", b""),
        request.headers.get("content-type"),
        body,
        updates=settings.writes_enabled,
    )
    endpoint = str(request.url.replace(query=None, fragment=None))
    if asked.update is not None:
        curator = authorize(request)
        await run_in_threadpool(check_update, asked.update, settings)
        changed = await run_in_threadpool(run_update, curator, asked, base_iri=endpoint)
        return JSONResponse(changed)
    if asked.query is not None:
        if len(asked.query) <= _CHECK_INLINE:
            check_query(asked.query, settings)
        else:
            await run_in_threadpool(check_query, asked.query, settings)  # up to ~0.1 s of regexes on a long query
    if asked.query is None:
        chosen = choose("graph", accept_header(request), asked.format)
        graphs = await run_in_threadpool(_graphs, request)
        triples = service_description(endpoint, named_graphs=graphs, title=request.app.title)
        return Response(
            serialize_description(triples, chosen.name), media_type=chosen.media_type, headers={"Vary": "Accept"}
        )
    answer = await executor.run(
        to_query_request(asked, accept=accept_header(request), max_rows=settings.max_rows, base_iri=endpoint)
    )
    return answer_response(answer)


def _graphs(request: Request) -> list[str]:
    """The store's named graphs, read as :func:`graph_api.http.deps.get_store` reads (not taken by this route:
    an update must not wait for its own read)."""
    with reading(request) as store:
        return store.graphs()


#: The route: a plain Starlette route, not a FastAPI one. The endpoint reads the request itself (no parameters for
#: FastAPI to solve), and FastAPI's per-request layers (dependency solving, exit stacks, route context) cost about
#: 0.1 ms of a request whose query takes 0.2 ms. The OpenAPI operations are :func:`openapi_paths`.
routes: Final = [Route("/sparql", sparql, methods=["GET", "POST"], name="sparql")]


def openapi_paths() -> dict[str, Any]:
    """The OpenAPI path item of ``/sparql``: one operation per method (a distinct operationId each)."""
    description = inspect.cleandoc(sparql.__doc__ or "")
    return {
        "/sparql": {
            method: {
                "tags": ["sparql"],
                "summary": f"SPARQL 1.1 query endpoint ({method.upper()})",
                "description": description,
                "operationId": f"sparql_{method}",
                **_OPENAPI,
            }
            for method in ("get", "post")
        }
    }
