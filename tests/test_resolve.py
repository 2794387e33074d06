from __future__ import annotations

import unicodedata

import pytest
from conftest import CTR06_HN, CTR06_HP, CTR08, KH306, NQ15, ONTOLOGY, new_store

from graph_api.errors import AmbiguousSymbol, DocumentNotFound
from graph_api.resolve import (
    ISSUER_CODES,
    TYPE_CODES,
    ParsedSymbol,
    issuer_code,
    normalize,
    parse_symbol,
    resolve,
    resolve_one,
    type_code,
)
from graph_api.store import GraphStore, Source

NQ15_PARTS = ParsedSymbol("15", "NQ", "TW", party_form=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15-NQ/TW", NQ15_PARTS),
        ("15-NQ/TƯ", NQ15_PARTS),
        ("15-nq/tư", NQ15_PARTS),
        ("Nghị quyết số 15-NQ/TW", NQ15_PARTS),
        ("Nghị quyết 15-NQ/TƯ", NQ15_PARTS),
        (" 15 - NQ / TW ", NQ15_PARTS),
        (unicodedata.normalize("NFD", "Nghị quyết số 15-NQ/TƯ"), NQ15_PARTS),
        ("NQ 15", ParsedSymbol("15", "NQ")),
        ("nq15", ParsedSymbol("15", "NQ")),
        ("Nghị quyết số 15", ParsedSymbol("15", "NQ")),
        ("15-NQ", ParsedSymbol("15", "NQ")),
        ("16-Ctr/TU", ParsedSymbol("16", "CTr", "TU", party_form=True)),
        ("16-CTR/TU", ParsedSymbol("16", "CTr", "TU", party_form=True)),
        ("16-ctr/tu", ParsedSymbol("16", "CTr", "TU", party_form=True)),
        ("Chương trình hành động số 16-CTr/TU", ParsedSymbol("16", "CTr", "TU", party_form=True)),
        ("306/KH-UBND", ParsedSymbol("306", "KH", "UBND")),
        ("306 /KH - UBND", ParsedSymbol("306", "KH", "UBND")),
        ("Kế hoạch số 306/KH-UBND", ParsedSymbol("306", "KH", "UBND")),
        ("306/kh-ubnd", ParsedSymbol("306", "KH", "UBND")),
        ("08/CTr-UBND", ParsedSymbol("08", "CTr", "UBND")),
        ("8/CTr-UBND", ParsedSymbol("8", "CTr", "UBND")),
        ("30/2020/NĐ-CP", ParsedSymbol("30", "NĐ", "CP", 2020)),
        ("30/2020/ND-CP", ParsedSymbol("30", "NĐ", "CP", 2020)),
        ("30/2020/N\u00d0-CP", ParsedSymbol("30", "NĐ", "CP", 2020)),
        ("1234/QĐ-UBND", ParsedSymbol("1234", "QĐ", "UBND")),
        ("1234/QD-UBND", ParsedSymbol("1234", "QĐ", "UBND")),
        ("1234/Q\u00d0-UBND", ParsedSymbol("1234", "QĐ", "UBND")),
        ("1234/qđ-ubnd", ParsedSymbol("1234", "QĐ", "UBND")),
        ("5/NQ-HĐND", ParsedSymbol("5", "NQ", "HĐND")),
        ("5/NQ-HDND", ParsedSymbol("5", "NQ", "HĐND")),
        ("237-TB/VPTW", ParsedSymbol("237", "TB", "VPTW", party_form=True)),
        ("Luật số 39/2024/QH15", ParsedSymbol("39", "Luật", "QH", 2024)),
    ],
)
def test_parse_symbol(text: str, expected: ParsedSymbol) -> None:
    assert parse_symbol(text) == expected


@pytest.mark.parametrize("text", ["", "hello", "Nghị quyết", "số 15", "15"])
def test_text_without_a_symbol(text: str) -> None:
    assert parse_symbol(text) is None


def test_canonical_forms() -> None:
    assert NQ15_PARTS.canonical() == "15-NQ/TW"
    assert ParsedSymbol("306", "KH", "UBND").canonical() == "306/KH-UBND"
    assert ParsedSymbol("30", "NĐ", "CP", 2020).canonical() == "30/2020/NĐ-CP"
    assert ParsedSymbol("15", "NQ").canonical() == "NQ 15"


