"""``/queries``: the named queries of ``queries/*.rq``, each at its own URL with its parameters (datasette, grlc).

A parameter is bound to the query (pyoxigraph substitutions), never spliced into its text, after its declared type
is checked: an ``iri`` must be an absolute IRI (``<…>``, bare, or a known prefixed name), an ``integer`` an integer;
anything else is a 400. Queries run in the worker pool with the service's deadline and row limit, and answer in any
SPARQL result format (Accept, or ``?format=json|xml|csv|tsv``; RDF formats for CONSTRUCT). The parameter values may
add up to ``GRAPH_API_MAX_QUERY_CHARS`` characters; a run holds one of the client's slots of simultaneous queries
(:func:`graph_api.limits.query_slot`, shared with /sparql: 429 when it has none left).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Final

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request  # noqa: TC002 - FastAPI reads the annotations at runtime

from graph_api.errors import BadRequest, NotFound, QueryError
from graph_api.http.common import accept_header, allow_params
from graph_api.http.deps import ExecutorDep, SettingsDep  # noqa: TC001 - FastAPI reads the annotations at runtime
from graph_api.http.examples import example
from graph_api.http.sparql import answer_response
from graph_api.limits import check_parameters_length, query_slot
from graph_api.negotiation import MEDIA_TYPES
from graph_api.sparql import load_named_queries
from graph_api.timing import timed
from graph_api.worker import QueryRequest

if TYPE_CHECKING:
    from graph_api.sparql import NamedQuery
    from graph_api.types import Term

router = APIRouter(tags=["queries"])

_CSV_EXAMPLE: Final = (
    "doc,symbol,issueDate,issuer\r\n"
    "https://w3id.org/vn-directives/id/document/thanh-uy-ha-noi/ctr/2022/16,16-CTr/TU,2022-08-26,Thành ủy Hà Nội\r\n"
)


def query_summary(query: NamedQuery) -> dict[str, Any]:
    """What ``GET /queries`` says of a named query."""
    return {
        "name": query.name,
        "href": f"/queries/{query.name}",
        "summary": {"en": query.summary, "vi": query.meta.get("summary_vi")},
        "description": query.description or None,
        "tags": list(query.tags),
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "description": p.description,
                "default": p.default,
                "required": p.default is None,
            }
            for p in query.parameters
        ],
        "competencyQuestion": query.meta.get("cq"),
    }


def bind_parameters(query: NamedQuery, values: dict[str, str]) -> dict[str, Term]:
    """The substitutions of the given values; :class:`QueryError` (400) for an unknown, missing or malformed one."""
    try:
        return query.bind(values)
    except ValueError as exc:  # pyoxigraph refuses a malformed IRI
        raise QueryError(f"{query.name}: {exc}") from exc


async def _queries(settings: Any) -> dict[str, NamedQuery]:
    found: dict[str, NamedQuery] = await run_in_threadpool(load_named_queries, settings.queries_dir)
    return found


@router.get(
    "/queries",
    summary="The named queries: summary (en, vi), tags and parameters of each",
    responses={200: {"description": "Every query of queries/ (first entries)", "content": {
        "application/json": {"example": example("queries")}}}},
    dependencies=[allow_params()],
)  # fmt: skip
async def list_queries(settings: SettingsDep) -> JSONResponse:
    """One entry per `queries/*.rq`, by name, with the URL that runs it."""
    return JSONResponse([query_summary(q) for q in (await _queries(settings)).values()])


@router.get(
    "/queries/{name}",
    summary="Run a named query with its parameters bound; any SPARQL result format",
    responses={
        200: {
            "description": "The results, by Accept or `?format=` (SPARQL JSON by default; CSV for spreadsheets). "
            "`Graph-Api-Truncated` says the result was cut at that many rows.",
            "content": {
                MEDIA_TYPES["json"]: {
                    "example": {
                        "head": {"vars": ["doc", "symbol"]},
                        "results": {"bindings": [{
                            "doc": {"type": "uri", "value": "https://w3id.org/vn-directives/id/document/thanh-uy-ha-noi/ctr/2022/16"},
                            "symbol": {"type": "literal", "value": "16-CTr/TU"}}]},
                    }
                },
                MEDIA_TYPES["xml"]: {},
                MEDIA_TYPES["csv"]: {"example": _CSV_EXAMPLE},
                MEDIA_TYPES["tsv"]: {},
            },
        },
        400: {"description": "Unknown parameter, missing required parameter, a value of the wrong type, or values "
                             "longer than GRAPH_API_MAX_QUERY_CHARS in all"},
        404: {"description": "No query by this name (problem+json lists the known ones)"},
        406: {"description": "No acceptable format"},
        429: {"description": "This client already has the most simultaneous queries allowed (`Retry-After`)"},
        503: {"description": "The query did not finish within the deadline"},
    },
    dependencies=[Depends(query_slot)],
)  # fmt: skip
async def run_named(
    request: Request,
    settings: SettingsDep,
    executor: ExecutorDep,
    name: Annotated[str, PathParam(description="The query's name: its file name without `.rq`.",
                                   examples=["list-implementing-documents"])],
) -> Response:  # fmt: skip
    """Each declared parameter is a query parameter of the same name (see `GET /queries`); `format` picks the
    result format. Parameters without a default are required."""
    with timed("load-queries"):  # Server-Timing: queries/*.rq, parsed again only when a file changed
        queries = await _queries(settings)
    query = queries.get(name)
    if query is None:
        raise NotFound(f"no query named {name!r}", sorted(queries))
    allowed = {p.name for p in query.parameters} | {"format"}
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed))
        raise BadRequest(f"unknown query parameter(s): {', '.join(unknown)}; {name} takes: {takes}")
    repeated = sorted({k for k in request.query_params if len(request.query_params.getlist(k)) > 1})
    if repeated:
        raise BadRequest(f"parameter(s) given more than once: {', '.join(repeated)}")
    values = {k: v for k, v in request.query_params.items() if k != "format"}
    check_parameters_length(values.values(), settings)
    bound = bind_parameters(query, values)
    accept = accept_header(request)
    answer = await executor.run(
        QueryRequest(
            query.text,
            substitutions=bound,
            accept=accept,
            format=request.query_params.get("format"),
            max_rows=settings.max_rows,
        )
    )
    return answer_response(answer)
