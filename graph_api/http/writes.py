"""Curating documents over HTTP: add, replace, retract (bearer token), and the read views a curator needs: the
editable JSON, the history and the document as it was.

- ``POST /documents``: a new document, as JSON (``{"message", "source", "quote", "document"}``) or RDF (Turtle,
  N-Triples, JSON-LD, RDF/XML; the why as query parameters ``message``, ``source``, ``quote``) → 201, ``Location``,
  ``ETag``;
- ``PUT /documents/{key}``: replace it (same bodies), ``If-Match`` honoured → 200 with the new ``ETag``;
- ``DELETE /documents/{key}``: retract it and its closure, ``If-Match`` honoured → 200;
- ``GET /documents/{key}/edit``: the JSON to edit and PUT back (with its ``ETag``);
- ``GET /documents/{key}/history``: the committed changes, newest first.

Each write is one commit (:mod:`graph_api.curation`, :class:`graph_api.transactions.Writer`): validated with the
graph, recorded, durable, or refused with the SHACL report (422) and nothing changed. The routes here are declared
before ``GET /documents/{key}`` (:mod:`graph_api.http.documents`), whose key would otherwise swallow ``/edit``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from graph_api import curation
from graph_api.audit import history
from graph_api.changes import exists, version
from graph_api.document_edit import document_for_edit
from graph_api.documents import find_document
from graph_api.errors import BadRequest, DocumentNotFound, UnsupportedMediaType
from graph_api.http.auth import CuratorDep  # noqa: TC001 - FastAPI reads the annotations at runtime
from graph_api.http.common import allow_params
from graph_api.http.deps import SettingsDep, StoreDep  # noqa: TC001 - FastAPI reads the annotations at runtime
from graph_api.http.sparql import read_body
from graph_api.reports import SUBMISSION_FORMATS, parse_submission

if TYPE_CHECKING:
    from graph_api.settings import Settings

router = APIRouter(tags=["curation"])

_KEY_DESCRIPTION: Final = "The IRI without the base, the full IRI, or a symbol in any written form (`306/KH-UBND`)."
_WHY: Final = {
    "message": "Why the change is made (required unless the JSON body has it); recorded in the audit trail.",
    "source": "IRI of the dh:Source that justifies the change (optional).",
    "quote": "The quote of that source that justifies it (optional).",
}
_WRITE_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    400: {"description": "Malformed body, missing message, unknown parameter (problem+json)"},
    401: {"description": "No bearer token, or not a valid one (`WWW-Authenticate: Bearer`)"},
    403: {"description": "Writes are disabled (no GRAPH_API_WRITE_TOKEN)"},
    404: {"description": "No such document"},
    413: {"description": "Body over the size limit"},
    415: {"description": "Body in another media type"},
    422: {
        "description": "The document JSON cannot be accepted (its JSON path), the RDF does not parse, or the change "
        "would violate the shapes: the SHACL report (problem+json; Turtle with `Accept: text/turtle`)",
    },
    503: {"description": "The store is busy (`Retry-After`)"},
}
_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": "JSON `{message, source?, quote?, document}` (document: as `GET /documents/{key}/edit` gives "
        "it), or RDF (Turtle, N-Triples, JSON-LD, RDF/XML) with the why in the query parameters.",
        "content": {
            "application/json": {
                "schema": {"type": "object", "required": ["message", "document"]},
                "example": {
                    "message": "Thêm kế hoạch 99/KH-UBND",
                    "source": "https://w3id.org/vn-directives/id/source/000_ae90a64626d53fd5",
                    "document": {"symbol": "99/KH-UBND", "type": "ImplementationPlan", "…": "…"},
                },
            },
            **{media: {"schema": {"type": "string"}} for media in SUBMISSION_FORMATS},
        },
    }
}

Message = Annotated[str | None, Query(description=_WHY["message"])]
Source = Annotated[str | None, Query(description=_WHY["source"])]
Quote = Annotated[str | None, Query(description=_WHY["quote"])]


async def _body(request: Request, settings: Settings, query: dict[str, str | None]) -> tuple[Any, dict[str, Any]]:
    """The document (JSON or triples) and the why of a write request."""
    raw = await read_body(request, settings.max_body_bytes)
    content_type = request.headers.get("content-type")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    given = {name: value for name, value in query.items() if value is not None}
    if media == "application/json":
        document, fields = curation.read_json_body(raw)
        both = sorted(name for name, value in fields.items() if value is not None and name in given)
        if both:
            raise BadRequest(f"give {', '.join(both)} in the body or as query parameters, not both")
        return document, given | {name: value for name, value in fields.items() if value is not None}
    if media in SUBMISSION_FORMATS:
        triples = await run_in_threadpool(parse_submission, raw, content_type, base_iri=settings.base_iri)
        return triples, given
    accepted = ", ".join(["application/json", *SUBMISSION_FORMATS])
    raise UnsupportedMediaType(f"send the document as one of: {accepted} (not {media or 'no Content-Type'})")


def _written(outcome: curation.WriteOutcome, settings: Settings, status: int) -> JSONResponse:
    body = outcome.to_dict(settings.base_iri)
    headers = {}
    if outcome.version is not None:
        headers["ETag"] = curation.etag(outcome.version)
    if status == 201:
        headers["Location"] = f"/documents/{body['key']}"
    return JSONResponse(body, status_code=status, headers=headers)


@router.post(
    "/documents",
    summary="Add a document (bearer token): JSON or RDF, validated with the graph, recorded",
    status_code=201,
    openapi_extra=_BODY,
    responses={
        201: {"description": "Added: `Location`, `ETag`; the change number, its record, warnings in `report`"},
        **_WRITE_ERRORS,
        409: {"description": "A document with this IRI exists: replace it with PUT"},
    },
    dependencies=[allow_params("message", "source", "quote")],
)
async def post_document(
    request: Request, curator: CuratorDep, settings: SettingsDep, message: Message = None, source: Source = None,
    quote: Quote = None,
) -> JSONResponse:  # fmt: skip
    """Adds the document with everything attached to it, in one commit. The IRI is minted from the content."""
    body, fields = await _body(request, settings, {"message": message, "source": source, "quote": quote})
    about = curation.about_of(fields, curator.principal)
    outcome = await run_in_threadpool(curation.add, curator.writer, body, about, base=settings.base_iri)
    return _written(outcome, settings, 201)


@router.put(
    "/documents/{key:path}",
    summary="Replace a document (bearer token; If-Match with its ETag)",
    openapi_extra=_BODY,
    responses={
        200: {"description": "Replaced (or unchanged: `change` null): the new `ETag`"},
        **_WRITE_ERRORS,
        412: {"description": "If-Match names a version the document no longer has: GET it again"},
    },
    dependencies=[allow_params("message", "source", "quote")],
)
async def put_document(
    request: Request, curator: CuratorDep, settings: SettingsDep,
    key: Annotated[str, Path(description=_KEY_DESCRIPTION)], message: Message = None, source: Source = None,
    quote: Quote = None,
) -> JSONResponse:  # fmt: skip
    """Makes the document exactly what the body describes: what it no longer has is removed, what is new added.
    `If-Match: "<ETag>"` (from `GET /documents/{key}`) refuses the write (412) when someone changed it since;
    without it the write is unconditional."""
    body, fields = await _body(request, settings, {"message": message, "source": source, "quote": quote})
    about = curation.about_of(fields, curator.principal)
    if_match = request.headers.get("if-match")

    def write() -> curation.WriteOutcome:
        with curator.writer.reading() as store:
            iri = find_document(store, key, settings.base_iri)
        return curation.replace(curator.writer, iri, body, about, base=settings.base_iri, if_match=if_match)

    return _written(await run_in_threadpool(write), settings, 200)


@router.delete(
    "/documents/{key:path}",
    summary="Retract a document and its closure (bearer token; If-Match honoured)",
    responses={
        200: {"description": "Retracted: the change number and its record"},
        **_WRITE_ERRORS,
        412: {"description": "If-Match names a version the document no longer has"},
    },
    dependencies=[allow_params("message", "source", "quote")],
)
async def delete_document(
    request: Request, curator: CuratorDep, settings: SettingsDep,
    key: Annotated[str, Path(description=_KEY_DESCRIPTION)], message: Message = None, source: Source = None,
    quote: Quote = None,
) -> JSONResponse:  # fmt: skip
    """Removes the document, its indicators, tasks, assignments, statements and the evidence only they cite."""
    about = curation.about_of({"message": message, "source": source, "quote": quote}, curator.principal)
    if_match = request.headers.get("if-match")

    def write() -> curation.WriteOutcome:
        with curator.writer.reading() as store:
            iri = find_document(store, key, settings.base_iri)
        return curation.retract(curator.writer, iri, about, if_match=if_match)

    return _written(await run_in_threadpool(write), settings, 200)


@router.get(
    "/documents/{key:path}/edit",
    summary="The editable JSON of a document: GET it, edit it, PUT it back (with its ETag)",
    responses={200: {"description": "The document with every field a write needs; `ETag`"}},
    dependencies=[allow_params()],
)
async def edit_document(
    request: Request, store: StoreDep, settings: SettingsDep,
    key: Annotated[str, Path(description=_KEY_DESCRIPTION)],
) -> Response:  # fmt: skip
    """What `GET /documents/{key}` shows plus what a write needs (numbers, evidence of every node, statements);
    `document_to_rdf` of it gives back the stored triples, so PUTting it unchanged is an empty change."""

    if_none_match = request.headers.get("if-none-match")

    def answer() -> tuple[dict[str, Any] | None, str]:
        """The editable JSON (None when ``If-None-Match`` names its version: not built) and the version."""
        iri = find_document(store, key, settings.base_iri)
        current = version(store, iri)
        if curation.matches(if_none_match, current):
            return None, current
        return document_for_edit(store, iri, base=settings.base_iri), current

    body, current = await run_in_threadpool(answer)
    tag = curation.etag(current)
    if body is None:
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(body, headers={"ETag": tag})


@router.get(
    "/documents/{key:path}/history",
    summary="The committed changes of a document, newest first (who, when, why, on what evidence, which triples)",
    responses={
        200: {"description": "The changes: number, started, ended, principal, message, source, quote, triples"},
        404: {"description": "No such document, now or in the log"},
    },
    dependencies=[allow_params()],
)
async def document_history(
    store: StoreDep, settings: SettingsDep, key: Annotated[str, Path(description=_KEY_DESCRIPTION)]
) -> JSONResponse:
    """Each change as the audit log has it: `id`, `number`, `started`, `ended` (UTC), `principal`, `message`,
    `source`, `quote`, `documents`, `counts`, `added` and `removed` (N-Quads lines). A retracted document keeps its
    history (name it by key or IRI)."""

    def answer() -> dict[str, Any]:
        iri = curation.document_iri(store, key, settings.base_iri)
        changes = history(store, iri)
        if not changes and not exists(store, iri):
            raise DocumentNotFound(key)
        return {"document": iri, "changes": [change.to_dict() for change in changes]}

    return JSONResponse(await run_in_threadpool(answer))
