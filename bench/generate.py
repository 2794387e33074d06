"""Synthetic national directive hierarchy for benchmarks and validation scoring.

## Generating a national-size graph (`bench/generate`)

```
python -m bench.generate --size S|M|L|<triples> --seed 42 --out DIR [--gzip]
```

writes `DIR/graph.nt` (or `graph.nt.gz`) and `DIR/defects.json`. The same seed and size always give the same bytes
(gzip included); another seed gives other documents over the same country.

**What is generated**, modelled exactly as `data/*.ttl` (docs/model.md) with IRIs from `graph_api.iris`:

- central documents of the Party (Bộ Chính trị, Ban Chấp hành Trung ương, Ban Bí thư): resolutions `NQ/TW`,
  conclusions `KL/TW` (some contributing to an earlier resolution) and directives `CT/TW`, dated 2016–2026;
- for each central document, the provinces' responses: the provincial Party committee's action programme
  (`N-CTr/TU`) implementing it and the People's Committee's plan (`N/KH-UBND`) implementing the programme, among
  the 63 real provinces until 30 June 2025 and the 34 after the 1 July 2025 reform;
- below each province, until the reform the district committees' programmes (`N-CTr/HU`, `N-CTr/QU`) and the district
  People's Committees' plans; from the reform (districts abolished) the communes' Party committees' programmes
  (`N-CTr/ĐU`, implementing the province's programme) and the commune People's Committees' plans;
- every document: symbol, number, type, issuer code, issuing agency, titles in Vietnamese and English, an issue date
  after what it implements, indicator groups with declared counts that add up, indicators with numeric targets
  (value or min/max, QUDT unit, comparator, year or period), task groups, tasks, assignments with roles (each assigned
  task has a lead or only implementers), and `dh:Statement`s for every relation, issue date and declared count;
- agencies (level, branch, jurisdiction, `org:subOrganizationOf`) and administrative units, written the first time
  a document names them; districts and communes have synthetic names, the same for every seed;
- evidence behind every node: `dh:Evidence` with a quote and `dh:source` to one of eight synthetic `dh:Source`s.

**The flagship.** From 10⁵ triples the first central document (always before the reform) is nationwide, as the
Politburo's major resolutions are: every province answers it, and from 5·10⁶ triples every district of every province
too (~700, about 1,500 documents in its lineage, the size the issue's figures were measured on); below that, as many
districts per province as the other documents get. It gives the benchmark's "largest lineage" a realistic size.

**Sizes.** `S` ≈ 10⁴ triples, `M` ≈ 10⁶, `L` ≈ 10⁷, or an explicit count. The size sets the number of central
documents (≈ 1.5 · (N/10⁴)^0.55), how many provinces answer each and how many districts or communes answer each
province, and (below 10⁵ triples) how many indicators and tasks a document has; generation stops at the first
province boundary past the target, so the count lands within about one province's documents of it. Output is
streamed: peak memory stays near 100 MB whatever the size. Measured on a 2-core machine: S (11 k triples, 30
documents) < 1 s; M (1.0 M triples, ~1,900 documents) 3 s; L (10 M triples, ~23,000 documents, 2.2 GB) 30 s, or
52 s gzipped (124 MB).

**Defects.** A small fraction of documents carry defects on purpose (docs in `bench/_defects.py`): implementation
cycles, date inversions, implementing a lower level, indicator or task groups that do not add up to the declared
total, symbols not matching their branch's pattern or with a wrong type code, and a class disagreeing with the
document type. The first chance of each kind is always taken, so every size has at least one of each. Everything
else validates clean: validating ontology + graph reports exactly the listed results.

**`defects.json`**: `{"generator", "version", "seed", "size", "target_triples", "triples", "documents", "data",
"shapes": {kind: {shape, severity}}, "counts": {kind: n}, "expected_results": n, "defects": [{"id", "kind",
"description", "results": [{"focus": IRI, "shape": "https://w3id.org/vn-directives/shapes#…", "severity":
"Violation"|"Warning"}]}]}`.
Score a validation run by comparing its (focus, shape) pairs with the union of the `results`.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench._defects import Injector, manifest
from bench._documents import Doc, Emitter, Spec, identify
from bench._gazetteer import CENTRAL_ASSIGNEES, CENTRAL_COMMITTEE, POLITBURO, REFORM, SECRETARIAT, Gazetteer, Unit
from bench._ntriples import FileSink, Sink
from bench._vocab import TOPICS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from bench._gazetteer import Level

Relational = Literal["cycle", "lower-level"]
SIZES: Final = {"S": 10_000, "M": 1_000_000, "L": 10_000_000}
DAY: Final = timedelta(days=1)
_BEFORE_REFORM: Final = REFORM - DAY

#: Party Central terms (numbering restarts): XII from 28 Jan 2016, XIII from 1 Feb 2021, XIV from 23 Jan 2026.
CENTRAL_TERMS: Final = (date(2016, 1, 28), date(2021, 2, 1), date(2026, 1, 23))
#: Local Party committees: congresses in Oct 2015 and Oct 2020, new committees from 1 Jul 2025, congresses Oct 2025.
LOCAL_TERMS: Final = (date(2015, 10, 15), date(2020, 10, 15), REFORM, date(2025, 10, 15))
#: Documents of a kind an issuer numbers per year (State) or per term (Party): the numbering rate.
RATES: Final = {"NQ": 10, "KL": 40, "CT": 6, "province": 15, "district": 12, "commune": 10, "plan": 250}
#: From this many triples the first central document is the nationwide flagship (below, it would be all there is).
NATIONWIDE: Final = 100_000
#: From this many triples the flagship is answered by every district as well.
NATIONWIDE_DISTRICTS: Final = 5_000_000
#: Bumped whenever the same seed and size give another graph: a cached graph of another version is regenerated.
VERSION: Final = 2


@dataclass(frozen=True)
class Plan:
    """How big the hierarchy under each central document is, for a target number of triples."""

    target: int
    provinces: int
    lower: int
    content: float


def parse_size(text: str) -> int:
    """``S``, ``M``, ``L`` or a number of triples (``250000``, ``2.5e6``)."""
    if text.upper() in SIZES:
        return SIZES[text.upper()]
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?([eE][0-9]+)?", text):
        raise argparse.ArgumentTypeError(f"size must be S, M, L or a number of triples, not {text!r}")
    value = int(float(text))
    if value < 1000:
        raise argparse.ArgumentTypeError("size must be at least 1000 triples")
    return value


def plan_for(target: int) -> Plan:
    """Content per document and fan-out per central document for ``target`` triples (estimates; see module doc)."""
    content = min(1.0, max(0.35, (target / 1e5) ** 0.25))
    central, province, lower = 40 + 420 * content, 60 + 600 * content, 50 + 300 * content
    centrals = max(2, round(1.5 * (target / 1e4) ** 0.55))
    budget = target / centrals
    lowers = 1
    provinces = (budget - central) / (2 * province + 2 * lowers * lower)
    while provinces > 48:
        lowers += 1
        provinces = (budget - central) / (2 * province + 2 * lowers * lower)
    return Plan(target, min(63, max(1, round(provinces))), lowers, content)


def _between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


class Hierarchy:
    """Walks the national hierarchy, central document by central document, into a sink until the target."""

    def __init__(self, seed: int, plan: Plan, sink: Sink) -> None:
        self.rng = random.Random(seed)
        self.plan = plan
        self.sink = sink
        self.gazetteer = Gazetteer()
        self.emitter = Emitter(random.Random(f"{seed}/content"), plan.content)
        self.injector = Injector(random.Random(f"{seed}/defects"))
        self.numbers: dict[tuple[str, str, int], set[int]] = {}
        self.centrals: list[Doc] = []
        self.documents = 0

    # -- numbering and writing ------------------------------------------------------------------------

    def number(self, issuer: str, type_code: str, day: date, *, terms: Sequence[date] | None, rate: int) -> int:
        """A number unused by this issuer for this type in the year (State) or Party term, rising with the date.

        The used numbers are the only state that grows with the output (a few integers per document).
        """
        if terms is None:
            period, start = day.year, date(day.year, 1, 1)
        else:
            period = sum(1 for t in terms if t <= day)
            start = terms[period - 1] if period else date(day.year, 1, 1)
        # A Party number is unique in its term, but the IRI has the year, and a year may span two terms.
        used = self.numbers.setdefault((issuer, type_code, period), set())
        in_year = self.numbers.setdefault((issuer, type_code, -day.year), set()) if terms is not None else used
        number = 1 + int((day - start).days / 365 * rate)
        while number in used or number in in_year:
            number += 1
        used.add(number)
        in_year.add(number)
        return number

    def write(self, spec: Spec, doc: Doc) -> None:
        """Write a document and record the structural defects it carries."""
        self.sink.write(self.emitter.document(spec, doc))
        self.documents += 1
        who = f"{doc.symbol} ({doc.issuer.name})"
        notes = {
            "symbol-pattern": f"{who} is written in the form of the other branch",
            "symbol-type": f"{who}: the type code in the symbol is not {spec.type_code}",
            "class-type": f"{who}: its class is not the class of document type {spec.type_code}",
            "indicator-sum": f"{who}: indicator groups do not add up to the declared total",
            "task-sum": f"{who}: task groups do not add up to the declared total",
        }
        for kind in sorted(spec.structural):
            self.injector.record(kind, (doc.iri,), notes[kind])

    def structural(self, spec: Spec) -> Spec:
        spec.structural = self.injector.structural()
        return spec

    # -- central level --------------------------------------------------------------------------------

    def central(self, index: int) -> Doc:
        rng = self.rng
        if index == 0 or (index > 1 and rng.random() >= 0.25):
            day = _between(rng, date(2016, 2, 1), date(2025, 3, 31))
        else:
            day = _between(rng, REFORM, date(2026, 3, 31))
        type_code = rng.choices(("NQ", "KL", "CT"), weights=(4, 4, 2))[0]
        issuers = {"NQ": (POLITBURO, CENTRAL_COMMITTEE), "KL": (POLITBURO, SECRETARIAT), "CT": (SECRETARIAT, POLITBURO)}
        issuer = issuers[type_code][0 if rng.random() < 0.65 else 1]
        topic = TOPICS[rng.randrange(len(TOPICS))]
        spec = Spec(
            type_code=type_code,
            issuer=issuer,
            issuer_code="TW",
            level="central",
            day=day,
            number=self.number("TW", type_code, day, terms=CENTRAL_TERMS, rate=RATES[type_code]),
            title_vi=topic.vi,
            title_en=topic.en,
            assignees=CENTRAL_ASSIGNEES["after" if day >= REFORM else "before"],
            topic_vi=topic.vi,
        )
        if type_code == "NQ":
            spec.period, spec.vision = (day.year, 2030 if day.year < 2026 else 2035), 2045
        earlier = [d for d in self.centrals if d.type_code == "NQ" and d.day < day]
        if type_code == "KL" and earlier and rng.random() < 0.5:
            spec.contributes_to = [rng.choice(earlier)]
        doc = identify(self.structural(spec))
        self.write(spec, doc)
        self.centrals.append(doc)
        return doc

    # -- provinces and below --------------------------------------------------------------------------

    def flagship(self, central: Doc) -> bool:
        """Whether the central document is the nationwide one (the first, from 10⁵ triples)."""
        return self.plan.target >= NATIONWIDE and central is self.centrals[0]

    def provinces(self, central: Doc) -> list[str]:
        after = central.day + timedelta(days=60) >= REFORM
        names = self.gazetteer.provinces(REFORM if after else _BEFORE_REFORM)
        wanted = len(names) if self.flagship(central) else min(self.plan.provinces, len(names))
        return self.rng.sample(names, wanted)

    def _lower_count(self, central: Doc, total: int) -> int:
        """How many of a province's ``total`` districts or communes answer the central document."""
        if self.flagship(central) and self.plan.target >= NATIONWIDE_DISTRICTS:
            return total
        return min(self.plan.lower, total)

    def _clamp(self, day: date, *, after: bool) -> date:
        return max(day, REFORM) if after else min(day, _BEFORE_REFORM)

    def _invert(self, parent: date, *, after: bool) -> date | None:
        """An issue date before ``parent`` in the same era, if there is one: a chance for a date inversion."""
        day = parent - timedelta(days=self.rng.randint(3, 40))
        return day if (day >= REFORM) == after else None

    def _maybe_invert(self, day: date, parent: date, *, after: bool) -> tuple[date, bool]:
        inverted = self._invert(parent, after=after)
        if inverted is not None and self.injector.chance("date-inversion"):
            return inverted, True
        return day, False

    def _relational(self) -> Relational | None:
        """The relational defect of a province's response (its programme and plan), if any."""
        if self.injector.chance("cycle"):
            return "cycle"
        if self.plan.lower and self.injector.chance("lower-level"):
            return "lower-level"
        return None

    def province(self, central: Doc, name: str) -> None:
        """A province's programme (A) and plan (B), and below them its districts' or communes' programmes and plans."""
        rng = self.rng
        after = central.day + timedelta(days=60) >= REFORM
        a_day = self._clamp(central.day + timedelta(days=rng.randint(15, 120)), after=after)
        unit = self.gazetteer.province(name, a_day)
        relational = self._relational()
        a_inverted = b_inverted = False
        if relational is None:
            a_day, a_inverted = self._maybe_invert(a_day, central.day, after=after)
        b_day = self._clamp(a_day + timedelta(days=rng.randint(7, 60)), after=after)
        lower_total = self.gazetteer.lower_units(name, a_day)
        lowers: list[tuple[Unit, date]] = []
        for index in rng.sample(range(lower_total), self._lower_count(central, lower_total)):
            d_day = self._clamp(a_day + timedelta(days=rng.randint(10, 90)), after=after)
            lowers.append((self.gazetteer.lower(unit, name, index, a_day), d_day))
        if relational == "cycle":
            b_day = a_day
        elif relational == "lower-level":
            b_day = max(b_day, lowers[0][1])
        else:
            b_day, b_inverted = (b_day, False) if a_inverted else self._maybe_invert(b_day, a_day, after=after)

        a_spec = self._programme(unit, "province", a_day, central)
        a_doc = identify(a_spec)
        b_spec = self._plan(unit, "province", b_day, a_doc)
        b_doc = identify(b_spec)
        below = [
            self._lower(lower_unit, a_doc, d_day, after=after, protected=relational == "lower-level" and i == 0)
            for i, (lower_unit, d_day) in enumerate(lowers)
        ]
        if relational == "cycle":
            a_spec.implements.append(b_doc)
            self.injector.record("cycle", (a_doc.iri, b_doc.iri),
                                 f"{a_doc.symbol} ({unit.party.name}) and {b_doc.symbol} ({unit.state.name}) "
                                 "implement each other")  # fmt: skip
        elif relational == "lower-level":
            b_spec.implements.append(below[0])
            self.injector.record("lower-level", (b_doc.iri,),
                                 f"{b_doc.symbol} ({unit.state.name}) also implements {below[0].symbol} "
                                 f"({below[0].issuer.name}), a lower level")  # fmt: skip
        for doc, inverted in ((a_doc, a_inverted), (b_doc, b_inverted)):
            if inverted:
                self._record_inversion(doc)
        self.write(a_spec, a_doc)
        self.write(b_spec, b_doc)

    def _lower(self, unit: Unit, parent: Doc, d_day: date, *, after: bool, protected: bool) -> Doc:
        """A district's or commune's programme (D, implementing the province's) and plan (E); returns D."""
        rng = self.rng
        level: Level = unit.place.level
        d_inverted = e_inverted = False
        if not protected:
            d_day, d_inverted = self._maybe_invert(d_day, parent.day, after=after)
        d_spec = self._programme(unit, level, d_day, parent)
        d_doc = identify(d_spec)
        e_day = self._clamp(d_day + timedelta(days=rng.randint(5, 45)), after=after)
        if not protected and not d_inverted:
            e_day, e_inverted = self._maybe_invert(e_day, d_day, after=after)
        e_spec = self._plan(unit, level, e_day, d_doc)
        e_doc = identify(e_spec)
        for doc, inverted in ((d_doc, d_inverted), (e_doc, e_inverted)):
            if inverted:
                self._record_inversion(doc)
        self.write(d_spec, d_doc)
        self.write(e_spec, e_doc)
        return d_doc

    def _record_inversion(self, doc: Doc) -> None:
        note = f"{doc.symbol} ({doc.issuer.name}) is dated {doc.day}, before what it implements"
        self.injector.record("date-inversion", (doc.iri,), note)

    def _programme(self, unit: Unit, level: Level, day: date, parent: Doc) -> Spec:
        terms = LOCAL_TERMS
        spec = Spec(
            type_code="CTr",
            issuer=unit.party,
            issuer_code=unit.party_code,
            level=level,
            day=day,
            number=self.number(unit.party.iri, "CTr", day, terms=terms, rate=RATES[level]),
            title_vi=f"Thực hiện {parent.ref_vi}",
            title_en=f"Implementing {parent.ref_en}",
            assignees=unit.party_assignees,
            implements=[parent],
        )
        return self.structural(spec)

    def _plan(self, unit: Unit, level: Level, day: date, parent: Doc) -> Spec:
        rate = RATES["plan"] if level == "province" else RATES["plan"] // (2 if level == "district" else 3)
        end = 2025 if day.year < 2021 else 2030
        spec = Spec(
            type_code="KH",
            issuer=unit.state,
            issuer_code="UBND",
            level=level,
            day=day,
            number=self.number(unit.state.iri, "KH", day, terms=None, rate=rate),
            title_vi=f"Triển khai thực hiện {parent.ref_vi}",
            title_en=f"Implementing {parent.ref_en}",
            assignees=unit.state_assignees,
            implements=[parent],
            period=(day.year, end),
        )
        return self.structural(spec)

    # -- the walk -------------------------------------------------------------------------------------

    def run(self, progress: Callable[[int], None]) -> None:
        self.sink.write(Emitter.sources())
        index = 0
        while self.sink.count < self.plan.target:
            central = self.central(index)
            index += 1
            for name in self.provinces(central):
                self.province(central, name)
                progress(self.sink.count)
                if self.sink.count >= self.plan.target:
                    break
        progress(self.sink.count)


