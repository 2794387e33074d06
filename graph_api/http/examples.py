"""Response examples for the OpenAPI document, taken from the seed graph and kept in ``examples.json``.

``python -m graph_api.http.examples`` rewrites the file from the project graph (a test checks that the document and
lineage examples still equal what the service answers). Long lists are cut to their first items.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from graph_api.document_detail import document_detail
from graph_api.documents import find_document, list_documents
from graph_api.lineage import lineage
from graph_api.lineage_views import lineage_json, lineage_tree
from graph_api.reports import cached_report, report_json
from graph_api.settings import get_settings
from graph_api.shape_catalogue import shape_catalogue
from graph_api.sparql import load_named_queries

if TYPE_CHECKING:
    from graph_api.store import GraphStore

EXAMPLES_FILE: Final = Path(__file__).with_name("examples.json")
_CUT: Final = 3


@lru_cache(maxsize=1)
def load_examples() -> dict[str, Any]:
    examples: dict[str, Any] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    return examples


def example(name: str) -> Any:
    """The example called ``name``."""
    return load_examples().get(name, {})


def json_example(name: str, description: str = "Success") -> dict[str, Any]:
    """An OpenAPI response object with the example ``name`` as ``application/json``."""
    return {"description": description, "content": {"application/json": {"example": example(name)}}}


def _cut(values: list[Any], keep: int = _CUT) -> list[Any]:
    return values[:keep]


def build_examples(store: GraphStore, base: str) -> dict[str, Any]:  # pragma: no cover - run by hand
    """Every example, computed from ``store`` (the project graph)."""
    from graph_api.http.queries import query_summary  # noqa: PLC0415 - it imports this module

    nq15 = find_document(store, "15-NQ/TW", base)
    kh306 = find_document(store, "306/KH-UBND", base)
    listing = list_documents(store, base, issuer="UBND").to_dict()
    listing["items"] = _cut(listing["items"], 2)
    down = lineage(store, nq15, direction="down")
    up = lineage(store, kh306, direction="up")
    report = report_json(cached_report(store))
    queries = load_named_queries(get_settings().queries_dir)
    return {
        "documents": listing,
        "document": document_detail(store, kh306, base),
        "lineage": lineage_json(store, down, base, relations=["implements"], depth=None),
        "lineage-up": lineage_json(store, up, base, relations=["implements"], depth=None),
        "lineage-tree": lineage_tree(store, down, base),
        "validation": report,
        "shapes": _cut([entry.to_dict() for entry in shape_catalogue(store)], 2),
        "queries": _cut([query_summary(q) for q in queries.values()], 2),
    }


if __name__ == "__main__":  # pragma: no cover
    from graph_api.loading import build_store

    settings = get_settings()
    built = build_examples(build_store(settings, progress=False), settings.base_iri)
    EXAMPLES_FILE.write_text(json.dumps(built, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
