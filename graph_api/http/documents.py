"""``/documents``: the documents as the frontend lists and shows them (:mod:`graph_api.documents`).

A document's key in ``/documents/{key}`` is its IRI without the base (``document/ubnd-thanh-pho-ha-noi/kh/2022/306``)
or any written form of its symbol (``306/KH-UBND``, ``Kế hoạch số 306/KH-UBND``…; ``/`` may be sent as is or as
``%2F``). An ambiguous symbol answers 300 Multiple Choices with the candidates, an unknown one 404 with the nearest.

A document's answer carries its version as a strong ``ETag`` (:func:`graph_api.changes.version`: a hash of the
triples it owns, what a write replaces); ``If-None-Match`` with it answers 304, ``If-Match`` on a write refuses it
(412) when the document has changed since. ``?as_of=`` answers the document's triples as they were at a moment
(from the audit trail, :func:`graph_api.audit.as_of`), in RDF.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from graph_api.audit import as_of as document_as_of
from graph_api.changes import version
from graph_api.curation import document_iri, etag, matches
from graph_api.document_detail import document_detail
from graph_api.documents import find_document, list_documents
from graph_api.errors import BadRequest, DocumentNotFound
from graph_api.http.common import accept_header, allow_params, negotiate
from graph_api.http.deps import SettingsDep, StoreDep  # noqa: TC001 - FastAPI reads the annotations at runtime
from graph_api.http.examples import json_example
from graph_api.store import serialize_triples

router = APIRouter(tags=["documents"])

_AMBIGUOUS: Final[dict[str, Any]] = {
    "type": "https://w3id.org/vn-directives/problem/ambiguous-document",
    "title": "Ambiguous symbol",
    "status": 300,
    "detail": "'06-CTr/TU' matches 2 documents: …/thanh-uy-ha-noi/ctr/2021/06, …/thanh-uy-hai-phong/ctr/2021/06",
    "instance": "/documents/06-CTr/TU",
    "symbol": "06-CTr/TU",
    "candidates": [
        "https://w3id.org/vn-directives/id/document/thanh-uy-ha-noi/ctr/2021/06",
        "https://w3id.org/vn-directives/id/document/thanh-uy-hai-phong/ctr/2021/06",
    ],
    "choices": [
        {"id": "https://w3id.org/vn-directives/id/document/thanh-uy-ha-noi/ctr/2021/06", "symbol": "06-CTr/TU"},
        {"id": "https://w3id.org/vn-directives/id/document/thanh-uy-hai-phong/ctr/2021/06", "symbol": "06-CTr/TU"},
    ],
}
_NOT_FOUND: Final[dict[str, Any]] = {
    "type": "https://w3id.org/vn-directives/problem/document-not-found",
    "title": "Document not found",
    "status": 404,
    "detail": "no document matches '06-CTr/TU'; nearest: 16-CTr/TU, 21-CTr/TU, 12-CTr/QU, 08/CTr-UBND",
    "instance": "/documents/06-CTr/TU",
    "symbol": "06-CTr/TU",
    "nearest": ["16-CTr/TU", "21-CTr/TU", "12-CTr/QU", "08/CTr-UBND"],
}
_PROBLEM = "application/problem+json"
AS_OF_OFFERS: Final = {
    "turtle": ("text/turtle", "application/x-turtle"),
    "nt": ("application/n-triples", "text/plain"),
    "jsonld": ("application/ld+json",),
}


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date-time with its offset (``2026-11-22T10:00:00Z``), or a date (its end, UTC)."""
    try:
        if len(text.strip()) == len("2026-11-22"):
            day = datetime.fromisoformat(text.strip())
            return day.replace(hour=23, minute=59, second=59, microsecond=999999, tzinfo=UTC)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"as_of must be an ISO 8601 date-time such as 2026-11-22T10:00:00Z, not {text!r}") from None
    if moment.tzinfo is None:
        raise BadRequest(f"as_of needs a time zone (Z or +07:00): {text!r}")
    return moment


