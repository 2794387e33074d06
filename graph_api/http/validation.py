"""``/validation`` and ``/shapes``: the SHACL report on the graph, the validation of submitted RDF, the rules.

One URL, several formats (``?format=`` or Accept): JSON (default), Turtle (a real ``sh:ValidationReport``), CSV and
HTML. The report on the graph is computed once per store revision (:func:`graph_api.reports.cached_report`); a
submission is validated together with the graph on a copy, never changing the store.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from graph_api.html import report_page, shapes_page
from graph_api.http.common import accept_header, allow_params, alternates, negotiate
from graph_api.http.deps import SettingsDep, StoreDep  # noqa: TC001 - FastAPI reads the annotations at runtime
from graph_api.http.examples import example
from graph_api.http.sparql import read_body
from graph_api.reports import (
    SUBMISSION_FORMATS,
    cached_report,
    parse_severities,
    parse_submission,
    report_csv,
    report_json,
    report_turtle,
    validate_submission,
)
from graph_api.shape_catalogue import shape_catalogue

router = APIRouter(tags=["validation"])

REPORT_OFFERS: Final = {
    "json": ("application/json",),
    "turtle": ("text/turtle", "application/x-turtle"),
    "csv": ("text/csv",),
    "html": ("text/html", "application/xhtml+xml"),
}
SHAPES_OFFERS: Final = {"json": ("application/json",), "html": ("text/html", "application/xhtml+xml")}
_FORMAT_DESCRIPTION: Final = "`json`, `turtle` (or `ttl`), `csv` or `html`, overriding Accept."
_SEVERITY_DESCRIPTION: Final = (
    "Keep only results of these severities (`Violation`, `Warning`, `Info`; comma-separated or repeated)."
)
_TURTLE_EXAMPLE: Final = """@prefix sh: <http://www.w3.org/ns/shacl#> .
[] a sh:ValidationReport ; sh:conforms true ;
    sh:result [ a sh:ValidationResult ; sh:resultSeverity sh:Warning ;
        sh:focusNode <https://w3id.org/vn-directives/id/document/ubnd-thanh-pho-ha-noi/kh/2023/139> ; … ] ."""
_CSV_EXAMPLE: Final = (
    "severity,focusNode,path,value,shape,message_vi,message_en,component\r\n"
    "Warning,https://w3id.org/vn-directives/id/document/ubnd-thanh-pho-ha-noi/kh/2023/139,"
    "https://w3id.org/vn-directives/ontology#declaredIndicatorCount,26,…\r\n"
)


def _report_content() -> dict[str, Any]:
    return {
        "application/json": {"example": example("validation")},
        "text/turtle": {"example": _TURTLE_EXAMPLE},
        "text/csv": {"example": _CSV_EXAMPLE},
        "text/html": {"example": "<!DOCTYPE html><html>…<table>…</table>…</html>"},
    }


def _respond(request: Request, chosen_name: str, media: str, report: Any, severities: Any, base: str,
             *, baseline: Any = None) -> Response:  # fmt: skip
    headers = {"Vary": "Accept"}
    if chosen_name == "turtle":
        return Response(report_turtle(report, severities), media_type=media, headers=headers)
    if chosen_name == "csv":
        return Response(report_csv(report, severities), media_type=media, headers=headers)
    body = report_json(report, severities, baseline=baseline)
    if chosen_name == "html":
        page = report_page(body, base, alternates=alternates(request, list(REPORT_OFFERS)))
        return Response(page, media_type=media, headers=headers)
    return JSONResponse(body, headers=headers)


@router.get(
    "/validation",
    summary="SHACL validation report on the whole graph (JSON, Turtle, CSV, HTML)",
    responses={
        200: {"description": "The report (here on the seed graph: 2 warnings, 2 infos)", "content": _report_content()},
        400: {"description": "Unknown parameter or severity (problem+json)"},
        406: {"description": "Accept asks for no format offered"},
    },
    dependencies=[allow_params("severity", "format")],
)
async def get_validation(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    severity: Annotated[list[str] | None, Query(description=_SEVERITY_DESCRIPTION, examples=["Warning"])] = None,
    format_: Annotated[str | None, Query(alias="format", description=_FORMAT_DESCRIPTION)] = None,
) -> Response:
    """`conforms` (no Violation), `counts` by severity and `results` [{focusNode, shape, path, value, severity,
    message {vi, en}, component}], most severe first. Computed once per revision of the graph."""
    chosen = negotiate(REPORT_OFFERS, accept_header(request), format_)
    severities = parse_severities(severity or ())

    def answer() -> Response:
        report = cached_report(store)
        return _respond(request, chosen.name, chosen.media_type, report, severities, settings.base_iri)

    return await run_in_threadpool(answer)


@router.post(
    "/validation",
    summary="Validate submitted RDF together with the graph (the graph is not changed)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "RDF to check, in Turtle, N-Triples, JSON-LD or RDF/XML; relative IRIs resolve against "
            "the base (`https://w3id.org/vn-directives/id/`).",
            "content": {
                "text/turtle": {
                    "schema": {"type": "string"},
                    "example": "@prefix dh: <https://w3id.org/vn-directives/ontology#> .\n"
                    '<document/x/kh/2024/1> a dh:ImplementationPlan ; dh:symbol "1/KH-UBND" .',
                },
                **{media: {"schema": {"type": "string"}} for media in SUBMISSION_FORMATS if media != "text/turtle"},
            },
        }
    },
    responses={
        200: {
            "description": "The report on graph + submission; in JSON each result says whether it is `new` (not in "
            "the report on the graph alone)",
            "content": _report_content(),
        },
        400: {"description": "Unknown parameter or severity"},
        413: {"description": "Body over the size limit"},
        415: {"description": "Body in another media type, or not UTF-8"},
        422: {"description": "The body does not parse: the parser's message and line (problem+json)"},
    },
    dependencies=[allow_params("severity", "format")],
)
async def post_validation(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    severity: Annotated[list[str] | None, Query(description=_SEVERITY_DESCRIPTION)] = None,
    format_: Annotated[str | None, Query(alias="format", description=_FORMAT_DESCRIPTION)] = None,
) -> Response:
    """Parses the body, adds it to a copy of the graph, validates the copy with the project's shapes."""
    chosen = negotiate(REPORT_OFFERS, accept_header(request), format_)
    severities = parse_severities(severity or ())
    body = await read_body(request, settings.max_body_bytes)
    content_type = request.headers.get("content-type")

    def answer() -> Response:
        triples = parse_submission(body, content_type, base_iri=settings.base_iri)
        report = validate_submission(store, triples)
        baseline = cached_report(store) if chosen.name in ("json", "html") else None
        return _respond(request, chosen.name, chosen.media_type, report, severities, settings.base_iri,
                        baseline=baseline)  # fmt: skip

    return await run_in_threadpool(answer)


