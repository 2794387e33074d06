"""A document as it is stored, for editing: its closure (the triples a write replaces) and its editable JSON.

The *closure* of a document is every triple whose subject is the document or a node attached to it:

- its indicators (``?i dh:indicatorOf doc``) and their targets (``?i dh:target ?t``);
- its indicator groups, task groups, assignments and appendices (``doc dh:hasIndicatorGroup | dh:hasTaskGroup |
  dh:assigns | dh:hasAppendix ?n``) and its tasks (``?t dh:taskOf doc``);
- the statements about it (``?s rdf:subject doc``);
- the evidence nodes any of these cite (``dh:evidence``).

Agencies, persons, posts, Party terms, sources and other documents are shared and never in a closure; triples
about the document whose subject is another node (``other dh:implements doc``) belong to that node. Evidence nodes
are content-addressed (source + quote) and may be cited from outside the closure too: :func:`shared_evidence`
names those, whose triples a retraction must keep.

:func:`document_for_edit` is the read view (:func:`graph_api.document_detail.document_detail`) plus what a write
needs (:mod:`graph_api.document_input`): ``document_to_rdf(document_for_edit(store, iri))`` gives back the closure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api.document_detail import RELATION_FIELDS, document_detail
from graph_api.document_input import canonical_decimal
from graph_api.documents import PROLOGUE, local_name, natural_key, select_values
from graph_api.iris import DEFAULT_BASE
from graph_api.namespaces import DH, RDF, SCHEMA, SKOS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from graph_api.store import GraphStore

#: Binds ``?node`` to the document ``?doc`` and to each node attached to it (the module docstring).
_NODES: Final = """
  { ?doc a ?class BIND(?doc AS ?node) }
  UNION { ?node dh:indicatorOf ?doc }
  UNION { ?indicator dh:indicatorOf ?doc ; dh:target ?node }
  UNION { ?doc dh:hasIndicatorGroup|dh:hasTaskGroup|dh:assigns|dh:hasAppendix ?node }
  UNION { ?node dh:taskOf ?doc }
  UNION { ?node rdf:subject ?doc }