@router.get(
    "/documents",
    summary="List documents, filtered by symbol, type, issuer and year",
    responses={
        200: json_example("documents", "One page of matching documents and the total count"),
        400: {"description": "An unknown query parameter, an unknown type or a malformed value (problem+json)"},
    },
    dependencies=[allow_params("symbol", "type", "issuer", "year", "limit", "offset")],
)
async def documents(
    store: StoreDep,
    settings: SettingsDep,
    symbol: Annotated[
        str | None,
        Query(
            description="A symbol in any written form (`306/KH-UBND`, `Kế hoạch số 306/KH-UBND`, `kh 306`); every "
            "document that has it (a symbol can be shared across provinces and terms). When none matches, the "
            "answer lists the `nearest` symbols.",
            examples=["15-NQ/TW"],
        ),
    ] = None,
    type_: Annotated[
        str | None,
        Query(
            alias="type",
            description="Ontology class local name (`ImplementationPlan`; a superclass such as `Programme` matches "
            "its subclasses) or document type code (`KH`).",
            examples=["ImplementationPlan"],
        ),
    ] = None,
    issuer: Annotated[
        str | None,
        Query(
            description="Issuing agency: IRI, key (`agency/thanh-uy-ha-noi`), slug (`thanh-uy-ha-noi`) or issuer "
            "code (`UBND`, `TU`).",
            examples=["UBND"],
        ),
    ] = None,
    year: Annotated[int | None, Query(description="Issue year.", ge=1900, le=2200, examples=[2022])] = None,
    limit: Annotated[int, Query(description="Most items in the page.", ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(description="Items skipped before the page.", ge=0)] = 0,
) -> JSONResponse:
    """Items `{id, key, symbol, type, typeCode, title, titleEn, issuer {id, label, labelEn}, date}` in issue-date
    order (undated last), with `total`, `limit` and `offset`. Without parameters: every document."""
    page = await run_in_threadpool(
        list_documents,
        store,
        settings.base_iri,
        symbol=symbol,
        type=type_,
        issuer=issuer,
        year=year,
        limit=limit,
        offset=offset,
    )
    return JSONResponse(page.to_dict())


@router.get(
    "/documents/{key:path}",
    summary="One document in detail: indicators, tasks, relations, sources, uncertain facts",
    responses={
        200: json_example("document", "The document (here 306/KH-UBND)"),
        300: {
            "description": "Several documents have this symbol: the candidates, as items in `choices`",
            "content": {_PROBLEM: {"example": _AMBIGUOUS}},
        },
        404: {
            "description": "No document has this key or symbol: the nearest symbols",
            "content": {_PROBLEM: {"example": _NOT_FOUND}},
        },
    },
    dependencies=[allow_params("as_of", "format")],
)
async def document(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    key: Annotated[
        str,
        Path(
            description="The IRI without the base (`document/ubnd-thanh-pho-ha-noi/kh/2022/306`), the full IRI, or "
            "a symbol in any written form (`306/KH-UBND`).",
            examples=["document/ubnd-thanh-pho-ha-noi/kh/2022/306", "306/KH-UBND"],
        ),
    ],
    as_of: Annotated[
        str | None,
        Query(
            description="A moment (`2026-11-22T10:00:00Z`, or a date: its end): the document's own triples as they "
            "were then, from the audit trail, in RDF (Turtle, N-Triples or JSON-LD by Accept or `format`).",
        ),
    ] = None,
    format_: Annotated[str | None, Query(alias="format", description="With `as_of`: `turtle`, `nt`, `jsonld`.")] = None,
) -> Response:
    """The item fields plus `signedBy`, `indicators` {declared, recorded, groups, targets}, `tasks` {declared,
    recorded, groups, assignments}, `implements`, `basedOn`, `contributesTo`, `references`, `establishes`,
    `implementedBy` (lists of items), `sources` [{source, quote}] and `uncertainties` [{property, asPrinted,
    certainty, note}]."""

    if as_of is not None:
        moment = parse_moment(as_of)
        chosen = negotiate(AS_OF_OFFERS, accept_header(request), format_)

        def past() -> bytes:
            iri = document_iri(store, key, settings.base_iri)  # the key of a retracted document names it still
            triples = document_as_of(store, iri, moment)
            if not triples:
                raise DocumentNotFound(f"{key} at {moment.isoformat()}")
            return serialize_triples(sorted(triples, key=str), chosen.name)

        body = await run_in_threadpool(past)
        return Response(body, media_type=chosen.media_type, headers={"Vary": "Accept"})
    if format_ is not None:
        raise BadRequest("format applies to as_of (the document itself is JSON)")

    if_none_match = request.headers.get("if-none-match")

    def detail() -> tuple[dict[str, Any] | None, str]:
        """The detail (None when ``If-None-Match`` names its version: not built) and the version."""
        iri = find_document(store, key, settings.base_iri)
        current = version(store, iri)
        if matches(if_none_match, current):
            return None, current
        return document_detail(store, iri, settings.base_iri), current

    found, current = await run_in_threadpool(detail)
    if found is None:
        return Response(status_code=304, headers={"ETag": etag(current)})
    return JSONResponse(found, headers={"ETag": etag(current)})
