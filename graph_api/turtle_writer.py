"""Deterministic Turtle for the curated data files: the same triples always give the same bytes.

The layout follows the hand-written files: a header comment, ``@base`` and the project's prefixes (those used),
then one block per subject under section banners (``# -- Documents ----``), a blank line between blocks::

    <document/ubnd-thanh-pho-ha-noi/kh/2022/306> a dh:ImplementationPlan ;
        dh:evidence <evidence/000_…> ;
        dh:symbol "306/KH-UBND" .

Order: sections by kind (documents, appendices, statements, indicator groups, indicators and their targets, task
groups, tasks, assignments, sources, evidence, agencies…), subjects by IRI with numbers compared as numbers
(``task/2`` before ``task/10``), ``a`` first then predicates by their written form, objects by their written form.
IRIs under the data base are written relative to ``@base`` (the default base: the loader re-bases them), others as
prefixed names when the local part allows, literals in Unicode NFC with the short escapes of Turtle, integers,
decimals and booleans bare. Blank nodes get their RDFC-1.0 canonical labels.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Final

import pyoxigraph as ox

from graph_api.documents import natural_key
from graph_api.iris import DEFAULT_BASE
from graph_api.namespaces import PREFIXES, RDF, XSD

if TYPE_CHECKING:
    from collections.abc import Iterable

_TYPE: Final = str(RDF.type)
_WIDTH: Final = 120
_LOCAL: Final = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
_RELATIVE: Final = re.compile(r"^[A-Za-z0-9_\-./~%]+$")
_BARE: Final = {
    str(XSD.integer): re.compile(r"^[+-]?[0-9]+$"),
    str(XSD.decimal): re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    str(XSD.boolean): re.compile(r"^(true|false)$"),
}
_ESCAPES: Final = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
#: Sections, in order: (segment that names the kind, banner). A document's own triples come first.
_SECTIONS: Final = (
    ("document", "Documents"),
    ("appendix", "Appendices"),
    ("statement", "Statements: relations, dates, declared counts, with their evidence"),
    ("indicator-group", "Indicator groups"),
    ("indicator", "Indicators and targets"),
    ("task-group", "Task groups"),
    ("task", "Tasks"),
    ("assignment", "Assignments"),
    ("source", "Sources"),
    ("evidence", "Evidence"),
    ("place", "Places"),
    ("agency", "Agencies"),
    ("person", "People"),
    ("post", "Posts"),
    ("term", "Party terms"),
)


class TurtleWriter:
    """Writes a graph's triples as deterministic Turtle; ``base`` is the base of the store's data IRIs."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base
        self.used: set[str] = set()

    def iri(self, value: str) -> str:
        if value.startswith(self.base) and _RELATIVE.match(value[len(self.base) :]):
            return f"<{value[len(self.base) :]}>"
        for prefix, namespace in PREFIXES.items():
            local = value[len(namespace) :]
            if value.startswith(namespace) and (local == "" or _LOCAL.match(local)):
                self.used.add(prefix)
                return f"{prefix}:{local}"
        return f"<{value}>"

    def term(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        if isinstance(term, ox.Triple):
            raise ValueError("RDF-star triples cannot be written to a data file")
        text = unicodedata.normalize("NFC", term.value)
        quoted = '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'
        if term.language:
            return f"{quoted}@{term.language}"
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return quoted
        bare = _BARE.get(datatype)
        if bare is not None and bare.match(text):
            return text
        return f"{quoted}^^{self.iri(datatype)}"

    def section(self, subject: ox.NamedNode | ox.BlankNode) -> int:
        """The rank of the subject's section (by the kind its IRI names; the last for anything else)."""
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(self.base):
            segments = subject.value[len(self.base) :].split("/")
            kind = segments[5] if segments[0] == "document" and len(segments) > 5 else segments[0]
            for rank, (name, _) in enumerate(_SECTIONS):
                if kind == name:
                    return rank
        return len(_SECTIONS)

    def block(self, subject: ox.NamedNode | ox.BlankNode, triples: list[ox.Triple]) -> str:
        by_predicate: dict[str, list[str]] = {}
        for triple in triples:
            predicate = "a" if triple.predicate.value == _TYPE else self.iri(triple.predicate.value)
            by_predicate.setdefault(predicate, []).append(self.term(triple.object))
        lines = []
        head = self.term(subject)
        order = sorted(by_predicate, key=lambda p: (p != "a", natural_key(p)))
        for index, predicate in enumerate(order):
            objects = sorted(set(by_predicate[predicate]), key=natural_key)
            lead = f"{head} {predicate} " if index == 0 else f"    {predicate} "
            end = " ." if index == len(order) - 1 else " ;"
            line = lead + ", ".join(objects) + end
            if len(line) > _WIDTH and len(objects) > 1:
                indent = " " * len(lead)
                line = lead + f",\n{indent}".join(objects) + end
            lines.append(line)
        return "\n".join(lines)

    def write(self, triples: Iterable[ox.Triple], *, header: str = "") -> str:
        """The Turtle text of the triples (``header``: comment lines to put first)."""
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        subjects: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = {}
        for quad in dataset:
            if isinstance(quad.subject, ox.Triple):
                raise ValueError("RDF-star triples cannot be written to a data file")
            subjects.setdefault(quad.subject, []).append(quad.triple)
        self.used = set()
        ordered = sorted(subjects, key=lambda s: (self.section(s), natural_key(self.term(s))))
        body: list[str] = []
        current = -1
        for subject in ordered:
            rank = self.section(subject)
            if rank != current:
                current = rank
                title = _SECTIONS[rank][1] if rank < len(_SECTIONS) else "Other nodes"
                body.append(f"\n# -- {title} " + "-" * max(3, 100 - len(title) - 6) + "\n")
            body.append(self.block(subject, subjects[subject]) + "\n")
        width = max((len(p) for p in self.used), default=0) + 2
        prefixes = [f"@prefix {(p + ':').ljust(width)} <{PREFIXES[p]}> ." for p in PREFIXES if p in self.used]
        top = [header.rstrip("\n")] if header.strip() else []
        text = "\n".join([*top, "", f"@base <{DEFAULT_BASE}> .", *prefixes, "", *body])
        return unicodedata.normalize("NFC", text.strip("\n") + "\n")
