"""graph_api.documents on the project graph (the seed answers) and on the fixture graph (ambiguous symbols)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from conftest import CTR06_HN, CTR06_HP, CTR08, CTR12, CTR16, KH306, NQ15

from graph_api.documents import (
    AmbiguousDocument,
    document_index,
    document_key,
    find_document,
    list_documents,
    natural_key,
    number,
)
from graph_api.errors import BadRequest, DocumentNotFound
from graph_api.iris import DEFAULT_BASE as BASE

if TYPE_CHECKING:
    from graph_api.store import GraphStore

KH139 = BASE + "document/ubnd-thanh-pho-ha-noi/kh/2023/139"
NQ15_CENTRAL = NQ15


def test_key_is_the_iri_without_the_base() -> None:
    assert document_key(KH306, BASE) == "document/ubnd-thanh-pho-ha-noi/kh/2022/306"
    assert document_key("http://example.org/x", BASE) == "http://example.org/x"


@pytest.mark.parametrize(
    "written",
    [
        "document/ubnd-thanh-pho-ha-noi/kh/2022/306",
        KH306,
        f"<{KH306}>",
        "306/KH-UBND",
        "Kế hoạch số 306/KH-UBND",
        " 306 / kh - ubnd ",
        "KH 306",
    ],
)
def test_find_document_reads_keys_iris_and_symbols(project_store: GraphStore, written: str) -> None:
    assert find_document(project_store, written, BASE) == KH306


def test_unknown_key_and_symbol_name_the_nearest(project_store: GraphStore) -> None:
    with pytest.raises(DocumentNotFound) as found:
        find_document(project_store, "document/ubnd-thanh-pho-ha-noi/kh/2022/307", BASE)
    assert "document/ubnd-thanh-pho-ha-noi/kh/2022/306" in found.value.nearest
    with pytest.raises(DocumentNotFound) as found:
        find_document(project_store, "307/KH-UBND", BASE)
    assert "306/KH-UBND" in found.value.nearest
    with pytest.raises(BadRequest):
        find_document(project_store, "  ", BASE)


def test_ambiguous_symbol_gives_the_candidates_as_items(documents_store: GraphStore) -> None:
    with pytest.raises(AmbiguousDocument) as found:
        find_document(documents_store, "06-CTr/TU", BASE)
    error = found.value
    assert error.status == 300
    assert set(error.candidates) == {CTR06_HN, CTR06_HP}
    choices = error.extra()["choices"]
    assert {c["id"] for c in choices} == {CTR06_HN, CTR06_HP}
    assert {c["symbol"] for c in choices} == {"06-CTr/TU"}


def test_items_have_the_most_specific_type(project_store: GraphStore) -> None:
    index = document_index(project_store, BASE)
    item = index.by_iri[KH306].to_dict()
    assert item == {
        "id": KH306,
        "key": "document/ubnd-thanh-pho-ha-noi/kh/2022/306",
        "symbol": "306/KH-UBND",
        "type": "ImplementationPlan",
        "typeCode": "KH",
        "title": "Triển khai thực hiện Chương trình hành động số 16-CTr/TU ngày 26/8/2022 của Thành ủy Hà Nội",
        "titleEn": "Implementing Action Programme No. 16-CTr/TU of 26 August 2022 of the Hanoi Party Committee",
        "issuer": {"id": BASE + "agency/ubnd-thanh-pho-ha-noi", "label": "UBND thành phố Hà Nội",
                   "labelEn": "Hanoi People's Committee"},
        "date": "2022-11-30",
    }  # fmt: skip
    assert index.by_iri[CTR16].type == "ActionProgramme"
    assert index.by_iri[NQ15].type == "Resolution"
    assert "Programme" in index.by_iri[CTR16].types
    # An IRI that is no typed document still has an item.
    assert index.item("http://example.org/x").to_dict()["symbol"] is None


def test_listing_without_filters_is_every_document_paginated(project_store: GraphStore) -> None:
    everything = list_documents(project_store, BASE)
    assert everything.total == len(everything.items) == 27
    page = list_documents(project_store, BASE, limit=5, offset=5)
    assert page.total == 27
    assert [i.id for i in page.items] == [i.id for i in everything.items[5:10]]
    dates = [i.date for i in everything.items if i.date]
    assert dates == sorted(dates)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"symbol": "Nghị quyết số 15-NQ/TƯ"}, {NQ15}),
        ({"type": "ImplementationPlan"}, {KH306, KH139, BASE + "document/thanh-uy-ha-noi/kh/2025/355"}),
        ({"type": "kh", "issuer": "UBND"}, {KH306, KH139}),
        ({"issuer": "agency/quan-uy-cau-giay"}, {CTR12}),
        ({"issuer": BASE + "agency/quan-uy-cau-giay"}, {CTR12}),
        ({"issuer": "quan-uy-cau-giay", "year": 2022}, {CTR12}),
        ({"year": 2025, "type": "Programme"}, {CTR08}),
        ({"symbol": "99-NQ/TW"}, set()),
    ],
)
def test_listing_filters(project_store: GraphStore, filters: dict[str, object], expected: set[str]) -> None:
    page = list_documents(project_store, BASE, **filters)  # type: ignore[arg-type]
    assert {i.id for i in page.items} == expected
    assert page.total == len(expected)


def test_listing_an_unknown_symbol_names_the_nearest(project_store: GraphStore) -> None:
    page = list_documents(project_store, BASE, symbol="16-NQ/TW")
    assert page.total == 0
    assert "15-NQ/TW" in page.to_dict()["nearest"]


def test_listing_an_unknown_type_is_a_bad_request(project_store: GraphStore) -> None:
    with pytest.raises(BadRequest, match="unknown document type 'Poem'"):
        list_documents(project_store, BASE, type="Poem")


def test_helpers() -> None:
    assert sorted(["g/10", "g/2", "g/1"], key=natural_key) == ["g/1", "g/2", "g/10"]
    assert number("8.5") == 8.5
    assert number("11") == 11
    assert isinstance(number("11.0"), int)
    assert number(None) is None
    assert number("x") is None
