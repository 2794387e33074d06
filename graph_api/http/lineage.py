"""``/lineage``: what carries a document out (down), what it carries out (up), or both, with the evidence.

JSON (flat nodes and edges, or ``shape=tree`` for tree widgets) or GraphML (``format=graphml`` or Accept
``application/graphml+xml``) for Gephi and Cytoscape. Answers equal the SPARQL property paths ``^dh:implements+``
(down) and ``dh:implements+`` (up) on the same graph, alternated for several relations.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from graph_api.documents import find_document
from graph_api.errors import BadRequest
from graph_api.http.common import accept_header, allow_params, negotiate
from graph_api.http.deps import SettingsDep, StoreDep  # noqa: TC001 - FastAPI reads the annotations at runtime
from graph_api.http.examples import example
from graph_api.lineage import RELATIONS, lineage
from graph_api.lineage_views import lineage_graphml, lineage_json_bytes, lineage_tree
from graph_api.timing import timed

router = APIRouter(tags=["lineage"])

GRAPHML: Final = "application/graphml+xml"
_OFFERS: Final = {"json": ("application/json",), "graphml": (GRAPHML, "application/xml", "text/xml")}


def split_list(values: list[str] | None) -> list[str]:
    """Values of a repeatable, comma-separated parameter, in order, without blanks and duplicates."""
    found: dict[str, None] = {}
    for value in values or ():
        for part in value.split(","):
            if part.strip():
                found[part.strip()] = None
    return list(found)


@router.get(
    "/lineage",
    summary="Lineage of a document: what implements it (down), what it implements (up), with evidence",
    responses={
        200: {
            "description": "The documents reached and the edges followed (here: down from 15-NQ/TW). With "
            "`shape=tree`, a nested tree; with `format=graphml`, GraphML.",
            "content": {
                "application/json": {
                    "examples": {
                        "down": {"summary": "down from 15-NQ/TW", "value": example("lineage")},
                        "up": {"summary": "up from 306/KH-UBND", "value": example("lineage-up")},
                        "tree": {"summary": "shape=tree, down from 15-NQ/TW", "value": example("lineage-tree")},
                    }
                },
                GRAPHML: {"example": '<?xml version="1.0" encoding="utf-8"?><graphml …>'},
            },
        },
        300: {"description": "`doc` is a symbol several documents have (problem+json with the candidates)"},
        400: {"description": "Unknown parameter or relation, bad direction or depth (problem+json)"},
        404: {"description": "`doc` matches no document (problem+json with the nearest symbols)"},
        406: {"description": "Accept asks for neither JSON nor GraphML"},
    },
    dependencies=[allow_params("doc", "direction", "relations", "depth", "type", "shape", "format")],
)
async def get_lineage(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    doc: Annotated[
        str,
        Query(
            description="The starting document: IRI, key (`document/bo-chinh-tri/nq/2022/15`) or symbol in any "
            "written form.",
            examples=["15-NQ/TW"],
        ),
    ],
    direction: Annotated[
        Literal["down", "up", "both"],
        Query(description="`down`: documents that implement `doc`; `up`: what `doc` implements; `both`."),
    ] = "down",
    relations: Annotated[
        list[str] | None,
        Query(
            description="Relations to follow, comma-separated or repeated: "
            f"{', '.join(RELATIONS)}. Default: implements.",
            examples=["implements,contributesTo"],
        ),
    ] = None,
    depth: Annotated[int | None, Query(description="Most edges from `doc` (default: unlimited).", ge=0)] = None,
    type_: Annotated[
        list[str] | None,
        Query(
            alias="type",
            description="Keep only documents of these classes or type codes (comma-separated or repeated); the "
            "search still passes through the others.",
            examples=["ImplementationPlan"],
        ),
    ] = None,
    shape: Annotated[
        Literal["flat", "tree"], Query(description="`flat`: nodes and edges; `tree`: one nested tree.")
    ] = "flat",
    format_: Annotated[str | None, Query(alias="format", description="`json` or `graphml`, overriding Accept.")] = None,
) -> Response:
    """Nodes are document items plus `depth` (edges from `doc`); each edge `{source, target, relation, evidence}`
    reads "source implements (is based on, contributes to…) target", with the quotes that support it."""
    chosen = negotiate(_OFFERS, accept_header(request), format_)
    wanted = split_list(relations) or ["implements"]
    unknown = [r for r in wanted if r not in RELATIONS]
    if unknown:
        raise BadRequest(f"unknown relation(s) {', '.join(unknown)}; use {', '.join(RELATIONS)}")
    types = split_list(type_) or None
    base = settings.base_iri

    def answer() -> Response:
        with timed("resolve"):
            root = find_document(store, doc, base)
        with timed("lineage"):
            found = lineage(store, root, direction=direction, relations=wanted, depth=depth, types=types)
        headers = {"Vary": "Accept"}
        with timed("serialize"):
            if chosen.name == "graphml":
                return Response(lineage_graphml(store, found, base), media_type=chosen.media_type, headers=headers)
            if shape == "tree":
                return JSONResponse(lineage_tree(store, found, base), headers=headers)
            body = lineage_json_bytes(store, found, base, relations=wanted, depth=depth)
            return Response(body, media_type=chosen.media_type, headers=headers)

    return await run_in_threadpool(answer)
