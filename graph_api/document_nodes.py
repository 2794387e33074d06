"""The nodes attached to a document written as JSON, as triples: indicator and task groups, indicators and their
targets, tasks and their assignments, appendices, and the evidence each cites (docs/model.md). A base class of the
converter in :mod:`graph_api.document_rdf`, which adds the document itself and its statements.

Attached nodes live under the document's IRI: ``{document}/indicator/{slug of the label}`` and
``…/target/{year or start-end}``, ``{document}/indicator-group/{n}``, ``{document}/task/{n}``, ``…/task-group/{n}``,
``…/assignment/{n}``, ``…/appendix/{number}``. A given IRI is kept (it must be under the document's); a missing one
is minted, numbers in list order skipping those taken. Several rows of ``indicators.targets`` (or of
``tasks.assignments``) may describe one indicator (task): by its IRI, or by its label when it has none; what they
say about it must agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from graph_api.document_input import json_path
from graph_api.document_refs import shared_nodes
from graph_api.errors import IdentityMismatch, InvalidDocument, MissingEvidence
from graph_api.iris import evidence_iri, slug
from graph_api.namespaces import DH, RDF, SCHEMA, SKOS, XSD

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graph_api.document_input import DocumentIn, EvidenceIn, GroupIn, RefIn, TargetRowIn
    from graph_api.store import GraphStore

Object = ox.NamedNode | ox.Literal


def dh(name: str) -> ox.NamedNode:
    """A term of the ontology: ``dh("implements")``."""
    return ox.NamedNode(str(DH) + name)


A: Final = ox.NamedNode(str(RDF.type))
LABEL: Final = ox.NamedNode(str(SKOS.prefLabel))
EVIDENCE: Final = dh("evidence")


def integer(value: int | None) -> ox.Literal | None:
    """An ``xsd:integer`` literal, or None."""
    return ox.Literal(str(value), datatype=ox.NamedNode(str(XSD.integer))) if value is not None else None


def plain(value: str | None) -> ox.Literal | None:
    """An ``xsd:string`` literal, or None."""
    return ox.Literal(value) if value is not None else None


def _check_under(prefix: str, iri: str, path: str) -> None:
    """Refuse a given node IRI that is not strictly under ``prefix`` (``{document}/{kind}/…``)."""
    if not iri.startswith(prefix) or iri == prefix:
        raise IdentityMismatch(path, iri, prefix + "…", "is not under")


class NodeWriter:
    """Collects the triples of one document's attached nodes; ``iri`` is the document's, set before writing."""

    def __init__(self, doc: DocumentIn, store: GraphStore, base: str) -> None:
        self.doc, self.store, self.base = doc, store, base
        self.shared = shared_nodes(store)
        self.iri = ""
        self.triples: set[ox.Triple] = set()

    def write_nodes(self) -> None:
        """Write the groups, indicators, targets, tasks, assignments and appendices."""
        indicator_groups = self._groups(self.doc.indicators.groups, "indicator")
        task_groups = self._groups(self.doc.tasks.groups, "task")
        self._indicators(indicator_groups)
        self._tasks(task_groups)
        self._appendices()

    # -- writing triples -------------------------------------------------------------------------------------

    def _add(self, subject: str, predicate: ox.NamedNode, obj: Object | str | None) -> None:
        if obj is not None:
            node = ox.NamedNode(obj) if isinstance(obj, str) else obj
            self.triples.add(ox.Triple(ox.NamedNode(subject), predicate, node))

    def _labels(self, subject: str, predicate: ox.NamedNode, vi: str | None, en: str | None) -> None:
        for text, language in ((vi, "vi"), (en, "en")):
            if text is not None:
                self._add(subject, predicate, ox.Literal(text, language=language))

    def _ref(self, kind: str, ref: RefIn | None, path: str) -> str | None:
        if ref is None:
            return None
        return self.shared.node(kind, ref.id, {"label": ref.label, "labelEn": ref.label_en}, path)

    def _default(self, path: str, problem: str) -> tuple[EvidenceIn, str]:
        """The document's default evidence; :class:`MissingEvidence` at ``path`` when it has none."""
        if self.doc.evidence is None:
            raise MissingEvidence(path, f"{problem}: give evidence here, or a default `evidence` for the document")
        return self.doc.evidence, "$.evidence"

    def _evidence(self, subject: str, own: Sequence[EvidenceIn] | None, path: str) -> None:
        """Cite ``own`` evidence, else the document's default."""
        cited = [(e, f"{path}[{i}]") for i, e in enumerate(own or ())] or [self._default(path, "no evidence")]
        for evidence, where in cited:
            self._add(subject, EVIDENCE, self._evidence_node(evidence, where))

    def _evidence_node(self, evidence: EvidenceIn, path: str) -> str:
        """The ``dh:Evidence`` node of a quote: ``evidence/{source id}-{10 hex of sha1(quote)}``."""
        source = self.shared.known("source", evidence.source, path + ".source")
        iri = evidence_iri(source.rsplit("/", 1)[-1], evidence.quote, self.base)
        self._add(iri, A, dh("Evidence"))
        self._add(iri, dh("source"), source)
        self._add(iri, dh("quote"), ox.Literal(evidence.quote, language="vi"))
        return iri

    # -- attached nodes --------------------------------------------------------------------------------------

    def _ids(self, given: Sequence[str | None], kind: str, paths: Sequence[str]) -> list[str]:
        """IRIs of attached nodes: a given one must be ``{document}/{kind}/…``; the others are numbered in list
        order, skipping the numbers taken."""
        prefix = f"{self.iri}/{kind}/"
        taken: set[str] = set()
        for iri, path in zip(given, paths, strict=True):
            if iri is None:
                continue
            _check_under(prefix, iri, path)
            if iri in taken:
                raise InvalidDocument([(path, f"<{iri}> is given twice")])
            taken.add(iri)
        numbers = (f"{prefix}{n}" for n in range(1, len(given) + len(taken) + 1) if f"{prefix}{n}" not in taken)
        return [iri if iri is not None else next(numbers) for iri in given]

    def _groups(self, groups: list[GroupIn], kind: str) -> list[str]:
        paths = [json_path(f"{kind}s", "groups", i) for i in range(len(groups))]
        ids = self._ids([g.id for g in groups], f"{kind}-group", [p + ".id" for p in paths])
        cls, has = ("IndicatorGroup", "hasIndicatorGroup") if kind == "indicator" else ("TaskGroup", "hasTaskGroup")
        for group, iri, path in zip(groups, ids, paths, strict=True):
            self._add(self.iri, dh(has), iri)
            self._add(iri, A, dh(cls))
            self._labels(iri, LABEL, group.label, group.label_en)
            self._add(iri, dh("declaredCount"), integer(group.count))
            self._evidence(iri, group.evidence, path + ".evidence")
        return ids

    @staticmethod
    def _group(ref: int | str | None, ids: Sequence[str], path: str) -> str | None:
        """A group by IRI or by its 1-based position in the document's list of groups."""
        if isinstance(ref, int) and ref > len(ids):
            raise InvalidDocument([(path, f"there is no group {ref}: the document has {len(ids)}")])
        if isinstance(ref, str) and ref not in ids:
            raise InvalidDocument([(path, f"<{ref}> is not one of the document's groups")])
        return ids[ref - 1] if isinstance(ref, int) else ref

    def _nodes(
        self, kind: str, cls: str, keys: Sequence[str], rows: Sequence[tuple[str, dict[str, Any]]], evidence: str
    ) -> None:
        """Write the nodes the rows describe (several rows may describe one node; they must not contradict each
        other): class, labels, ``dh:{kind}Of`` the document, group, and the evidence in attribute ``evidence``."""
        merged: dict[str, dict[str, tuple[Any, str]]] = {key: {} for key in keys}
        for key, (path, attributes) in zip(keys, rows, strict=True):
            for name, value in attributes.items():
                seen = merged[key].setdefault(name, (value, path)) if value is not None else None
                if seen is not None and seen[0] != value:
                    raise InvalidDocument([(f"{path}.{name}", f"contradicts {seen[1]}.{name}, about the same {kind}")])
        first = dict(reversed(list(zip(keys, (path for path, _ in rows), strict=True))))
        in_group = "inIndicatorGroup" if kind == "indicator" else "inTaskGroup"
        for key, attributes in merged.items():
            value = {name: found for name, (found, _) in attributes.items()}
            self._add(key, A, dh(cls))
            self._labels(key, LABEL, value.get("label"), value.get("labelEn"))
            self._add(key, dh(f"{kind}Of"), self.iri)
            self._add(key, dh(in_group), value.get("group"))
            self._evidence(key, value.get(evidence), f"{first[key]}.{evidence}")

    def _indicators(self, groups: Sequence[str]) -> None:
        rows = self.doc.indicators.targets
        paths = [json_path("indicators", "targets", i) for i in range(len(rows))]
        keys = [self._indicator(row, path) for row, path in zip(rows, paths, strict=True)]
        by_label = {row.label: row.indicator for row in rows if row.indicator and row.label}
        keys = [
            key if row.indicator else by_label.get(row.label or "", key) for row, key in zip(rows, keys, strict=True)
        ]
        described = [
            (
                path,
                {
                    "label": row.label,
                    "labelEn": row.label_en,
                    "group": self._group(row.group, groups, path + ".group"),
                    "indicatorEvidence": tuple(row.indicator_evidence) if row.indicator_evidence else None,
                },
            )
            for row, path in zip(rows, paths, strict=True)
        ]
        self._nodes("indicator", "Indicator", keys, described, "indicatorEvidence")
        seen: set[str] = set()
        for row, key, path in zip(rows, keys, paths, strict=True):
            if row.has_target():
                self._target(row, key, path, seen)

    def _indicator(self, row: TargetRowIn, path: str) -> str:
        """The indicator's IRI: given (under ``{document}/indicator/``), else ``{document}/indicator/{slug(label)}``."""
        prefix = f"{self.iri}/indicator/"
        if row.indicator is not None:
            _check_under(prefix, row.indicator, path + ".indicator")
            return row.indicator
        if row.label is None:
            raise InvalidDocument([(path, "a row needs its indicator's id or label")])
        try:
            return prefix + slug(row.label)
        except ValueError as exc:
            raise InvalidDocument([(path + ".label", str(exc))]) from None

    def _target(self, row: TargetRowIn, indicator: str, path: str, seen: set[str]) -> None:
        """A target: ``{indicator}/target/{year}``, or ``…/{start}-{end}`` for a period."""
        period = row.period
        if row.year is not None:
            iri = f"{indicator}/target/{row.year}"
        elif period is not None and period.start is not None and period.end is not None:
            iri = f"{indicator}/target/{period.start}-{period.end}"
        else:
            raise InvalidDocument([(path, "a target needs a year, or a period with start and end")])
        if row.target is not None and row.target != iri:
            raise IdentityMismatch(path + ".target", row.target, iri, "is not the IRI minted from its year or period,")
        if iri in seen:
            raise InvalidDocument([(path, f"a second target <{iri}> of the indicator for the same year or period")])
        seen.add(iri)
        self._add(indicator, dh("target"), iri)
        self._add(iri, A, dh("Target"))
        for name, value in (("value", row.value), ("minValue", row.min), ("maxValue", row.max)):
            decimal = ox.Literal(value, datatype=ox.NamedNode(str(XSD.decimal))) if value is not None else None
            self._add(iri, ox.NamedNode(str(SCHEMA) + name), decimal)
        if row.comparator is not None:
            self._add(iri, dh("comparator"), self.shared.code("comparator", row.comparator, path + ".comparator"))
        self._add(iri, dh("unit"), row.unit_iri)
        self._add(iri, ox.NamedNode(str(SCHEMA.unitText)), plain(row.unit))
        self._add(iri, dh("targetYear"), integer(row.year))
        self._add(iri, dh("periodStartYear"), integer(period.start if period else None))
        self._add(iri, dh("periodEndYear"), integer(period.end if period else None))
        self._labels(iri, dh("measure"), row.measure, row.measure_en)
        self._evidence(iri, row.evidence, path + ".evidence")

    def _tasks(self, groups: Sequence[str]) -> None:
        rows = self.doc.tasks.assignments
        paths = [json_path("tasks", "assignments", i) for i in range(len(rows))]
        by_label = {row.task.label: row.task.id for row in rows if row.task.id and row.task.label}
        names: list[tuple[str | None, str]] = []  # (id, label) of each row's task; new tasks are known by label
        for row, path in zip(rows, paths, strict=True):
            if row.task.id is None and row.task.label is None:
                raise InvalidDocument([(path + ".task", "a task needs its id or label")])
            known = row.task.id or by_label.get(row.task.label or "")
            names.append((known, "") if known else (None, row.task.label or ""))
        firsts: dict[tuple[str | None, str], str] = {}  # each task, in order of first appearance, with that row
        for name, path in zip(names, paths, strict=True):
            firsts.setdefault(name, path + ".task.id")
        numbered = dict(zip(firsts, self._ids([iri for iri, _ in firsts], "task", list(firsts.values())), strict=True))
        keys = [numbered[name] for name in names]
        described = [
            (
                path + ".task",
                {
                    "label": row.task.label,
                    "labelEn": row.task.label_en,
                    "group": self._group(row.task.group, groups, path + ".task.group"),
                    "evidence": tuple(row.task.evidence) if row.task.evidence else None,
                },
            )
            for row, path in zip(rows, paths, strict=True)
        ]
        self._nodes("task", "Task", keys, described, "evidence")
        assigned = [(row, key, path) for row, key, path in zip(rows, keys, paths, strict=True) if row.is_assignment()]
        ids = self._ids(
            [row.assignment for row, _, _ in assigned], "assignment", [p + ".assignment" for *_, p in assigned]
        )
        for (row, task, path), iri in zip(assigned, ids, strict=True):
            if row.agency is None:
                raise InvalidDocument([(path + ".agency", "an assignment needs the agency the task is assigned to")])
            if row.role is None:
                raise InvalidDocument([(path + ".role", "an assignment needs a role: lead, coordinate or implement")])
            self._add(self.iri, dh("assigns"), iri)
            self._add(iri, A, dh("Assignment"))
            self._add(iri, dh("assignedTask"), task)
            self._add(iri, dh("assignee"), self._ref("agency", row.agency, path + ".agency"))
            self._add(iri, dh("role"), self.shared.code("role", row.role, path + ".role"))
            self._evidence(iri, row.evidence, path + ".evidence")

    def _appendices(self) -> None:
        appendices = self.doc.appendices
        paths = [json_path("appendices", i) for i in range(len(appendices))]
        try:
            given = [a.id or f"{self.iri}/appendix/{slug(a.number)}" for a in appendices]
        except ValueError as exc:
            raise InvalidDocument([("$.appendices", str(exc))]) from None
        for appendix, iri, path in zip(appendices, self._ids(given, "appendix", paths), paths, strict=True):
            self._add(self.iri, dh("hasAppendix"), iri)
            self._add(iri, A, dh("Appendix"))
            self._labels(iri, LABEL, appendix.label, appendix.label_en)
            self._add(iri, dh("number"), plain(appendix.number))
            self._evidence(iri, appendix.evidence, path + ".evidence")
