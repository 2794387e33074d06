"""The index, /ontology, /shapes.ttl, dumps, dereferencing under /id/, and the OpenAPI document of every route."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pytest
from conftest import CTR16, KH306
from fastapi.routing import APIRoute
from http_helpers import client_for, problem

from graph_api.describe import describe, incoming
from graph_api.html import esc, page, term_html
from graph_api.http import artefacts, documents, health, lineage, queries, sparql, validation
from graph_api.iris import DEFAULT_BASE as BASE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from graph_api.store import GraphStore

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
KH306_PATH = "/id/document/ubnd-thanh-pho-ha-noi/kh/2022/306"
#: Routes of the documents, lineage, validation, queries and artefacts routers.
OUR_TAGS = {"documents", "lineage", "validation", "queries", "artefacts"}


@pytest.fixture(scope="module")
def client(project_store: GraphStore) -> Iterator[TestClient]:
    with client_for(project_store) as test_client:
        yield test_client


_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "json-ld": ox.RdfFormat.JSON_LD}


def _graph(response: Any, fmt: str) -> set[ox.Triple]:
    """The triples of an RDF response (parsed by pyoxigraph: rdflib's JSON-LD parser warns of its deprecations)."""
    assert response.status_code == 200, response.text
    return {quad.triple for quad in ox.parse(input=response.content, format=_FORMATS[fmt])}


def test_index(client: TestClient) -> None:
    body = client.get("/").json()
    hrefs = [e["href"] for e in body["endpoints"]]
    assert {"/documents", "/validation", "/queries", "/sparql", "/ontology", "/dump.ttl"} <= set(hrefs)
    html = client.get("/", headers={"Accept": BROWSER})
    assert html.headers["content-type"].startswith("text/html")
    assert 'href="/lineage?doc=15-NQ/TW"' in html.text


def test_ontology_negotiated(client: TestClient, project_store: GraphStore) -> None:
    ontology_size = project_store.count(project_store.graphs(("ontology",))[0])
    turtle = client.get("/ontology")
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(_graph(turtle, "turtle")) == ontology_size
    jsonld = client.get("/ontology", headers={"Accept": "application/ld+json"})
    assert len(_graph(jsonld, "json-ld")) == ontology_size
    assert client.get("/ontology", params={"format": "nt"}).headers["content-type"].startswith("application/n-triples")
    problem(client.get("/ontology", headers={"Accept": "text/html"}), 406)


def test_shapes_turtle(client: TestClient) -> None:
    graph = _graph(client.get("/shapes.ttl"), "turtle")
    assert any(t.subject == ox.NamedNode("https://w3id.org/vn-directives/shapes#DocumentShape") for t in graph)


@pytest.mark.parametrize(
    ("url", "fmt", "media"),
    [
        ("/dump.ttl", "turtle", "text/turtle"),
        ("/dump.nt", "nt", "application/n-triples"),
        ("/dump.jsonld", "json-ld", "application/ld+json"),
    ],
)
def test_dumps(client: TestClient, project_store: GraphStore, url: str, fmt: str, media: str) -> None:
    response = client.get(url)
    assert response.headers["content-type"].startswith(media)
    graph = _graph(response, fmt)
    assert len(graph) == len(set(project_store.triples()))


def test_dereference_for_machines(client: TestClient) -> None:
    turtle = client.get(KH306_PATH)
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = _graph(turtle, "turtle")
    implements = ox.NamedNode("https://w3id.org/vn-directives/ontology#implements")
    assert ox.Triple(ox.NamedNode(KH306), implements, ox.NamedNode(CTR16)) in graph
    jsonld = client.get(KH306_PATH, headers={"Accept": "application/ld+json"})
    assert "@context" in json.loads(jsonld.text)
    assert len(_graph(jsonld, "json-ld")) == len(graph)
    assert len(_graph(client.get(KH306_PATH, params={"format": "nt"}), "nt")) == len(graph)


def test_dereference_for_browsers(client: TestClient) -> None:
    response = client.get(KH306_PATH, headers={"Accept": BROWSER})
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/id/document/thanh-uy-ha-noi/ctr/2022/16"' in response.text
    assert "306/KH-UBND" in response.text
    assert "Referenced by" in response.text


@pytest.mark.parametrize(
    ("url", "params", "headers", "status"),
    [
        ("/id/document/nowhere", {}, {}, 404),
        ("/id/a%20b{c}", {}, {}, 404),
        ("/id/", {}, {}, 404),
        (KH306_PATH, {"format": "pdf"}, {}, 406),
        (KH306_PATH, {"lang": "vi"}, {}, 400),
        ("/dump.ttl", {"gzip": "1"}, {}, 400),
        ("/", {}, {"Accept": "image/png"}, 406),
    ],
)
def test_bad_requests(
    client: TestClient, url: str, params: dict[str, str], headers: dict[str, str], status: int
) -> None:
    problem(client.get(url, params=params, headers=headers), status)


def test_describe_and_html_helpers(project_store: GraphStore) -> None:
    triples = describe(project_store, KH306)
    assert triples
    assert all(t.subject == ox.NamedNode(KH306) for t in triples[:3])
    assert any(t.predicate.value.endswith("#symbol") for t in triples)
    assert any(
        t.subject.value == BASE + "document/ubnd-thanh-pho-ha-noi/kh/2022/306/task/1"
        for t in incoming(project_store, KH306)
    )
    assert describe(project_store, BASE + "nothing") == []
    assert esc('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert "<script>" not in page("<script>", "")
    assert term_html(ox.Literal("<b>", language="vi"), BASE).startswith("&lt;b&gt;")
    assert 'href="/id/agency/x"' in term_html(ox.NamedNode(BASE + "agency/x"), BASE)


def test_openapi_documents_every_route_with_descriptions_and_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routers = [artefacts, documents, health, lineage, queries, validation]
    routes = [r for router in routers for r in router.router.routes if isinstance(r, APIRoute)]
    # /sparql is a plain Starlette route (see graph_api.http.sparql.routes), documented by hand: one operation per
    # method, each with its own id.
    assert [route.path for route in sparql.routes] == ["/sparql"]
    operations = spec["paths"]["/sparql"]
    assert {method: operations[method]["operationId"] for method in ("get", "post")} == {
        "get": "sparql_get",
        "post": "sparql_post",
    }
    for operation in operations.values():
        assert operation["summary"]
        assert operation["description"]
        assert all(parameter.get("description") for parameter in operation["parameters"])
        assert {"200", "400", "406", "429", "503"} <= operation["responses"].keys()
    ours = [r for r in routes if OUR_TAGS & set(r.tags)]
    assert len(ours) >= 15
    for route in routes:
        assert route.path_format in spec["paths"], f"{route.path} missing from the OpenAPI document"
    for route in ours:
        for method in route.methods - {"HEAD"}:
            operation = spec["paths"][route.path_format][method.lower()]
            where = f"{method} {route.path}"
            assert operation.get("summary"), f"{where}: no summary"
            assert operation.get("description"), f"{where}: no description"
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), f"{where}: parameter {parameter['name']} has no description"
            content = operation["responses"]["200"].get("content", {})
            examples = [c for c in content.values() if c.get("example") or c.get("examples")]
            assert examples, f"{where}: no response example"
