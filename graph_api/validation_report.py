"""The validation report as the library hands it out: typed results, counts, JSON, Turtle and text.

Both engines (:mod:`graph_api.shacl_sparql`, compiled SPARQL, and pySHACL in :mod:`graph_api.validation`) give a
:class:`ValidationReport`; its ``graph`` is a real ``sh:ValidationReport``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import rdflib

from graph_api.namespaces import PREFIXES, SH

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rdflib.term import Node

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


def show_term(term: Node | None) -> str | None:
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


def messages_by_language(results: Iterable[Node], templates: Iterable[Node]) -> dict[str, str]:
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


def severity_of(term: Node | None) -> Severity:
    """The severity a ``sh:resultSeverity`` names; an unknown one counts as a Violation."""
    for severity in SEVERITIES:
        if term == SH[severity]:
            return severity
    return "Violation"


def sorted_results(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Most severe first, then by shape, focus node, path and value."""
    order = {severity: i for i, severity in enumerate(SEVERITIES)}
    return sorted(results, key=lambda r: (order[r.severity], r.shape, r.focus_node, r.path or "", r.value or ""))
