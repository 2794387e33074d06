"""``/sparql``: the SPARQL 1.1 Protocol query operation and the service description.

Reading the request is :func:`graph_api.protocol.parse_request`; running the query is the worker pool
(:class:`graph_api.executor.QueryExecutor`, with its deadline); choosing the format is :mod:`graph_api.negotiation`.

A result cut by the row limit (``GRAPH_API_MAX_ROWS``) carries ``Graph-Api-Truncated: <limit>``; the body itself is
a standard, complete document of the first ``<limit>`` rows (SPARQL JSON/XML/CSV/TSV) or triples (RDF formats).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request, Response

from graph_api.errors import PayloadTooLarge
from graph_api.http.deps import ExecutorDep, SettingsDep, StoreDep  # noqa: TC001 - FastAPI reads the annotations at runtime
from graph_api.negotiation import MEDIA_TYPES, choose
from graph_api.protocol import FORM, SPARQL_QUERY, ProtocolRequest, parse_request
from graph_api.service_description import serialize_description, service_description
from graph_api.worker import QueryAnswer, QueryRequest

TRUNCATED_HEADER: Final = "Graph-Api-Truncated"

router = APIRouter(tags=["sparql"])

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
        "400": {"description": "Malformed request or SPARQL syntax error (problem+json with line and column)"},
        "403": {"description": "SPARQL Update: the service is read-only"},
        "406": {"description": "No acceptable format (problem+json lists the supported media types)"},
        "413": {"description": "Request body over the size limit"},
        "415": {"description": "POST body in another media type, or not UTF-8"},
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


def _accept(request: Request) -> str | None:
    values = request.headers.getlist("accept")
    return ",".join(values) if values else None


def answer_response(answer: QueryAnswer) -> Response:
    """The HTTP response of a query answer; ``Graph-Api-Truncated`` when the row limit cut it."""
    headers = {"Vary": "Accept"}
    if answer.truncated is not None:
        headers[TRUNCATED_HEADER] = str(answer.truncated)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


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


async def sparql(request: Request, settings: SettingsDep, store: StoreDep, executor: ExecutorDep) -> Response:
    """Query by GET `?query=`, POST form or POST `application/sparql-query`; results negotiated by Accept or
    `?format=`. GET without a query answers the service description (Turtle, or any RDF format by Accept)."""
    body = await read_body(request, settings.max_body_bytes) if request.method == "POST" else b""
    asked = parse_request(
        request.method, request.scope.get("query_string", b""), request.headers.get("content-type"), body
    )
    endpoint = str(request.url.replace(query=None, fragment=None))
    if asked.query is None:
        chosen = choose("graph", _accept(request), asked.format)
        triples = service_description(endpoint, named_graphs=store.graphs(), title=request.app.title)
        return Response(
            serialize_description(triples, chosen.name), media_type=chosen.media_type, headers={"Vary": "Accept"}
        )
    answer = await executor.run(
        to_query_request(asked, accept=_accept(request), max_rows=settings.max_rows, base_iri=endpoint)
    )
    return answer_response(answer)


# One handler, two operations: OpenAPI needs a distinct operationId per method (GET and POST share a path).
for _method in ("GET", "POST"):
    router.add_api_route(
        "/sparql",
        sparql,
        methods=[_method],
        operation_id=f"sparql_{_method.lower()}",
        summary=f"SPARQL 1.1 query endpoint ({_method})",
        response_class=Response,
        openapi_extra=_OPENAPI,
    )