def test_normalize() -> None:
    assert normalize(" 306 /KH - UBND ") == "306/KH-UBND"
    assert normalize("Q\u00d0") == "QĐ"
    assert normalize(unicodedata.normalize("NFD", "TƯ")) == "TƯ"


def test_code_tables_match_the_ontology() -> None:
    store = new_store()
    store.load([Source(ONTOLOGY, "ontology")], progress=False)
    query = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?code WHERE {{ ?c skos:inScheme <https://w3id.org/vn-directives/code/{}> ; skos:notation ?code }}"""
    notations = {
        scheme: {row["code"].value for row in store.select(query.format(scheme))}  # type: ignore[union-attr]
        for scheme in ("doc-type", "issuer-code")
    }
    assert notations["doc-type"] == set(TYPE_CODES)
    assert notations["issuer-code"] == set(ISSUER_CODES)
    assert {type_code(code.lower()) for code in TYPE_CODES} == set(TYPE_CODES)
    assert {issuer_code(code.upper()) for code in ISSUER_CODES} == set(ISSUER_CODES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15-NQ/TW", [NQ15]),
        ("15-NQ/TƯ", [NQ15]),
        ("Nghị quyết số 15-NQ/TW", [NQ15]),
        ("NQ 15", [NQ15]),
        ("nq15", [NQ15]),
        (" 15 - NQ / TW ", [NQ15]),
        (unicodedata.normalize("NFD", "Nghị quyết số 15-NQ/TƯ"), [NQ15]),
        ("306/KH-UBND", [KH306]),
        ("306 /KH - UBND", [KH306]),
        ("Kế hoạch số 306/KH-UBND", [KH306]),
        ("8/CTr-UBND", [CTR08]),
        ("08/CTr-UBND", [CTR08]),
        ("8/CTR-UBND", [CTR08]),
        ("8/ctr-ubnd", [CTR08]),
        ("06-CTr/TU", sorted([CTR06_HN, CTR06_HP])),
        (NQ15, [NQ15]),
        (f"<{NQ15}>", [NQ15]),
    ],
)
def test_resolve(documents_store: GraphStore, text: str, expected: list[str]) -> None:
    assert resolve(documents_store, text) == expected


def test_issuer_must_match_when_written(documents_store: GraphStore) -> None:
    with pytest.raises(DocumentNotFound):
        resolve(documents_store, "306/KH-HĐND")
    with pytest.raises(DocumentNotFound):
        resolve(documents_store, "15-NQ/TU")


def test_year_must_match_when_written_and_known(documents_store: GraphStore) -> None:
    doc = documents_store  # 306/KH-UBND was issued in 2022
    with pytest.raises(DocumentNotFound):
        resolve(doc, "306/2021/KH-UBND")
    assert resolve(doc, "306/2022/KH-UBND") == [KH306]


def test_not_found_suggests_the_nearest_symbols(documents_store: GraphStore) -> None:
    with pytest.raises(DocumentNotFound) as caught:
        resolve(documents_store, "16-NQ/TW")
    assert caught.value.nearest[0] == "15-NQ/TW"
    assert "nearest: 15-NQ/TW" in str(caught.value)
    with pytest.raises(DocumentNotFound):
        resolve(documents_store, "gibberish")
    with pytest.raises(DocumentNotFound):
        resolve(documents_store, "https://example.org/not-here")


def test_resolve_one(documents_store: GraphStore) -> None:
    assert resolve_one(documents_store, "15-NQ/TƯ") == NQ15
    with pytest.raises(AmbiguousSymbol) as caught:
        resolve_one(documents_store, "06-CTr/TU")
    assert caught.value.candidates == sorted([CTR06_HN, CTR06_HP])
    assert caught.value.status == 300


@pytest.mark.parametrize("text", ["8/CTr-UBND", "08/CTR-UBND", "Chương trình số 08/CTr-UBND"])
def test_project_graph_resolves_written_forms(project_store: GraphStore, text: str) -> None:
    assert resolve(project_store, text) == [CTR08]


def test_a_short_form_without_issuer_may_be_ambiguous(project_store: GraphStore) -> None:
    found = resolve(project_store, "Ctr 8")
    assert CTR08 in found
    assert len(found) > 1, "work programme 08 of the Party Committee's XVII term is a CTr 8 too"