@router.get(
    "/shapes",
    summary="The validation rules: every SHACL shape, its name, description, message and severity (vi, en)",
    responses={
        200: {
            "description": "The rule catalogue (first entries)",
            "content": {
                "application/json": {"example": example("shapes")},
                "text/html": {"example": "<!DOCTYPE html><html>…<table>…</table>…</html>"},
            },
        },
        406: {"description": "Accept asks for neither JSON nor HTML"},
    },
    dependencies=[allow_params("format")],
)
async def get_shapes(
    request: Request,
    store: StoreDep,
    format_: Annotated[str | None, Query(alias="format", description="`json` or `html`, overriding Accept.")] = None,
) -> Response:
    """Each shape: `id`, `shape` (compact), `kind`, `file`, `severity`, `name`/`description`/`message` {vi, en},
    `path`, `targets`, `properties`, `deactivated`. The Turtle source is at `/shapes.ttl`."""
    chosen = negotiate(SHAPES_OFFERS, accept_header(request), format_)
    shapes = [entry.to_dict() for entry in await run_in_threadpool(shape_catalogue, store)]
    if chosen.name == "html":
        page = shapes_page(shapes, alternates=alternates(request, list(SHAPES_OFFERS)))
        return Response(page, media_type=chosen.media_type, headers={"Vary": "Accept"})
    return JSONResponse(shapes, headers={"Vary": "Accept"})
