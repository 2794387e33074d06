from __future__ import annotations

import unicodedata

import pytest

from graph_api import iris


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thành ủy Hà Nội", "thanh-uy-ha-noi"),
        ("Quận ủy Cầu Giấy", "quan-uy-cau-giay"),
        ("Đảng ủy", "dang-uy"),
        ("  UBND thành phố  Hà Nội!", "ubnd-thanh-pho-ha-noi"),
        ("08", "08"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert iris.slug(text) == expected


def test_slug_is_the_same_for_nfd_input() -> None:
    assert iris.slug(unicodedata.normalize("NFD", "Thành ủy Hà Nội")) == "thanh-uy-ha-noi"


def test_slug_refuses_text_without_letters_or_digits() -> None:
    with pytest.raises(ValueError, match="slug"):
        iris.slug("—")


def test_document_iri_from_identity() -> None:
    assert iris.document_iri("Thành ủy Hà Nội", "CTr", number="16", year=2022) == (
        "https://w3id.org/vn-directives/id/document/thanh-uy-ha-noi/ctr/2022/16"
    )
    assert iris.document_iri("UBND thành phố Hà Nội", "CTr", number="08", year=2025).endswith("/ctr/2025/08")
    assert iris.document_iri(None, "Luật", title="Luật Thủ đô", year=2024) == (
        "https://w3id.org/vn-directives/id/document/_/luat/2024/luat-thu-do"
    )


def test_period_falls_back_to_term_then_unknown() -> None:
    assert iris.period_segment(2022, "XVII") == "2022"
    assert iris.period_segment(None, "XVII") == "khoa-xvii"
    assert iris.period_segment() == "_"


def test_document_needs_a_number_or_a_title() -> None:
    with pytest.raises(ValueError, match="number or a title"):
        iris.document_path("Thành ủy Hà Nội", "CTr")


def test_base_is_configurable() -> None:
    assert iris.agency_iri("Thành ủy Hà Nội", base="http://example.org/") == "http://example.org/agency/thanh-uy-ha-noi"


def test_evidence_iri_is_deterministic_and_nfc_insensitive() -> None:
    quote = "Kế hoạch số 306/KH-UBND triển khai thực hiện"
    first = iris.evidence_iri("000", quote)
    assert first == iris.evidence_iri("000", unicodedata.normalize("NFD", quote))
    assert first.startswith("https://w3id.org/vn-directives/id/evidence/000-")
    assert len(first.rsplit("-", 1)[1]) == 10
    assert first != iris.evidence_iri("001", quote)
