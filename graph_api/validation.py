"""SHACL validation with pySHACL, as a typed report.

The data graph is the union of the ontology and the data (and any extra files), the shapes graph the union of
``shapes/*.ttl``; no inference, SHACL-SPARQL enabled. The graph *conforms* when no result is a Violation: warnings
and infos are reported but do not fail it. A result's message is given per language (``vi``, ``en``), taken from
``sh:resultMessage``, else from the ``sh:message`` of the constraint or of the shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import pyshacl
import rdflib

from graph_api.namespaces import PREFIXES, SH

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rdflib.term import Node

    from graph_api.store import GraphStore

Severity = Literal["Violation", "Warning", "Info"]
SEVERITIES: Final[tuple[Severity, ...]] = ("Violation", "Warning", "Info")
LANGUAGES: Final = ("vi", "en")


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``: what is wrong, where, and which shape says so."""

    focus_node: str
    shape: str
    path: str | None
    value: str | None
    severity: Severity
    message: dict[str, str]
    component: str | None


@dataclass(frozen=True)
class ValidationReport:
    """All results, and the ``sh:ValidationReport`` graph pySHACL produced."""

    results: tuple[ValidationResult, ...]
    graph: rdflib.Graph

    @property
    def conforms(self) -> bool:
        """True when no result is a Violation."""
        return not self.of("Violation")

    def of(self, severity: Severity) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == severity]

    def counts(self) -> dict[str, int]:
        return {severity: len(self.of(severity)) for severity in SEVERITIES}

    def to_dict(self) -> dict[str, Any]:
        return {"conforms": self.conforms, "counts": self.counts(), "results": [asdict(r) for r in self.results]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def to_text(self) -> str:
        """Readable report, grouped by severity, most severe first."""
        lines: list[str] = []
        for severity in SEVERITIES:
            found = self.of(severity)
            if not found:
                continue
            lines.append(f"{severity} ({len(found)})")
            for result in found:
                where = compact(result.focus_node) + (f" {compact(result.path)}" if result.path else "")
                shown = result.value is not None and result.value != result.focus_node
                value = f" = {compact(result.value or '')}" if shown else ""
                lines.append(f"  {where}{value}  [{compact(result.shape)}]")
                lines += [f"    {lang}: {text}" for lang, text in result.message.items()]
        counts = self.counts()
        summary = ", ".join(f"{counts[s]} {s.lower()}" for s in SEVERITIES)
        lines.append(f"{'Conforms' if self.conforms else 'Does not conform'}: {summary}")
        return "\n".join(lines)


def _show(term: Node | None) -> str | None:
    """A result term as text: an IRI in full, a literal's lexical form, a blank node as ``_:id``."""
    if term is None:
        return None
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def compact(iri: str) -> str:
    """``dh:issueDate`` for an IRI under a known namespace; the IRI itself otherwise."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


_PLACEHOLDER = re.compile(r"\\\{\\[?$]\w+\\\}")  # "{?var}" or "{$var}", after re.escape


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching the text pySHACL makes of a message template by filling in its ``{?var}`` parts."""
    return re.compile(_PLACEHOLDER.sub(lambda _: "(?s:.*?)", re.escape(template)) + r"\Z", re.DOTALL)


def _messages(results: Iterable[Node], templates: Iterable[Node]) -> dict[str, str]:
    """One message per language.

    pySHACL fills in ``{?var}`` placeholders of ``sh:message`` but drops the language tag of the result, so an
    untagged ``sh:resultMessage`` gets the language of the template it was made from. Templates fill in a language
    no result has; an untagged message matching no template fills in what is still missing.
    """
    tagged = [t for t in templates if isinstance(t, rdflib.Literal) and t.language in LANGUAGES]
    chosen: dict[str, str] = {}
    leftover: list[str] = []
    for message in results:
        if not isinstance(message, rdflib.Literal):
            continue
        language = message.language
        if language is None:
            matching = [t.language for t in tagged if _template_pattern(str(t)).match(str(message))]
            language = matching[0] if matching else None
        if language is None:
            leftover.append(str(message))
        elif language in LANGUAGES:
            chosen.setdefault(language, str(message))
    for template in tagged:
        chosen.setdefault(str(template.language), str(template))
    for lang in LANGUAGES:
        if leftover:
            chosen.setdefault(lang, leftover[0])
    return {lang: chosen[lang] for lang in LANGUAGES if lang in chosen}


def _severity(term: Node | None) -> Severity:
    for severity in SEVERITIES:
        if term == SH[severity]:
            return severity
    return "Violation"


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
        message = _messages(report.objects(node, SH.resultMessage), templates)
        results.append(
            ValidationResult(
                focus_node=_show(report.value(node, SH.focusNode)) or "",
                shape=_show(shape) or "",
                path=_show(report.value(node, SH.resultPath)),
                value=_show(report.value(node, SH.value)),
                severity=_severity(report.value(node, SH.resultSeverity)),
                message=message,
                component=_show(component),
            )
        )
    order = {severity: i for i, severity in enumerate(SEVERITIES)}
    return sorted(results, key=lambda r: (order[r.severity], r.shape, r.focus_node, r.path or "", r.value or ""))


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


def validate(store: GraphStore) -> ValidationReport:
    """Validate the store's ontology + data (+ extra) graphs against its shapes graphs."""
    return validate_graph(
        store.to_rdflib(("ontology", "data", "extra")),
        store.to_rdflib(("shapes",)),
        store.to_rdflib(("ontology",)),
    )
