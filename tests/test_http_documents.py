"""/documents over HTTP, against the project graph (and the fixture graph for an ambiguous symbol)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from conftest import CTR06_HN, CTR06_HP, KH306, NQ15
from http_helpers import client_for, problem

from graph_api.http.examples import example

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from graph_api.store import GraphStore


@pytest.fixture(scope="module")
def client(project_store: GraphStore) -> Iterator[TestClient]:
    with client_for(project_store) as test_client:
        yield test_client


def test_list_all_documents(client: TestClient) -> None:
    body = client.get("/documents").json()
    assert body["total"] == 27
    assert body["offset"] == 0
    assert body["limit"] == 100
    assert len(body["items"]) == 27
    assert set(body["items"][0]) >= {"id", "symbol", "type", "title", "titleEn", "issuer", "date"}
    page = client.get("/documents", params={"limit": 2, "offset": 3}).json()
    assert [i["id"] for i in page["items"]] == [i["id"] for i in body["items"][3:5]]


@pytest.mark.parametrize(
    ("params", "symbols"),
    [
        ({"symbol": "Kế hoạch số 306/KH-UBND"}, {"306/KH-UBND"}),
        ({"symbol": "nq15"}, {"15-NQ/TW"}),
        ({"type": "ImplementationPlan", "issuer": "UBND"}, {"306/KH-UBND", "139/KH-UBND"}),
        ({"type": "KH", "year": "2025"}, {"355-KH/TU"}),
    ],
)
def test_filters(client: TestClient, params: dict[str, str], symbols: set[str]) -> None:
    response = client.get("/documents", params=params)
    assert response.status_code == 200
    assert {i["symbol"] for i in response.json()["items"]} == symbols


@pytest.mark.parametrize(
    "key",
    [
        "document/ubnd-thanh-pho-ha-noi/kh/2022/306",
        "306/KH-UBND",
        "306%2FKH-UBND",
        "K%E1%BA%BF ho%E1%BA%A1ch 306/KH-UBND",
    ],
)
def test_document_by_key_or_symbol(client: TestClient, key: str) -> None:
    response = client.get(f"/documents/{key}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == KH306
    assert body["type"] == "ImplementationPlan"
    assert body["signedBy"]["name"] == "Trần Sỹ Thanh"
    assert {"indicators", "tasks", "implements", "basedOn", "contributesTo", "implementedBy", "sources"} <= set(body)


def test_openapi_example_is_the_live_answer(client: TestClient) -> None:
    assert client.get("/documents/306/KH-UBND").json() == example("document")


def test_unknown_symbol_is_404_with_nearest(client: TestClient) -> None:
    body = problem(client.get("/documents/16-NQ/TW"), 404)
    assert "15-NQ/TW" in body["nearest"]
    assert body["instance"] == "/documents/16-NQ/TW"


def test_ambiguous_symbol_is_300_with_the_candidates(documents_store: GraphStore) -> None:
    with client_for(documents_store) as fixture_client:
        response = fixture_client.get("/documents/06-CTr/TU")
        body = problem(response, 300)
        assert set(body["candidates"]) == {CTR06_HN, CTR06_HP}
        assert {c["id"] for c in body["choices"]} == {CTR06_HN, CTR06_HP}
        listed = fixture_client.get("/documents", params={"symbol": "06-CTr/TU"}).json()
        assert listed["total"] == 2


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("/documents", {"symbl": "15-NQ/TW"}, 400),
        ("/documents", {"year": "twenty"}, 400),
        ("/documents", {"limit": "0"}, 400),
        ("/documents", {"offset": "-1"}, 400),
        ("/documents", {"type": "Poem"}, 400),
        (f"/documents/{NQ15}", {"format": "xml"}, 400),
        ("/documents/document/a%20b", {}, 404),
        ("/documents/https://example.org/a{b}", {}, 404),
    ],
)
def test_bad_input_is_a_problem(client: TestClient, url: str, params: dict[str, str], status: int) -> None:
    problem(client.get(url, params=params), status)
