from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest
from conftest import NQ15
from fastapi.testclient import TestClient

from graph_api.app import create_app
from graph_api.settings import Settings, get_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graph_api.store import GraphStore

SYMBOLS = 'PREFIX dh: <https://w3id.org/vn-directives/ontology#> SELECT ?doc WHERE { ?doc dh:symbol "15-NQ/TW" }'
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(documents_store: GraphStore) -> Iterator[TestClient]:
    """One application for the module: starting one (and its query workers) is the slow part."""
    app = create_app(Settings(_env_file=None), store=documents_store)
    with TestClient(app) as test_client:
        yield test_client


def _docs(response_json: dict[str, object]) -> list[str]:
    bindings = response_json["results"]["bindings"]  # type: ignore[index]
    return [b["doc"]["value"] for b in bindings]  # type: ignore[attr-defined]


def test_health(client: TestClient, documents_store: GraphStore) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["quads"] == len(documents_store)


def test_sparql_get(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SYMBOLS})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert _docs(response.json()) == [NQ15]


def test_sparql_head_is_the_get_without_its_body(client: TestClient) -> None:
    for params in ({"query": SYMBOLS}, {}):  # a query; the service description
        get, head = client.get("/sparql", params=params), client.head("/sparql", params=params)
        assert (head.status_code, head.headers["content-type"]) == (200, get.headers["content-type"])
        assert head.content == b""


def test_sparql_post_form_and_direct(client: TestClient) -> None:
    form = client.post(
        "/sparql",
        content=urlencode({"query": SYMBOLS}),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert _docs(form.json()) == [NQ15]
    direct = client.post("/sparql", content=SYMBOLS.encode(), headers={"content-type": "application/sparql-query"})
    assert _docs(direct.json()) == [NQ15]


def test_sparql_dataset_parameters(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SYMBOLS, "default-graph-uri": "http://example.org/none"})
    assert response.status_code == 200
    assert _docs(response.json()) == []


def test_construct_answers_json_ld(client: TestClient) -> None:
    query = "PREFIX dh: <https://w3id.org/vn-directives/ontology#> CONSTRUCT WHERE { ?a dh:implements ?b }"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert "@context" in json.loads(response.content)
    # Without a preference (no Accept, or */*), a graph is Turtle.
    assert client.get("/sparql", params={"query": query}).headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize(
    ("request_kwargs", "status", "title"),
    [
        ({"method": "GET", "url": "/sparql", "params": {"query": "SELECT * WHERE {"}}, 400, "SPARQL syntax error"),
        ({"method": "GET", "url": "/sparql", "params": {"default-graph-uri": "urn:g"}}, 400, "Bad request"),
        (
            {"method": "POST", "url": "/sparql", "content": b"x", "headers": {"content-type": "text/plain"}},
            415,
            "Unsupported media type",
        ),
    ],
)
def test_errors_are_problem_documents(
    client: TestClient, request_kwargs: dict[str, object], status: int, title: str
) -> None:
    response = client.request(**request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] == title
    assert body["type"].startswith("https://w3id.org/vn-directives/problem/")
    assert body["detail"]


def test_syntax_error_problem_has_position(client: TestClient) -> None:
    body = client.get("/sparql", params={"query": "SELECT * WHERE {\n ?s ?p }"}).json()
    assert (body["line"], body["column"]) == (2, 9)


def test_lifespan_loads_the_store_from_settings(project_dirs: Settings) -> None:
    get_settings.cache_clear()
    with TestClient(create_app(project_dirs)) as test_client:
        assert test_client.get("/health").json()["graphs"] == 2
        assert _docs(test_client.get("/sparql", params={"query": SYMBOLS}).json()) == [NQ15]
