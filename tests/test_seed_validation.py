"""The curated seed graph (ontology + data/*.ttl) gives exactly the validation report of docs/model.md.

Four results, none a Violation: two warnings about the sources (the 139/KH-UBND indicator groups add up to 25, not
the 26 declared; seed 000 prints the date of 15-NQ/TW as "5/5/52022") and two infos (the years of 306/KH-UBND and
08/CTr-UBND are not printed and were inferred). Anything more or less is a defect of the shapes or of the data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from graph_api.loading import build_store
from graph_api.namespaces import DH, DHS
from graph_api.settings import Settings
from graph_api.validation import ValidationReport, validate, validate_graph

ROOT = Path(__file__).resolve().parent.parent
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))

pytestmark = pytest.mark.skipif(not DATA_FILES, reason="data/ has no .ttl file yet: nothing to validate")

ID = "https://w3id.org/vn-directives/id/document/"
NQ15 = ID + "bo-chinh-tri/nq/2022/15"
KH139 = ID + "ubnd-thanh-pho-ha-noi/kh/2023/139"
KH306 = ID + "ubnd-thanh-pho-ha-noi/kh/2022/306"
CTR08 = ID + "ubnd-thanh-pho-ha-noi/ctr/2025/08"

#: (focus, shape, severity, value or None when not asserted)
EXPECTED = {
    (KH139, str(DHS.IndicatorGroupSumShape), "Warning", "26"),
    (NQ15, str(DHS.PrintedDatePlausibleShape), "Warning", "5/5/52022"),
    (KH306, str(DHS.InferredYearShape), "Info", "2022-11-30"),
    (CTR08, str(DHS.InferredYearShape), "Info", "2025-08-25"),
}


def key(report: ValidationReport) -> set[tuple[str, str, str, str | None]]:
    return {(r.focus_node, r.shape, r.severity, r.value) for r in report.results}


@pytest.fixture(scope="module")
def report() -> ValidationReport:
    """Ontology + data as the data graph (the code lists live in the ontology), the ontology as ont_graph."""
    ontology = rdflib.Graph().parse(ROOT / "ontology" / "directives.ttl", format="turtle")
    data = rdflib.Graph()
    for path in DATA_FILES:
        data.parse(path, format="turtle")
    data += ontology
    shapes = rdflib.Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return validate_graph(data, shapes, ontology)


def test_seed_report_is_exactly_the_documented_one(report: ValidationReport) -> None:
    assert key(report) == EXPECTED, report.to_text()
    assert len(report.results) == 4, report.to_text()


def test_seed_graph_conforms(report: ValidationReport) -> None:
    assert report.conforms
    assert report.counts() == {"Violation": 0, "Warning": 2, "Info": 2}


def test_group_sum_warning_names_both_numbers(report: ValidationReport) -> None:
    (result,) = [r for r in report.results if r.shape == str(DHS.IndicatorGroupSumShape)]
    assert result.path == str(DH.declaredIndicatorCount)
    for language in ("vi", "en"):
        assert "25" in result.message[language]
        assert "26" in result.message[language]


def test_inferred_year_infos_are_on_the_issue_date(report: ValidationReport) -> None:
    infos = [r for r in report.results if r.severity == "Info"]
    assert {r.path for r in infos} == {str(DH.issueDate)}
    assert all(set(r.message) == {"vi", "en"} for r in report.results)


def test_the_project_store_gives_the_same_report(report: ValidationReport) -> None:
    """The product path: settings -> store (ontology, data, shapes graphs) -> validate()."""
    store = build_store(Settings(_env_file=None), progress=False)
    try:
        assert key(validate(store)) == key(report)
    finally:
        store.close()
