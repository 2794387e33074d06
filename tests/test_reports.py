"""graph_api.reports (cached report, formats, submissions) and graph_api.shape_catalogue."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import pytest
import rdflib
from conftest import DOCUMENTS_TTL, ROOT, make_store

from graph_api.errors import BadRequest, LoadError, UnsupportedMediaType
from graph_api.iris import DEFAULT_BASE as BASE
from graph_api.namespaces import SH
from graph_api.reports import (
    CSV_COLUMNS,
    cached_report,
    parse_severities,
    parse_submission,
    report_csv,
    report_json,
    report_turtle,
    validate_submission,
)
from graph_api.shape_catalogue import shape_catalogue
from graph_api.store import Source

if TYPE_CHECKING:
    from graph_api.store import GraphStore

KH139 = BASE + "document/ubnd-thanh-pho-ha-noi/kh/2023/139"


@pytest.fixture(scope="module")
def small_store() -> GraphStore:
    """The fixture documents with the project's shapes: quick to validate."""
    store = make_store(DOCUMENTS_TTL)
    store.load([Source(path, "shapes") for path in sorted((ROOT / "shapes").glob("*.ttl"))], progress=False)
    return store


def test_seed_report_is_cached_and_complete(project_store: GraphStore) -> None:
    report = cached_report(project_store)
    assert cached_report(project_store) is report
    body = report_json(report)
    assert body["conforms"] is True
    assert body["counts"] == {"Violation": 0, "Warning": 2, "Info": 2}
    [group_sum] = [r for r in body["results"] if r["shape"].endswith("IndicatorGroupSumShape")]
    assert group_sum["focusNode"] == KH139
    assert group_sum["severity"] == "Warning"
    assert set(group_sum["message"]) == {"vi", "en"}
    assert set(group_sum) >= {"focusNode", "shape", "path", "value", "severity", "message"}


def test_severity_filter_and_formats(project_store: GraphStore) -> None:
    report = cached_report(project_store)
    warnings = report_json(report, {"Warning"})
    assert {r["severity"] for r in warnings["results"]} == {"Warning"}
    assert len(warnings["results"]) == 2
    rows = list(csv.DictReader(io.StringIO(report_csv(report, {"Info"}))))
    assert [r["severity"] for r in rows] == ["Info", "Info"]
    assert tuple(rows[0]) == CSV_COLUMNS
    graph = rdflib.Graph().parse(data=report_turtle(report), format="turtle")
    assert len(list(graph.subjects(rdflib.RDF.type, SH.ValidationReport))) == 1
    assert len(list(graph.subjects(rdflib.RDF.type, SH.ValidationResult))) == 4
    filtered = rdflib.Graph().parse(data=report_turtle(report, {"Warning"}), format="turtle")
    severities = set(filtered.objects(None, SH.resultSeverity))
    assert severities == {SH.Warning}
    assert len(list(filtered.subjects(rdflib.RDF.type, SH.ValidationResult))) == 2


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), (["warning"], {"Warning"}), (["Violation,Info"], {"Violation", "Info"}), (["info", "INFO"], {"Info"})],
)
def test_parse_severities(values: list[str], expected: set[str] | None) -> None:
    assert parse_severities(values) == expected


def test_parse_severities_refuses_unknown() -> None:
    with pytest.raises(BadRequest, match="unknown severity 'fatal'"):
        parse_severities(["fatal"])


def test_parse_submission_formats_and_errors() -> None:
    turtle = b'<document/x> <https://w3id.org/vn-directives/ontology#symbol> "1/KH-UBND" .'
    [triple] = parse_submission(turtle, "text/turtle; charset=utf-8", base_iri=BASE)
    assert triple.subject.value == BASE + "document/x"
    jsonld = b'{"@id": "http://example.org/a", "http://example.org/p": "v"}'
    assert len(parse_submission(jsonld, "application/ld+json", base_iri=BASE)) == 1
    with pytest.raises(LoadError) as bad:
        parse_submission(b"<a> <b> .\n<c> <d> <e> <f> .", "text/turtle", base_iri=BASE)
    assert bad.value.status == 422
    assert bad.value.file == "request body"
    with pytest.raises(UnsupportedMediaType):
        parse_submission(turtle, "application/pdf", base_iri=BASE)
    with pytest.raises(UnsupportedMediaType, match="not UTF-8"):
        parse_submission(b'<a> <b> "\xe0" .', "text/turtle", base_iri=BASE)


def test_submission_is_validated_on_a_copy(small_store: GraphStore) -> None:
    before, revision = len(small_store), small_store.revision
    baseline = cached_report(small_store)
    submitted = parse_submission(
        b"@prefix dh: <https://w3id.org/vn-directives/ontology#> .\n"
        b'<document/ubnd-thanh-pho-ha-noi/kh/2022/306> dh:symbol "999/KH-UBND" .',
        "text/turtle",
        base_iri=BASE,
    )
    report = validate_submission(small_store, submitted)
    assert (len(small_store), small_store.revision) == (before, revision)
    body = report_json(report, baseline=baseline)
    new = [r for r in body["results"] if r["new"]]
    assert new, "a second symbol on a document is reported"
    assert all(r["focusNode"].endswith("/kh/2022/306") for r in new)
    assert body["conforms"] is False


def test_shape_catalogue(project_store: GraphStore) -> None:
    shapes = {entry.iri.rsplit("#", 1)[-1]: entry.to_dict() for entry in shape_catalogue(project_store)}
    assert len(shapes) >= 20
    group_sum = shapes["IndicatorGroupSumShape"]
    assert group_sum["severity"] == "Warning"
    assert group_sum["file"] == "consistency"
    for key in ("name", "description", "message"):
        assert list(group_sum[key]) == ["vi", "en"], key
    assert shapes["DocumentShape-issueDate"]["path"] == "dh:issueDate"
    assert "dhs:DocumentShape-issueDate" in shapes["DocumentShape"]["properties"]
    assert {e["severity"] for e in shapes.values()} <= {"Violation", "Warning", "Info"}
    assert shape_catalogue(make_store(DOCUMENTS_TTL)) == []
