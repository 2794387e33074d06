"""graph_api.document_detail on the project graph: the seed answers of a document's page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conftest import CTR08, CTR16, KH306, NQ15

from graph_api.document_detail import document_detail
from graph_api.iris import DEFAULT_BASE as BASE

if TYPE_CHECKING:
    from graph_api.store import GraphStore

KH139 = BASE + "document/ubnd-thanh-pho-ha-noi/kh/2023/139"


def test_detail_of_306(project_store: GraphStore) -> None:
    detail = document_detail(project_store, KH306, BASE)
    assert detail["symbol"] == "306/KH-UBND"
    assert detail["signedBy"] == {
        "id": BASE + "person/tran-sy-thanh",
        "name": "Trần Sỹ Thanh",
        "post": {"id": BASE + "post/chu-tich-ubnd-thanh-pho-ha-noi", "label": "Chủ tịch UBND thành phố Hà Nội"},
    }
    assert detail["indicators"]["declared"] == 20
    assert detail["indicators"]["groups"] == []
    assignments = detail["tasks"]["assignments"]
    assert len(assignments) == 8
    lead = [a for a in assignments if a["role"] == "lead"]
    assert [a["agency"]["label"] for a in lead] == ["Sở Kế hoạch và Đầu tư Hà Nội"]
    assert {a["role"] for a in assignments} == {"lead", "coordinate", "implement"}
    assert [i["id"] for i in detail["implements"]] == [CTR16]
    assert detail["implementedBy"] == []
    assert detail["basedOn"] == []
    quotes = [s["quote"] for s in detail["sources"]]
    assert any("Kế hoạch số 306/KH-UBND" in q for q in quotes)
    assert all(s["source"].startswith(BASE + "source/") for s in detail["sources"])
    [uncertain] = detail["uncertainties"]
    assert uncertain["property"] == "issueDate"
    assert uncertain["asPrinted"] == "30/11"
    assert uncertain["certainty"] == "inferred"
    assert set(uncertain["note"]) == {"vi", "en"}


def test_detail_groups_targets_and_relations(project_store: GraphStore) -> None:
    kh139 = document_detail(project_store, KH139, BASE)
    assert kh139["indicators"]["declared"] == 26
    assert [g["count"] for g in kh139["indicators"]["groups"]] == [7, 9, 5, 4]
    assert [u["certainty"] for u in kh139["uncertainties"]] == ["inconsistent"]
    ctr08 = document_detail(project_store, CTR08, BASE)
    assert ctr08["tasks"]["declared"] == 62
    assert len(ctr08["contributesTo"]) == 5
    assert NQ15 in {i["id"] for i in ctr08["contributesTo"]}
    growth = {(t["year"], (t["period"] or {}).get("start"), t["value"]) for t in ctr08["indicators"]["targets"]}
    assert (2025, None, 8.5) in growth
    assert (None, 2026, 11) in growth
    assert {t["unit"] for t in ctr08["indicators"]["targets"]} == {"%"}
    assert {t["comparator"] for t in ctr08["indicators"]["targets"]} == {"reach"}
    nq15 = document_detail(project_store, NQ15, BASE)
    assert {i["symbol"] for i in nq15["implementedBy"]} == {"16-CTr/TU", "12-CTr/QU"}
    assert nq15["uncertainties"][0]["asPrinted"] == "5/5/52022"
