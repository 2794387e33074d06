"""/queries over HTTP: the catalogue, running a query with bound parameters, result formats, parameter errors."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import pytest
from conftest import CTR12, CTR16, KH306, ROOT
from http_helpers import client_for, problem

from graph_api.http.queries import bind_parameters, query_summary
from graph_api.sparql import load_named_queries

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from graph_api.store import GraphStore

IMPLEMENTING = "/queries/list-implementing-documents"
GROUP_TARGETS = "/queries/list-group-targets"


@pytest.fixture(scope="module")
def client(project_store: GraphStore) -> Iterator[TestClient]:
    with client_for(project_store) as test_client:
        yield test_client


def test_catalogue(client: TestClient) -> None:
    listed = client.get("/queries").json()
    names = [q["name"] for q in listed]
    assert names == [p.stem for p in sorted((ROOT / "queries").glob("*.rq"))]
    entry = next(q for q in listed if q["name"] == "list-implementing-documents")
    assert entry["summary"]["en"]
    assert entry["summary"]["vi"]
    assert "lineage" in entry["tags"]
    [doc] = entry["parameters"]
    assert (doc["name"], doc["type"], doc["required"]) == ("doc", "iri", False)
    assert entry["href"] == IMPLEMENTING


def test_plain_helpers() -> None:
    queries = load_named_queries(ROOT / "queries")
    targets = queries["list-group-targets"]
    assert query_summary(targets)["parameters"][1]["type"] == "integer"
    assert bind_parameters(targets, {"year": "2030"})["year"].value == "2030"


def _column(text: str, name: str) -> set[str]:
    return {row[name] for row in csv.DictReader(io.StringIO(text))}


def test_run_with_defaults_and_bound_parameters(client: TestClient) -> None:
    response = client.get(IMPLEMENTING)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    documents = {b["document"]["value"] for b in response.json()["results"]["bindings"]}
    assert documents == {CTR16, CTR12, KH306}
    bound = client.get(IMPLEMENTING, params={"doc": f"<{CTR16}>", "format": "csv"})
    assert bound.headers["content-type"].startswith("text/csv")
    assert _column(bound.text, "document") == {KH306}


@pytest.mark.parametrize(
    ("params", "headers", "media"),
    [
        ({"format": "tsv"}, {}, "text/tab-separated-values"),
        ({"format": "xml"}, {}, "application/sparql-results+xml"),
        ({}, {"Accept": "text/csv"}, "text/csv"),
        (
            {},
            {"Accept": "application/sparql-results+xml;q=0.5, text/tab-separated-values"},
            "text/tab-separated-values",
        ),
    ],
)
def test_result_formats(client: TestClient, params: dict[str, str], headers: dict[str, str], media: str) -> None:
    response = client.get(IMPLEMENTING, params=params, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)


def test_integer_parameter(client: TestClient) -> None:
    response = client.get(GROUP_TARGETS, params={"year": "2025", "format": "csv"})
    assert response.status_code == 200
    assert _column(response.text, "year") == {"2025"}
    later = client.get(GROUP_TARGETS, params={"year": "+2031", "format": "csv"})
    assert _column(later.text, "year") == set()


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        (GROUP_TARGETS, {"year": "twenty"}, 400),
        (GROUP_TARGETS, {"year": "2030.5"}, 400),
        (IMPLEMENTING, {"doc": "not an iri"}, 400),
        (IMPLEMENTING, {"doc": "http://exa mple.org/x"}, 400),
        (IMPLEMENTING, {"doc": "nope:"}, 200),
        (IMPLEMENTING, {"document": f"<{CTR16}>"}, 400),
        (IMPLEMENTING, {"doc": [f"<{CTR16}>", f"<{KH306}>"]}, 400),
        (IMPLEMENTING, {"format": "pdf"}, 406),
        ("/queries/drop-everything", {}, 404),
        ("/queries", {"tag": "lineage"}, 400),
    ],
)
def test_bad_parameters(client: TestClient, url: str, params: dict[str, object], status: int) -> None:
    response = client.get(url, params=params)  # type: ignore[arg-type]
    if status == 200:
        assert response.status_code == 200
        return
    body = problem(response, status)
    if status == 404:
        assert "list-implementing-documents" in body["known"]
