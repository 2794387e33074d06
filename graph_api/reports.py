"""Validation reports for auditors: cached per store revision, filtered by severity, in JSON, CSV and Turtle; and
the validation of submitted RDF together with the graph, on a copy (the store is never changed).

A full validation takes a second or more on a large graph, so :func:`cached_report` keeps the report of each store
revision. A submission is validated by the same compiled engine on an in-memory copy of the store plus the
submitted triples (in an ``extra`` graph), so it sees exactly what a load of those triples would.

A result, in JSON and CSV, is ``focusNode``, ``shape``, ``path``, ``value``, ``severity``, ``message`` {``vi``,
``en``} and ``component``; the Turtle form is the report's ``sh:ValidationReport`` graph (with only the kept
results when filtered; ``sh:conforms`` always says whether the whole graph conforms).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox
import rdflib

from graph_api.errors import BadRequest, LoadError, UnsupportedMediaType
from graph_api.namespaces import SH
from graph_api.ssrf import screen_submission
from graph_api.store import GraphStore, graph_iri
from graph_api.validation import SEVERITIES, ValidationReport, validate

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from graph_api.validation import Severity, ValidationResult

#: Media types accepted for a submitted graph, and the syntax each stands for.
SUBMISSION_FORMATS: Final[dict[str, ox.RdfFormat]] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
CSV_COLUMNS: Final = ("severity", "focusNode", "path", "value", "shape", "message_vi", "message_en", "component")


def cached_report(store: GraphStore) -> ValidationReport:
    """The report on the whole graph, computed once per store revision (callers wait while it is computed)."""
    return store.derived(cached_report, validate)


def parse_severities(values: Iterable[str]) -> set[Severity] | None:
    """Severities from ``severity=`` values (repeatable, comma-separated, any case); None when none are given."""
    wanted: set[Severity] = set()
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            found = [s for s in SEVERITIES if s.lower() == name]
            if not found:
                raise BadRequest(f"unknown severity {part.strip()!r}; use {', '.join(SEVERITIES)}")
            wanted.add(found[0])
    return wanted or None


def kept(report: ValidationReport, severities: Collection[str] | None) -> list[ValidationResult]:
    return [r for r in report.results if severities is None or r.severity in severities]


def result_dict(result: ValidationResult) -> dict[str, Any]:
    return {
        "focusNode": result.focus_node,
        "shape": result.shape,
        "path": result.path,
        "value": result.value,
        "severity": result.severity,
        "message": dict(result.message),
        "component": result.component,
    }


def _key(result: ValidationResult) -> tuple[str, ...]:
    return (result.focus_node, result.shape, result.path or "", result.value or "", result.severity)


def report_json(
    report: ValidationReport, severities: Collection[str] | None = None, *, baseline: ValidationReport | None = None
) -> dict[str, Any]:
    """The report as JSON; with a ``baseline`` (the graph's own report) each result says whether it is ``new``."""
    old = {_key(r) for r in baseline.results} if baseline is not None else None
    results = []
    for result in kept(report, severities):
        found = result_dict(result)
        if old is not None:
            found["new"] = _key(result) not in old
        results.append(found)
    return {"conforms": report.conforms, "counts": report.counts(), "results": results}


def report_csv(report: ValidationReport, severities: Collection[str] | None = None) -> str:
    """One row per result, columns :data:`CSV_COLUMNS` (RFC 4180, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in kept(report, severities):
        message = r.message
        writer.writerow(
            [r.severity, r.focus_node, r.path or "", r.value or "", r.shape, message.get("vi", ""),
             message.get("en", ""), r.component or ""]
        )  # fmt: skip
    return out.getvalue()


def _closure(graph: rdflib.Graph, node: rdflib.term.Node, into: rdflib.Graph) -> None:
    """Copy the triples about ``node`` and, recursively, about the blank nodes they lead to."""
    todo = [node]
    seen: set[rdflib.term.Node] = set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for _, p, o in graph.triples((subject, None, None)):
            into.add((subject, p, o))
            if isinstance(o, rdflib.BNode):
                todo.append(o)


def report_turtle(report: ValidationReport, severities: Collection[str] | None = None) -> str:
    """The ``sh:ValidationReport`` in Turtle, with only the results of ``severities`` when given."""
    if severities is None:
        return report.to_turtle()
    graph = rdflib.Graph(namespace_manager=report.graph.namespace_manager)
    wanted = {SH[s] for s in severities}
    for node in report.graph.subjects(rdflib.RDF.type, SH.ValidationReport):
        for p, o in report.graph.predicate_objects(node):
            if p != SH.result:
                graph.add((node, p, o))
        for result in report.graph.objects(node, SH.result):
            if report.graph.value(result, SH.resultSeverity) in wanted:
                graph.add((node, SH.result, result))
                _closure(report.graph, result, graph)
    return graph.serialize(format="turtle")


# -- submitted RDF ------------------------------------------------------------------------------------------------


def parse_submission(body: bytes, content_type: str | None, *, base_iri: str) -> list[ox.Triple]:
    """The triples of a request body in one of :data:`SUBMISSION_FORMATS`; relative IRIs resolve against the base.

    Raises :class:`UnsupportedMediaType` (415) for another media type and :class:`LoadError` (422, with the
    parser's message and line) when the body does not parse; before parsing, :func:`graph_api.ssrf.screen_submission`
    refuses (400) remote JSON-LD contexts, XML external entities and bodies nested too deep.
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    fmt = SUBMISSION_FORMATS.get(media)
    if fmt is None:
        shown = media or "none"
        raise UnsupportedMediaType(f"cannot read a body of type {shown}; send one of: {', '.join(SUBMISSION_FORMATS)}")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsupportedMediaType(f"the body is not UTF-8: {exc.reason} at byte {exc.start}") from exc
    screen_submission(body, fmt)
    try:
        quads = ox.parse(input=body, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        return [quad.triple for quad in quads]
    except SyntaxError as exc:
        raise LoadError("request body", exc.msg or str(exc), line=exc.lineno) from exc
    except (ValueError, OSError) as exc:
        raise LoadError("request body", str(exc)) from exc


def validate_submission(store: GraphStore, triples: Iterable[ox.Triple]) -> ValidationReport:
    """Validate the graph with ``triples`` added, on an in-memory copy: the store itself is not changed."""
    copy = GraphStore()
    copy.oxigraph.bulk_extend(store.oxigraph)
    copy.extend_graph(graph_iri("extra", "submission"), triples)
    return validate(copy)
