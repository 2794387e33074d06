"""Curating over HTTP (graph_api/http/writes.py, graph_api/curation.py, the update path of /sparql): every write
route, its token, its conditions, its refusals (the store unchanged), the history and past states it leaves."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from conftest import project_has_data
from http_helpers import client_for, problem

from graph_api.loading import build_store
from graph_api.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from graph_api.store import GraphStore

pytestmark = [
    pytest.mark.embedded_only("writes need the embedded store"),
    pytest.mark.skipif(not project_has_data(), reason="data/ has no .ttl file yet"),
]

BASE = "https://w3id.org/vn-directives/id/"
SOURCE = BASE + "source/000_ae90a64626d53fd5"
TOKEN = "token-of-lan"
OTHER = "token-of-minh"
LAN = {"Authorization": f"Bearer {TOKEN}"}
MINH = {"Authorization": f"Bearer {OTHER}"}
_numbers = itertools.count(900)


def plan(number: int | None = None, **fields: Any) -> dict[str, Any]:
    """A small valid implementation plan of UBND Hà Nội (a new number each time)."""
    number = next(_numbers) if number is None else number
    return {
        "symbol": f"{number}/KH-UBND",
        "type": "ImplementationPlan",
        "issuer": {"label": "UBND thành phố Hà Nội"},
        "title": f"Kế hoạch thử nghiệm số {number}",
        "date": "2024-03-01",
        "implements": ["306/KH-UBND"],
        "evidence": {"source": SOURCE, "quote": f"Kế hoạch số {number}/KH-UBND triển khai Kế hoạch số 306/KH-UBND"},
    } | fields


def project() -> GraphStore:
    return build_store(Settings(_env_file=None, store=None, load_project=True), progress=False)


def dump_hash(store: GraphStore) -> str:
    return hashlib.sha256(store.dump("nt")).hexdigest()


@pytest.fixture(scope="module")
def store() -> GraphStore:
    return project()


@pytest.fixture(scope="module")
def client(store: GraphStore) -> Iterator[TestClient]:
    with client_for(store, write_token=TOKEN, write_principal="lan", write_tokens={"minh": OTHER}) as client:
        yield client


def add(client: TestClient, document: dict[str, Any], message: str = "thêm kế hoạch") -> dict[str, Any]:
    response = client.post("/documents", json={"message": message, "source": SOURCE, "document": document},
                           headers=LAN)  # fmt: skip
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/documents/{body['key']}"
    assert response.headers["etag"] == f'"{body["version"]}"'
    return body


# -- the token --------------------------------------------------------------------------------------------------


def test_writes_are_disabled_without_a_token(store: GraphStore) -> None:
    before = dump_hash(store)
    with client_for(store) as reader:
        for response in (
            reader.post("/documents", json={"message": "x", "document": plan()}, headers=LAN),
            reader.put("/documents/306/KH-UBND", json={"message": "x", "document": plan()}, headers=LAN),
            reader.delete("/documents/306/KH-UBND", params={"message": "x"}, headers=LAN),
            reader.post("/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"} | LAN),
        ):
            body = problem(response, 403)
            assert "GRAPH_API_WRITE_TOKEN" in body["detail"]
        assert reader.get("/documents/306/KH-UBND").status_code == 200  # reads stay open
    assert dump_hash(store) == before


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}],
    ids=["none", "wrong", "basic", "empty"],
)
def test_a_write_without_a_valid_bearer_token_is_401(
    client: TestClient, store: GraphStore, headers: dict[str, str]
) -> None:
    before = dump_hash(store)
    response = client.post("/documents", json={"message": "x", "document": plan()}, headers=headers)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    update = client.post(
        "/sparql", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"} | headers
    )
    problem(update, 401)
    assert dump_hash(store) == before


# -- add, read, replace, retract --------------------------------------------------------------------------------


def test_add_then_read_with_etag_and_304(client: TestClient) -> None:
    added = add(client, plan())
    assert added["change"] >= 1
    assert added["added"] > 10
    assert added["report"]["conforms"] is True
    page = client.get(f"/documents/{added['key']}")
    assert page.status_code == 200
    assert page.json()["symbol"] == plan(int(added["key"].rsplit("/", 1)[1]))["symbol"]
    assert page.headers["etag"] == f'"{added["version"]}"'
    again = client.get(f"/documents/{added['key']}", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["etag"] == page.headers["etag"]
    assert client.get(f"/documents/{added['key']}", headers={"If-None-Match": '"other"'}).status_code == 200
    # The query workers see the write as soon as it is acknowledged.
    ask = client.get("/sparql", params={"query": f"ASK {{ <{added['document']}> ?p ?o }}"},
                     headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    assert ask.json()["boolean"] is True


def test_adding_a_document_that_exists_is_409(client: TestClient) -> None:
    document = plan()
    add(client, document)
    body = problem(client.post("/documents", json={"message": "again", "document": document}, headers=LAN), 409)
    assert body["document"].endswith(document["symbol"].split("/")[0])


def test_two_curators_edit_the_same_document_and_the_loser_gets_412(client: TestClient) -> None:
    added = add(client, plan())
    url = f"/documents/{added['key']}"
    lan_copy, minh_copy = client.get(url + "/edit"), client.get(url + "/edit")
    assert lan_copy.headers["etag"] == minh_copy.headers["etag"] == f'"{added["version"]}"'
    lan_doc = lan_copy.json() | {"title": "Tiêu đề do Lan sửa"}
    minh_doc = minh_copy.json() | {"title": "Tiêu đề do Minh sửa"}
    won = client.put(url, json={"message": "Lan sửa", "document": lan_doc},
                     headers=LAN | {"If-Match": lan_copy.headers["etag"]})  # fmt: skip
    assert won.status_code == 200, won.text
    assert won.headers["etag"] != lan_copy.headers["etag"]
    lost = client.put(url, json={"message": "Minh sửa", "document": minh_doc},
                      headers=MINH | {"If-Match": minh_copy.headers["etag"]})  # fmt: skip
    body = problem(lost, 412)
    assert body["current"] == won.headers["etag"]
    assert client.get(url).json()["title"] == "Tiêu đề do Lan sửa"  # Lan's change is not lost
    changes = client.get(url + "/history").json()["changes"]
    assert [(c["principal"], c["message"]) for c in changes] == [("lan", "Lan sửa"), ("lan", "thêm kế hoạch")]
    # Minh, with the current ETag, succeeds, and is recorded as Minh.
    fresh = client.get(url + "/edit")
    retry = client.put(url, json={"message": "Minh sửa lại", "document": fresh.json() | {"title": "Tiêu đề của Minh"}},
                       headers=MINH | {"If-Match": fresh.headers["etag"]})  # fmt: skip
    assert retry.status_code == 200, retry.text
    assert client.get(url + "/history").json()["changes"][0]["principal"] == "minh"


def test_putting_back_the_edit_json_unchanged_is_an_empty_change(client: TestClient) -> None:
    added = add(client, plan())
    url = f"/documents/{added['key']}"
    edit = client.get(url + "/edit")
    same = client.put(url, json={"message": "không đổi", "document": edit.json()}, headers=LAN)
    assert same.status_code == 200, same.text
    assert same.json()["change"] is None
    assert same.headers["etag"] == edit.headers["etag"]
    assert len(client.get(url + "/history").json()["changes"]) == 1


def test_history_after_two_changes_and_as_of_before_and_after(client: TestClient) -> None:
    added = add(client, plan(), message="thêm")
    url = f"/documents/{added['key']}"
    between = datetime.now(UTC)
    edit = client.get(url + "/edit").json()
    replaced = client.put(url, json={"message": "đổi tiêu đề", "document": edit | {"title": "Tiêu đề mới"}},
                          headers=LAN)  # fmt: skip
    assert replaced.status_code == 200
    changes = client.get(url + "/history").json()["changes"]
    assert [c["message"] for c in changes] == ["đổi tiêu đề", "thêm"]  # newest first
    assert changes[0]["counts"] == {"added": 1, "removed": 1}
    assert changes[1]["source"] == SOURCE
    assert all(line.endswith(" .") for line in changes[0]["added"] + changes[0]["removed"])
    before = client.get(url, params={"as_of": "2020-01-01T00:00:00Z"})
    problem(before, 404)
    then = client.get(url, params={"as_of": between.isoformat(), "format": "nt"})
    assert then.status_code == 200
    assert then.headers["content-type"].startswith("application/n-triples")
    assert f"Kế hoạch thử nghiệm số {added['key'].rsplit('/', 1)[1]}" in then.text
    assert "Tiêu đề mới" not in then.text
    now = client.get(url, params={"as_of": datetime.now(UTC).isoformat()}, headers={"Accept": "text/turtle"})
    assert "Tiêu đề mới" in now.text
    problem(client.get(url, params={"as_of": "yesterday"}), 400)


def test_retract_keeps_the_history_and_honours_if_match(client: TestClient, store: GraphStore) -> None:
    added = add(client, plan())
    url = f"/documents/{added['key']}"
    problem(client.delete(url, params={"message": "xoá"}, headers=LAN | {"If-Match": '"stale"'}), 412)
    problem(client.delete(url, headers=LAN), 400)  # no message
    gone = client.delete(url, params={"message": "xoá"}, headers=LAN | {"If-Match": f'"{added["version"]}"'})
    assert gone.status_code == 200, gone.text
    assert gone.json()["version"] is None
    problem(client.get(url), 404)
    assert [c["message"] for c in client.get(url + "/history").json()["changes"]] == ["xoá", "thêm kế hoạch"]
    assert client.get(url, params={"as_of": added_moment(client, url)}).status_code == 200  # as it was, still
    problem(client.delete(url, params={"message": "xoá lần nữa"}, headers=LAN), 404)


def added_moment(client: TestClient, url: str) -> str:
    """When the document's first change ended (it existed then)."""
    ended: str = client.get(url + "/history").json()["changes"][-1]["ended"]
    return ended


