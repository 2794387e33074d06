"""One generated document as N-Triples, modelled exactly as ``data/*.ttl``.

A document is first *identified* (number, symbol, IRI from issuer + type + number + year through
:mod:`graph_api.iris`), so that documents can point at each other before any is written, then *emitted*: its own
triples, one ``dh:Statement`` per relation and issue date (and per declared count), its indicators with targets and
groups, its tasks with groups and assignments, the agencies and places it names the first time they are named, and a
``dh:Evidence`` (source + quote) behind every node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from bench import _ntriples as nt
from bench._vocab import GROUPS, INDICATORS, SOURCES, TASK_GROUPS, TASKS, IndicatorKind, Source
from graph_api.iris import document_iri, evidence_iri, slug, source_iri

if TYPE_CHECKING:
    import random
    from datetime import date

    from bench._defects import Kind
    from bench._gazetteer import Agency, Level, Place

#: type code -> (Vietnamese name, English name, class, class a ``class-type`` defect gives instead)
TYPES: Final = {
    "NQ": ("Nghị quyết", "Resolution", "Resolution", "Directive"),
    "KL": ("Kết luận", "Conclusion", "Conclusion", "Resolution"),
    "CT": ("Chỉ thị", "Directive", "Directive", "Conclusion"),
    "CTr": ("Chương trình hành động", "Action Programme", "ActionProgramme", "ImplementationPlan"),
    "KH": ("Kế hoạch", "Plan", "ImplementationPlan", "ActionProgramme"),
}
#: the type code a ``symbol-type`` defect writes instead of the right one
WRONG_CODE: Final = {"NQ": "CT", "KL": "TB", "CT": "NQ", "CTr": "KH", "KH": "CT"}
ISSUER_CODES: Final = {"TW": "TW", "TU": "TU", "HU": "HU", "QU": "QU", "ĐU": "DU", "UBND": "UBND"}
PARTY_CODES: Final = frozenset({"TW", "TU", "HU", "QU", "ĐU"})
MONTHS: Final = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December")  # fmt: skip

#: (indicators, tasks) ranges per level and type, before scaling by the plan's content factor
CONTENT: Final[dict[tuple[str, str], tuple[tuple[int, int], tuple[int, int]]]] = {
    ("central", "NQ"): ((5, 12), (6, 12)),
    ("central", "KL"): ((2, 6), (4, 8)),
    ("central", "CT"): ((2, 5), (4, 8)),
    ("province", "CTr"): ((8, 18), (8, 14)),
    ("province", "KH"): ((8, 20), (10, 20)),
    ("district", "CTr"): ((4, 10), (4, 10)),
    ("district", "KH"): ((4, 12), (5, 12)),
    ("commune", "CTr"): ((2, 6), (3, 8)),
    ("commune", "KH"): ((3, 8), (3, 10)),
}
_LEVEL_SOURCE: Final = {"central": 0, "province": 1, "district": 3, "commune": 4}
INDICATOR_SOURCE: Final = SOURCES[5]
TASK_SOURCE: Final = SOURCES[6]
COUNT_SOURCE: Final = SOURCES[7]


def printed(day: date) -> str:
    """A date as Vietnamese sources print it: "26/8/2022"."""
    return f"{day.day}/{day.month}/{day.year}"


def comma(value: float) -> str:
    """A number as Vietnamese prose prints it: 8.5 -> "8,5", 12.0 -> "12"."""
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",")


@dataclass(frozen=True)
class Doc:
    """An identified document: what other documents need to point at it and to cite it."""

    iri: str
    symbol: str
    type_code: str
    day: date
    issuer: Agency
    level: Level

    @property
    def kind_vi(self) -> str:
        return TYPES[self.type_code][0]

    @property
    def ref_vi(self) -> str:
        return f"{self.kind_vi} số {self.symbol} ngày {printed(self.day)} của {self.issuer.name}"

    @property
    def ref_en(self) -> str:
        d = self.day
        return f"{TYPES[self.type_code][1]} No. {self.symbol} of {d.day} {MONTHS[d.month - 1]} {d.year} of the " + (
            self.issuer.name_en
        )


@dataclass
class Spec:
    """What to write for one document."""

    type_code: str
    issuer: Agency
    issuer_code: str
    level: Level
    day: date
    number: int
    title_vi: str
    title_en: str
    assignees: tuple[Agency, ...]
    implements: list[Doc] = field(default_factory=list)
    contributes_to: list[Doc] = field(default_factory=list)
    structural: set[Kind] = field(default_factory=set)
    period: tuple[int, int] | None = None
    vision: int | None = None
    topic_vi: str | None = None


def symbol_of(spec: Spec) -> str:
    """The symbol as printed, including an injected symbol defect."""
    number = f"{spec.number:02d}"
    type_code = WRONG_CODE[spec.type_code] if "symbol-type" in spec.structural else spec.type_code
    party = spec.issuer_code in PARTY_CODES
    if "symbol-pattern" in spec.structural:
        party = not party
    return f"{number}-{type_code}/{spec.issuer_code}" if party else f"{number}/{type_code}-{spec.issuer_code}"


def identify(spec: Spec) -> Doc:
    iri = document_iri(spec.issuer.name, spec.type_code, number=f"{spec.number:02d}", year=spec.day.year)
    return Doc(iri, symbol_of(spec), spec.type_code, spec.day, spec.issuer, spec.level)


class Emitter:
    """Writes documents and, the first time each is named, the agencies and places they name."""

    def __init__(self, rng: random.Random, content: float) -> None:
        self.rng = rng
        self.content = content
        self.seen: set[str] = set()

    # -- shared nodes ---------------------------------------------------------------------------------

    @staticmethod
    def sources() -> list[str]:
        lines: list[str] = []
        for source in SOURCES:
            s = nt.iri(source_iri(source.key))
            lines += [
                f"{s} {nt.TYPE} {nt.dh('Source')} .",
                f"{s} {nt.TITLE} {nt.text(source.title, 'vi')} .",
                f"{s} {nt.dh('seedFile')} {nt.string(source.key + '.txt')} .",
                f"{s} {nt.dh('publisherName')} {nt.text(source.publisher, 'vi')} .",
            ]
        return lines

    @staticmethod
    def evidence(lines: list[str], source: Source, quote: str) -> str:
        """Write one ``dh:Evidence`` and return its term; quotes are unique by construction (issuer, symbol…)."""
        e = nt.iri(evidence_iri(source.key, quote))
        lines += [
            f"{e} {nt.TYPE} {nt.dh('Evidence')} .",
            f"{e} {nt.dh('source')} {nt.iri(source_iri(source.key))} .",
            f"{e} {nt.dh('quote')} {nt.text(quote, 'vi')} .",
        ]
        return e

    def place(self, lines: list[str], place: Place, source: Source) -> None:
        if place.iri in self.seen:
            return
        self.seen.add(place.iri)
        if place.within is not None:
            self.place(lines, place.within, source)
        s = nt.iri(place.iri)
        ev = self.evidence(lines, source, place.label_vi)
        lines += [
            f"{s} {nt.TYPE} {nt.dh('AdministrativeUnit')} .",
            f"{s} {nt.PREF_LABEL} {nt.text(place.label_vi, 'vi')} .",
            f"{s} {nt.PREF_LABEL} {nt.text(place.label_en, 'en')} .",
            f"{s} {nt.dh('unitLevel')} {nt.code('level', place.level)} .",
            f"{s} {nt.dh('evidence')} {ev} .",
        ]
        if place.within is not None:
            lines.append(f"{s} {nt.dh('withinUnit')} {nt.iri(place.within.iri)} .")

    def agency(self, lines: list[str], agency: Agency, source: Source) -> None:
        if agency.iri in self.seen:
            return
        self.seen.add(agency.iri)
        if agency.parent is not None:
            self.agency(lines, agency.parent, source)
        if agency.place is not None:
            self.place(lines, agency.place, source)
        s = nt.iri(agency.iri)
        ev = self.evidence(lines, source, agency.name)
        lines += [
            f"{s} {nt.TYPE} {nt.dh('AgencyCollective' if agency.collective else 'Agency')} .",
            f"{s} {nt.PREF_LABEL} {nt.text(agency.name, 'vi')} .",
            f"{s} {nt.PREF_LABEL} {nt.text(agency.name_en, 'en')} .",
            f"{s} {nt.dh('adminLevel')} {nt.code('level', agency.level)} .",
            f"{s} {nt.dh('branch')} {nt.code('branch', agency.branch)} .",
            f"{s} {nt.dh('evidence')} {ev} .",
        ]
        if agency.place is not None:
            lines.append(f"{s} {nt.dh('jurisdiction')} {nt.iri(agency.place.iri)} .")
        if agency.parent is not None:
            lines.append(f"{s} {nt.SUB_ORGANIZATION_OF} {nt.iri(agency.parent.iri)} .")

    @staticmethod
    def statement(
        lines: list[str],
        doc: Doc,
        predicate: str,
        key: str,
        value: str,
        evidence: str,
        *,
        as_printed: str | None = None,
        notes: tuple[str, str] | None = None,
    ) -> None:
        """One ``dh:Statement`` about ``doc predicate value``; with ``notes`` it is ``cert:inconsistent``."""
        s = nt.iri(f"{doc.iri}/statement/{predicate}/{key}")
        lines += [
            f"{s} {nt.TYPE} {nt.dh('Statement')} .",
            f"{s} {nt.SUBJECT} {nt.iri(doc.iri)} .",
            f"{s} {nt.PREDICATE} {nt.dh(predicate)} .",
            f"{s} {nt.OBJECT} {value} .",
            f"{s} {nt.dh('certainty')} {nt.code('certainty', 'inconsistent' if notes else 'stated')} .",
            f"{s} {nt.dh('evidence')} {evidence} .",
        ]
        if as_printed is not None:
            lines.append(f"{s} {nt.dh('asPrinted')} {nt.string(as_printed)} .")
        if notes is not None:
            lines += [f"{s} {nt.NOTE} {nt.text(notes[0], 'vi')} .", f"{s} {nt.NOTE} {nt.text(notes[1], 'en')} ."]

    # -- documents ------------------------------------------------------------------------------------

    def document(self, spec: Spec, doc: Doc) -> list[str]:
        """All triples of one document (and of the agencies and places it names for the first time)."""
        lines: list[str] = []
        source = SOURCES[_LEVEL_SOURCE[spec.level] + (1 if spec.type_code == "KH" and spec.level == "province" else 0)]
        self.agency(lines, spec.issuer, source)
        s = nt.iri(doc.iri)
        kind_vi, _, klass, wrong_class = TYPES[spec.type_code]
        quote = f"Ngày {printed(doc.day)}, {doc.issuer.name} ban hành {kind_vi} số {doc.symbol}"
        if spec.implements:
            verb = "triển khai thực hiện" if spec.type_code == "KH" else "thực hiện"
            parent = spec.implements[0]
            quote += f" {verb} {parent.kind_vi} số {parent.symbol} của {parent.issuer.name}"
        elif spec.topic_vi:
            quote += " " + spec.topic_vi[0].lower() + spec.topic_vi[1:]
        ev = self.evidence(lines, source, quote)
        lines += [
            f"{s} {nt.TYPE} {nt.dh(wrong_class if 'class-type' in spec.structural else klass)} .",
            f"{s} {nt.dh('symbol')} {nt.string(doc.symbol)} .",
            f"{s} {nt.dh('number')} {nt.string(f'{spec.number:02d}')} .",
            f"{s} {nt.dh('documentType')} {nt.code('doc-type', spec.type_code)} .",
            f"{s} {nt.dh('issuerCode')} {nt.code('issuer-code', ISSUER_CODES[spec.issuer_code])} .",
            f"{s} {nt.dh('issuedBy')} {nt.iri(spec.issuer.iri)} .",
            f"{s} {nt.dh('title')} {nt.text(spec.title_vi, 'vi')} .",
            f"{s} {nt.dh('title')} {nt.text(spec.title_en, 'en')} .",
            f"{s} {nt.dh('issueDate')} {nt.day(doc.day)} .",
            f"{s} {nt.dh('evidence')} {ev} .",
        ]
        if spec.period is not None:
            lines += [
                f"{s} {nt.dh('periodStartYear')} {nt.integer(spec.period[0])} .",
                f"{s} {nt.dh('periodEndYear')} {nt.integer(spec.period[1])} .",
            ]
        if spec.vision is not None:
            lines.append(f"{s} {nt.dh('visionYear')} {nt.integer(spec.vision)} .")
        self.statement(lines, doc, "issueDate", doc.day.isoformat(), nt.day(doc.day), ev, as_printed=printed(doc.day))
        for i, target in enumerate(spec.implements):
            lines.append(f"{s} {nt.dh('implements')} {nt.iri(target.iri)} .")
            if i == 0:
                support = ev
            else:
                said = f"{doc.ref_vi} cũng triển khai {target.ref_vi}"
                support = self.evidence(lines, source, said)
            self.statement(lines, doc, "implements", slug(target.iri.split("/document/", 1)[1]), nt.iri(target.iri),
                           support)  # fmt: skip
        for target in spec.contributes_to:
            lines.append(f"{s} {nt.dh('contributesTo')} {nt.iri(target.iri)} .")
            said = f"{doc.ref_vi} nhằm tiếp tục thực hiện {target.ref_vi}"
            support = self.evidence(lines, source, said)
            self.statement(lines, doc, "contributesTo", slug(target.iri.split("/document/", 1)[1]),
                           nt.iri(target.iri), support)  # fmt: skip
        indicator_range, task_range = CONTENT[(spec.level, spec.type_code)]
        self._indicators(lines, spec, doc, self._scaled(indicator_range))
        self._tasks(lines, spec, doc, self._scaled(task_range), source)
        return lines

    def _scaled(self, bounds: tuple[int, int]) -> int:
        return max(1, round(self.rng.randint(*bounds) * self.content))

    @staticmethod
    def _cite(doc: Doc) -> str:
        """How quotes name a document: symbol, date and issuer (a symbol recurs across Party terms)."""
        return doc.ref_vi

    def _declared(self, lines: list[str], spec: Spec, doc: Doc, what: str, groups: list[int]) -> None:
        """The declared total (``dh:declaredIndicatorCount`` / ``dh:declaredTaskCount``) and its statement."""
        indicators = what == "indicator"
        total = sum(groups)
        notes = None
        if ("indicator-sum" if indicators else "task-sum") in spec.structural:
            declared = total + self.rng.choice((-2, -1, 1, 1, 2, 3)) if total > 2 else total + 1
            parts = " + ".join(str(g) for g in groups)
            noun_vi, noun_en = ("chỉ tiêu", "indicators") if indicators else ("nhiệm vụ", "tasks")
            notes = (
                f"Nguồn tuyên bố {declared} {noun_vi} nhưng các nhóm {parts} cộng lại là {total}.",
                f"The source declares {declared} {noun_en} but its groups {parts} add up to {total}.",
            )
            total = declared
        noun = "chỉ tiêu" if indicators else "nhiệm vụ"
        predicate = "declaredIndicatorCount" if indicators else "declaredTaskCount"
        s = nt.iri(doc.iri)
        lines.append(f"{s} {nt.dh(predicate)} {nt.integer(total)} .")
        ev = self.evidence(lines, COUNT_SOURCE, f"{self._cite(doc)} đề ra {total} {noun}")
        self.statement(lines, doc, predicate, str(total), nt.integer(total), ev, as_printed=f"{total} {noun}",
                       notes=notes)  # fmt: skip

    def _indicators(self, lines: list[str], spec: Spec, doc: Doc, count: int) -> None:
        chosen = self.rng.sample(INDICATORS, min(count, len(INDICATORS)))
        by_category: dict[int, list[IndicatorKind]] = {}
        for kind in chosen:
            by_category.setdefault(kind.category, []).append(kind)
        s = nt.iri(doc.iri)
        cite = self._cite(doc)
        end = 2025 if doc.day.year < 2021 else 2030
        sizes: list[int] = []
        for n, category in enumerate(sorted(by_category), start=1):
            members = by_category[category]
            group = nt.iri(f"{doc.iri}/indicator-group/{n}")
            label_vi, label_en = GROUPS[category]
            ev = self.evidence(lines, INDICATOR_SOURCE, f"{label_vi}: {len(members)} chỉ tiêu ({cite})")
            lines += [
                f"{s} {nt.dh('hasIndicatorGroup')} {group} .",
                f"{group} {nt.TYPE} {nt.dh('IndicatorGroup')} .",
                f"{group} {nt.PREF_LABEL} {nt.text(label_vi, 'vi')} .",
                f"{group} {nt.PREF_LABEL} {nt.text(label_en, 'en')} .",
                f"{group} {nt.dh('declaredCount')} {nt.integer(len(members))} .",
                f"{group} {nt.dh('evidence')} {ev} .",
            ]
            sizes.append(len(members))
            for kind in members:
                indicator = f"{doc.iri}/indicator/{slug(kind.vi)}"
                i = nt.iri(indicator)
                lines += [
                    f"{i} {nt.TYPE} {nt.dh('Indicator')} .",
                    f"{i} {nt.PREF_LABEL} {nt.text(kind.vi, 'vi')} .",
                    f"{i} {nt.PREF_LABEL} {nt.text(kind.en, 'en')} .",
                    f"{i} {nt.dh('indicatorOf')} {s} .",
                    f"{i} {nt.dh('inIndicatorGroup')} {group} .",
                ]
                first = True
                for period in ((end,), (end - 4, end)) if self.rng.random() < 0.25 else ((end,),):
                    self._target(lines, indicator, kind, period, cite, evidence_on_indicator=first)
                    first = False
        self._declared(lines, spec, doc, "indicator", sizes)

    def _target(
        self,
        lines: list[str],
        indicator: str,
        kind: IndicatorKind,
        period: tuple[int, ...],
        cite: str,
        *,
        evidence_on_indicator: bool,
    ) -> None:
        comparator, exact, low_value, high_value, phrase = self._reading(kind)
        if len(period) == 1:
            key, when = str(period[0]), f"đến năm {period[0]}"
        else:
            key, when = f"{period[0]}-{period[1]}", f"bình quân giai đoạn {period[0]}-{period[1]}"
        ev = self.evidence(lines, INDICATOR_SOURCE, f"{kind.vi} {when} {phrase} ({cite})")
        i = nt.iri(indicator)
        t = nt.iri(f"{indicator}/target/{key}")
        if evidence_on_indicator:
            lines.append(f"{i} {nt.dh('evidence')} {ev} .")
        lines += [
            f"{i} {nt.dh('target')} {t} .",
            f"{t} {nt.TYPE} {nt.dh('Target')} .",
            f"{t} {nt.dh('comparator')} {nt.code('comparator', comparator)} .",
            f"{t} {nt.dh('unit')} {nt.iri(kind.unit)} .",
            f"{t} {nt.UNIT_TEXT} {nt.string(kind.unit_text)} .",
            f"{t} {nt.dh('evidence')} {ev} .",
        ]
        if exact is not None:
            lines.append(f"{t} {nt.VALUE} {nt.decimal(exact)} .")
        if low_value is not None:
            lines.append(f"{t} {nt.MIN_VALUE} {nt.decimal(low_value)} .")
        if high_value is not None:
            lines.append(f"{t} {nt.MAX_VALUE} {nt.decimal(high_value)} .")
        if len(period) == 1:
            lines.append(f"{t} {nt.dh('targetYear')} {nt.integer(period[0])} .")
        else:
            lines += [
                f"{t} {nt.dh('periodStartYear')} {nt.integer(period[0])} .",
                f"{t} {nt.dh('periodEndYear')} {nt.integer(period[1])} .",
            ]

    def _reading(self, kind: IndicatorKind) -> tuple[str, float | None, float | None, float | None, str]:
        """A target of this kind: comparator, value, minimum, maximum, and how a source words it."""
        rng = self.rng
        raw = rng.uniform(kind.low, kind.high)
        value = float(round(raw)) if kind.high >= 100 and kind.unit_text != "%" else round(raw, 1)
        unit = kind.unit_text if kind.unit_text.startswith("%") else " " + kind.unit_text
        if kind.reading == "growth" and rng.random() < 0.5:
            top = value + rng.choice((0.5, 1.0, 1.5))
            return "range", None, value, top, f"từ {comma(value)} đến {comma(top)}{unit}"
        if kind.reading in ("high", "count") and rng.random() < 0.5:
            return "atLeast", None, value, None, f"đạt từ {comma(value)}{unit} trở lên"
        if kind.reading == "low" and rng.random() < 0.7:
            return "atMost", None, None, value, f"không quá {comma(value)}{unit}"
        if kind.reading == "money" and rng.random() < 0.5:
            return "above", None, value, None, f"trên {comma(value)}{unit}"
        return "reach", value, None, None, f"đạt {comma(value)}{unit}"

    def _tasks(self, lines: list[str], spec: Spec, doc: Doc, count: int, source: Source) -> None:
        rng = self.rng
        chosen = rng.sample(TASKS, min(count, len(TASKS)))
        n_groups = 1 if len(chosen) < 4 else rng.randint(2, min(3, len(chosen) // 2))
        cuts = sorted(rng.sample(range(1, len(chosen)), n_groups - 1))
        bounds = list(zip([0, *cuts], [*cuts, len(chosen)], strict=True))
        labels = rng.sample(TASK_GROUPS, n_groups)
        s = nt.iri(doc.iri)
        cite = self._cite(doc)
        sizes: list[int] = []
        number = 0
        assignment = 0
        for g, ((start, stop), (label_vi, label_en)) in enumerate(zip(bounds, labels, strict=True), start=1):
            group = nt.iri(f"{doc.iri}/task-group/{g}")
            ev = self.evidence(lines, TASK_SOURCE, f"{label_vi}: {stop - start} nhiệm vụ ({cite})")
            lines += [
                f"{s} {nt.dh('hasTaskGroup')} {group} .",
                f"{group} {nt.TYPE} {nt.dh('TaskGroup')} .",
                f"{group} {nt.PREF_LABEL} {nt.text(label_vi, 'vi')} .",
                f"{group} {nt.PREF_LABEL} {nt.text(label_en, 'en')} .",
                f"{group} {nt.dh('declaredCount')} {nt.integer(stop - start)} .",
                f"{group} {nt.dh('evidence')} {ev} .",
            ]
            sizes.append(stop - start)
            for task_vi, task_en in chosen[start:stop]:
                number += 1
                t = nt.iri(f"{doc.iri}/task/{number}")
                ev = self.evidence(lines, TASK_SOURCE, f"{cite} giao: {task_vi}")
                lines += [
                    f"{t} {nt.TYPE} {nt.dh('Task')} .",
                    f"{t} {nt.PREF_LABEL} {nt.text(task_vi, 'vi')} .",
                    f"{t} {nt.PREF_LABEL} {nt.text(task_en, 'en')} .",
                    f"{t} {nt.dh('taskOf')} {s} .",
                    f"{t} {nt.dh('inTaskGroup')} {group} .",
                    f"{t} {nt.dh('evidence')} {ev} .",
                ]
                if rng.random() >= 0.75 or not spec.assignees:
                    continue
                pool = spec.assignees
                if rng.random() < 0.6 or len(pool) < 2:
                    lead = rng.choice(pool)
                    others = [a for a in pool if a is not lead]
                    helpers = rng.sample(others, min(len(others), rng.randint(0, 2)))
                    roles = [(lead, "lead")] + [(a, "coordinate") for a in helpers]
                else:
                    roles = [(a, "implement") for a in rng.sample(pool, rng.randint(1, 2))]
                for agency, role in roles:
                    assignment += 1
                    self.agency(lines, agency, source)
                    a = nt.iri(f"{doc.iri}/assignment/{assignment}")
                    lines += [
                        f"{s} {nt.dh('assigns')} {a} .",
                        f"{a} {nt.TYPE} {nt.dh('Assignment')} .",
                        f"{a} {nt.dh('assignedTask')} {t} .",
                        f"{a} {nt.dh('assignee')} {nt.iri(agency.iri)} .",
                        f"{a} {nt.dh('role')} {nt.code('role', role)} .",
                        f"{a} {nt.dh('evidence')} {ev} .",
                    ]
        self._declared(lines, spec, doc, "task", sizes)
