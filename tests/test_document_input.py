"""A document written as JSON (graph_api.document_input, document_rdf, document_edit): the round trip of every seed
document, a new document that conforms to the shapes, and every error naming its JSON path.

The new documents below are TEST DATA, made up for these tests, and cite a made-up source (``source/test-fixture``)
loaded as an extra file: none of it is a fact from the seed articles, and none of it is ever written to data/.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pytest
from conftest import CTR06_HN, CTR06_HP, CTR08, KH306, KH355, server_settings

from graph_api.document_detail import document_detail
from graph_api.document_edit import document_closure, document_for_edit, shared_evidence
from graph_api.document_input import parse_document
from graph_api.document_rdf import document_to_rdf
from graph_api.documents import document_index
from graph_api.errors import (
    AmbiguousReference,
    DocumentInputError,
    IdentityMismatch,
    InvalidDocument,
    MissingEvidence,
    UnresolvedReference,
)
from graph_api.iris import DEFAULT_BASE as BASE
from graph_api.iris import evidence_iri
from graph_api.loading import build_store
from graph_api.reports import validate_submission
from graph_api.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

    from graph_api.store import GraphStore

TEST_SOURCE = BASE + "source/test-fixture"
TEST_SOURCE_TTL = f"""
@prefix dh: <https://w3id.org/vn-directives/ontology#> .
# TEST DATA: a made-up source for the made-up documents of tests/test_document_input.py.
<{TEST_SOURCE}> a dh:Source ; dh:seedFile "test-fixture.txt" .
"""
DH = "https://w3id.org/vn-directives/ontology#"
NEW_IRI = BASE + "document/ubnd-thanh-pho-ha-noi/kh/2023/99"
SDT = BASE + "agency/so-ke-hoach-va-dau-tu-ha-noi"


def new_plan() -> dict[str, Any]:
    """TEST DATA, made up: a plan of the Hanoi People's Committee implementing 306/KH-UBND, written as a curator
    would write a new one: references by symbol and label, no IRIs, one default evidence."""
    return {
        "symbol": "99/KH-UBND",
        "type": "ImplementationPlan",
        "title": "Kế hoạch thử nghiệm triển khai Kế hoạch số 306/KH-UBND",
        "titleEn": "Test plan implementing Plan No. 306/KH-UBND",
        "issuer": {"label": "UBND thành phố Hà Nội"},
        "date": "2023-03-01",
        "signedBy": {"name": "Trần Sỹ Thanh", "post": {"label": "Chủ tịch UBND thành phố Hà Nội"}},
        "implements": ["306/KH-UBND"],
        "indicators": {
            "declared": 1,
            "groups": [{"label": "Kinh tế", "labelEn": "Economy", "count": 1}],
            "targets": [
                {
                    "label": "Tăng trưởng GRDP",
                    "labelEn": "GRDP growth",
                    "group": 1,
                    "year": 2025,
                    "value": 7.50,
                    "unit": "%",
                    "unitIri": "http://qudt.org/vocab/unit/PERCENT",
                    "comparator": "reach",
                }
            ],
        },
        "tasks": {
            "declared": 1,
            "assignments": [
                {
                    "task": {"label": "Báo cáo kết quả thực hiện", "labelEn": "Report on the results"},
                    "agency": {"label": "Sở Kế hoạch và Đầu tư Hà Nội"},
                    "role": "lead",
                },
                {
                    "task": {"label": "Báo cáo kết quả thực hiện"},
                    "agency": {"label": "Văn phòng UBND thành phố Hà Nội"},
                    "role": "coordinate",
                },
            ],
        },
        "evidence": {
            "source": TEST_SOURCE,
            "quote": "Ngày 01/3/2023, UBND thành phố ban hành Kế hoạch số 99/KH-UBND triển khai Kế hoạch 306/KH-UBND",
        },
    }


@pytest.fixture(scope="module")
def test_store(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    """The seed graph plus the made-up test source (an extra file, never data/)."""
    path: Path = tmp_path_factory.mktemp("document-input") / "test-source.ttl"
    path.write_text(TEST_SOURCE_TTL, encoding="utf-8")
    fields, _ = server_settings()  # stopped with the others at the end of the session
    settings = Settings(_env_file=None, store=None, extra_files=[path], load_project=True, **fields)
    return build_store(settings, progress=False)


def convert(payload: dict[str, Any], store: GraphStore) -> set[ox.Triple]:
    return set(document_to_rdf(payload, store=store, base=BASE).triples)


def diff(stored: set[ox.Triple], produced: set[ox.Triple]) -> str:
    missing = sorted(f"  - {t}" for t in stored - produced)
    extra = sorted(f"  + {t}" for t in produced - stored)
    return "\n".join(["in the store, not produced:", *missing, "produced, not in the store:", *extra])


# -- the round trip ----------------------------------------------------------------------------------------------


def test_every_seed_document_round_trips(project_store: GraphStore) -> None:
    documents = [item.id for item in document_index(project_store, BASE).items]
    assert len(documents) == 27
    failures = {}
    for iri in documents:
        payload = json.loads(json.dumps(document_for_edit(project_store, iri), ensure_ascii=False))
        produced = convert(payload, project_store)
        stored = document_closure(project_store, iri)
        assert stored, iri
        if produced != stored:
            failures[iri] = diff(stored, produced)
    assert not failures, "\n\n".join(f"{iri}\n{text}" for iri, text in failures.items())


def test_the_round_trip_is_exact_under_another_base(tmp_path: Path) -> None:
    """Statement IRIs hash IRIs under the default base, so a store re-based elsewhere round-trips too."""
    base = "http://example.org/kg/"
    fields, stop = server_settings()
    store = build_store(Settings(_env_file=None, store=None, base_iri=base, **fields), progress=False)
    try:
        iri = CTR08.replace(BASE, base)
        produced = document_to_rdf(document_for_edit(store, iri, base=base), store=store, base=base)
        assert produced.iri == iri
        assert set(produced.triples) == document_closure(store, iri)
    finally:
        stop()


def test_the_same_json_gives_the_same_ntriples(project_store: GraphStore) -> None:
    edit = document_for_edit(project_store, CTR08)
    reordered = json.loads(json.dumps(dict(reversed(list(edit.items()))), ensure_ascii=False))
    first = document_to_rdf(edit, store=project_store, base=BASE).ntriples()
    assert first == document_to_rdf(reordered, store=project_store, base=BASE).ntriples()
    assert first.endswith(" .\n")
    assert first.splitlines() == sorted(first.splitlines())


def within(edit: Any, read: Any) -> Any:
    """``edit`` restricted to the fields ``read`` has, recursively (extra list items are kept, to be seen)."""
    if isinstance(read, dict) and isinstance(edit, dict):
        return {key: within(edit.get(key), value) for key, value in read.items()}
    if isinstance(read, list) and isinstance(edit, list):
        return [within(e, r) for e, r in zip(edit, read, strict=False)] + edit[len(read) :]
    return edit


def test_the_edit_view_is_the_read_view_plus_fields(project_store: GraphStore) -> None:
    for item in document_index(project_store, BASE).items:
        detail = document_detail(project_store, item.id, BASE)
        edit = document_for_edit(project_store, item.id)
        # the rows the read view cannot show: indicators without a target, tasks without an assignment
        edit["indicators"]["targets"] = [r for r in edit["indicators"]["targets"] if r["target"]]
        edit["tasks"]["assignments"] = [r for r in edit["tasks"]["assignments"] if r["assignment"]]
        assert within(edit, detail) == detail, item.id
        assert set(edit) > set(detail)


def test_the_edit_view_shows_what_the_read_view_hides(project_store: GraphStore) -> None:
    xvii = BASE + "document/thanh-uy-ha-noi/ctr/khoa-xvii/thuc-hien-nghi-quyet-dai-hoi"
    edit = document_for_edit(project_store, xvii)
    assert (edit["number"], edit["shortTitle"]) == (None, "thuc-hien-nghi-quyet-dai-hoi")
    assert edit["term"] == BASE + "term/thanh-uy-ha-noi/xvii"
    unassigned = [r for r in edit["tasks"]["assignments"] if r["assignment"] is None]
    assert len(unassigned) == 21
    assert all(r["task"]["evidence"] and r["task"]["labelEn"] for r in unassigned)
    grdp = next(r for r in edit["indicators"]["targets"] if r["target"].endswith("tang-truong-grdp/target/2021-2025"))
    assert (grdp["min"], grdp["max"], grdp["measure"], grdp["measureEn"]) == (
        7.5,
        8,
        "bình quân/năm",
        "average per year",
    )
    stated = document_for_edit(project_store, KH306)["statements"]
    assert {(s["property"], s["certainty"]) for s in stated} == {
        ("implements", "stated"),
        ("declaredIndicatorCount", "stated"),
    }
    assert all(s["evidence"]["source"].startswith(BASE + "source/") for s in stated)


def test_the_closure_holds_no_shared_node(project_store: GraphStore) -> None:
    closure = document_closure(project_store, CTR08)
    subjects = {t.subject.value for t in closure if isinstance(t.subject, ox.NamedNode)}
    assert all(s.startswith((CTR08, BASE + "evidence/")) for s in subjects)
    implements = ox.Triple(ox.NamedNode(CTR08), ox.NamedNode(DH + "implements"), ox.NamedNode(KH355))
    assert implements in closure
    assert not any(t.object == ox.NamedNode(CTR08) and t.predicate == ox.NamedNode(DH + "implements") for t in closure)
    assert document_closure(project_store, BASE + "document/none") == set()


def test_shared_evidence_is_what_other_nodes_cite_too(project_store: GraphStore) -> None:
    shared = shared_evidence(project_store, CTR08)
    # the Capital Law and the two master plans cite the quote 08/CTr-UBND's contributesTo statements rest on
    assert BASE + "evidence/002_da90ba9f956f9d1b-3ba6b610cc" in shared
    own = {t.object.value for t in document_closure(project_store, CTR08) if t.predicate.value.endswith("#evidence")}
    assert shared < own
    assert BASE + "evidence/002_da90ba9f956f9d1b-e29982f9ef" not in shared  # cited by 08/CTr-UBND only


# -- a new document ----------------------------------------------------------------------------------------------


def test_a_new_plan_conforms_to_the_shapes(test_store: GraphStore) -> None:
    rdf = document_to_rdf(new_plan(), store=test_store, base=BASE)
    assert rdf.iri == NEW_IRI
    report = validate_submission(test_store, rdf.triples)
    assert report.of("Violation") == [], report.to_text()
    assert not [r for r in report.results if r.focus_node.startswith(NEW_IRI)], report.to_text()


def test_the_shapes_see_the_new_plan(test_store: GraphStore) -> None:
    """The control: the same plan dated before the plan it implements is a violation."""
    early = new_plan() | {"date": "2022-01-10", "symbol": "98/KH-UBND"}
    report = validate_submission(test_store, document_to_rdf(early, store=test_store, base=BASE).triples)
    assert {(r.focus_node, r.shape.rsplit("#", 1)[-1]) for r in report.of("Violation")} == {
        (BASE + "document/ubnd-thanh-pho-ha-noi/kh/2022/98", "ImplementsDateShape")
    }


def test_what_a_new_plan_is_made_of(test_store: GraphStore) -> None:
    triples = convert(new_plan(), test_store)
    by = {(t.subject.value, t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]): t.object for t in triples}
    assert by[(NEW_IRI, "implements")] == ox.NamedNode(KH306)
    assert by[(NEW_IRI, "issuerCode")] == ox.NamedNode("https://w3id.org/vn-directives/code/issuer-code/UBND")
    assert by[(NEW_IRI, "signedBy")] == ox.NamedNode(BASE + "person/tran-sy-thanh")
    target = NEW_IRI + "/indicator/tang-truong-grdp/target/2025"
    assert by[(target, "value")] == ox.Literal("7.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
    assert by[(NEW_IRI + "/indicator/tang-truong-grdp", "inIndicatorGroup")] == ox.NamedNode(
        NEW_IRI + "/indicator-group/1"
    )
    # two rows, one task (same label), two assignments
    assert {t.object for t in triples if t.predicate.value == DH + "assignedTask"} == {
        ox.NamedNode(NEW_IRI + "/task/1")
    }
    assert by[(NEW_IRI + "/assignment/1", "assignee")] == ox.NamedNode(SDT)
    # one stated statement per fact: implements, issueDate and both declared counts, each on the default evidence
    statements = {t.subject.value for t in triples if t.predicate.value.endswith("#certainty")}
    assert sorted(s.rsplit("/", 1)[-1].split("-")[0] for s in statements) == [
        "declaredIndicatorCount",
        "declaredTaskCount",
        "implements",
        "issueDate",
    ]
    quote = new_plan()["evidence"]["quote"]
    evidence = ox.NamedNode(evidence_iri("test-fixture", quote))
    cited = {t.subject.value for t in triples if t.predicate.value == DH + "evidence"}
    assert all(ox.Triple(ox.NamedNode(s), ox.NamedNode(DH + "evidence"), evidence) in triples for s in cited)
    assert (
        len(cited) == 1 + 1 + 1 + 1 + 1 + 2 + 4
    )  # document, group, indicator, target, task, 2 assignments, 4 statements


def test_own_evidence_overrides_the_default(test_store: GraphStore) -> None:
    plan = new_plan()
    quote = {"source": TEST_SOURCE, "quote": "Tăng trưởng GRDP đạt 7,5%"}
    plan["indicators"]["targets"][0]["evidence"] = [quote]
    plan["implements"] = [{"symbol": "306/KH-UBND", "evidence": [quote]}]
    triples = convert(plan, test_store)
    own = ox.NamedNode(evidence_iri("test-fixture", quote["quote"]))
    target = ox.NamedNode(NEW_IRI + "/indicator/tang-truong-grdp/target/2025")
    cites = ox.NamedNode(DH + "evidence")
    assert {t.object for t in triples if t.subject == target and t.predicate == cites} == {own}
    implements = [t.subject for t in triples if t.object == ox.NamedNode(DH + "implements")]
    assert [t.object for t in triples if t.subject in implements and t.predicate == cites] == [own]


def test_text_is_brought_to_nfc_and_the_quote_kept(test_store: GraphStore) -> None:
    def nfd(value: Any) -> Any:
        if isinstance(value, str):
            return unicodedata.normalize("NFD", value)
        if isinstance(value, dict):
            return {k: nfd(v) for k, v in value.items()}
        return [nfd(v) for v in value] if isinstance(value, list) else value

    decomposed = nfd(new_plan())
    assert decomposed["title"] != new_plan()["title"]
    assert document_to_rdf(decomposed, store=test_store, base=BASE).ntriples() == (
        document_to_rdf(new_plan(), store=test_store, base=BASE).ntriples()
    )
    quotes = {t.object.value for t in convert(decomposed, test_store) if t.predicate.value == DH + "quote"}
    assert quotes == {new_plan()["evidence"]["quote"]}
    assert all(unicodedata.is_normalized("NFC", q) for q in quotes)


def test_decimals_are_kept_in_the_stores_canonical_form(test_store: GraphStore) -> None:
    values = {}
    for written in (8.0, "8.0", "7.50", 1e-05, 12000):
        plan = new_plan()
        plan["indicators"]["targets"][0]["value"] = written
        found = [t.object.value for t in convert(plan, test_store) if t.predicate.value == "https://schema.org/value"]
        values[str(written)] = found[0]
    assert values == {"8.0": "8", "7.50": "7.5", "1e-05": "0.00001", "12000": "12000"}


# -- errors: each typed, each naming its JSON path ------------------------------------------------------------------


def error_of(payload: Any, store: GraphStore) -> DocumentInputError:
    with pytest.raises(DocumentInputError) as caught:
        document_to_rdf(payload, store=store, base=BASE)
    assert str(caught.value).startswith(caught.value.path + ": ")
    assert caught.value.status == 422
    return caught.value


def test_an_unknown_field_is_named_with_its_path(test_store: GraphStore) -> None:
    plan = new_plan()
    plan["indicators"]["targets"][0]["valeu"] = 7
    plan["tasks"]["assignments"][1]["task"]["owner"] = "x"
    error = error_of(plan, test_store)
    assert isinstance(error, InvalidDocument)
    assert error.errors == [
        {"path": "$.indicators.targets[0].valeu", "message": "unknown field 'valeu'"},
        {"path": "$.tasks.assignments[1].task.owner", "message": "unknown field 'owner'"},
    ]
    assert str(error) == "$.indicators.targets[0].valeu: unknown field 'valeu' (and 1 more)"
    assert error.extra()["errors"] == error.errors


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"date": "30/11/2022"}, "$.date", "'30/11/2022' is not a date written YYYY-MM-DD"),
        ({"date": "2023-02-30"}, "$.date", "'2023-02-30' is not a calendar date"),
        ({"period": {"start": "2021"}}, "$.period.start", "an integer is required"),
        ({"type": ""}, "$.type", "String should have at least 1 character"),
        ({"issuer": {}}, "$.issuer", "give the id or the label"),
        ({"implements": [{"key": "document/x"}]}, "$.implements[0]", "give the related document's id or symbol"),
    ],
)
def test_a_value_of_the_wrong_form_is_named_with_its_path(
    test_store: GraphStore, change: dict[str, Any], path: str, message: str
) -> None:
    error = error_of(new_plan() | change, test_store)
    assert isinstance(error, InvalidDocument)
    assert (error.path, error.detail) == (path, message)


def test_a_document_is_a_json_object(test_store: GraphStore) -> None:
    assert error_of([new_plan()], test_store).path == "$"
    assert parse_document(new_plan()).symbol == "99/KH-UBND"


def test_an_unknown_symbol_is_unresolved_with_the_nearest(test_store: GraphStore) -> None:
    error = error_of(new_plan() | {"implements": ["307/KH-UBND"]}, test_store)
    assert isinstance(error, UnresolvedReference)
    assert error.path == "$.implements[0].symbol"
    assert "306/KH-UBND" in error.nearest


def test_an_ambiguous_symbol_names_the_candidates(documents_store: GraphStore) -> None:
    """The fixture graph has 06-CTr/TU in Hanoi and in Hai Phong."""
    plan = {
        "symbol": "07/KH-UBND",
        "type": "ImplementationPlan",
        "implements": [CTR08, "06-CTr/TU"],
        "evidence": {"source": BASE + "source/000", "quote": "Kế hoạch số 07/KH-UBND"},
    }
    error = error_of(plan, documents_store)
    assert isinstance(error, AmbiguousReference)
    assert error.path == "$.implements[1].symbol"
    assert error.candidates == sorted([CTR06_HN, CTR06_HP])
    assert f"matches 2 documents: {CTR06_HN}, {CTR06_HP}" in str(error)


def test_an_id_that_is_not_the_minted_iri_is_refused(test_store: GraphStore) -> None:
    error = error_of(new_plan() | {"id": BASE + "document/ubnd-thanh-pho-ha-noi/kh/2024/99"}, test_store)
    assert isinstance(error, IdentityMismatch)
    assert (error.path, error.expected) == ("$.id", NEW_IRI)
    assert document_to_rdf(new_plan() | {"id": NEW_IRI}, store=test_store, base=BASE).iri == NEW_IRI


def test_nested_ids_belong_to_the_document(test_store: GraphStore) -> None:
    plan = new_plan()
    plan["tasks"]["assignments"][0]["task"]["id"] = KH306 + "/task/1"
    error = error_of(plan, test_store)
    assert isinstance(error, IdentityMismatch)
    assert error.path == "$.tasks.assignments[0].task.id"
    plan = new_plan()
    plan["indicators"]["targets"][0]["target"] = NEW_IRI + "/indicator/tang-truong-grdp/target/2030"
    error = error_of(plan, test_store)
    assert isinstance(error, IdentityMismatch)
    assert (error.path, error.expected) == (
        "$.indicators.targets[0].target",
        NEW_IRI + "/indicator/tang-truong-grdp/target/2025",
    )


def test_missing_evidence_is_named_where_it_is_missing(test_store: GraphStore) -> None:
    plan = new_plan()
    default = plan.pop("evidence")
    error = error_of(plan, test_store)
    assert isinstance(error, MissingEvidence)
    assert error.path == "$.sources"
    plan["sources"] = [default]
    assert error_of(plan, test_store).path == "$.indicators.groups[0].evidence"
    plan["indicators"] = plan["tasks"] = {}
    assert error_of(plan, test_store).path == "$.implements[0]"
    plan["implements"] = [{"symbol": "306/KH-UBND", "evidence": [default]}]
    error = error_of(plan, test_store)
    assert isinstance(error, MissingEvidence)
    assert error.path == "$.date"
    plan["statements"] = [{"property": "issueDate", "value": "2023-03-01", "asPrinted": "01/3/2023"}]
    assert error_of(plan, test_store).path == "$.statements[0].evidence"
    plan["statements"][0]["evidence"] = default
    assert document_to_rdf(plan, store=test_store, base=BASE).iri == NEW_IRI


def test_rows_about_one_node_must_agree(test_store: GraphStore) -> None:
    plan = new_plan()
    plan["tasks"]["assignments"][1]["task"]["labelEn"] = "Something else"
    error = error_of(plan, test_store)
    assert isinstance(error, InvalidDocument)
    assert error.path == "$.tasks.assignments[1].task.labelEn"
    assert "$.tasks.assignments[0].task.labelEn" in error.detail


@pytest.mark.parametrize(
    ("edit", "kind", "path"),
    [
        (lambda p: p["tasks"]["assignments"][0].update(role="boss"), InvalidDocument, "$.tasks.assignments[0].role"),
        (lambda p: p["issuer"].update(label="UBND Hà Nội"), UnresolvedReference, "$.issuer.label"),
        (lambda p: p["issuer"].update(id=SDT), InvalidDocument, "$.issuer.label"),
        (lambda p: p["indicators"]["targets"][0].update(group=2), InvalidDocument, "$.indicators.targets[0].group"),
        (
            lambda p: p.update(statements=[{"property": "basedOn", "value": "306/KH-UBND"}]),
            InvalidDocument,
            "$.statements[0].value",
        ),
        (lambda p: p["evidence"].update(source=BASE + "source/none"), UnresolvedReference, "$.evidence.source"),
        (lambda p: p.update(type="Plan"), InvalidDocument, "$.type"),
        (lambda p: p.update(typeCode="NQ"), InvalidDocument, "$.typeCode"),
    ],
)
def test_references_and_codes_are_checked(test_store: GraphStore, edit: Any, kind: type, path: str) -> None:
    plan = copy.deepcopy(new_plan())
    edit(plan)
    error = error_of(plan, test_store)
    assert isinstance(error, kind)
    assert error.path == path