@dataclass(frozen=True)
class Summary:
    """What a run wrote."""

    data: Path
    manifest: Path
    triples: int
    documents: int
    counts: dict[str, int]
    seconds: float


def generate(
    out: Path, *, size: str | int, seed: int, compress: bool = False, console: Console | None = None
) -> Summary:
    """Write ``graph.nt[.gz]`` and ``defects.json`` into ``out``; show progress on ``console`` when given."""
    target = parse_size(size) if isinstance(size, str) else size
    plan = plan_for(target)
    out.mkdir(parents=True, exist_ok=True)
    data = out / ("graph.nt.gz" if compress else "graph.nt")
    started = time.perf_counter()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with FileSink(data, compress=compress) as sink, Progress(*columns, console=console, disable=console is None) as bar:
        task = bar.add_task(f"Generating ≈{target:,} triples", total=target)
        hierarchy = Hierarchy(seed, plan, sink)
        hierarchy.run(lambda count: bar.update(task, completed=min(count, target)))
    seconds = time.perf_counter() - started
    header = {
        "generator": "bench.generate",
        "version": VERSION,
        "seed": seed,
        "size": str(size),
        "target_triples": target,
        "triples": sink.count,
        "documents": hierarchy.documents,
        "central_documents": len(hierarchy.centrals),
        "plan": {"provinces_per_central": plan.provinces, "lower_per_province": plan.lower,
                 "content": round(plan.content, 3)},
        "data": data.name,
    }  # fmt: skip
    path = out / "defects.json"
    path.write_text(manifest(hierarchy.injector.defects, header), encoding="utf-8")
    return Summary(data, path, sink.count, hierarchy.documents, hierarchy.injector.counts(), seconds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", default="S", help="S (~1e4 triples), M (~1e6), L (~1e7) or a number of triples")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed and size: same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--gzip", action="store_true", help="write graph.nt.gz instead of graph.nt")
    args = parser.parse_args(argv)
    try:
        parse_size(args.size)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    console = Console(stderr=True)
    summary = generate(args.out, size=args.size, seed=args.seed, compress=args.gzip, console=console)
    defects = ", ".join(f"{kind} {n}" for kind, n in summary.counts.items())
    console.print(
        f"{summary.data}: {summary.triples:,} triples, {summary.documents:,} documents in {summary.seconds:.1f} s\n"
        f"{summary.manifest}: {sum(summary.counts.values())} defects ({defects})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
