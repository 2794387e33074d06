"""One document in detail, for its page: who signed it, its indicators and targets, its tasks and assignments, the
documents it is related to (both ways for ``implements``), the sources with their quotes, and the uncertain facts
(``dh:Statement`` nodes whose certainty is not ``cert:stated``; docs/model.md). A few small queries per document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from graph_api.documents import PROLOGUE, Ref, document_index, local_name, natural_key, number, select_values

if TYPE_CHECKING:
    from graph_api.store import GraphStore

#: Relations shown on a detail page, as (field, property local name); ``implementedBy`` is the inverse.
RELATION_FIELDS: Final = (
    ("implements", "implements"),
    ("basedOn", "basedOn"),
    ("contributesTo", "contributesTo"),
    ("references", "references"),
    ("establishes", "establishes"),
)

_SIGNED: Final = (
    PROLOGUE
    + """SELECT ?doc ?person ?name ?post ?postLabel WHERE {
  ?doc dh:signedBy ?person .
  OPTIONAL { ?person foaf:name ?name }
  OPTIONAL { ?doc dh:signedAs ?post
    OPTIONAL { ?post skos:prefLabel ?postLabel FILTER(LANG(?postLabel) IN ("vi", "")) } }
}"""
)
_COUNTS: Final = (
    PROLOGUE
    + """SELECT ?doc (SAMPLE(?declaredIndicators) AS ?indicators) (SAMPLE(?declaredTasks) AS ?tasks)
       (COUNT(DISTINCT ?i) AS ?recordedIndicators) (COUNT(DISTINCT ?t) AS ?recordedTasks) WHERE {
  OPTIONAL { ?doc dh:declaredIndicatorCount ?declaredIndicators }
  OPTIONAL { ?doc dh:declaredTaskCount ?declaredTasks }
  OPTIONAL { ?i dh:indicatorOf ?doc }
  OPTIONAL { ?t dh:taskOf ?doc }
} GROUP BY ?doc"""
)
_GROUPS: Final = (
    PROLOGUE
    + """SELECT ?doc ?has ?group ?label ?labelEn ?count WHERE {
  ?doc ?has ?group .
  OPTIONAL { ?group skos:prefLabel ?label FILTER(LANG(?label) IN ("vi", "")) }
  OPTIONAL { ?group skos:prefLabel ?labelEn FILTER(LANG(?labelEn) = "en") }
  OPTIONAL { ?group dh:declaredCount ?count }
}"""
)
_TARGETS: Final = (
    PROLOGUE
    + """SELECT ?doc ?indicator ?label ?labelEn ?group ?target ?value ?min ?max ?unit ?unitText ?comparator
       ?year ?start ?end
