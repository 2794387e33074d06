"""Export the graph (ontology + data, or data only) as one Turtle, N-Triples or JSON-LD document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from graph_api.errors import UnsupportedFormat

if TYPE_CHECKING:
    from pathlib import Path

    from graph_api.store import GraphStore
    from graph_api.types import GraphKind

EXPORT_FORMATS: Final = ("turtle", "nt", "jsonld")
#: Usual file extension of each export format.
EXTENSIONS: Final = {"turtle": ".ttl", "nt": ".nt", "jsonld": ".jsonld"}


def export(store: GraphStore, fmt: str = "turtle", *, include_ontology: bool = True) -> bytes:
    """The union of the data (and extra) graphs, with the ontology unless ``include_ontology`` is False."""
    if fmt not in EXPORT_FORMATS:
        raise UnsupportedFormat(fmt, EXPORT_FORMATS)
    kinds: tuple[GraphKind, ...] = ("ontology", "data", "extra") if include_ontology else ("data", "extra")
    return store.dump(fmt, kinds=kinds)


def export_to(store: GraphStore, path: Path, fmt: str = "turtle", *, include_ontology: bool = True) -> int:
    """Write :func:`export` to ``path``; return the number of bytes written."""
    return path.write_bytes(export(store, fmt, include_ontology=include_ontology))
