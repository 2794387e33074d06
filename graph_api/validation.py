"""SHACL validation of the store, by the compiled SPARQL engine (default) or by pySHACL, as a typed report.

The data graph is the union of the ontology and the data (and any extra files), the shapes graph the union of
``shapes/*.ttl``; no inference, SHACL-SPARQL enabled. ``engine="sparql"`` (:mod:`graph_api.shacl_sparql`) runs the
shapes compiled to SPARQL on the store itself and gives the same results as ``engine="pyshacl"``, which copies the
graph into rdflib and runs pySHACL (seconds on the seed graph, minutes at 10⁶ triples). The graph *conforms* when
no result is a Violation: warnings and infos are reported but do not fail it. A result's message is given per
language (``vi``, ``en``), taken from ``sh:resultMessage``, else from the ``sh:message`` of the constraint or of the
shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import pyshacl
import rdflib

from graph_api.namespaces import PREFIXES, SH
from graph_api.shacl_sparql import validate_store
from graph_api.validation_report import (
    LANGUAGES,
    SEVERITIES,
    Severity,
    ValidationReport,
    ValidationResult,
    compact,
    messages_by_language,
    severity_of,
    show_term,
    sorted_results,
)

if TYPE_CHECKING:
    from graph_api.store import GraphStore

__all__ = [
    "ENGINES",
    "LANGUAGES",
    "SEVERITIES",
    "Engine",
    "Severity",
    "ValidationReport",
    "ValidationResult",
    "compact",
    "validate",
    "validate_graph",
]

Engine = Literal["sparql", "pyshacl"]
ENGINES: tuple[Engine, ...] = ("sparql", "pyshacl")


def _results(report: rdflib.Graph, shapes: rdflib.Graph) -> list[ValidationResult]:
    results: list[ValidationResult] = []
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        shape = report.value(node, SH.sourceShape)
        constraint = report.value(node, SH.sourceConstraint)
        component = report.value(node, SH.sourceConstraintComponent)
        templates = [
            *(report.objects(constraint, SH.message) if constraint is not None else ()),
            *(shapes.objects(shape, SH.message) if shape is not None else ()),
        ]
        message = messages_by_language(report.objects(node, SH.resultMessage), templates)
        results.append(
            ValidationResult(
                focus_node=show_term(report.value(node, SH.focusNode)) or "",
                shape=show_term(shape) or "",
                path=show_term(report.value(node, SH.resultPath)),
                value=show_term(report.value(node, SH.value)),
                severity=severity_of(report.value(node, SH.resultSeverity)),
                message=message,
                component=show_term(component),
            )
        )
    return sorted_results(results)


def validate_graph(data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph | None = None) -> ValidationReport:
    """Validate ``data`` against ``shapes`` (``ontology`` mixed in for class hierarchy); for tests on small graphs."""
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology if ontology is not None and len(ontology) else None,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(report, rdflib.Graph):  # pragma: no cover - pySHACL returns a graph for graph inputs
        raise TypeError("pySHACL returned no report graph")
    for prefix, namespace in PREFIXES.items():
        report.bind(prefix, namespace, override=True)
    return ValidationReport(tuple(_results(report, shapes)), report)


def validate(store: GraphStore, *, engine: Engine = "sparql") -> ValidationReport:
    """Validate the store's ontology + data (+ extra) graphs against its shapes graphs, with either engine."""
    if engine == "sparql":
        return validate_store(store)
    if engine != "pyshacl":
        raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)}")
    return validate_graph(
        store.to_rdflib(("ontology", "data", "extra")),
        store.to_rdflib(("shapes",)),
        store.to_rdflib(("ontology",)),
    )
