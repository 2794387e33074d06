"""/validation and /shapes over HTTP: formats, severity filter, submissions on a copy, malformed input."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

import pytest
import rdflib
from http_helpers import client_for, problem

from graph_api.namespaces import SH

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from graph_api.store import GraphStore

TURTLE = "text/turtle"
NEW_SYMBOL = (
    "@prefix dh: <https://w3id.org/vn-directives/ontology#> .\n"
    '<document/ubnd-thanh-pho-ha-noi/kh/2022/306> dh:symbol "999/KH-UBND" .\n'
)


@pytest.fixture(scope="module")
def client(project_store: GraphStore) -> Iterator[TestClient]:
    with client_for(project_store) as test_client:
        yield test_client


def test_report_as_json(client: TestClient) -> None:
    response = client.get("/validation")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["conforms"] is True
    assert body["counts"] == {"Violation": 0, "Warning": 2, "Info": 2}
    for result in body["results"]:
        assert set(result) >= {"focusNode", "shape", "path", "value", "severity", "message"}
        assert set(result["message"]) == {"vi", "en"}


@pytest.mark.parametrize(("params", "count"), [({"severity": "Warning"}, 2), ({"severity": "info,warning"}, 4)])
def test_severity_filter(client: TestClient, params: dict[str, str], count: int) -> None:
    assert len(client.get("/validation", params=params).json()["results"]) == count


def test_report_as_turtle(client: TestClient) -> None:
    response = client.get("/validation", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    [report] = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is True
    assert len(list(graph.objects(report, SH.result))) == 4
    only_info = client.get("/validation", params={"format": "ttl", "severity": "Info"}).text
    info_graph = rdflib.Graph().parse(data=only_info, format="turtle")
    assert set(info_graph.objects(None, SH.resultSeverity)) == {SH.Info}


def test_report_as_csv(client: TestClient) -> None:
    response = client.get("/validation", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["severity"] for r in rows) == ["Info", "Info", "Warning", "Warning"]
    assert all(r["message_vi"] and r["message_en"] for r in rows)


def test_report_as_html(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/validation", headers={"Accept": browser})
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert "<table>" in page
    assert "IndicatorGroupSumShape" in page
    assert "&quot;5/5/52022&quot;" in page, "messages are escaped"
    assert "format=csv" in page


def test_post_validates_with_the_graph_without_changing_it(client: TestClient, project_store: GraphStore) -> None:
    before, revision = len(project_store), project_store.revision
    response = client.post("/validation", content=NEW_SYMBOL.encode(), headers={"Content-Type": TURTLE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conforms"] is False
    new = [r for r in body["results"] if r["new"]]
    assert new
    assert all(r["focusNode"].endswith("/kh/2022/306") for r in new)
    assert sum(not r["new"] for r in body["results"]) == 4
    assert (len(project_store), project_store.revision) == (before, revision)
    assert client.get("/validation").json()["conforms"] is True


@pytest.mark.parametrize(
    ("body", "headers", "params", "status"),
    [
        (b"<a> <b> .", {"Content-Type": TURTLE}, {}, 422),
        (b'{"@id": ', {"Content-Type": "application/ld+json"}, {}, 422),
        (b"<a> <b> <c>", {"Content-Type": "application/n-triples"}, {}, 422),
        (b"<a> <b> <c> .", {"Content-Type": "application/pdf"}, {}, 415),
        (b"<a> <b> <c> .", {}, {}, 415),
        ('<a> <b> "é" .'.encode("latin-1"), {"Content-Type": TURTLE}, {}, 415),
        (b"x" * 2_000_000, {"Content-Type": TURTLE}, {}, 413),
        (NEW_SYMBOL.encode(), {"Content-Type": TURTLE}, {"dry": "run"}, 400),
        (NEW_SYMBOL.encode(), {"Content-Type": TURTLE}, {"severity": "fatal"}, 400),
    ],
)
def test_bad_submissions(
    client: TestClient, body: bytes, headers: dict[str, str], params: dict[str, str], status: int
) -> None:
    found = problem(client.post("/validation", content=body, headers=headers, params=params), status)
    if status == 422:
        assert found["file"] == "request body"


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [({"severity": "fatal"}, {}, 400), ({"format": "pdf"}, {}, 406), ({}, {"Accept": "image/png"}, 406),
     ({"verbose": "1"}, {}, 400)],
)  # fmt: skip
def test_bad_report_requests(client: TestClient, params: dict[str, str], headers: dict[str, str], status: int) -> None:
    problem(client.get("/validation", params=params, headers=headers), status)


def test_shapes_catalogue(client: TestClient) -> None:
    shapes = client.get("/shapes").json()
    by_name = {s["shape"]: s for s in shapes}
    assert by_name["dhs:IndicatorGroupSumShape"]["severity"] == "Warning"
    for shape in shapes:
        assert set(shape["name"]) == {"vi", "en"}, shape["shape"]
        assert shape["severity"] in {"Violation", "Warning", "Info"}
    page = client.get("/shapes", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "IndicatorGroupSumShape" in page.text
    assert json.loads(client.get("/shapes", params={"format": "json"}).text) == shapes
    problem(client.get("/shapes", params={"format": "csv"}), 406)
