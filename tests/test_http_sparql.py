"""/sparql on the live service: malformed input of every kind is a 4xx problem+json, never a 500."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import LiveService

PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    assert str(body["type"]).startswith("https://w3id.org/vn-directives/problem/")
    assert "Traceback" not in response.text
    return body


def test_bad_syntax_says_where(project_service: LiveService) -> None:
    response = httpx.get(project_service.sparql, params={"query": "SELECT ?s WHERE {\n  ?s ?p \n"})
    body = _problem(response, 400)
    assert body["title"] == "SPARQL syntax error"
    assert (body["line"], body["column"]) == (3, 1)
    assert "line 3, column 1" in str(body["detail"])
    assert body["instance"] == "/sparql"


@pytest.mark.parametrize(
    ("method", "params", "headers", "body", "status"),
    [
        ("POST", {}, {"Content-Type": "application/sparql-query; charset=UTF-16"}, "ASK {}".encode("utf-16"), 415),
        ("POST", {}, {"Content-Type": "application/sparql-query"}, b'ASK { "\xe0\xe0" }', 400),
        ("POST", {}, {"Content-Type": "application/x-www-form-urlencoded"}, b"query=%E0%E0", 400),
        ("POST", {}, {"Content-Type": "text/plain"}, b"ASK {}", 415),
        ("POST", {}, {}, b"query=ASK%20%7B%7D", 415),
        ("POST", {}, {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--", 415),
        ("GET", {"query": "ASK {}", "timeout": "10"}, {}, None, 400),
        ("GET", {"query": ["ASK {}", "SELECT * {}"]}, {}, None, 400),
        ("GET", {"default-graph-uri": "urn:g"}, {}, None, 400),
        ("GET", {"query": ""}, {}, None, 400),
        ("GET", {"update": "CLEAR ALL"}, {}, None, 403),
        ("POST", {}, {"Content-Type": "application/sparql-update"}, b"CLEAR ALL", 403),
        ("GET", {"query": "DROP ALL"}, {}, None, 403),
        ("GET", {"query": "SELECT * {}"}, {"Accept": "text/html"}, None, 406),
        ("GET", {"query": "ASK {}", "format": "csv"}, {}, None, 406),
        ("GET", {"query": "SELECT * {}", "format": "pdf"}, {}, None, 406),
        ("PUT", {"query": "ASK {}"}, {}, None, 405),
        ("DELETE", {}, {}, None, 405),
    ],
)
def test_malformed_requests(
    project_service: LiveService,
    method: str,
    params: dict[str, str | list[str]],
    headers: dict[str, str],
    body: bytes | None,
    status: int,
) -> None:
    response = httpx.request(method, project_service.sparql, params=params, headers=headers, content=body)
    _problem(response, status)


def test_406_lists_what_can_be_served(project_service: LiveService) -> None:
    body = _problem(httpx.get(project_service.sparql, params={"query": "ASK {}"}, headers={"Accept": "text/csv"}), 406)
    assert body["supported"] == ["application/sparql-results+json", "application/sparql-results+xml"]


def test_405_names_the_allowed_methods(project_service: LiveService) -> None:
    response = httpx.request("PATCH", project_service.sparql)
    _problem(response, 405)
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


def test_huge_body_is_413(project_service: LiveService) -> None:
    huge = b"query=" + b"%20" * 400_000  # 1.2 MB, over the 1 MiB default
    response = httpx.post(
        project_service.sparql, content=huge, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    body = _problem(response, 413)
    assert body["max_bytes"] == 1_048_576

    def chunks() -> object:  # no Content-Length: the limit is enforced while reading
        for _ in range(40):
            yield b"#" * 32_768

    streamed = httpx.post(
        project_service.sparql,
        content=chunks(),
        headers={"Content-Type": "application/sparql-query"},  # type: ignore[arg-type]
    )
    _problem(streamed, 413)


def test_unknown_path_is_a_problem_too(project_service: LiveService) -> None:
    _problem(httpx.get(project_service.url + "/nowhere"), 404)


def test_truncated_results_say_so(live_service: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = tmp_path_factory.mktemp("rows") / "rows.ttl"
    data.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> {i} .\n" for i in range(50)))
    service = live_service("--no-project", f"--data={data}", env={"GRAPH_API_MAX_ROWS": "20"})  # type: ignore[operator]
    response = httpx.get(service.sparql, params={"query": "SELECT ?s { ?s ?p ?o }", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["graph-api-truncated"] == "20"
    assert len(response.text.strip().splitlines()) == 21
    complete = httpx.get(service.sparql, params={"query": "SELECT ?s { ?s ?p ?o } LIMIT 20"})
    assert "graph-api-truncated" not in complete.headers
    assert len(complete.json()["results"]["bindings"]) == 20
    cors = httpx.get(service.sparql, params={"query": "SELECT ?s { ?s ?p ?o }"}, headers={"Origin": "https://x.org"})
    assert "graph-api-truncated" in cors.headers["access-control-expose-headers"].lower()