"""
_CLOSURE: Final = PROLOGUE + "CONSTRUCT { ?s ?p ?o } WHERE {" + _NODES + "  ?node dh:evidence? ?s . ?s ?p ?o .\n}"
_CITING: Final = (
    PROLOGUE
    + "SELECT DISTINCT ?doc ?node ?evidence ?citing WHERE {"
    + _NODES
    + "  ?node dh:evidence ?evidence . ?citing dh:evidence ?evidence .\n}"
)
_NAME: Final = PROLOGUE + "SELECT ?person ?name WHERE { ?person foaf:name ?name } ORDER BY ?name LIMIT 1"


def document_closure(store: GraphStore, iri: str) -> set[ox.Triple]:
    """Every triple of the document's closure (see the module docstring), from one query; empty when ``iri`` is
    not a typed node."""
    outcome = store.query(_CLOSURE, substitutions={"doc": ox.NamedNode(iri)})
    return set(outcome) if isinstance(outcome, ox.QueryTriples) else set()


def shared_evidence(store: GraphStore, iri: str) -> set[str]:
    """The evidence nodes of the document's closure that a node outside the closure cites too: a retraction of the
    document keeps their triples."""
    rows = select_values(store, _CITING, doc=iri)
    nodes = {row["node"] for row in rows}
    return {row["evidence"] for row in rows if row["citing"] not in nodes}


# -- the editable JSON --------------------------------------------------------------------------------------------


@dataclass
class _Graph:
    """The closure as ``subject → predicate → objects``, with typed getters."""

    triples: Iterable[ox.Triple]
    by_subject: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for t in self.triples:
            if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode | ox.Literal):
                self.by_subject.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)

    def objects(self, subject: str, predicate: str) -> list[ox.NamedNode | ox.Literal]:
        return sorted(self.by_subject.get(subject, {}).get(predicate, []), key=str)

    def subjects(self, predicate: str, obj: str) -> list[str]:
        found = [s for s, ps in self.by_subject.items() if any(o.value == obj for o in ps.get(predicate, []))]
        return sorted(found, key=natural_key)

    def value(self, subject: str, predicate: str, language: str | None = None) -> str | None:
        for obj in self.objects(subject, predicate):
            if not isinstance(obj, ox.Literal) or obj.language == language:
                return obj.value
        return None

    def integer(self, subject: str, predicate: str) -> int | None:
        found = self.value(subject, predicate)
        return int(found) if found is not None else None

    def evidence(self, subject: str) -> list[dict[str, str | None]]:
        cited = [
            {"source": self.value(e.value, str(DH.source)), "quote": self.value(e.value, str(DH.quote), "vi")}
            for e in self.objects(subject, str(DH.evidence))
        ]
        return sorted(cited, key=lambda e: (e["source"] or "", e["quote"] or ""))


def _decimal(lexical: str | None) -> int | float | str | None:
    """A stored decimal as JSON: an integer or a float when that is exact, else its lexical form as a string."""
    if lexical is None:
        return None
    number = Decimal(lexical)
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    return as_float if canonical_decimal(Decimal(repr(as_float))) == lexical else lexical


def _target_row(graph: _Graph, row: dict[str, Any]) -> dict[str, Any]:
    """A read-view target row with what a write needs: evidence, measure, the exact unit text and numbers."""
    target, indicator = row["target"], row["indicator"]
    return row | {
        "indicatorEvidence": graph.evidence(indicator),
        "value": _decimal(graph.value(target, str(SCHEMA.value))),
        "min": _decimal(graph.value(target, str(SCHEMA.minValue))),
        "max": _decimal(graph.value(target, str(SCHEMA.maxValue))),
        "unit": graph.value(target, str(SCHEMA.unitText)),
        "measure": graph.value(target, str(DH.measure), "vi"),
        "measureEn": graph.value(target, str(DH.measure), "en"),
        "evidence": graph.evidence(target),
    }


def _indicator_only(graph: _Graph, indicator: str) -> dict[str, Any]:
    """The row of an indicator that has no target."""
    group = graph.objects(indicator, str(DH.inIndicatorGroup))
    empty = dict.fromkeys(("target", "year", "period", "value", "min", "max", "unit", "unitIri", "comparator"))
    return {
        "indicator": indicator,
        "label": graph.value(indicator, str(SKOS.prefLabel), "vi"),
        "labelEn": graph.value(indicator, str(SKOS.prefLabel), "en"),
        "group": group[0].value if group else None,
        **empty,
        "indicatorEvidence": graph.evidence(indicator),
        "measure": None,
        "measureEn": None,
        "evidence": None,
    }


def _task(graph: _Graph, task: str) -> dict[str, Any]:
    group = graph.objects(task, str(DH.inTaskGroup))
    return {
        "id": task,
        "label": graph.value(task, str(SKOS.prefLabel), "vi"),
        "labelEn": graph.value(task, str(SKOS.prefLabel), "en"),
        "group": group[0].value if group else None,
        "evidence": graph.evidence(task),
    }


def _statement(graph: _Graph, statement: str) -> dict[str, Any]:
    obj = graph.objects(statement, str(RDF.object))
    evidence = graph.evidence(statement)
    return {
        "statement": statement,
        "property": local_name(graph.value(statement, str(RDF.predicate)) or ""),
        "asPrinted": graph.value(statement, str(DH.asPrinted)),
        "value": obj[0].value if obj else None,
        "certainty": local_name(graph.value(statement, str(DH.certainty)) or ""),
        "note": {
            language: text
            for language in ("vi", "en")
            if (text := graph.value(statement, str(SKOS.note), language)) is not None
        },
        "evidence": evidence[0] if evidence else None,
    }


def document_for_edit(store: GraphStore, iri: str, *, base: str = DEFAULT_BASE) -> dict[str, Any]:
    """The editable JSON of a document: what ``GET /documents/{key}`` shows, plus every field a write needs, so
    that :func:`graph_api.document_rdf.document_to_rdf` of it gives back :func:`document_closure` exactly."""
    detail = document_detail(store, iri, base)
    graph = _Graph(document_closure(store, iri))
    number = graph.value(iri, str(DH.number))
    start, end = graph.integer(iri, str(DH.periodStartYear)), graph.integer(iri, str(DH.periodEndYear))
    author = graph.value(iri, str(DH.author))
    names = select_values(store, _NAME, person=author) if author else []
    indicators = detail["indicators"]
    targeted = {row["indicator"] for row in indicators["targets"]}
    assignments = detail["tasks"]["assignments"]
    assigned = {row["task"]["id"] for row in assignments if row["task"]}
    statements = sorted(
        (_statement(graph, s) for s in graph.subjects(str(RDF.subject), iri)),
        key=lambda row: (str(DH) + row["property"], row["statement"]),
    )
    edit = {key: detail[key] for key in ("id", "key", "symbol")}
    edit |= {"number": number, "shortTitle": None if number else iri.rsplit("/", 1)[-1]}
    edit |= {key: detail[key] for key in ("type", "typeCode", "title", "titleEn", "issuer", "date")}
    edit |= {
        "term": graph.value(iri, str(DH.partyTerm)),
        "period": {"start": start, "end": end} if start is not None or end is not None else None,
        "visionYear": graph.integer(iri, str(DH.visionYear)),
        "declaredPurposeCount": graph.integer(iri, str(DH.declaredPurposeCount)),
        "author": {"id": author, "name": names[0].get("name") if names else None} if author else None,
        "signedBy": detail["signedBy"],
        "indicators": indicators
        | {
            "groups": [g | {"evidence": graph.evidence(g["id"])} for g in indicators["groups"]],
            "targets": [_target_row(graph, row) for row in indicators["targets"]]
            + [_indicator_only(graph, i) for i in graph.subjects(str(DH.indicatorOf), iri) if i not in targeted],
        },
        "tasks": detail["tasks"]
        | {
            "groups": [g | {"evidence": graph.evidence(g["id"])} for g in detail["tasks"]["groups"]],
            "assignments": [
                row | {"task": _task(graph, row["task"]["id"]), "evidence": graph.evidence(row["assignment"])}
                for row in assignments
            ]
            + [
                {"assignment": None, "task": _task(graph, t), "agency": None, "role": None, "evidence": None}
                for t in graph.subjects(str(DH.taskOf), iri)
                if t not in assigned
            ],
        },
    }
    edit |= {key: detail[key] for key, _ in RELATION_FIELDS}
    edit |= {
        "implementedBy": detail["implementedBy"],
        "appendices": [
            {
                "id": appendix,
                "number": graph.value(appendix, str(DH.number)),
                "label": graph.value(appendix, str(SKOS.prefLabel), "vi"),
                "labelEn": graph.value(appendix, str(SKOS.prefLabel), "en"),
                "evidence": graph.evidence(appendix),
            }
            for appendix in sorted((o.value for o in graph.objects(iri, str(DH.hasAppendix))), key=natural_key)
        ],
        "sources": graph.evidence(iri),
        "statements": [row for row in statements if row["certainty"] == "stated"],
        "uncertainties": [row for row in statements if row["certainty"] != "stated"],
    }
    return edit
