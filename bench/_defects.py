"""Defects the generator injects on purpose, and the manifest (``defects.json``) that lists them.

Each kind is made so that validation reports exactly one shape for it, on known focus nodes:

- ``cycle``: a provincial programme also implements the plan that implements it, both issued the same day (so no
  date or level result): ``dhs:ImplementsCycleShape`` on both documents.
- ``date-inversion``: a document issued before the document it implements: ``dhs:ImplementsDateShape``.
- ``lower-level``: a provincial plan also implements a district or commune programme: ``dhs:ImplementsLevelShape``.
- ``indicator-sum`` / ``task-sum``: the declared total differs from the sum of the groups' declared counts
  (recorded, as in the seed, by a ``cert:inconsistent`` statement): ``dhs:IndicatorGroupSumShape`` /
  ``dhs:TaskGroupSumShape``, warnings.
- ``symbol-pattern``: a Party symbol written in the State form ("16/CTr-TU") or the reverse ("45-KH/UBND"); type
  and issuer codes still read right: ``dhs:SymbolPatternShape``.
- ``symbol-type``: the type code in the symbol is not the document type ("45/CT-UBND" for a plan):
  ``dhs:SymbolTypeShape``.
- ``class-type``: the document's class disagrees with its type (a KH plan typed ``dh:ActionProgramme``):
  ``dhs:DocumentClassShape``.

Relational defects (cycle, date inversion, lower level) never share a document; structural ones may share a
document with anything, as they touch different triples. The first chance of each kind is always taken, so even a
small graph has one of each; after that each is drawn with its rate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    import random

Kind = Literal[
    "cycle", "date-inversion", "lower-level", "indicator-sum", "task-sum", "symbol-pattern", "symbol-type", "class-type"
]
Severity = Literal["Violation", "Warning"]

SHAPES: Final = "https://w3id.org/vn-directives/shapes#"

#: kind -> (shape local name, severity, rate per chance)
KINDS: Final[dict[Kind, tuple[str, Severity, float]]] = {
    "cycle": ("ImplementsCycleShape", "Violation", 0.01),
    "date-inversion": ("ImplementsDateShape", "Violation", 0.004),
    "lower-level": ("ImplementsLevelShape", "Violation", 0.01),
    "indicator-sum": ("IndicatorGroupSumShape", "Warning", 0.006),
    "task-sum": ("TaskGroupSumShape", "Warning", 0.004),
    "symbol-pattern": ("SymbolPatternShape", "Violation", 0.004),
    "symbol-type": ("SymbolTypeShape", "Violation", 0.003),
    "class-type": ("DocumentClassShape", "Violation", 0.002),
}
RELATIONAL: Final[tuple[Kind, ...]] = ("cycle", "lower-level", "date-inversion")
STRUCTURAL: Final[tuple[Kind, ...]] = ("symbol-pattern", "symbol-type", "class-type", "indicator-sum", "task-sum")


@dataclass(frozen=True)
class Defect:
    """One injected defect and the results validation must report for it."""

    id: str
    kind: Kind
    focus: tuple[str, ...]
    description: str

    @property
    def shape(self) -> str:
        return SHAPES + KINDS[self.kind][0]

    @property
    def severity(self) -> Severity:
        return KINDS[self.kind][1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "description": self.description,
            "results": [{"focus": f, "shape": self.shape, "severity": self.severity} for f in self.focus],
        }


@dataclass
class Injector:
    """Decides where defects go (first chance forced, then by rate) and records them."""

    rng: random.Random
    pending: set[Kind] = field(default_factory=lambda: set(KINDS))
    defects: list[Defect] = field(default_factory=list)
    numbers: dict[Kind, int] = field(default_factory=dict)

    def chance(self, kind: Kind) -> bool:
        """Take this chance of injecting ``kind``? Always the first time, then with the kind's rate."""
        draw = self.rng.random()
        if kind in self.pending:
            self.pending.discard(kind)
            return True
        return draw < KINDS[kind][2]

    def structural(self) -> set[Kind]:
        """The structural defects one document gets: at most one forced, the others by rate; one symbol defect."""
        chosen: set[Kind] = set()
        forced = False
        for kind in STRUCTURAL:
            draw = self.rng.random()
            if kind in self.pending and not forced:
                self.pending.discard(kind)
                forced = True
                chosen.add(kind)
            elif kind not in self.pending and draw < KINDS[kind][2]:
                chosen.add(kind)
        if {"symbol-pattern", "symbol-type"} <= chosen:
            chosen.discard("symbol-type")
        return chosen

    def record(self, kind: Kind, focus: tuple[str, ...], description: str) -> None:
        self.numbers[kind] = self.numbers.get(kind, 0) + 1
        self.defects.append(Defect(f"{kind}-{self.numbers[kind]:04d}", kind, focus, description))

    def counts(self) -> dict[str, int]:
        return {kind: self.numbers.get(kind, 0) for kind in KINDS}


def manifest(defects: list[Defect], header: dict[str, Any]) -> str:
    """The ``defects.json`` text: the header (seed, size, counts…), then every defect with its expected results."""
    counts = {kind: sum(1 for d in defects if d.kind == kind) for kind in KINDS}
    body = {
        **header,
        "shapes": {
            kind: {"shape": SHAPES + shape, "severity": severity} for kind, (shape, severity, _) in KINDS.items()
        },
        "counts": counts,
        "expected_results": sum(len(d.focus) for d in defects),
        "defects": [d.to_dict() for d in defects],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