WHERE {
  ?indicator dh:indicatorOf ?doc ; dh:target ?target .
  OPTIONAL { ?indicator skos:prefLabel ?label FILTER(LANG(?label) IN ("vi", "")) }
  OPTIONAL { ?indicator skos:prefLabel ?labelEn FILTER(LANG(?labelEn) = "en") }
  OPTIONAL { ?indicator dh:inIndicatorGroup ?group }
  OPTIONAL { ?target schema:value ?value }
  OPTIONAL { ?target schema:minValue ?min }
  OPTIONAL { ?target schema:maxValue ?max }
  OPTIONAL { ?target dh:unit ?unit }
  OPTIONAL { ?target schema:unitText ?unitText }
  OPTIONAL { ?target dh:comparator ?comparator }
  OPTIONAL { ?target dh:targetYear ?year }
  OPTIONAL { ?target dh:periodStartYear ?start }
  OPTIONAL { ?target dh:periodEndYear ?end }
}"""
)
_ASSIGNMENTS: Final = (
    PROLOGUE
    + """SELECT ?doc ?assignment ?task ?taskLabel ?agency ?agencyLabel ?role WHERE {
  ?doc dh:assigns ?assignment .
  OPTIONAL { ?assignment dh:assignedTask ?task
    OPTIONAL { ?task skos:prefLabel ?taskLabel FILTER(LANG(?taskLabel) IN ("vi", "")) } }
  OPTIONAL { ?assignment dh:assignee ?agency
    OPTIONAL { ?agency skos:prefLabel ?agencyLabel FILTER(LANG(?agencyLabel) IN ("vi", "")) } }
  OPTIONAL { ?assignment dh:role ?role }
}"""
)
_RELATED: Final = (
    PROLOGUE
    + """SELECT ?doc ?p ?other ?inverse WHERE {
  VALUES ?p { dh:implements dh:basedOn dh:contributesTo dh:references dh:establishes }
  { ?doc ?p ?other BIND(false AS ?inverse) } UNION { ?other ?p ?doc BIND(true AS ?inverse) }
  FILTER(isIRI(?other))
}"""
)
_SOURCES: Final = (
    PROLOGUE
    + """SELECT DISTINCT ?doc ?source ?quote WHERE {
  ?doc dh:evidence ?evidence . ?evidence dh:quote ?quote . OPTIONAL { ?evidence dh:source ?source }
} ORDER BY ?source ?quote"""
)
_UNCERTAIN: Final = (
    PROLOGUE
    + """SELECT ?doc ?statement ?property ?asPrinted ?certainty ?value ?note ?noteEn WHERE {
  ?statement rdf:subject ?doc ; rdf:predicate ?property ; dh:certainty ?certainty .
  FILTER(?certainty != cert:stated)
  OPTIONAL { ?statement dh:asPrinted ?asPrinted }
  OPTIONAL { ?statement rdf:object ?value }
  OPTIONAL { ?statement skos:note ?note FILTER(LANG(?note) IN ("vi", "")) }
  OPTIONAL { ?statement skos:note ?noteEn FILTER(LANG(?noteEn) = "en") }
} ORDER BY ?property ?statement"""
)
_DH: Final = "https://w3id.org/vn-directives/ontology#"


# -- one document in detail ---------------------------------------------------------------------------------------


def _groups(store: GraphStore, iri: str, has: str) -> list[dict[str, Any]]:
    rows = select_values(store, _GROUPS, doc=iri, has=_DH + has)
    return [
        {
            "id": row["group"],
            "label": row.get("label"),
            "labelEn": row.get("labelEn"),
            "count": number(row.get("count")),
        }
        for row in sorted(rows, key=lambda r: natural_key(r["group"]))
    ]


def _target(row: dict[str, str]) -> dict[str, Any]:
    start, end = number(row.get("start")), number(row.get("end"))
    return {
        "indicator": row["indicator"],
        "label": row.get("label"),
        "labelEn": row.get("labelEn"),
        "group": row.get("group"),
        "target": row["target"],
        "year": number(row.get("year")),
        "period": {"start": start, "end": end} if start is not None or end is not None else None,
        "value": number(row.get("value")),
        "min": number(row.get("min")),
        "max": number(row.get("max")),
        "unit": row.get("unitText") or (local_name(row["unit"]) if "unit" in row else None),
        "unitIri": row.get("unit"),
        "comparator": local_name(row["comparator"]) if "comparator" in row else None,
    }


def _assignment(row: dict[str, str]) -> dict[str, Any]:
    task, agency = row.get("task"), row.get("agency")
    return {
        "assignment": row["assignment"],
        "task": Ref(task, row.get("taskLabel")).to_dict() if task else None,
        "agency": Ref(agency, row.get("agencyLabel")).to_dict() if agency else None,
        "role": local_name(row["role"]) if "role" in row else None,
    }


def document_detail(store: GraphStore, iri: str, base: str) -> dict[str, Any]:
    """Everything a document page shows (see the module docstring); ``iri`` must be a document's IRI."""
    index = document_index(store, base)
    detail = index.item(iri).to_dict()
    signed = select_values(store, _SIGNED, doc=iri)
    detail["signedBy"] = (
        {
            "id": signed[0]["person"],
            "name": signed[0].get("name"),
            "post": Ref(signed[0]["post"], signed[0].get("postLabel")).to_dict() if "post" in signed[0] else None,
        }
        if signed
        else None
    )
    counts = select_values(store, _COUNTS, doc=iri)[0]
    targets = select_values(store, _TARGETS, doc=iri)
    detail["indicators"] = {
        "declared": number(counts.get("indicators")),
        "recorded": number(counts.get("recordedIndicators")),
        "groups": _groups(store, iri, "hasIndicatorGroup"),
        "targets": [_target(row) for row in sorted(targets, key=lambda r: natural_key(r["target"]))],
    }
    assignments = select_values(store, _ASSIGNMENTS, doc=iri)
    detail["tasks"] = {
        "declared": number(counts.get("tasks")),
        "recorded": number(counts.get("recordedTasks")),
        "groups": _groups(store, iri, "hasTaskGroup"),
        "assignments": [_assignment(r) for r in sorted(assignments, key=lambda r: natural_key(r["assignment"]))],
    }
    related: dict[str, set[str]] = {field: set() for field, _ in (*RELATION_FIELDS, ("implementedBy", ""))}
    for row in select_values(store, _RELATED, doc=iri):
        name = local_name(row["p"])
        if row["inverse"] == "true":
            if name == "implements":
                related["implementedBy"].add(row["other"])
        else:
            related[name].add(row["other"])
    for field, found in related.items():
        detail[field] = [index.item(other).to_dict() for other in sorted(found, key=natural_key)]
    detail["sources"] = [
        {"source": row.get("source"), "quote": row["quote"]} for row in select_values(store, _SOURCES, doc=iri)
    ]
    detail["uncertainties"] = [
        {
            "statement": row["statement"],
            "property": local_name(row["property"]),
            "asPrinted": row.get("asPrinted"),
            "value": row.get("value"),
            "certainty": local_name(row["certainty"]),
            "note": {lang: row[key] for lang, key in (("vi", "note"), ("en", "noteEn")) if key in row},
        }
        for row in select_values(store, _UNCERTAIN, doc=iri)
    ]
    return detail
