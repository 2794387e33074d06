"""The rule catalogue: every named SHACL shape of ``shapes/*.ttl`` with its name, description, message and severity,
each in Vietnamese and English, for auditors (``GET /shapes``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api.documents import local_name, natural_key
from graph_api.validation import compact

if TYPE_CHECKING:
    from graph_api.store import GraphStore

_SHAPES: Final = """PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?graph ?shape ?kind ?p ?o WHERE {
  GRAPH ?graph {
    VALUES ?kind { sh:NodeShape sh:PropertyShape }
    ?shape a ?kind . FILTER(isIRI(?shape))
    OPTIONAL { ?shape ?p ?o }
  }
}"""
_SH: Final = "http://www.w3.org/ns/shacl#"
_TEXTS: Final = {"name": _SH + "name", "description": _SH + "description", "message": _SH + "message"}
_TARGETS: Final = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")


def _ordered(texts: dict[str, str]) -> dict[str, str]:
    """Vietnamese first, then English, then any other language."""
    return {lang: texts[lang] for lang in sorted(texts, key=lambda lang: (lang != "vi", lang != "en", lang))}


@dataclass
class ShapeEntry:
    """One named shape of the catalogue."""

    iri: str
    kind: str
    file: str
    severity: str = "Violation"
    name: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    message: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    targets: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    deactivated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.iri,
            "shape": compact(self.iri),
            "kind": self.kind,
            "file": self.file,
            "severity": self.severity,
            "name": _ordered(self.name),
            "description": _ordered(self.description),
            "message": _ordered(self.message),
            "path": self.path,
            "targets": self.targets,
            "properties": self.properties,
            "deactivated": self.deactivated,
        }


def shape_catalogue(store: GraphStore) -> list[ShapeEntry]:
    """Every shape with an IRI in the store's shapes graphs, by file then IRI."""
    graphs = store.graphs(("shapes",))
    if not graphs:
        return []
    solutions = store.query(_SHAPES, default_graph=[], named_graphs=graphs)
    if not isinstance(solutions, ox.QuerySolutions):  # pragma: no cover - a SELECT gives solutions
        return []
    entries: dict[str, ShapeEntry] = {}
    for row in solutions:
        shape, graph, kind = row["shape"], row["graph"], row["kind"]
        if not isinstance(shape, ox.NamedNode) or not isinstance(graph, ox.NamedNode):
            continue
        entry = entries.setdefault(
            shape.value, ShapeEntry(shape.value, local_name(str(kind.value) if kind else ""), local_name(graph.value))
        )
        p, o = row["p"], row["o"]
        if p is None or o is None:
            continue
        _read(entry, p.value, o)
    for entry in entries.values():
        entry.targets.sort()
        entry.properties.sort(key=natural_key)
    return sorted(entries.values(), key=lambda e: (e.file, natural_key(e.iri)))


def _read(entry: ShapeEntry, predicate: str, value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> None:
    for name, iri in _TEXTS.items():
        if predicate == iri and isinstance(value, ox.Literal):
            getattr(entry, name)[value.language or "und"] = value.value
            return
    if predicate == _SH + "severity" and isinstance(value, ox.NamedNode):
        entry.severity = local_name(value.value)
    elif predicate == _SH + "path" and isinstance(value, ox.NamedNode):
        entry.path = compact(value.value)
    elif predicate == _SH + "path":
        entry.path = "(complex path)"
    elif predicate in {_SH + t for t in _TARGETS} and isinstance(value, ox.NamedNode):
        entry.targets.append(compact(value.value))
    elif predicate == _SH + "property" and isinstance(value, ox.NamedNode):
        entry.properties.append(compact(value.value))
    elif predicate == _SH + "deactivated" and isinstance(value, ox.Literal):
        entry.deactivated = value.value == "true"
