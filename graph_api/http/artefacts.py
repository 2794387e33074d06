"""The graph's artefacts and its Linked Data face: the index ``/``, ``/ontology``, ``/shapes.ttl``, full dumps, and
``/id/…``, where every IRI under the base (``https://w3id.org/vn-directives/id/…``) dereferences.

``/id/{path}`` answers the resource's Concise Bounded Description as Turtle, N-Triples, JSON-LD or RDF/XML, or an
HTML page of its triples (with the triples pointing at it) for a browser, by Accept or ``?format=``.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from graph_api.describe import describe, incoming
from graph_api.documents import valid_iri
from graph_api.errors import NotFound
from graph_api.export import export
from graph_api.html import index_page, resource_page
from graph_api.http.common import accept_header, allow_params, alternates, negotiate
from graph_api.http.deps import SettingsDep, StoreDep  # noqa: TC001 - FastAPI reads the annotations at runtime
from graph_api.negotiation import MEDIA_TYPES, choose
from graph_api.store import serialize_triples

router = APIRouter(tags=["artefacts"])

RDF_OFFERS: Final = {
    "turtle": (MEDIA_TYPES["turtle"], "application/x-turtle"),
    "jsonld": (MEDIA_TYPES["jsonld"], "application/json"),
    "nt": (MEDIA_TYPES["nt"], "text/plain"),
    "rdfxml": (MEDIA_TYPES["rdfxml"], "application/xml", "text/xml"),
}
RESOURCE_OFFERS: Final = {**RDF_OFFERS, "html": ("text/html", "application/xhtml+xml")}
INDEX_OFFERS: Final = {"json": ("application/json",), "html": ("text/html", "application/xhtml+xml")}
_RDF_FORMAT: Final = "`turtle` (`ttl`), `nt`, `jsonld` or `rdfxml`, overriding Accept."
_TURTLE_EXAMPLE: Final = """@prefix dh: <https://w3id.org/vn-directives/ontology#> .
@base <https://w3id.org/vn-directives/id/> .
<document/ubnd-thanh-pho-ha-noi/kh/2022/306> a dh:ImplementationPlan ;
    dh:symbol "306/KH-UBND" ; dh:implements <document/thanh-uy-ha-noi/ctr/2022/16> ."""

ENDPOINTS: Final = (
    ("/documents", "Documents, filtered by symbol (any written form), type, issuer, year"),
    ("/documents/306/KH-UBND", "One document in detail (by key or symbol)"),
    ("/lineage?doc=15-NQ/TW", "Lineage of a document, with evidence (JSON, tree, GraphML)"),
    ("/validation", "SHACL validation report (JSON, Turtle, CSV, HTML); POST RDF to check it"),
    ("/shapes", "The validation rules (JSON, HTML)"),
    ("/queries", "Named queries, each runnable at /queries/{name}"),
    ("/sparql", "SPARQL 1.1 query endpoint"),
    ("/ontology", "The ontology (Turtle, N-Triples, JSON-LD, RDF/XML)"),
    ("/shapes.ttl", "The SHACL shapes in Turtle"),
    ("/dump.ttl", "The whole graph in Turtle (also /dump.nt, /dump.jsonld)"),
    ("/id/document/ubnd-thanh-pho-ha-noi/kh/2022/306", "A resource, dereferenced (HTML or RDF)"),
    ("/docs", "OpenAPI documentation"),
    ("/health", "Service health"),
)


def _rdf_content() -> dict[str, Any]:
    return {
        "text/turtle": {"example": _TURTLE_EXAMPLE},
        "application/n-triples": {},
        "application/ld+json": {},
        "application/rdf+xml": {},
    }


@router.get(
    "/",
    summary="Index of the service's endpoints",
    responses={
        200: {
            "description": "The endpoints, as JSON or an HTML page",
            "content": {
                "application/json": {"example": {"title": "Vietnam directive hierarchy graph", "endpoints": [
                    {"href": ENDPOINTS[0][0], "title": ENDPOINTS[0][1]}]}},
                "text/html": {"example": "<!DOCTYPE html><html>…</html>"},
            },
        }
    },
    dependencies=[allow_params("format")],
)  # fmt: skip
async def index(
    request: Request,
    format_: Annotated[str | None, Query(alias="format", description="`json` or `html`, overriding Accept.")] = None,
) -> Response:
    """JSON for programs, HTML for a browser."""
    chosen = negotiate(INDEX_OFFERS, accept_header(request), format_)
    entries = [{"href": href, "title": title} for href, title in ENDPOINTS]
    if chosen.name == "html":
        return Response(index_page(entries), media_type=chosen.media_type, headers={"Vary": "Accept"})
    body = {"title": request.app.title, "version": request.app.version, "endpoints": entries}
    return JSONResponse(body, headers={"Vary": "Accept"})


@router.get(
    "/ontology",
    summary="The ontology and its SKOS code lists, in a negotiated RDF format",
    responses={200: {"description": "The ontology graph (Turtle by default)", "content": _rdf_content()},
               406: {"description": "No RDF format acceptable"}},
    dependencies=[allow_params("format")],
)  # fmt: skip
async def ontology(
    request: Request,
    store: StoreDep,
    format_: Annotated[str | None, Query(alias="format", description=_RDF_FORMAT)] = None,
) -> Response:
    """The `ontology/` graph as loaded (Turtle, N-Triples, JSON-LD or RDF/XML)."""
    chosen = choose("graph", accept_header(request), format_)
    body = await run_in_threadpool(store.dump, chosen.name, kinds=("ontology",))
    return Response(body, media_type=chosen.media_type, headers={"Vary": "Accept"})


@router.get(
    "/shapes.ttl",
    summary="The SHACL shapes, in Turtle",
    responses={200: {"description": "The union of shapes/*.ttl", "content": {"text/turtle": {
        "example": "dhs:DocumentShape a sh:NodeShape ; sh:severity sh:Violation ; …"}}}},
    dependencies=[allow_params()],
)  # fmt: skip
async def shapes_turtle(store: StoreDep) -> Response:
    """The shapes graphs as loaded, in one Turtle document."""
    body = await run_in_threadpool(store.dump, "turtle", kinds=("shapes",))
    return Response(body, media_type="text/turtle")


def _dump_route(fmt: str, suffix: str, media: str) -> None:
    async def dump(store: StoreDep) -> Response:
        body = await run_in_threadpool(export, store, fmt)
        return Response(body, media_type=media, headers={"Content-Disposition": f'inline; filename="graph{suffix}"'})

    dump.__doc__ = f"The ontology, the data and any extra files as one {fmt} document (the shapes are at /shapes.ttl)."
    router.add_api_route(
        f"/dump{suffix}",
        dump,
        methods=["GET"],
        summary=f"The whole graph as {media}",
        responses={200: {"description": "The full graph", "content": {media: {"example": _TURTLE_EXAMPLE}}}},
        dependencies=[allow_params()],
        response_class=Response,
        name=f"dump_{fmt}",
    )


for _fmt, _suffix, _media in (("turtle", ".ttl", "text/turtle"), ("nt", ".nt", "application/n-triples"),
                              ("jsonld", ".jsonld", "application/ld+json")):  # fmt: skip
    _dump_route(_fmt, _suffix, _media)


@router.get(
    "/id/{path:path}",
    summary="Dereference an IRI under the base: HTML for a browser, RDF for machines",
    responses={
        200: {"description": "The resource's description (CBD)", "content": {
            **_rdf_content(), "text/html": {"example": "<!DOCTYPE html><html>…<table>…</table>…</html>"}}},
        404: {"description": "No triple has this IRI as subject or object"},
        406: {"description": "Neither HTML nor an RDF format is acceptable"},
    },
    dependencies=[allow_params("format")],
)  # fmt: skip
async def resource(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    path: Annotated[str, PathParam(description="The IRI without the base.",
                                   examples=["document/ubnd-thanh-pho-ha-noi/kh/2022/306"])],
    format_: Annotated[str | None, Query(alias="format", description="`html` or " + _RDF_FORMAT)] = None,
) -> Response:  # fmt: skip
    """`https://w3id.org/vn-directives/id/{path}` described: its triples, and those of the blank nodes it leads
    to. The HTML page links every IRI under the base to its own page and lists the triples pointing at it."""
    chosen = negotiate(RESOURCE_OFFERS, accept_header(request), format_)
    iri = settings.base_iri + path
    if not path or not valid_iri(iri):
        raise NotFound(f"nothing is known about {iri!r}")

    def answer() -> Response:
        triples = describe(store, iri)
        pointing = incoming(store, iri)
        if not triples and not pointing:
            raise NotFound(f"nothing is known about {iri}")
        headers = {"Vary": "Accept"}
        if chosen.name == "html":
            page = resource_page(iri, triples, pointing, settings.base_iri,
                                 alternates=alternates(request, list(RESOURCE_OFFERS)))  # fmt: skip
            return Response(page, media_type=chosen.media_type, headers=headers)
        return Response(serialize_triples(triples, chosen.name), media_type=chosen.media_type, headers=headers)

    return await run_in_threadpool(answer)