def test_rdf_bodies_with_the_why_in_the_query(client: TestClient) -> None:
    added = add(client, plan())
    turtle = client.get(f"/documents/{added['key']}", params={"as_of": datetime.now(UTC).isoformat()}).text
    replaced = turtle.replace("Kế hoạch thử nghiệm", "Kế hoạch (RDF)")
    response = client.put(f"/documents/{added['key']}", content=replaced.encode(), params={"message": "qua Turtle"},
                          headers=LAN | {"Content-Type": "text/turtle"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert client.get(f"/documents/{added['key']}").json()["title"].startswith("Kế hoạch (RDF)")
    both = client.put(f"/documents/{added['key']}", json={"message": "a", "document": plan()},
                      params={"message": "b"}, headers=LAN)  # fmt: skip
    problem(both, 400)
    problem(client.post("/documents", content=b"x", headers=LAN | {"Content-Type": "image/png"}), 415)


# -- refusals leave the store unchanged --------------------------------------------------------------------------


def test_a_violation_is_422_with_the_report_and_nothing_is_stored(client: TestClient, store: GraphStore) -> None:
    before = dump_hash(store)
    bare = (
        b"<document/ubnd-thanh-pho-ha-noi/kh/2024/1> a <https://w3id.org/vn-directives/ontology#ImplementationPlan> ."
    )
    headers = LAN | {"Content-Type": "text/turtle"}
    rejected = client.post("/documents", content=bare, params={"message": "thiếu"}, headers=headers)
    body = problem(rejected, 422)
    assert body["report"]["conforms"] is False
    assert body["report"]["counts"]["Violation"] >= 1
    as_turtle = client.post("/documents", content=bare, params={"message": "thiếu"},
                            headers=headers | {"Accept": "text/turtle"})  # fmt: skip
    assert as_turtle.status_code == 422
    assert as_turtle.headers["content-type"].startswith("text/turtle")
    assert "sh:ValidationReport" in as_turtle.text
    assert dump_hash(store) == before


def test_document_input_errors_are_422_with_their_json_path(client: TestClient, store: GraphStore) -> None:
    before = dump_hash(store)
    body = problem(client.post("/documents", json={"message": "x", "document": plan(date="2024-13-01")}, headers=LAN),
                   422)  # fmt: skip
    assert body["path"] == "$.date"
    unknown = problem(client.post("/documents", json={"message": "x", "document": plan(valeu=1)}, headers=LAN), 422)
    assert "valeu" in unknown["detail"]
    problem(client.post("/documents", json={"document": plan()}, headers=LAN), 400)  # the why is required
    problem(client.post("/documents", content=b"[" * 300 + b"]" * 300,
                        headers=LAN | {"Content-Type": "application/json"}), 400)  # fmt: skip
    assert dump_hash(store) == before


def test_a_warning_does_not_block_and_is_returned(client: TestClient) -> None:
    document = plan()
    del document["implements"]  # a plan that implements nothing: a warning
    added = add(client, document)
    shapes = {r["shape"].rsplit("#", 1)[-1] for r in added["report"]["results"] if r["severity"] == "Warning"}
    assert "ImplementingDocumentShape" in shapes


# -- SPARQL Update ----------------------------------------------------------------------------------------------


def test_sparql_update_making_a_violation_is_422_and_changes_nothing(client: TestClient, store: GraphStore) -> None:
    before = dump_hash(store)
    update = "INSERT DATA { <https://w3id.org/vn-directives/id/document/x/kh/2020/1> a <https://w3id.org/vn-directives/ontology#ImplementationPlan> }"  # noqa: E501
    headers = LAN | {"Content-Type": "application/sparql-update"}
    body = problem(client.post("/sparql", content=update, headers=headers), 422)
    assert body["report"]["counts"]["Violation"] >= 1
    assert dump_hash(store) == before
    problem(client.post("/sparql", content="CLEAR GRAPH <https://w3id.org/vn-directives/graph/audit/log>",
                        headers=headers), 403)  # fmt: skip
    problem(client.post("/sparql", content="LOAD <http://127.0.0.1:9/x.ttl>", headers=headers), 400)
    problem(client.post("/sparql", content="CLEAR XYZ", headers=headers), 400)
    problem(client.get("/sparql", params={"update": "CLEAR ALL"}, headers=LAN), 400)
    assert dump_hash(store) == before


def test_a_warning_only_sparql_update_succeeds_and_is_recorded(client: TestClient) -> None:
    added = add(client, plan())
    doc = added["document"]
    update = f"""PREFIX dh: <https://w3id.org/vn-directives/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
DELETE {{ <{doc}> dh:implements ?target . ?statement ?p ?o }}
WHERE {{ <{doc}> dh:implements ?target .
         ?statement rdf:subject <{doc}> ; rdf:predicate dh:implements ; ?p ?o }}"""
    response = client.post("/sparql", data={"update": update, "message": "bỏ quan hệ triển khai"}, headers=LAN)
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["removed"] >= 2
    assert changed["report"]["counts"]["Violation"] == 0
    assert changed["report"]["counts"]["Warning"] >= 1
    history = client.get(f"/documents/{added['key']}/history").json()["changes"]
    assert history[0]["message"] == "bỏ quan hệ triển khai"
    assert history[0]["principal"] == "lan"
    assert not client.get(f"/documents/{added['key']}").json()["implements"]
